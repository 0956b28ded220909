"""Information collection's rules without a network: what a proposal's fields must be, what a
review needs, and how an accepted household change is put into a county."""

from __future__ import annotations

import pytest

from services.fusion.proposals import (
    check_household,
    check_resident,
    check_review,
    check_special,
    cleaned,
    household_data,
    with_household,
)
from services.reference import build_county

pytestmark = pytest.mark.unit

GOOD_ID = "37092119490328444X"  # a synthetic head of household's (valid check character)


def household(**over):
    return {
        "household_id": "",
        "address": "宁阳县文庙街道府前街99号新居1号楼1单元101室",
        "lon": 116.80,
        "lat": 35.76,
        "residents": 3,
        "compound_id": "",
        "head_name": "张三",
        "head_phone": "13809211234",
        "head_id_number": GOOD_ID,
        **over,
    }


def fields(errors):
    return {name for name, _ in errors}


def test_a_complete_household_passes_and_each_bad_field_is_named():
    assert check_household(household()) == []
    assert fields(check_household(household(address=""))) == {"household.address"}
    assert fields(check_household(household(lon=200.0))) == {"household.lon"}
    assert fields(check_household(household(lon=0.0, lat=0.0))) == {
        "household.lon",
        "household.lat",
    }
    assert fields(check_household(household(residents=-1))) == {"household.residents"}
    assert fields(check_household(household(residents=51))) == {"household.residents"}
    assert fields(check_household(household(head_phone="12345"))) == {"household.head_phone"}
    assert fields(check_household(household(head_id_number="370921194903284441"))) == {
        "household.head_id_number"
    }
    assert fields(check_household(household(household_id="H 1/2"))) == {"household.household_id"}


def test_a_head_of_household_is_optional_but_a_phone_without_a_name_is_not():
    assert check_household(household(head_name="", head_phone="", head_id_number="")) == []
    assert fields(check_household(household(head_name="", head_id_number=""))) == {
        "household.head_name"
    }


def test_phones_are_mobiles_or_fixed_lines_with_their_area_code():
    for good in ("13809211234", "0538-5621234", "05385621234"):
        assert check_household(household(head_phone=good)) == [], good
    for bad in ("1380921123", "23809211234", "5621234", "138-0921-1234"):
        assert fields(check_household(household(head_phone=bad))) == {"household.head_phone"}, bad


def test_a_resident_needs_a_household_a_name_and_a_valid_id_number():
    good = {"household_id": "H1", "name": "李四", "id_number": GOOD_ID, "phone": ""}
    assert check_resident(good) == []
    assert fields(check_resident({**good, "household_id": ""})) == {"resident.household_id"}
    assert fields(check_resident({**good, "name": ""})) == {"resident.name"}
    assert fields(check_resident({**good, "id_number": ""})) == {"resident.id_number"}
    assert fields(check_resident({**good, "name": "张" * 51})) == {"resident.name"}


def test_a_special_population_record_is_one_of_the_three_kinds_with_someone_responsible():
    good = {
        "resident_id": "R1",
        "kind": "community_correction",
        "responsible_name": "王司法",
        "responsible_phone": "",
        "note": "",
    }
    for kind in ("community_correction", "drug_rehab", "mental_health"):
        assert check_special({**good, "kind": kind}) == []
    assert fields(check_special({**good, "kind": "dispute"})) == {"special_population.kind"}
    assert fields(check_special({**good, "responsible_name": ""})) == {
        "special_population.responsible_name"
    }
    assert fields(check_special({**good, "resident_id": ""})) == {"special_population.resident_id"}
    assert fields(check_special({**good, "note": "x" * 501})) == {"special_population.note"}


def test_a_rejection_needs_a_reason_and_an_acceptance_does_not():
    assert check_review("accept", "") == []
    assert fields(check_review("reject", "  ")) == {"reason"}
    assert check_review("reject", "门牌号不对") == []
    assert fields(check_review("approve", "")) == {"decision"}


def test_cleaning_keeps_only_the_kind_s_fields_strips_and_rounds():
    out = cleaned(
        "household",
        {
            **household(lon=116.8000004, head_id_number=GOOD_ID.lower(), address=" 地址 "),
            "extra": "dropped",
        },
    )
    assert out["lon"] == 116.8 and out["head_id_number"] == GOOD_ID and out["address"] == "地址"
    assert "extra" not in out


def test_an_added_household_joins_its_grid_and_the_grid_counts_it():
    county = build_county()
    grid = county.grids[0]
    data = cleaned("household", household(household_id="H-NEW-1", residents=4))
    changed = with_household(county, data, grid.grid_id)
    assert len(changed.households) == len(county.households) + 1
    assert [h.household_id for h in changed.households] == sorted(
        h.household_id for h in changed.households
    )
    assert changed.grid(grid.grid_id).households == grid.households + 1
    assert changed.grid(grid.grid_id).residents == grid.residents + 4
    added = next(h for h in changed.households_by_grid[grid.grid_id] if h.household_id == "H-NEW-1")
    assert added.head.name == "张三" and added.location == (116.8, 35.76)
    assert county.grid(grid.grid_id).households == grid.households  # the county given is unchanged


def test_a_household_moved_to_another_grid_leaves_the_counts_of_the_first():
    county = build_county()
    first, second = county.grids[0], county.grids[1]
    old = county.households_by_grid[first.grid_id][0]
    data = {**household_data(old), "residents": old.residents + 1}
    changed = with_household(county, data, second.grid_id)
    assert len(changed.households) == len(county.households)
    assert changed.grid(first.grid_id).households == first.households - 1
    assert changed.grid(first.grid_id).residents == first.residents - old.residents
    assert changed.grid(second.grid_id).households == second.households + 1
    assert changed.grid(second.grid_id).residents == second.residents + old.residents + 1
    moved = next(
        h for h in changed.households_by_grid[second.grid_id] if h.household_id == old.household_id
    )
    assert moved.head.person_id == old.head.person_id  # the same head, kept
