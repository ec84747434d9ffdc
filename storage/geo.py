"""Kecamatan, kabupaten/kota and province boundaries shipped with the package; locating a point with a spatial index."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # shapely and numpy load on the first lookup or drawing, not when Siaga starts
    import numpy as np
    import shapely
    from shapely.geometry import Point

# The three layers and their files in storage/data/wilayah/ (the GeoJSON is the source of truth).
LAYERS = {
    "kecamatan": "kalimantan_kecamatan_boundaries.geojson",
    "kabkota": "kalimantan_kabkota_boundaries.geojson",
    "provinsi": "kalimantan_provinsi_boundaries.geojson",
}
# A shared location this far outside every kecamatan (a boat on the river mouth, the data's coastline) is
# answered with the nearest kecamatan, said to be the nearest; further out it is refused.
NEAR_METRES = 1000.0
EARTH_RADIUS_M = 6_371_008.8
# One degree of latitude, in metres (a great circle on the sphere above).
DEGREE_M = math.pi * EARTH_RADIUS_M / 180
# Bump when the cache's layout changes, so an old cache is rebuilt rather than misread.
CACHE_FORMAT = 1

# Where the compact copies are kept when the caller names no folder (`siaga run` keeps them beside its attachments).
DEFAULT_CACHE_DIR = Path(tempfile.gettempdir()) / "siaga-cache"


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    # The region one level up (a kecamatan's kabupaten/kota, a kabupaten/kota's province); "" for a province.
    parent: str
    geometry: Any  # a shapely MultiPolygon, WGS84, exterior rings counter-clockwise
    # Where the name goes on a map: the source's label point, which lies inside the polygon.
    label: Point


_locks = {layer: threading.Lock() for layer in (*LAYERS, "index")}
_layers: dict[str, dict[str, Boundary]] = {}


def _source(layer: str) -> bytes:
    return resources.files("storage").joinpath("data", "wilayah", LAYERS[layer]).read_bytes()


def _columns_from_geojson(raw: bytes) -> dict[str, Any]:
    """Read a GeoJSON layer into the cache's columns: codes, names, parents, label points and WKB."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    features = json.loads(raw)["features"]
    props = [f["properties"] for f in features]
    wkb = shapely.to_wkb(np.array([shape(f["geometry"]) for f in features], dtype=object))
    lengths = np.array([len(w) for w in wkb], dtype=np.int64)
    return {
        "code": np.array([p["code"] for p in props]),
        "name": np.array([p["name"] for p in props]),
        "parent": np.array([p.get("regency_code") or p.get("province_code") or "" for p in props]),
        "label": np.array([(p["lng"], p["lat"]) for p in props], dtype=np.float64).reshape(-1, 2),
        "wkb_end": np.cumsum(lengths),
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
    }


def _cached_columns(layer: str, cache_dir: Path = DEFAULT_CACHE_DIR) -> dict[str, np.ndarray]:
    """Return a layer's columns from the compact cache, building it from the GeoJSON when missing or stale."""
    import numpy as np

    raw = _source(layer)
    digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
    path = cache_dir / f"{layer}-{CACHE_FORMAT}-{digest}.npz"
    try:
        # Plain arrays only (no pickle): a file in a shared temporary folder is never executed.
        with np.load(path, allow_pickle=False) as stored:
            return {k: stored[k] for k in stored.files}
    except (OSError, ValueError, KeyError):
        pass
    columns = _columns_from_geojson(raw)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".npz", delete=False) as f:
            np.savez(f, **columns)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only folder: this process keeps its copy in memory and the next one parses again
    return columns


def _load(layer: str, cache_dir: Path) -> dict[str, Boundary]:
    import shapely

    columns = _cached_columns(layer, cache_dir)
    ends = columns["wkb_end"]
    blob = columns["wkb"].tobytes()
    starts = [0, *ends[:-1].tolist()]
    geometries = shapely.from_wkb([blob[s:e] for s, e in zip(starts, ends.tolist(), strict=True)])
    labels = shapely.points(columns["label"])
    found = {
        str(code): Boundary(str(code), str(name), str(parent), geometry, label)
        for code, name, parent, geometry, label in zip(
            columns["code"], columns["name"], columns["parent"], geometries, labels, strict=True)
    }
    return dict(sorted(found.items()))


