"""The digest's chart: incidents per day by category, drawn headless with matplotlib's Agg canvas."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

WIDTH, HEIGHT, DPI = 800, 450, 100


def render_chart(days: Sequence[date], series: Sequence[tuple[str, Sequence[int]]], title: str,
                 ylabel: str) -> bytes:
    """Draw stacked bars, one per day and one colour per category, and return the PNG bytes."""
    # matplotlib takes a second to import: only the processes that draw pay for it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A Figure with its own Agg canvas, not pyplot: no global state, safe on the scheduler's threads.
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(days))
    bottom = [0] * len(days)
    palette = ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
    for n, (label, counts) in enumerate(series):
        axes.bar(positions, counts, bottom=bottom, label=label, color=palette[n % len(palette)], width=0.7)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_xticks(list(positions), [f"{d:%d/%m}" for d in days])
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.yaxis.get_major_locator().set_params(integer=True)
    # Headroom above the tallest bar keeps the legend off the bars.
    axes.set_ylim(0, max([*bottom, 1]) * 1.4 + 1)
    axes.spines[["top", "right"]].set_visible(False)
    if series:
        axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def save_chart(png: bytes, target: Path) -> Path:
    """Write a chart to `target` (whole or not at all: a reader never sees half a file) and return its path."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(png)
        partial.replace(target)
    return target
