"""Reference data loads once, imports more regions and rejects malformed files."""

from __future__ import annotations

import io

import pytest

from storage import regions, seed
from storage.models import RegionLevel


def test_kalimantan_is_loaded_with_province_time_zones(session):
    assert regions.count_regions(session) >= 687
    assert regions.get_region(session, "61").tz == "Asia/Pontianak"
    assert regions.get_region(session, "64").tz == "Asia/Makassar"
    assert regions.get_region(session, "63.71.04").level is RegionLevel.DISTRICT


def test_loading_again_changes_nothing(session):
    again = seed.load_kalimantan(session)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 687)
    cats = seed.load_categories(session)
    assert (cats.added, cats.unchanged) == (0, 9)


def test_import_adds_new_regions_and_renames_changed_ones(session, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text(
        "code,name,level,parent_code,province_code\n"
        "51,Bali,province,,51\n51.71,Kota Denpasar,regency,51,51\n51.71.01,Denpasar Selatan,district,51.71,51\n"
        "63.71.04,Banjarmasin Utara Baru,district,63.71,63\n",
        encoding="utf-8",
    )
    result = seed.import_regions(session, path)
    assert (result.added, result.updated) == (3, 1)
    assert regions.get_region(session, "51").tz == "Asia/Makassar"
    assert regions.get_region(session, "63.71.04").name == "Banjarmasin Utara Baru"


@pytest.mark.parametrize(("body", "message"), [
    ("code,name\n61,X\n", "missing columns"),
    ("code,name,level,parent_code,province_code\n61.01,X,province,,61\n", "level"),
    ("code,name,level,parent_code,province_code\n61.01.01,X,district,61.02,61\n", "parent"),
    ("code,name,level,parent_code,province_code\n99.01,X,regency,99,99\n", "unknown"),
])
def test_malformed_region_files_are_rejected(session, body, message):
    with pytest.raises(seed.RegionFileError, match=message):
        seed.load_regions(session, seed.read_region_rows(io.StringIO(body)), {})
