"""Export and load again give the same county: the Feicheng sample, and Ningyang's 40,861 households."""

from __future__ import annotations

import time
import zipfile
from io import BytesIO

import pytest
from shapely.geometry import Point

from services.reference import build_county
from services.reference.exchange import exchange_files, exchange_zip, load, to_wgs84, write_exchange
from tests.reference_sample import (
    make_sample,
    with_bad_id_number,
    with_household_outside,
    with_overlap,
    write_sample,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def sample():
    return make_sample(seed=1)


@pytest.fixture(scope="module")
def sample_county(sample, tmp_path_factory):
    folder = write_sample(sample, tmp_path_factory.mktemp("feicheng"), crs="gcj02")
    result = load(folder, crs="gcj02")
    assert result.problems == [], result.lines()
    return result.county


def test_the_sample_is_another_county_and_the_same_for_a_seed(sample):
    assert make_sample(seed=1) == sample
    assert make_sample(seed=2) != sample
    assert all(g.grid_id.startswith("370983") and len(g.grid_id) == 15 for g in sample.grids)
    assert 12 <= len(sample.grids) <= 20 and len(sample.households) >= 200 and sample.members
    assert (
        len({g.street_id for g in sample.grids}) == 2
        and len({g.community_id for g in sample.grids}) == 4
    )


def test_the_sample_in_gcj02_loads_back_to_its_wgs84_truth(sample, sample_county):
    county = sample_county
    assert [g.grid_id for g in county.grids] == [g.grid_id for g in sample.grids]
    for grid, truth in zip(county.grids, sample.grids, strict=True):
        assert grid.polygon == truth.polygon
        assert (grid.type, grid.name, grid.community_id, grid.street_id) == (
            truth.type,
            truth.name,
            truth.community_id,
            truth.street_id,
        )
    located = {h.household_id: (h.location, h.grid_id) for h in county.households}
    assert located == {h.household_id: (h.location, h.grid_id) for h in sample.households}
    assert county.totals()["residents"] == sample.residents
    assert len(county.member_records) == len(sample.members)


def test_the_test_points_lie_in_their_grid_in_wgs84_and_gcj02(sample, sample_county):
    polygons = sample_county.grid_polygons
    for grid in sample.grids:
        for wgs, gcj in zip(grid.test_points, grid.test_points_gcj02, strict=True):
            holding = [gid for gid, shape in polygons.items() if shape.contains(Point(wgs))]
            assert holding == [grid.grid_id]
            assert Point(to_wgs84(*gcj, "gcj02")).distance(Point(wgs)) < 1e-9
    # a GCJ-02 point taken as WGS84 lands hundreds of metres off — often in another grid
    misplaced = sum(
        not polygons[g.grid_id].contains(Point(p))
        for g in sample.grids
        for p in g.test_points_gcj02
    )
    assert misplaced > 0


@pytest.mark.parametrize("households_format", ["csv", "xlsx"])
@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_the_sample_loads_alike_from_csv_or_xlsx_in_any_datum(
    sample, sample_county, tmp_path, crs, households_format
):
    folder = write_sample(
        sample, tmp_path, crs=crs, households_format=households_format, bom=crs != "bd09"
    )
    result = load(folder, crs=crs)
    assert result.problems == [], result.lines()
    assert result.county == sample_county


def test_english_headers_work_as_well(sample, sample_county, tmp_path):
    folder = write_sample(sample, tmp_path, crs="gcj02", chinese=False, bom=False)
    assert load(folder, crs="gcj02").county == sample_county


def test_export_then_load_gives_an_equal_county(sample_county, tmp_path):
    again = load(exchange_zip(sample_county))
    assert again.problems == [] and again.county == sample_county
    written = write_exchange(sample_county, tmp_path / "out")
    assert sorted(p.name for p in written) == [
        "grids.geojson",
        "households.csv",
        "party_members.csv",
    ]
    assert load(tmp_path / "out").county == sample_county
    assert load(exchange_files(sample_county)).county == sample_county


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_an_export_in_another_datum_loads_back_equal(sample_county, crs):
    result = load(exchange_zip(sample_county, crs=crs), crs=crs)
    assert result.problems == [] and result.county == sample_county


def test_the_export_is_reproducible_and_readable_by_excel(sample_county):
    data = exchange_zip(sample_county)
    assert exchange_zip(sample_county) == data
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.namelist() == ["grids.geojson", "households.csv", "party_members.csv"]
        households = archive.read("households.csv")
    assert households.startswith(
        "\ufeffhousehold_id,address,lon,lat,residents,compound,grid_id".encode()
    )
    assert "肥城市".encode() in households


def test_the_broken_variants_are_refused_naming_what_broke(sample, tmp_path):
    broken, (first, second) = with_overlap(sample)
    result = load(write_sample(broken, tmp_path / "overlap"), crs="gcj02")
    assert [(p.code, p.ids) for p in result.problems] == [("grid_overlap", (first, second))]

    broken, household = with_household_outside(sample)
    result = load(write_sample(broken, tmp_path / "outside", households_format="xlsx"), crs="gcj02")
    assert [p.code for p in result.problems] == ["household_outside_grids"]
    assert household in result.problems[0].ids and household in result.problems[0].message

    broken, household = with_bad_id_number(sample)
    result = load(write_sample(broken, tmp_path / "id"), crs="gcj02")
    assert [(p.code, p.ids) for p in result.problems] == [("id_number_check_digit", (household,))]


def test_an_overlap_between_two_named_grids(sample, tmp_path):
    first, second = sample.neighbours()[-1]
    broken, named = with_overlap(sample, first, second)
    assert named == (first, second)
    result = load(write_sample(broken, tmp_path), crs="gcj02")
    assert [(p.code, p.ids) for p in result.problems] == [("grid_overlap", (first, second))]


def test_ningyangs_synthetic_county_exports_and_loads_back_in_a_few_seconds():
    county = build_county()
    started = time.perf_counter()
    data = exchange_zip(county)
    exported = time.perf_counter()
    result = load(data)
    loaded = time.perf_counter()
    print(
        f"\nNingyang synthetic county: {len(county.households):,} households; export "
        f"{exported - started:.2f} s, load and validate {loaded - exported:.2f} s ({len(data):,} bytes zipped)"
    )
    assert result.problems == [], result.lines()[:20]
    assert loaded - exported < 20  # a few seconds here; the bound only catches a regression in kind
    again = result.county
    counts = result.counts
    assert (counts.streets, counts.communities, counts.grids, counts.compounds) == (2, 10, 53, 275)
    assert (counts.households, counts.residents) == (40_861, 140_098)

    # What the format carries comes back equal; people and per-grid member counts it does not.
    assert [(s.street_id, s.name) for s in again.streets] == [
        (s.street_id, s.name) for s in county.streets
    ]
    assert [(c.community_id, c.name, c.street_id) for c in again.communities] == [
        (c.community_id, c.name, c.street_id) for c in county.communities
    ]

    def carried(g):
        return (
            g.grid_id,
            g.name,
            g.type,
            g.community_id,
            g.street_id,
            g.polygon,
            g.parts,
            g.households,
            g.residents,
        )

    assert [carried(g) for g in again.grids] == [carried(g) for g in county.grids]
    for grid in again.grids:
        assert grid.geometry.contains(Point(grid.station))
    names = {c.compound_id: (c.grid_id, c.name) for c in county.compounds}
    names_again = {c.compound_id: (c.grid_id, c.name) for c in again.compounds}
    assert sorted(names.values()) == sorted(names_again.values())

    def household(h, compounds):  # a head's person_id is the household id after an import
        head = (h.head.name, h.head.phone, h.head.id_number)
        return h.grid_id, h.address, h.residents, h.location, head, compounds[h.compound_id]

    original = {h.household_id: household(h, names) for h in county.households}
    loaded_back = {h.household_id: household(h, names_again) for h in again.households}
    assert loaded_back == original
    assert all(h.head.person_id == h.household_id for h in again.households)


def test_ningyang_in_gcj02_loads_back_to_the_same_wgs84_points():
    county = build_county()
    started = time.perf_counter()
    result = load(exchange_zip(county, crs="gcj02"), crs="gcj02")
    print(f"\nNingyang in GCJ-02: load, convert and validate {time.perf_counter() - started:.2f} s")
    assert result.problems == []
    assert [g.polygon for g in result.county.grids] == [g.polygon for g in county.grids]
    assert [h.location for h in result.county.households] == [h.location for h in county.households]
