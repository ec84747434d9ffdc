"""The peta rawan map read back from its PNG: every sedang/tinggi kecamatan shows its colour (main map or inset),
kecamatan without reports are grey, kab/kota without an office are marked, the frame fits the land."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
import shapely
from PIL import Image

from handlers import rawan_data, rawan_map
from storage import geo
from storage.models import Role
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.reports import add_report

END = FROZEN_NOW
H = timedelta(hours=1)
# (kecamatan, severities of its reports, each a separate event): tinggi twice scores 65+, sedang once 33+.
SEEDED = {
    # Kota Banjarmasin: all five kecamatan hot, side by side, with a crowd of located reports.
    "63.71.01": ("tinggi", "tinggi", "tinggi"), "63.71.02": ("sedang",), "63.71.03": ("tinggi", "tinggi"),
    "63.71.04": ("sedang", "sedang"), "63.71.05": ("tinggi", "sedang"),
    # Kota Banjarbaru and Martapura next to it, Batu Licin on the east coast, Tanjung in Tabalong (no office).
    "63.72.05": ("sedang",), "63.72.02": ("tinggi", "tinggi"), "63.03.05": ("tinggi", "sedang"),
    "63.10.01": ("sedang",), "63.09.04": ("tinggi", "tinggi"), "63.09.01": ("rendah",),
    # Kalimantan Timur: Samarinda's small centre, Balikpapan, Bontang, and the large Long Bagun and Kelay.
    "64.72.09": ("tinggi", "tinggi"), "64.72.04": ("sedang",), "64.71.04": ("tinggi",), "64.74.01": ("sedang",),
    "64.11.01": ("tinggi", "tinggi"), "64.03.01": ("sedang",), "64.08.01": ("rendah",),
}
CATEGORIES = ("unjuk_rasa", "konflik_sara", "hoaks")


@pytest.fixture
def seeded(session):
    officers = {region: add_officer(session, f"o-{region}", region=region, role=Role.HEAD)
                for region in ("63", "63.71", "63.72", "64", "64.72")}
    rng = np.random.default_rng(3)
    n = 0
    for code, severities in SEEDED.items():
        reporter = officers.get(code[:5]) or officers[code[:2]]
        for i, severity in enumerate(severities):
            n += 1
            add_report(session, reporter, f"M-{n}", code, CATEGORIES[i], severity, END - (10 + 20 * i) * H)
    # 80 located reports across Banjarmasin Selatan: the points must not bury its colour.
    selatan = geo.kecamatan_boundaries()["63.71.01"].geometry
    x0, y0, x1, y1 = selatan.bounds
    points = [p for p in shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400)) if selatan.contains(p)]
    for p in points[:80]:
        n += 1
        add_report(session, officers["63.71"], f"M-{n}", "63.71.01", "unjuk_rasa", "tinggi", END - 5 * H,
                   latitude=p.y, longitude=p.x)
    session.flush()
    return officers


def render(session, officers, scope):  # type: ignore[no-untyped-def]
    data = rawan_data.gather(session, officers[scope].office, END - rawan_data.DEFAULT_WINDOW, END)
    figure = rawan_map.map_figure(data, "id")
    png = io.BytesIO()
    figure.savefig(png, format="png")  # exactly what draw_map writes, and what chat and the PDF carry
    image = np.asarray(Image.open(io.BytesIO(png.getvalue())).convert("RGB"))
    return data, figure, image


def colour(hex_code: str) -> np.ndarray:
    return np.array([int(hex_code[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def footprint(ax, geometry, image) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Return the image rows and columns of the pixels whose centres lie in a geometry drawn in an axes."""
    height = image.shape[0]
    in_pixels = shapely.transform(geometry, ax.transData.transform)
    box = ax.get_window_extent()
    x0, y0, x1, y1 = in_pixels.bounds
    x0, y0, x1, y1 = max(x0, box.x0), max(y0, box.y0), min(x1, box.x1), min(y1, box.y1)
    if x1 <= x0 or y1 <= y0:
        return np.array([], dtype=int), np.array([], dtype=int)
    xs, ys = np.meshgrid(np.arange(int(x0), int(x1) + 1) + 0.5, np.arange(int(y0), int(y1) + 1) + 0.5)
    inside = shapely.contains_xy(in_pixels, xs, ys)
    rows = (height - ys[inside]).astype(int)
    cols = xs[inside].astype(int)
    keep = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < image.shape[1])
    return rows[keep], cols[keep]


