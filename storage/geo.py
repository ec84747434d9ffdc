"""Kecamatan and kabupaten/kota boundaries shipped with the package; point-in-kecamatan with a spatial index."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

KECAMATAN_FILE = "kalimantan_kecamatan_boundaries.geojson"
KABKOTA_FILE = "kalimantan_kabkota_boundaries.geojson"


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    geometry: BaseGeometry
    # Where the name goes on a map: the source's label point when it lies inside, else a point that does.
    label: Point


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    # The source simplified its polygons and 10 kecamatan self-intersect; make_valid may also return
    # stray lines or points, which cover no area and are dropped.
    if geometry.is_valid:
        return geometry
    fixed = shapely.make_valid(geometry)
    if fixed.geom_type == "GeometryCollection":
        fixed = shapely.union_all([g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return fixed


def _load(name: str) -> dict[str, Boundary]:
    with resources.files("storage").joinpath("data", "wilayah", name).open(encoding="utf-8") as f:
        collection = json.load(f)
    found: dict[str, Boundary] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = _polygonal(shape(feature["geometry"]))
        label = Point(props["lng"], props["lat"])
        if not geometry.contains(label):
            label = geometry.representative_point()
        found[props["code"]] = Boundary(props["code"], props["name"], geometry, label)
    return found


@cache
def kecamatan_boundaries() -> dict[str, Boundary]:
    """Return every shipped kecamatan boundary by code (loaded once, repaired)."""
    return _load(KECAMATAN_FILE)


@cache
def kabkota_boundaries() -> dict[str, Boundary]:
    """Return every shipped kabupaten/kota boundary by code (loaded once, repaired)."""
    return _load(KABKOTA_FILE)


def boundaries_within(scope: str) -> list[Boundary]:
    """Return the kecamatan boundaries inside a region (a province, kabupaten/kota or kecamatan code)."""
    return [b for code, b in sorted(kecamatan_boundaries().items()) if code == scope or code.startswith(scope + ".")]


_index_lock = threading.Lock()
_index: tuple[shapely.STRtree, list[Boundary]] | None = None


def _spatial_index() -> tuple[shapely.STRtree, list[Boundary]]:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                items = list(kecamatan_boundaries().values())
                _index = (shapely.STRtree([b.geometry for b in items]), items)
    return _index


def kecamatan_at(latitude: float, longitude: float) -> Boundary | None:
    """Return the kecamatan containing a point, or None (at sea, or outside the shipped provinces)."""
    tree, items = _spatial_index()
    point = Point(longitude, latitude)
    hits = tree.query(point, predicate="intersects")
    # A point exactly on a shared border touches two kecamatan: take the lowest code, so the answer is stable.
    matches = sorted((items[i] for i in hits), key=lambda b: b.code)
    return matches[0] if matches else None
