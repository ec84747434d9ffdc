"""Place the peta rawan map's labels so they do not collide: each where it overlaps no earlier label or obstacle and
covers the least of the hot spots, with a leader line when it had to move."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

# A white outline keeps a name readable over any colour.
HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]

# Candidate label positions around an anchor: rings of this many pixels, twelve directions each.
LABEL_RINGS = (0, 12, 22, 34, 48, 64, 82, 102, 126)
LEADER_FROM_PX = 9
# Label placement costs, in square pixels of hot colour covered: per pixel of leader line, per crossing of
# another leader; covering its own kecamatan costs this share of covering another's.
LEADER_COST_PER_PX = 20.0
CROSSING_COST = 4000.0
OWN_COLOUR_COST = 0.15


@dataclass
class Label:
    text: str
    anchor: tuple[float, float]
    size: float
    style: str = "normal"
    weight: str = "normal"
    colour: str = "#111111"
    # Kept even where every position overlaps something (the least overlap wins).
    force: bool = False
    # How far from its anchor it may go, in pixels.
    reach: int = LABEL_RINGS[-1]
    # The kecamatan it names: it may cover its own colour where that is large beside the label.
    code: str | None = None


# -- labels ----------------------------------------------------------------------------------------


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _offsets(reach: int, outward: float) -> list[tuple[float, float]]:
    """Candidate shifts from the anchor, nearest first; at each distance, away from the map's centre first."""
    found: list[tuple[float, float]] = [(0.0, 0.0)]
    turns = sorted(range(12), key=lambda k: abs((30 * k - outward + 180) % 360 - 180))
    for radius in LABEL_RINGS[1:]:
        if radius > reach:
            break
        for k in turns:
            angle = math.radians(30 * k)
            # Labels are wider than tall: step further sideways than up or down.
            found.append((radius * math.cos(angle) * 1.4, radius * math.sin(angle)))
    return found


def place_labels(ax: Axes, labels: list[Label], obstacles: list[Bbox], hot_px: dict[str, Any], renderer: Any) -> None:
    """Place labels in order, each where it overlaps no earlier label or obstacle and is cheapest otherwise.

    The cost of a position: the hot spots it covers (its own kecamatan at a sixth), its distance from the anchor,
    and a leader line crossing an earlier one. A label that had to move gets a leader line.
    """
    frame = ax.get_window_extent(renderer)
    centre = ((frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2)
    taken = list(obstacles)
    leaders: list[Any] = []
    to_data = ax.transData.inverted()
    hot = shapely.union_all(list(hot_px.values())) if hot_px else None
    for label in labels:
        text = ax.annotate(label.text, label.anchor, xytext=(0, 0), textcoords="offset pixels", ha="center",
                           va="center", fontsize=label.size, fontstyle=label.style, weight=label.weight,
                           color=label.colour, zorder=5, path_effects=HALO, linespacing=1.0)
        at_anchor = text.get_window_extent(renderer).padded(2)
        anchor_px = ax.transData.transform(label.anchor)
        outward = math.degrees(math.atan2(anchor_px[1] - centre[1], anchor_px[0] - centre[0]))
        boxes = [at_anchor.translated(dx, dy) for dx, dy in _offsets(label.reach, outward)]
        boxes = [b for b in boxes if frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1]
        if not boxes:
            text.remove()
            continue
        hard = np.array([sum(_overlap(box, other) for other in taken) for box in boxes])
        ends = np.array([(min(max(anchor_px[0], b.x0), b.x1), min(max(anchor_px[1], b.y0), b.y1)) for b in boxes])
        cost = LEADER_COST_PER_PX * np.hypot(*(ends - anchor_px).T)
        if hot is not None:
            rects = shapely.box(*np.array([b.extents for b in boxes]).T)
            cost = cost + shapely.area(shapely.intersection(rects, hot))
            own = hot_px.get(label.code or "")
            if own is not None:
                cost = cost - (1 - OWN_COLOUR_COST) * shapely.area(shapely.intersection(rects, own))
        if leaders:
            lines = shapely.linestrings([[tuple(anchor_px), tuple(e)] for e in ends])
            crossings = shapely.intersects(lines[:, None], np.array(leaders)[None, :]).sum(axis=1)
            cost = cost + CROSSING_COST * crossings
        best = int(np.lexsort((cost, hard > 0))[0])
        if hard[best] > 0 and not label.force:
            text.remove()
            continue
        box = boxes[best]
        text.xyann = (box.x0 - at_anchor.x0, box.y0 - at_anchor.y0)
        taken.append(box)
        if math.hypot(*(ends[best] - anchor_px)) >= LEADER_FROM_PX:
            leaders.append(shapely.LineString([tuple(anchor_px), tuple(ends[best])]))
            (ax0, ay0), (ex, ey) = to_data.transform([anchor_px, ends[best]])
            ax.add_line(Line2D([ax0, ex], [ay0, ey], color="#333333", lw=0.6, zorder=4.5))
            ax.add_line(Line2D([ax0], [ay0], marker="o", markersize=2.2, color="#333333", zorder=4.6))
