"""Draw the peta rawan map (matplotlib, headless): kecamatan by band, "tanpa laporan" and kab/kota without an office
hatched, insets for dense cities and remote islands, labels that do not collide, a scale bar, north arrow and sources."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from handlers.localtime import zone_abbreviation
from handlers.rawan_data import KecamatanScore, RawanData, period_text
from handlers.rawan_map_labels import HALO, Label, place_labels
from handlers.texts import t
from storage import geo

# 1200 × 1200 px: what a chat shows without rescaling, and the width of the PDF's map page.
SIZE_IN, DPI = 10.0, 120
BAND_COLOURS = {"rendah": "#fee8a8", "sedang": "#fd8d3c", "tinggi": "#bd0026"}
# "Tanpa laporan" and "belum ada kantor Siaga": greys under hatching, unlike any band colour.
NO_REPORTS, NO_REPORTS_HATCH = "#ebebeb", "#b4b4b4"
NO_OFFICE, NO_OFFICE_HATCH = "#dedede", "#a6a6a6"
SEA, NEIGHBOUR, NEIGHBOUR_EDGE = "#e6eff6", "#f3f2ee", "#cfcfcf"
KECAMATAN_EDGE, KABKOTA_EDGE, PROVINCE_EDGE = "#ffffff", "#3a3a3a", "#151515"
SEVERITY_RINGS = {"rendah": "#2b8cbe", "sedang": "#08519c", "tinggi": "#000000"}

# Layout in figure fractions: the map on the left, a panel of insets, legend and counts on the right.
MAIN_RECT = (0.012, 0.045, 0.665, 0.865)
PANEL_LEFT, PANEL_WIDTH, PANEL_TOP = 0.69, 0.30, 0.905
INSETS_HEIGHT = 0.52
MAX_INSETS = 3
# A sedang or tinggi kecamatan smaller than this on the main map (in square pixels) is shown again, larger, in an
# inset of its kabupaten/kota: at a province's scale a city's kecamatan are a few pixels across.
INSET_BELOW_PX2 = 1200.0
# In its inset a hot spot gets at least this many square pixels, or the inset closes in on it.
INSET_AT_LEAST_PX2 = 4000.0
# What the map promises (and tests/handlers/test_rawan_map.py checks on the PNG): every sedang or tinggi kecamatan
# shows its band colour on at least this many pixels (a patch of 20 × 20), on the main map or in an inset.
VISIBLE_PIXELS = 400
# Parts of a region smaller than this share of its area do not stretch the frame (Pulau Sembilan, 100 km out at
# sea, would add a quarter of empty sea to Kalimantan Selatan); a kecamatan left outside gets an inset.
FRAME_MIN_SHARE = 0.002
# Regions with at most this many kecamatan name them all; a province names its hot spots only.
LABEL_ALL_UP_TO = 40
LABEL_HOT_MAX = 14
# Simplify outlines to this fraction of a pixel: invisible, and a tenth of the vertices to draw.
SIMPLIFY_PX = 0.5


# -- geometry to matplotlib ------------------------------------------------------------------------


def _path(geometry: Any) -> MplPath:
    """Turn a (multi)polygon into one compound path (exterior rings counter-clockwise, holes clockwise)."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in shapely.get_parts(geometry):
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            kinds = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            kinds[0], kinds[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(kinds)
    if not vertices:
        return MplPath(np.empty((0, 2)))
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _paths(geometries: Sequence[Any], frame: tuple[float, float, float, float], tolerance: float) -> list[MplPath]:
    """Clip outlines to the frame (with a margin) and simplify them below what a pixel shows."""
    x0, y0, x1, y1 = frame
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    clipped = shapely.clip_by_rect(np.asarray(geometries, dtype=object), x0 - mx, y0 - my, x1 + mx, y1 + my)
    return [_path(g) for g in shapely.simplify(clipped, tolerance, preserve_topology=True)]


def _aspect(latitude: float) -> float:
    # A degree of longitude is cos(latitude) of a degree of latitude: this keeps shapes true.
    return 1 / math.cos(math.radians(latitude))


def _frame_of(geometries: Sequence[Any], aspect_box: float) -> tuple[float, float, float, float]:
    """Fit a frame to the land: the bounds of the larger parts, padded, widened to the box's shape (height/width)."""
    parts = shapely.get_parts(np.asarray(geometries, dtype=object))
    areas = shapely.area(parts)
    large = parts[areas >= FRAME_MIN_SHARE * areas.sum()]
    x0, y0, x1, y1 = shapely.total_bounds(large)
    pad = 0.03 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    stretch = _aspect((y0 + y1) / 2)
    width, height = x1 - x0, (y1 - y0) * stretch
    if height / width < aspect_box:
        grow = (width * aspect_box - height) / stretch / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (height / aspect_box - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    return x0, y0, x1, y1


# -- what is drawn where ---------------------------------------------------------------------------


@dataclass
class Inset:
    """A second, larger view of part of the map: a dense city, or a kecamatan out at sea."""

    key: str
    title: str
    bounds: tuple[float, float, float, float]
    # The kecamatan it names.
    codes: set[str]
    priority: float
    # The small hot kecamatan it is there for.
    hot: set[str] = field(default_factory=set)


@dataclass
class View:
    """One axes (the main map or an inset) with the outlines it shows."""

    ax: Axes
    frame: tuple[float, float, float, float]
    shapes: list[geo.Boundary]
    labels: list[Label] = field(default_factory=list)
    obstacles: list[Bbox] = field(default_factory=list)
    # The sedang and tinggi kecamatan in pixels: labels keep off them where they can.
    hot_px: dict[str, Any] = field(default_factory=dict)

    @property
    def px_per_degree(self) -> tuple[float, float]:
        box = self.ax.get_window_extent()
        x0, y0, x1, y1 = self.frame
        return box.width / (x1 - x0), box.height / (y1 - y0)

    def area_px(self, geometry: Any) -> float:
        sx, sy = self.px_per_degree
        return float(shapely.area(geometry)) * sx * sy

    def find_hot(self, scores: dict[str, KecamatanScore]) -> None:
        """Keep the view's sedang and tinggi kecamatan in pixel coordinates, simplified to a pixel."""
        x0, y0, x1, y1 = self.frame
        for b in self.shapes:
            if scores[b.code].band in ("sedang", "tinggi"):
                clipped = shapely.clip_by_rect(b.geometry, x0, y0, x1, y1)
                self.hot_px[b.code] = shapely.simplify(shapely.transform(clipped, self.ax.transData.transform), 1.0)


def _short_kabkota(name: str) -> str:
    """Name a kabupaten without its prefix, as maps do; a kota keeps `Kota`."""
    return name.removeprefix("Kabupaten ")


def _draw_regions(view: View, data: RawanData, scores: dict[str, KecamatanScore], *, province: bool) -> None:
    """Draw neighbours, kecamatan by band (hatched without reports), kab/kota and province borders."""
    ax, frame = view.ax, view.frame
    sx, sy = view.px_per_degree
    tolerance = SIMPLIFY_PX / max(sx, sy)
    x0, y0, x1, y1 = frame
    ax.set_facecolor(SEA)
    box = shapely.box(x0, y0, x1, y1)
    neighbours = [b.geometry for b in geo.boundaries("kabkota").values()
                  if not b.code.startswith(data.scope + ".") and b.code != data.scope and b.geometry.intersects(box)]
    if neighbours:
        ax.add_collection(PathCollection(_paths(neighbours, frame, tolerance), facecolors=NEIGHBOUR,
                                         edgecolors=NEIGHBOUR_EDGE, linewidths=0.5, zorder=0.5))
    groups: dict[str, list[geo.Boundary]] = {}
    for b in view.shapes:
        s = scores[b.code]
        key = s.band or ("none" if s.office else "no_office")
        groups.setdefault(key, []).append(b)
    for key, members in groups.items():
        paths = _paths([b.geometry for b in members], frame, tolerance)
        if key in BAND_COLOURS:
            collection = PathCollection(paths, facecolors=BAND_COLOURS[key], edgecolors=KECAMATAN_EDGE,
                                        linewidths=0.45, zorder=1)
        else:
            fill, hatch, ink = ((NO_REPORTS, "///", NO_REPORTS_HATCH) if key == "none" else
                                (NO_OFFICE, "xxx", NO_OFFICE_HATCH))
            collection = PathCollection(paths, facecolors=fill, edgecolors=KECAMATAN_EDGE, linewidths=0.45,
                                        hatch=hatch, zorder=1)
            collection.set_hatchcolor(ink)
            collection.set_hatch_linewidth(0.5)
        ax.add_collection(collection)
    kabkota = [b for b in geo.within(data.scope, "kabkota") if shapely.intersects(b.geometry, box)]
    ax.add_collection(PathCollection(_paths([b.geometry for b in kabkota], frame, tolerance), facecolors="none",
                                     edgecolors=KABKOTA_EDGE, linewidths=0.9, zorder=2))
    if province:
        outline = geo.province_boundaries()[data.scope[:2]].geometry
        ax.add_collection(PathCollection(_paths([outline], frame, tolerance), facecolors="none",
                                         edgecolors=PROVINCE_EDGE, linewidths=1.3, zorder=2.1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_points(view: View, data: RawanData, *, skip: Iterable[tuple[float, float, float, float]] = (),
                 size: float = 11.0) -> None:
    """Draw report locations as hollow rings, so the band colour stays visible through them."""
    x0, y0, x1, y1 = view.frame
    skipped = list(skip)
    for severity, colour in SEVERITY_RINGS.items():
        pts = [(p.longitude, p.latitude) for p in data.points if p.severity.value == severity
               and x0 <= p.longitude <= x1 and y0 <= p.latitude <= y1
               and not any(a <= p.longitude <= c and b <= p.latitude <= d for a, b, c, d in skipped)]
        if pts:
            xs, ys = zip(*pts, strict=True)
            view.ax.scatter(xs, ys, s=size, facecolors="none", edgecolors=colour, linewidths=0.7, alpha=0.85,
                            zorder=3)


def _scale_bar(view: View, *, fontsize: float = 7.5) -> Bbox:
    """Draw a scale bar of a round length (about a fifth of the width) lower left; return where it is, in pixels."""
    ax = view.ax
    x0, y0, x1, y1 = view.frame
    latitude = (y0 + y1) / 2
    km_per_degree = geo.DEGREE_M * math.cos(math.radians(latitude)) / 1000
    target = (x1 - x0) * km_per_degree / 5
    length = max((n * 10 ** e for e in range(-1, 4) for n in (1, 2, 5) if n * 10 ** e <= target), default=0.1)
    width = length / km_per_degree
    margin_x, margin_y = (x1 - x0) * 0.04, (y1 - y0) * 0.035
    left = x0 + margin_x
    bottom = y0 + margin_y
    height = (y1 - y0) * 0.008
    ax.add_patch(Rectangle((left, bottom), width / 2, height, facecolor="#222222", edgecolor="#222222", lw=0.6,
                           zorder=6))
    ax.add_patch(Rectangle((left + width / 2, bottom), width / 2, height, facecolor="white", edgecolor="#222222",
                           lw=0.6, zorder=6))
    label = f"{length:g} km"
    for x, text in ((left, "0"), (left + width, label)):
        ax.text(x, bottom + height * 1.8, text, ha="center", va="bottom", fontsize=fontsize, zorder=6,
                path_effects=HALO)
    return Bbox(ax.transData.transform([(left - margin_x * 0.4, bottom - margin_y * 0.3),
                                        (left + width + margin_x * 0.6, bottom + height * 6)]))


def _north_arrow(view: View, lang: str) -> Bbox:
    """Draw a north arrow in the upper left corner; return where it is, in pixels."""
    ax = view.ax
    ax.annotate(t("rawan.map.north", lang), xy=(0.045, 0.975), xytext=(0.045, 0.905), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, weight="bold", zorder=6, path_effects=HALO,
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "color": "#222222", "lw": 1.6})
    box = ax.get_window_extent()
    return Bbox.from_extents(box.x0, box.y1 - 0.12 * box.height, box.x0 + 0.09 * box.width, box.y1)


def _anchor(view: View, b: geo.Boundary) -> tuple[float, float]:
    """Return where a kecamatan's name points: its label point, or a point of the part inside the view."""
    x0, y0, x1, y1 = view.frame
    if x0 <= b.label.x <= x1 and y0 <= b.label.y <= y1:
        return b.label.x, b.label.y
    inside = shapely.point_on_surface(shapely.clip_by_rect(b.geometry, x0, y0, x1, y1))
    return inside.x, inside.y


def _score_label(s: KecamatanScore, anchor: tuple[float, float], size: float) -> Label:
    text = f"{s.name}\n{s.shown}" if s.score is not None else s.name
    return Label(text, anchor, size, weight="bold" if s.band == "tinggi" else "normal", force=True, code=s.code)


def _kecamatan_labels(view: View, scores: dict[str, KecamatanScore], *, hot_only: bool, size: float) -> None:
    """Label kecamatan (a province's hot spots only): the highest scores first; small hot ones kept clear."""
    shapes = {b.code: b for b in view.shapes}
    scored = sorted((scores[c] for c in shapes if scores[c].score is not None), key=lambda s: -(s.score or 0))
    if hot_only:
        scored = [s for s in scored if s.band in ("sedang", "tinggi")][:LABEL_HOT_MAX]
    view.labels += [_score_label(s, _anchor(view, shapes[s.code]), size) for s in scored]
    if not hot_only:
        unscored = sorted((b for b in view.shapes if scores[b.code].score is None),
                          key=lambda b: -float(shapely.area(b.geometry)))
        view.labels += [Label(b.name, _anchor(view, b), size - 0.5, colour="#444444", reach=48) for b in unscored]


# -- the figure ------------------------------------------------------------------------------------


def _insets(main: View, data: RawanData, scores: dict[str, KecamatanScore], lang: str) -> list[Inset]:
    """Choose the insets: kab/kota (or, in one kab/kota, a corner) whose hot spots are too small, and remote kecamatan."""
    x0, y0, x1, y1 = main.frame
    province = data.scope.count(".") == 0
    found: dict[str, Inset] = {}
    for b in main.shapes:
        s = scores[b.code]
        if not shapely.intersects(b.geometry, shapely.box(x0, y0, x1, y1)):
            bx0, by0, bx1, by1 = shapely.bounds(b.geometry)
            pad = 0.25 * max(bx1 - bx0, by1 - by0)
            title = f"{b.name} ({_short_kabkota(s.kabkota)})"
            # A hot spot out at sea must be shown; a quiet one only if there is room (else the panel names it).
            priority = 1000 + (s.score or 0) if s.band in ("sedang", "tinggi") else -1
            found[b.code] = Inset(b.code, title, (bx0 - pad, by0 - pad, bx1 + pad, by1 + pad), {b.code}, priority)
        elif s.band in ("sedang", "tinggi") and main.area_px(b.geometry) < INSET_BELOW_PX2:
            key = s.kabkota_code if province else "near"
            inset = found.get(key)
            if inset is None:
                title = s.kabkota if province else t("rawan.map.inset_near", lang, region=data.region_name)
                inset = found[key] = Inset(key, title, (math.inf, math.inf, -math.inf, -math.inf), set(), 0.0)
            inset.hot.add(b.code)
            inset.priority = max(inset.priority, s.score or 0)
    slot = _inset_slot_px(main.ax.figure, min(len(found), MAX_INSETS))
    geometry = {b.code: b.geometry for b in main.shapes}
    for inset in found.values():
        if inset.key in scores:
            continue  # a remote kecamatan: its bounds are set
        hot = [geometry[c] for c in inset.hot]
        whole = [shapely.bounds(geo.kabkota_boundaries()[inset.key].geometry)] if province else []
        # Close in on the hot spots while the whole kab/kota would leave them small (Samarinda's centre).
        bx0, by0, bx1, by1 = shapely.total_bounds(np.asarray(hot, dtype=object))
        span = max(bx1 - bx0, by1 - by0, 0.01)
        closer = [(bx0 - k * span, by0 - k * span, bx1 + k * span, by1 + k * span) for k in (1.0, 0.6, 0.3, 0.15)]
        for bounds in whole + [c for c in closer if not whole or c[2] - c[0] < whole[0][2] - whole[0][0]]:
            inset.bounds = bounds
            if min(_area_in(g, bounds, slot) for g in hot) >= INSET_AT_LEAST_PX2:
                break
    chosen = sorted(_merged(list(found.values()), geometry, slot), key=lambda i: -i.priority)[:MAX_INSETS]
    for inset in chosen:
        if inset.key in scores:
            continue
        # The inset names (and the main map leaves unnamed) the kecamatan of its kab/kota whose label it shows.
        x0, y0, x1, y1 = inset.bounds
        own = tuple(k + "." for k in inset.key.split("+")) if province else (data.scope + ".",)
        inset.codes = {b.code for b in main.shapes if b.code.startswith(own) and x0 <= b.label.x <= x1
                       and y0 <= b.label.y <= y1}
    return chosen


def _merged(insets: list[Inset], geometry: dict[str, Any], slot: tuple[float, float]) -> list[Inset]:
    """Join insets whose areas overlap (Banjarbaru beside Martapura) where their hot spots stay large enough."""
    joined = list(insets)
    merged = True
    while merged:
        merged = False
        for a, b in ((a, b) for i, a in enumerate(joined) for b in joined[i + 1:]):
            if a.key in geometry or b.key in geometry or not shapely.intersects(shapely.box(*a.bounds),
                                                                                 shapely.box(*b.bounds)):
                continue
            bounds = (min(a.bounds[0], b.bounds[0]), min(a.bounds[1], b.bounds[1]),
                      max(a.bounds[2], b.bounds[2]), max(a.bounds[3], b.bounds[3]))
            if min(_area_in(geometry[c], bounds, slot) for c in a.hot | b.hot) < INSET_AT_LEAST_PX2:
                continue
            joined[joined.index(a)] = Inset(f"{a.key}+{b.key}", f"{a.title} · {b.title}", bounds, set(),
                                            max(a.priority, b.priority), a.hot | b.hot)
            joined.remove(b)
            merged = True
            break
    return joined


def _inset_slot_px(fig: Figure, count: int) -> tuple[float, float]:
    """Return the size in pixels of one inset's axes when `count` insets share the panel."""
    width, height = fig.get_size_inches() * fig.dpi
    return PANEL_WIDTH * width, (INSETS_HEIGHT / max(count, 2) - 0.03) * height


def _area_in(geometry: Any, bounds: tuple[float, float, float, float], slot: tuple[float, float]) -> float:
    """Return the square pixels a geometry gets in an inset of these bounds fitted to a slot of this size."""
    x0, y0, x1, y1 = bounds
    stretch = _aspect((y0 + y1) / 2)
    scale = min(slot[0] / (x1 - x0), slot[1] / ((y1 - y0) * stretch))
    return float(shapely.area(geometry)) * scale * scale * stretch


def _inset_view(fig: Figure, inset: Inset, slot: tuple[float, float, float, float], data: RawanData,
                scores: dict[str, KecamatanScore], lang: str, letter: str) -> View:
    """Draw an inset in its slot of the panel; return its view, with the labels still to place."""
    left, bottom, width, height = slot
    ax = fig.add_axes((left, bottom, width, height - 0.03), label=f"inset:{inset.key}")
    box = ax.get_window_extent()
    # The frame has the axes' shape, so the limits alone keep the shapes true (no aspect to adjust at draw time).
    frame = _frame_of([shapely.box(*inset.bounds)], box.height / box.width)
    shapes = [b for b in geo.boundaries_within(data.scope)
              if shapely.intersects(b.geometry, shapely.box(*frame))]
    view = View(ax, frame, shapes)
    _draw_regions(view, data, scores, province=data.scope.count(".") == 0)
    _draw_points(view, data, size=9)
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
    fig.text(left, bottom + height - 0.027, f"{letter}  {inset.title}", fontsize=9, weight="bold", va="bottom")
    view.obstacles.append(_scale_bar(view, fontsize=6.5))
    # Named: the kecamatan of the inset's own kab/kota (all of them for a kab/kota office), not its neighbours'.
    own = tuple(k + "." for k in (inset.key.split("+") if data.scope.count(".") == 0 else [data.scope]))
    labelled = View(ax, frame, [b for b in shapes if b.code in inset.codes
                                or (inset.key not in scores and b.code.startswith(own))], obstacles=view.obstacles)
    view.find_hot(scores)
    labelled.hot_px = view.hot_px
    _kecamatan_labels(labelled, scores, hot_only=len(labelled.shapes) > 16, size=7)
    return labelled


def map_figure(data: RawanData, lang: str) -> Figure:
    """Draw the map of an office's jurisdiction: bands, hatching, insets, labels, points, legend, scale, sources."""
    fig = Figure(figsize=(SIZE_IN, SIZE_IN), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    scores = {s.code: s for s in data.scores}
    province = data.scope.count(".") == 0
    shapes = geo.boundaries_within(data.scope)
    _titles(fig, data, lang)
    if not shapes:
        # A region outside the shipped provinces (imported with `siaga regions import`): say so, draw nothing.
        fig.text(0.5, 0.5, t("rawan.map.no_boundaries", lang, region=data.region_name), ha="center", va="center",
                 fontsize=12, wrap=True)
        return fig

    ax = fig.add_axes(MAIN_RECT, label="main")
    box = ax.get_window_extent()
    frame = _frame_of([b.geometry for b in shapes], box.height / box.width)
    main = View(ax, frame, shapes)
    insets = _insets(main, data, scores, lang)
    _draw_regions(main, data, scores, province=province)
    _draw_points(main, data, skip=[i.bounds for i in insets if i.key not in scores])

    views = [main]
    letters: list[Label] = []
    slot_height = INSETS_HEIGHT / max(len(insets), 2)
    for n, inset in enumerate(insets):
        letter = chr(ord("A") + n)
        top = PANEL_TOP - n * slot_height
        views.append(_inset_view(fig, inset, (PANEL_LEFT, top - slot_height, PANEL_WIDTH, slot_height), data,
                                 scores, lang, letter))
        if inset.key not in scores:  # a city: a dashed box and its letter on the main map
            x0, y0, x1, y1 = inset.bounds
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor="#222222", lw=0.9,
                                   linestyle=(0, (3, 2)), zorder=4))
            letters.append(Label(letter, (x0, y1), 10, weight="bold", force=True, reach=64))
            main.obstacles.append(Bbox(ax.transData.transform([(x0, y0), (x1, y1)])))

    main.obstacles += [_scale_bar(main), _north_arrow(main, lang)]
    main.find_hot(scores)
    in_insets = {c for i in insets if i.key not in scores for c in i.codes}
    main.shapes = [b for b in shapes if b.code not in in_insets]
    if province:
        _kecamatan_labels(main, scores, hot_only=True, size=7.5)
        main.labels += letters
        for kab in geo.within(data.scope, "kabkota"):
            if any(kab.code in i.key.split("+") for i in insets):
                continue
            main.labels.append(Label(_short_kabkota(kab.name), (kab.label.x, kab.label.y), 7.5, style="italic",
                                     colour="#333333", reach=48))
    else:
        _kecamatan_labels(main, scores, hot_only=len(shapes) > LABEL_ALL_UP_TO, size=8.5)
        main.labels += letters

    renderer = canvas.get_renderer()
    for view in views:
        place_labels(view.ax, view.labels, view.obstacles, view.hot_px, renderer)
    frame_box = shapely.box(*frame)
    left_out = [f"{b.name} ({_short_kabkota(scores[b.code].kabkota)})" for b in shapes
                if not shapely.intersects(b.geometry, frame_box) and b.code not in {i.key for i in insets}]
    _panel(fig, renderer, data, lang, top=PANEL_TOP - len(insets) * slot_height if insets else PANEL_TOP,
           left_out=left_out)
    return fig


def _titles(fig: Figure, data: RawanData, lang: str) -> None:
    """Write the title, the window's dates in the office's zone, and the sources."""
    fig.text(0.012, 0.975, t("rawan.map.title", lang, region=data.region_name), fontsize=15, weight="bold",
             va="center")
    fig.text(0.012, 0.94, t("rawan.map.subtitle", lang, period=period_text(data, lang),
                            zone=zone_abbreviation(data.tz), office=data.office_name),
             fontsize=10, color="#333333", va="center")
    fig.text(0.012, 0.018, t("rawan.map.source", lang, reports=data.reports), fontsize=7, color="#555555",
             va="center")


def _panel(fig: Figure, renderer: Any, data: RawanData, lang: str, *, top: float, left_out: Sequence[str]) -> None:
    """Draw the legend and the counts (kecamatan with and without reports, kab/kota without an office)."""
    ax = fig.add_axes((PANEL_LEFT, 0.045, PANEL_WIDTH, top - 0.06), label="legend")
    ax.axis("off")
    handles: list[Any] = [Patch(facecolor=BAND_COLOURS[b], edgecolor="#777777", label=t(f"rawan.map.band.{b}", lang))
                          for b in ("tinggi", "sedang", "rendah")]
    handles.append(Patch(facecolor=NO_REPORTS, edgecolor="#777777", hatch="///", hatchcolor=NO_REPORTS_HATCH,
                         label=t("rawan.map.no_reports", lang)))
    if data.blind:
        handles.append(Patch(facecolor=NO_OFFICE, edgecolor="#777777", hatch="xxx", hatchcolor=NO_OFFICE_HATCH,
                             label=t("rawan.map.no_office", lang)))
    handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor=colour,
                       markeredgewidth=1.0, markersize=6,
                       label=t("rawan.map.point", lang, severity=t(f"severity.{s}", lang)))
                for s, colour in reversed(SEVERITY_RINGS.items())]
    handles.append(Line2D([], [], color=KABKOTA_EDGE, lw=0.9, label=t("rawan.map.kabkota_border", lang)))
    legend = ax.legend(handles=handles, loc="upper left", fontsize=8, title=t("rawan.map.legend", lang),
                       title_fontsize=9, frameon=False, alignment="left", borderaxespad=0.2)
    lines = [t("rawan.map.counts", lang, reports=data.reports, scored=len(data.scored), total=len(data.scores),
               tinggi=data.band_count("tinggi"), sedang=data.band_count("sedang"), rendah=data.band_count("rendah"),
               none=len(data.without_reports))]
    if data.blind:
        lines.append(t("rawan.blind", lang, count=len(data.blind),
                       names=", ".join(_short_kabkota(n) for _, n in data.blind)))
    if left_out:
        lines.append(t("rawan.map.left_out", lang, names=", ".join(left_out)))
    text = "\n".join(textwrap.fill(line, 52) for line in lines)
    legend_box = legend.get_window_extent(renderer)
    _, y = fig.transFigure.inverted().transform((0, legend_box.y0))
    fig.text(PANEL_LEFT + 0.004, y - 0.015, text, fontsize=8, va="top", color="#222222", linespacing=1.35)


def draw_map(data: RawanData, lang: str, path: Path | IO[bytes], *, cache_dir: Path | None = None) -> None:
    """Write the map as a PNG to a file name or an open binary file (boundaries first loaded through `cache_dir`)."""
    geo.load(cache_dir)
    map_figure(data, lang).savefig(path, format="png")
