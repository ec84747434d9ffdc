"""Point-in-kecamatan on the shipped, repaired boundaries."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from storage import geo


@pytest.mark.parametrize(("lat", "lon", "code", "name"), [
    (-3.2926, 114.6018, "63.71.04", "Banjarmasin Utara"),
    (-3.3194, 114.5908, "63.71.05", "Banjarmasin Tengah"),
    (0.0, 109.3, "61.71.03", "Pontianak Barat"),  # another province: found, the flow decides it is outside
])
def test_a_point_is_found_in_its_kecamatan(lat, lon, code, name):
    found = geo.kecamatan_at(lat, lon)
    assert found is not None and (found.code, found.name) == (code, name)


@pytest.mark.parametrize(("lat", "lon"), [(-3.5, 114.2), (-4.8, 113.0), (-6.2, 106.8)])
def test_a_point_at_sea_or_outside_kalimantan_is_in_no_kecamatan(lat, lon):
    assert geo.kecamatan_at(lat, lon) is None


def test_every_kecamatan_of_the_region_list_has_a_valid_polygon():
    with resources.files("storage").joinpath("data", "wilayah", "kalimantan_regions.csv").open() as f:
        districts = {r["code"]: r["name"] for r in csv.DictReader(f) if r["level"] == "district"}
    shapes = geo.kecamatan_boundaries()
    assert {c: b.name for c, b in shapes.items()} == districts
    assert all(b.geometry.is_valid and b.geometry.area > 0 for b in shapes.values())
    assert all(b.geometry.contains(b.label) for b in shapes.values())
    assert len(geo.kabkota_boundaries()) == 56


def test_the_self_intersecting_polygons_are_repaired_and_still_find_their_points():
    # 64.03.11 is one of the ten polygons the source ships self-intersecting.
    repaired = geo.kecamatan_boundaries()["64.03.11"]
    point = repaired.label
    assert geo.kecamatan_at(point.y, point.x).code == "64.03.11"


def test_a_jurisdiction_lists_its_kecamatan():
    assert [b.code for b in geo.boundaries_within("63.71")] == [f"63.71.0{i}" for i in range(1, 6)]
    assert len(geo.boundaries_within("63")) == 156
