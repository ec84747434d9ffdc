"""The shipped boundaries tile the land; point-in-kecamatan, the nearest kecamatan just off the coast, the cache."""

from __future__ import annotations

import csv
import statistics
import time
from importlib import resources

import numpy as np
import pytest
import shapely

from storage import geo

# Points inside the three cities, each at least ~200 m from its kecamatan's border in the shipped data, named by
# what stands there where that is well known (OpenStreetMap agrees on the kecamatan of each).
CITY_POINTS = [
    (-3.318, 114.603, "63.71.05", "Banjarmasin Tengah"),  # the point the old outlines put in no kecamatan
    (-3.3183, 114.5903, "63.71.05", "Banjarmasin Tengah"),  # Masjid Raya Sabilal Muhtadin
    (-3.2986, 114.5847, "63.71.04", "Banjarmasin Utara"),  # Universitas Lambung Mangkurat, Kayu Tangi
    (-3.3302, 114.5644, "63.71.03", "Banjarmasin Barat"),  # Pelabuhan Trisakti, on the Barito
    (-3.345, 114.605, "63.71.01", "Banjarmasin Selatan"),  # Pemurus, south of the Martapura
    (-3.33, 114.64, "63.71.02", "Banjarmasin Timur"),  # east of the centre, along the Martapura
    (-0.5024, 117.153, "64.72.09", "Samarinda Kota"),  # Pasar Pagi and Citra Niaga
    (-0.3736, 117.2558, "64.72.05", "Samarinda Utara"),  # Bandara APT Pranoto
    (-0.53, 117.13, "64.72.02", "Samarinda Seberang"),  # the south bank of the Mahakam, opposite the centre
    (-0.6, 117.2, "64.72.01", "Palaran"),  # south-east, towards the Palaran stadium
    (0.0007, 109.3216, "61.71.04", "Pontianak Utara"),  # Tugu Khatulistiwa, north of the Kapuas
    (-0.0595, 109.3451, "61.71.06", "Pontianak Tenggara"),  # Universitas Tanjungpura
    (-0.041, 109.3675, "61.71.02", "Pontianak Timur"),  # east of the Kapuas and Landak confluence
    (-0.038, 109.31, "61.71.05", "Pontianak Kota"),  # west of the centre, south of the Kapuas
]


@pytest.mark.parametrize(("lat", "lon", "code", "name"), CITY_POINTS)
def test_a_point_in_a_city_is_found_in_its_kecamatan(lat, lon, code, name):
    found = geo.kecamatan_at(lat, lon)
    assert found is not None and (found.code, found.name) == (code, name)


@pytest.mark.parametrize(("lat", "lon"), [(-4.8, 113.0), (-5.5, 110.0), (-6.2, 106.8), (-3.5, 114.2)])
def test_a_point_in_the_java_sea_or_outside_kalimantan_is_in_no_kecamatan_and_near_none(lat, lon):
    assert geo.kecamatan_at(lat, lon) is None
    assert geo.nearest_kecamatan(lat, lon) is None


def test_a_point_just_off_the_coast_gets_the_nearest_kecamatan_within_a_kilometre():
    # Off the Tanah Laut coast, south of the Barito's mouth.
    assert geo.kecamatan_at(-3.55, 114.52) is None
    near, metres = geo.nearest_kecamatan(-3.55, 114.52)
    assert (near.code, near.name) == ("63.01.11", "Bumi Makmur") and 380 < metres < 450
    assert geo.kecamatan_at(-3.59, 114.57) is None and geo.nearest_kecamatan(-3.59, 114.57) is None  # ~1.1 km out
    assert geo.nearest_kecamatan(-3.59, 114.57, within_m=1200)[0].name == "Kurau"


def test_the_distance_to_the_nearest_kecamatan_is_in_metres_on_the_ground():
    # 500 m due south of Kalimantan Selatan's southernmost point: nothing of the land is nearer than that.
    province = geo.province_boundaries()["63"].geometry
    lon, lat = min(shapely.get_coordinates(province), key=lambda c: c[1])
    near, metres = geo.nearest_kecamatan(lat - 500 / geo.DEGREE_M, lon)
    assert near.geometry.covers(shapely.Point(lon, lat)) and metres == pytest.approx(500, abs=1)


def test_every_kecamatan_of_the_region_list_has_one_valid_multipolygon_with_its_label_inside():
    with resources.files("storage").joinpath("data", "wilayah", "kalimantan_regions.csv").open() as f:
        rows = list(csv.DictReader(f))
    for layer, level in (("kecamatan", "district"), ("kabkota", "regency"), ("provinsi", "province")):
        shapes = geo.boundaries(layer)
        assert {c: b.name for c, b in shapes.items()} == {r["code"]: r["name"] for r in rows if r["level"] == level}
        assert {c: b.parent for c, b in shapes.items()} == {r["code"]: r["parent_code"] for r in rows
                                                             if r["level"] == level}
        geometries = [b.geometry for b in shapes.values()]
        assert set(shapely.get_type_id(geometries)) == {6}  # MultiPolygon
        assert shapely.is_valid(geometries).all()
        assert all(b.geometry.contains(b.label) for b in shapes.values())


@pytest.mark.parametrize("kabkota", ["63.71", "64.72", "61.71", "63.72"])
def test_the_kecamatan_of_a_kabupaten_kota_tile_it_without_gaps_or_overlaps(kabkota):
    parts = [b.geometry for b in geo.boundaries_within(kabkota)]
    whole = geo.kabkota_boundaries()[kabkota].geometry
    # Areas in square degrees; 1e-9 is about 12 m² at the equator.
    assert sum(p.area for p in parts) == pytest.approx(whole.area, abs=1e-9)
    assert shapely.union_all(parts).symmetric_difference(whole).area < 1e-9
    overlaps = sum(a.intersection(b).area for i, a in enumerate(parts) for b in parts[i + 1:])
    assert overlaps < 1e-9


def test_a_jurisdiction_lists_its_kecamatan_and_kabupaten_kota():
    assert [b.code for b in geo.boundaries_within("63.71")] == [f"63.71.0{i}" for i in range(1, 6)]
    assert len(geo.boundaries_within("63")) == 156
    assert len(geo.within("63", "kabkota")) == 13 and geo.within("63", "provinsi") == [geo.province_boundaries()["63"]]


def test_locating_takes_well_under_a_millisecond():
    lookups = [(lat, lon) for lat, lon, _, _ in CITY_POINTS] * 20
    geo.kecamatan_at(*lookups[0])  # the index is built once per process
    times = []
    for lat, lon in lookups:
        began = time.perf_counter()
        geo.kecamatan_at(lat, lon)
        times.append(time.perf_counter() - began)
    # About 50 µs each on a laptop; the bound leaves room for a busy CI machine.
    assert statistics.median(times) < 0.001


def test_the_compact_cache_is_built_once_read_back_equal_and_rebuilt_when_damaged(tmp_path):
    built = geo._cached_columns("provinsi", tmp_path)
    [cached] = tmp_path.glob("provinsi-*.npz")
    again = geo._cached_columns("provinsi", tmp_path)
    assert all(np.array_equal(built[k], again[k]) for k in built)
    cached.write_bytes(b"not a cache")
    repaired = geo._cached_columns("provinsi", tmp_path)
    assert all(np.array_equal(built[k], repaired[k]) for k in built)
    assert cached.read_bytes()[:2] == b"PK"  # a zip (.npz) again


def test_a_cache_folder_that_cannot_be_written_still_gives_the_boundaries(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert list(geo._cached_columns("provinsi", blocked / "cache")["code"]) == ["61", "62", "63", "64", "65"]