def visible_pixels(figure, image, code: str, hex_code: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Count, in each map axes, the pixels of a kecamatan's footprint that show exactly this colour."""
    geometry = geo.kecamatan_boundaries()[code].geometry
    counts = {}
    for ax in figure.axes:
        if ax.get_label() == "main" or ax.get_label().startswith("inset:"):
            rows, cols = footprint(ax, geometry, image)
            counts[ax.get_label()] = int((image[rows, cols] == colour(hex_code)).all(axis=1).sum())
    return counts


@pytest.mark.parametrize("scope", ["63", "63.71", "64"])
def test_every_sedang_and_tinggi_kecamatan_shows_its_colour_in_the_png(session, seeded, scope):
    data, figure, image = render(session, seeded, scope)
    assert image.shape == (1200, 1200, 3)
    hot = [s for s in data.scores if s.band in ("sedang", "tinggi")]
    assert len(hot) >= {"63": 10, "63.71": 5, "64": 6}[scope]
    for s in hot:
        counts = visible_pixels(figure, image, s.code, rawan_map.BAND_COLOURS[s.band])
        assert max(counts.values()) >= rawan_map.VISIBLE_PIXELS, (s.code, s.name, s.band, counts)


def test_dense_cities_get_insets_and_the_frame_leaves_out_far_islands(session, seeded):
    data, figure, image = render(session, seeded, "63")
    insets = sorted(ax.get_label() for ax in figure.axes if ax.get_label().startswith("inset:"))
    assert "inset:63.71" in insets
    main = next(ax for ax in figure.axes if ax.get_label() == "main")
    x0, x1 = main.get_xlim()
    y0, y1 = main.get_ylim()
    # The frame holds every kecamatan but Pulau Sembilan, 100 km out at sea (it would add a quarter of sea).
    for b in geo.boundaries_within("63"):
        assert (x0 <= b.label.x <= x1 and y0 <= b.label.y <= y1) == (b.name != "Pulau Sembilan"), b.name
    assert -4.35 < y0 < -4.18 and -1.31 < y1 < -1.15
    texts = " ".join(t.get_text() for t in figure.texts)
    assert "Pulau Sembilan (Kotabaru)" in texts and "cahyadsn/wilayah_boundaries" in texts
    assert "24/10/2026 s.d. 23/11/2026 (WITA)" in texts


def test_kecamatan_without_reports_are_grey_and_kab_kota_without_an_office_are_marked(session, seeded):
    data, figure, image = render(session, seeded, "63")
    main = next(ax for ax in figure.axes if ax.get_label() == "main")
    band_colours = [colour(c) for c in rawan_map.BAND_COLOURS.values()]

    def shares(code):  # type: ignore[no-untyped-def]
        # The kecamatan's interior (a pixel in from its border), as fractions of each grey and of band colours.
        rows, cols = footprint(main, geo.kecamatan_boundaries()[code].geometry.buffer(-0.01), image)
        pixels = image[rows, cols]
        share = {name: float((pixels == colour(c)).all(axis=1).mean()) for name, c in (
            ("no_reports", rawan_map.NO_REPORTS), ("no_office", rawan_map.NO_OFFICE))}
        share["band"] = float(sum((pixels == c).all(axis=1).mean() for c in band_colours))
        return share

    # Kabupaten Kotabaru has no office: its quiet kecamatan are cross-hatched; Banjarbaru's quiet ones are not.
    kotabaru = shares("63.02.14")  # Hampang
    assert kotabaru["no_office"] > 0.3 and kotabaru["no_reports"] < 0.01 and kotabaru["band"] == 0
    # Liang Anggang, quiet, in Kota Banjarbaru (which has an office), drawn in Banjarbaru's inset.
    [banjarbaru] = [ax for ax in figure.axes if "63.72" in ax.get_label().removeprefix("inset:").split("+")]
    rows, cols = footprint(banjarbaru, geo.kecamatan_boundaries()["63.72.06"].geometry.buffer(-0.003), image)
    quiet = image[rows, cols]
    assert (quiet == colour(rawan_map.NO_REPORTS)).all(axis=1).mean() > 0.3
    assert not any((quiet == c).all(axis=1).any() for c in band_colours)
    assert [s.score for s in data.scores if s.code in ("63.02.14", "63.72.06")] == [None, None]
    legend = next(ax for ax in figure.axes if ax.get_label() == "legend")
    entries = [t.get_text() for t in legend.get_legend().get_texts()]
    assert "Tanpa laporan (tanpa skor)" in entries and "Belum ada kantor Siaga" in entries
    assert any("Belum ada kantor Siaga di 11 kab/kota" in t.get_text().replace("\n", " ") for t in figure.texts)


def test_the_map_is_drawn_in_english_too(session, seeded, tmp_path):
    data = rawan_data.gather(session, seeded["63.71"].office, END - rawan_data.DEFAULT_WINDOW, END)
    rawan_map.draw_map(data, "en", tmp_path / "map.png")
    with Image.open(tmp_path / "map.png") as image:
        assert image.size == (1200, 1200)
    texts = " ".join(t.get_text() for t in rawan_map.map_figure(data, "en").texts)
    assert "Conflict Vulnerability Map, Kota Banjarmasin" in texts and "Sources:" in texts


def test_a_region_without_shipped_boundaries_gets_a_map_that_says_so():
    score = rawan_data.KecamatanScore("31.71.01", "Gambir", "Kota Administrasi Jakarta Pusat", "31.71", None, None)
    data = rawan_data.RawanData("31.71", "Kesbangpol 31.71", "Kota Administrasi Jakarta Pusat", "Asia/Jakarta",
                           END - rawan_data.DEFAULT_WINDOW, END, [score], [])
    figure = rawan_map.map_figure(data, "id")
    texts = [t.get_text() for t in figure.texts]
    assert "Batas kecamatan Kota Administrasi Jakarta Pusat belum tersedia di Siaga; lihat tabel atau berkas CSV." in texts
    assert "24/10/2026 s.d. 23/11/2026 (WIB) · Kesbangpol 31.71" in texts
    figure.savefig(io.BytesIO(), format="png")