def boundaries(layer: str, cache_dir: Path | None = None) -> dict[str, Boundary]:
    """Return every boundary of a layer (`kecamatan`, `kabkota` or `provinsi`) by code, loaded once per process.

    The first call loads it through the compact copy in `cache_dir` (default `DEFAULT_CACHE_DIR`); the loaded
    layer is the same whatever the folder, so later calls need not name it.
    """
    if layer not in _layers:
        with _locks[layer]:
            if layer not in _layers:
                _layers[layer] = _load(layer, cache_dir or DEFAULT_CACHE_DIR)
    return _layers[layer]


def load(cache_dir: Path | None = None) -> None:
    """Load every layer now (once per process), through the compact copies in `cache_dir`."""
    for layer in LAYERS:
        boundaries(layer, cache_dir)


def kecamatan_boundaries(cache_dir: Path | None = None) -> dict[str, Boundary]:
    """Return every shipped kecamatan boundary by code."""
    return boundaries("kecamatan", cache_dir)


def kabkota_boundaries() -> dict[str, Boundary]:
    """Return every shipped kabupaten/kota boundary by code."""
    return boundaries("kabkota")


def province_boundaries() -> dict[str, Boundary]:
    """Return every shipped province boundary by code."""
    return boundaries("provinsi")


def within(scope: str, layer: str = "kecamatan") -> list[Boundary]:
    """Return a layer's boundaries inside a region (a province, kabupaten/kota or kecamatan code), by code."""
    return [b for code, b in boundaries(layer).items() if code == scope or code.startswith(scope + ".")]


def boundaries_within(scope: str) -> list[Boundary]:
    """Return the kecamatan boundaries inside a region (a province, kabupaten/kota or kecamatan code)."""
    return within(scope, "kecamatan")


_index: tuple[shapely.STRtree, list[Boundary]] | None = None


def _spatial_index(cache_dir: Path | None) -> tuple[shapely.STRtree, list[Boundary]]:
    global _index
    if _index is None:
        with _locks["index"]:
            if _index is None:
                import shapely

                items = list(kecamatan_boundaries(cache_dir).values())
                geometries = [b.geometry for b in items]
                # Prepared geometries answer point-in-polygon in microseconds however many vertices they have.
                shapely.prepare(geometries)
                _index = (shapely.STRtree(geometries), items)
    return _index


def kecamatan_at(latitude: float, longitude: float, cache_dir: Path | None = None) -> Boundary | None:
    """Return the kecamatan containing a point, or None (at sea, or outside the shipped provinces)."""
    import shapely

    tree, items = _spatial_index(cache_dir)
    hits = tree.query(shapely.Point(longitude, latitude), predicate="intersects")
    # A point exactly on a shared border touches two kecamatan: take the lowest code, so the answer is stable.
    matches = sorted((items[i] for i in hits), key=lambda b: b.code)
    return matches[0] if matches else None


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance between two (longitude, latitude) points, in metres.

    >>> round(metres_between((114.6, -3.3), (114.6, -3.31)))
    1112
    """
    (lon1, lat1), (lon2, lat2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def nearest_kecamatan(latitude: float, longitude: float, within_m: float = NEAR_METRES,
                      cache_dir: Path | None = None) -> tuple[Boundary, float] | None:
    """Return the kecamatan nearest to a point outside them all and its distance in metres, if within `within_m`."""
    import shapely

    tree, items = _spatial_index(cache_dir)
    point = shapely.Point(longitude, latitude)
    # A search radius in degrees that holds every point within `within_m` metres: a degree of longitude is
    # the shortest degree, cos(latitude) of a degree of latitude.
    radius = within_m / (DEGREE_M * max(math.cos(math.radians(latitude)), 1e-6))
    best: tuple[Boundary, float] | None = None
    for i in tree.query(point, predicate="dwithin", distance=radius):
        near = shapely.shortest_line(point, items[i].geometry).coords[-1]
        metres = metres_between((longitude, latitude), near)
        if metres <= within_m and (best is None or (metres, items[i].code) < (best[1], best[0].code)):
            best = (items[i], metres)
    return best
