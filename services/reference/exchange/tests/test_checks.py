"""Every check refuses its crafted bad input and names the grids, rows and ids concerned."""

from __future__ import annotations

import pytest

from services.reference.exchange import GAP_TOLERANCE_M2, OVERLAP_TOLERANCE_M2, load
from services.reference.exchange.tests import handover as h
from services.reference.exchange.tests.handover import (
    GRID_NE,
    GRID_NW,
    GRID_SE,
    GRID_SW,
    NORTH,
    SOUTH,
)

pytestmark = pytest.mark.unit


def only(result, code: str):
    """The one problem of the import, which must have this code; the import refused."""
    assert [p.code for p in result.problems] == [code], result.lines()
    assert result.county is None
    return result.problems[0]


def households_with(**changes: dict[str, str]) -> list[dict[str, str]]:
    """The crafted households with some fields of some rows changed, by household id."""
    rows = h.households()
    for row in rows:
        row.update(changes.get(row["household_id"], {}))
    return rows


def members_with(**changes: dict[str, str]) -> list[dict[str, str]]:
    rows = h.members()
    for row in rows:
        row.update(changes.get(row["member_id"], {}))
    return rows


# ------------------------------------------------------------------------------ grid geometry


def test_a_self_intersecting_grid_is_refused_with_the_reason():
    features = h.grids()
    a, b, c, d, _ = h.square(0, 0)
    features[0]["geometry"]["coordinates"] = [[a, c, b, d, a]]  # a bow-tie
    result = load(h.files(grid_features=features))
    problems = [p for p in result.problems if p.code == "invalid_polygon"]
    assert len(problems) == 1 and result.county is None
    assert problems[0].ids == (GRID_SW,) and problems[0].row == 1
    assert GRID_SW in problems[0].message and "Self-intersection" in problems[0].message


def test_a_ring_of_three_positions_is_refused():
    features = h.grids()
    a, b, _, _, _ = h.square(1, 0)
    features[1]["geometry"]["coordinates"] = [[a, b, a]]
    result = load(h.files(grid_features=features))
    problem = only(result, "invalid_polygon")  # its households are not judged on it
    assert problem.ids == (GRID_SE,) and "at least 4" in problem.message


def test_an_unclosed_ring_is_closed_with_a_warning():
    features = h.grids()
    features[2]["geometry"]["coordinates"] = [h.square(0, 1)[:-1]]
    result = load(h.files(grid_features=features))
    assert [(p.severity, p.code, p.ids) for p in result.problems] == [
        ("warning", "ring_not_closed", (GRID_NW,))
    ]
    assert result.county.grid(GRID_NW).polygon == tuple(map(tuple, h.square(0, 1)))


def test_a_grid_that_is_not_a_polygon_is_refused():
    features = h.grids()
    features[3]["geometry"] = {"type": "Point", "coordinates": h.centre(GRID_NE)}
    result = load(h.files(grid_features=features))
    problem = next(p for p in result.problems if p.code == "geometry_type")
    assert problem.ids == (GRID_NE,) and "Point" in problem.message and problem.row == 4


def test_a_feature_collection_is_required():
    files = h.files()
    files["grids.geojson"] = b'{"type": "Feature", "geometry": null}'
    assert load(files).problems[0].code == "not_feature_collection"
    files["grids.geojson"] = h.geojson_bytes([])
    assert load(files).problems[0].code == "empty_file"


@pytest.mark.parametrize(
    "bad", [["116.8", 35.76], [116.8], [200.0, 35.76], [116.8, 95.0], [True, 35.76]]
)
def test_a_grid_coordinate_that_is_not_a_number_in_range_is_refused(bad):
    features = h.grids()
    features[1]["geometry"]["coordinates"][0][2] = bad
    result = load(h.files(grid_features=features))
    problem = next(p for p in result.problems if p.code == "invalid_coordinates")
    assert problem.ids == (GRID_SE,) and problem.file == "grids.geojson" and problem.row == 2
    assert result.county is None


def test_overlapping_grids_are_refused_naming_both_and_the_area():
    features = h.grids()
    # SE's west edge moves 10 m into SW over its whole height: 10 m × 200 m.
    _, b, c, _, _ = h.square(1, 0)
    west = h.point(h.CELL - 10, 0), h.point(h.CELL - 10, h.CELL)
    features[1]["geometry"]["coordinates"] = [[west[0], b, c, west[1], west[0]]]
    result = load(h.files(grid_features=features))
    overlaps = [p for p in result.problems if p.code == "grid_overlap"]
    assert len(overlaps) == 1, result.lines()
    problem = overlaps[0]
    assert problem.ids == (GRID_SW, GRID_SE)
    assert GRID_SW in problem.message and GRID_SE in problem.message
    area = float(problem.message.split("by ")[1].split(" m²")[0])
    assert area == pytest.approx(2000, rel=0.01)


def test_an_overlap_within_the_tolerance_passes_and_one_above_it_does_not():
    def shifted(metres: float):
        features = h.grids()
        _, b, c, _, _ = h.square(1, 0)
        # SE's west edge pushed into SW only at its middle: a triangle of 100 m² per metre.
        mid = h.point(h.CELL - metres, h.CELL / 2)
        features[1]["geometry"]["coordinates"] = [
            [h.point(h.CELL, 0), b, c, h.point(h.CELL, h.CELL), mid, h.point(h.CELL, 0)]
        ]
        return load(h.files(grid_features=features))

    small = shifted(0.05)  # about 5 m²
    assert small.problems == [] and OVERLAP_TOLERANCE_M2 == 10
    large = shifted(0.3)  # about 30 m²
    assert [p.code for p in large.problems] == ["grid_overlap"]


def test_a_gap_inside_a_community_is_refused_naming_the_community_and_the_area():
    features = [
        h.feature(f"{SOUTH}{k + 1:03d}", [h.square(i, j)])
        for k, (i, j) in enumerate((i, j) for j in range(3) for i in range(3) if (i, j) != (1, 1))
    ]
    result = load(h.files(grid_features=features, household_rows=[], with_members=False))
    gaps = [p for p in result.problems if p.code == "community_gap"]
    assert len(gaps) == 1, result.lines()
    problem = gaps[0]
    assert problem.ids[0] == SOUTH and SOUTH in problem.message
    assert len(problem.ids) == 9  # the community and the eight grids around the hole
    area = float(problem.message.split("gap of ")[1].split(" m²")[0])
    assert area == pytest.approx(h.CELL**2, rel=0.01)
    assert GAP_TOLERANCE_M2 == 10


def test_a_hole_filled_by_another_communitys_grid_is_no_gap():
    features = [
        h.feature(f"{SOUTH}{k + 1:03d}", [h.square(i, j)])
        for k, (i, j) in enumerate((i, j) for j in range(3) for i in range(3) if (i, j) != (1, 1))
    ]
    features.append(h.feature(f"{NORTH}001", [h.square(1, 1)]))
    rows = [
        {
            "household_id": "H1",
            "address": "府前街1号",
            "lon": str(h.centre(GRID_SW)[0]),
            "lat": str(h.centre(GRID_SW)[1]),
            "residents": "2",
        }
    ]
    result = load(h.files(grid_features=features, household_rows=rows, with_members=False))
    assert result.problems == [], result.lines()


def test_a_tiny_sliver_gap_passes():
    features = h.grids()
    _, b, c, _, _ = h.square(1, 0)
    # SE's west edge pulled 0.05 m back from SW at its middle: a 5 m² sliver between them,
    # open to nothing (NW and NE close it to the north): a hole in the community's union.
    mid = h.point(h.CELL + 0.05, h.CELL / 2)
    features[1]["geometry"]["coordinates"] = [
        [h.point(h.CELL, 0), b, c, h.point(h.CELL, h.CELL), mid, h.point(h.CELL, 0)]
    ]
    assert load(h.files(grid_features=features)).problems == []


# -------------------------------------------------------------------------- grid properties


def test_a_missing_community_id_is_refused():
    features = h.grids()
    features[0]["properties"]["community_id"] = ""
    problem = only(load(h.files(grid_features=features)), "missing_value")
    assert (
        problem.ids == (GRID_SW,)
        and "community_id" in problem.message
        and "社区编码" in problem.message
    )


def test_a_community_in_two_streets_is_refused():
    features = h.grids()
    features[1]["properties"]["street_id"] = "370921002"
    features[1]["properties"]["street_name"] = "八仙桥街道"
    result = load(h.files(grid_features=features))
    problem = next(p for p in result.problems if p.code == "community_inconsistent")
    assert SOUTH in problem.ids and "370921001" in problem.ids and "370921002" in problem.ids
    assert GRID_SE in problem.message and GRID_SW in problem.message
    assert result.county is None


def test_a_community_with_two_names_is_refused():
    features = h.grids()
    features[3]["properties"]["community_name"] = "府前新社区"
    problem = only(load(h.files(grid_features=features)), "community_inconsistent")
    assert problem.ids == (NORTH, GRID_NW, GRID_NE)
    assert "府前新社区" in problem.message and "府前社区" in problem.message


def test_a_street_with_two_names_is_refused():
    features = h.grids()
    features[2]["properties"]["street_name"] = "文庙"
    problem = only(load(h.files(grid_features=features)), "street_inconsistent")
    assert problem.ids[0] == "370921001" and GRID_NW in problem.ids


def test_a_duplicate_grid_id_names_both_features():
    features = h.grids()
    features[3]["properties"]["grid_id"] = GRID_NW
    result = load(h.files(grid_features=features))
    problem = next(p for p in result.problems if p.code == "duplicate_grid_id")
    assert problem.ids == (GRID_NW,) and "features 3 and 4" in problem.message
    assert result.county is None


@pytest.mark.parametrize(
    "given",
    [
        "unit",
        "compound",
        "street_lane",
        "单位",
        "小区",
        "街巷",
        "单位型",
        "小区型",
        "街巷型",
        " Street_Lane ",
    ],
)
def test_grid_types_are_read_in_english_and_chinese(given):
    features = h.grids()
    features[0]["properties"]["type"] = given
    result = load(h.files(grid_features=features))
    assert result.problems == []
    assert result.county.grid(GRID_SW).type in ("unit", "compound", "street_lane")


def test_an_unknown_grid_type_is_refused():
    features = h.grids()
    features[2]["properties"]["type"] = "农村型"
    problem = only(load(h.files(grid_features=features)), "grid_type_unknown")
    assert problem.ids == (GRID_NW,) and "农村型" in problem.message


def test_an_unknown_grid_property_is_a_warning():
    features = h.grids()
    for f in features:
        f["properties"]["households"] = 800
    result = load(h.files(grid_features=features))
    assert [(p.severity, p.code) for p in result.problems] == [("warning", "unknown_header")]
    assert result.county is not None


def test_a_grid_id_off_the_national_pattern_is_only_a_warning():
    features = h.grids()
    features[0]["properties"]["grid_id"] = "WM-01"
    rows = households_with(
        H101={"grid_id": "WM-01"}, H102={"grid_id": "WM-01"}, H103={"grid_id": "WM-01"}
    )
    members = members_with(M001={"grid_id": "WM-01"}, M002={"grid_id": "WM-01"})
    result = load(h.files(grid_features=features, household_rows=rows, member_rows=members))
    assert [(p.severity, p.code, p.ids) for p in result.problems] == [
        ("warning", "grid_id_pattern", ("WM-01",))
    ]
    assert "15 digits" in result.problems[0].message
    assert result.county is not None and result.county.grid("WM-01").households == 3


def test_a_grid_id_not_under_its_community_and_street_is_a_warning():
    features = h.grids()
    features[1]["properties"]["grid_id"] = "370921009009002"
    rows = households_with(H201={"grid_id": ""}, H202={"grid_id": ""}, H203={"grid_id": ""})
    result = load(h.files(grid_features=features, household_rows=rows))
    found = [(p.severity, p.code) for p in result.problems]
    assert found == [("warning", "grid_id_pattern")] * 2
    assert SOUTH in result.problems[0].message and "370921001" in result.problems[1].message
    assert result.county is not None


# ------------------------------------------------------------------------------- households


def test_a_household_outside_every_grid_is_refused_naming_row_and_id():
    lon, lat = h.point(-500, 100)
    result = load(h.files(household_rows=households_with(H102={"lon": str(lon), "lat": str(lat)})))
    problem = only(result, "household_outside_grids")
    assert problem.row == 3 and problem.ids == ("H102", GRID_SW)
    assert "H102" in problem.message and "row 3" in problem.message


def test_a_household_in_another_grid_than_its_own_names_both_grids():
    lon, lat = h.centre(GRID_NE)
    result = load(h.files(household_rows=households_with(H201={"lon": str(lon), "lat": str(lat)})))
    problem = only(result, "household_grid_mismatch")
    assert problem.ids == ("H201", GRID_SE, GRID_NE) and problem.row == 5
    assert GRID_SE in problem.message and GRID_NE in problem.message


def test_a_household_on_the_border_of_its_grid_belongs_to_it():
    border = h.point(h.CELL, h.CELL / 2)  # on the edge between SW and SE
    rows = households_with(
        H101={"lon": str(border[0]), "lat": str(border[1])},
        H201={"lon": str(border[0]), "lat": str(border[1])},
    )
    result = load(h.files(household_rows=rows))
    assert result.problems == []
    grids = {hh.household_id: hh.grid_id for hh in result.county.households}
    assert grids["H101"] == GRID_SW and grids["H201"] == GRID_SE


def test_a_household_naming_an_unknown_grid_is_refused():
    result = load(h.files(household_rows=households_with(H301={"grid_id": "370921001002009"})))
    problem = next(p for p in result.problems if p.code == "household_grid_unknown")
    assert problem.ids == ("H301", "370921001002009") and problem.row == 8


def test_a_duplicate_household_id_names_both_rows():
    problem = only(
        load(h.files(household_rows=households_with(H103={"household_id": "H101"}))),
        "duplicate_household_id",
    )
    assert problem.row == 4 and problem.ids == ("H101",) and "row 2" in problem.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lon", "东经116.8"),
        ("lat", ""),
        ("lon", "181"),
        ("lat", "-91"),
        ("lon", "nan"),
        ("lat", "inf"),
    ],
)
def test_household_coordinates_must_be_numbers_in_range(field, value):
    problem = only(
        load(h.files(household_rows=households_with(H402={field: value}))), "invalid_coordinates"
    )
    assert problem.row == 12 and problem.ids == ("H402",) and field in problem.message


@pytest.mark.parametrize("value", ["0", "-2", "2.5", "三", ""])
def test_residents_must_be_a_positive_whole_number(value):
    problem = only(
        load(h.files(household_rows=households_with(H202={"residents": value}))),
        "residents_invalid",
    )
    assert problem.row == 6 and problem.ids == ("H202",)


def test_a_missing_address_is_refused():
    problem = only(
        load(h.files(household_rows=households_with(H301={"address": "  "}))), "missing_value"
    )
    assert problem.ids == ("H301",) and "地址" in problem.message


def test_an_id_number_failing_the_check_digit_is_refused():
    wrong = h.ID_NUMBERS[0][:-1] + "9"
    problem = only(
        load(h.files(household_rows=households_with(H103={"id_number": wrong}))),
        "id_number_check_digit",
    )
    assert problem.row == 4 and problem.ids == ("H103",) and wrong in problem.message


@pytest.mark.parametrize(
    "value", ["37092119800101001", "3709211980010100188", "3709211980010100X8"]
)
def test_an_id_number_of_the_wrong_shape_is_refused(value):
    problem = only(
        load(h.files(household_rows=households_with(H201={"id_number": value}))),
        "id_number_invalid",
    )
    assert problem.ids == ("H201",)


def test_a_lower_case_check_character_is_accepted_and_stored_upper_case():
    result = load(
        h.files(household_rows=households_with(H201={"id_number": h.ID_NUMBERS[1].lower()}))
    )
    assert result.problems == []
    head = next(hh.head for hh in result.county.households if hh.household_id == "H201")
    assert head.id_number == h.ID_NUMBERS[1]


@pytest.mark.parametrize(
    "phone",
    [
        "13805381234",
        "138-0538-1234",
        "+86 138 0538 1234",
        "0086-13805381234",
        "0538-5621234",
        "(0538)5621234",
        "05385621234",
        "010-62345678",
        "0538-5621234-801",
        "0538-5621234转801",
        "+86 538 5621234",
        "１３８０５３８１２３４",
    ],
)
def test_mobile_and_landline_numbers_are_accepted_in_their_usual_spellings(phone):
    result = load(h.files(household_rows=households_with(H101={"phone": phone})))
    assert result.problems == [], result.lines()


@pytest.mark.parametrize(
    "phone",
    [
        "12805381234",
        "1380538123",
        "138053812345",
        "5621234",
        "0538-0621234",
        "+1 415 555 1234",
        "电话",
    ],
)
def test_a_malformed_phone_is_refused(phone):
    problem = only(
        load(h.files(household_rows=households_with(H302={"phone": phone}))), "phone_invalid"
    )
    assert problem.row == 9 and problem.ids == ("H302",)


def test_an_empty_households_file_is_refused():
    result = load(h.files(household_rows=[]))
    assert [p.code for p in result.problems] == ["empty_file"]


# ---------------------------------------------------------------------------------- members


def test_a_member_in_an_unknown_grid_is_refused():
    problem = only(
        load(h.files(member_rows=members_with(M002={"grid_id": "370921001001009"}))),
        "member_grid_unknown",
    )
    assert problem.ids == ("M002", "370921001001009") and problem.row == 3


@pytest.mark.parametrize("value", ["党员", "active", ""])
def test_an_unknown_member_category_is_refused(value):
    problem = only(
        load(h.files(member_rows=members_with(M003={"category": value}))), "member_category_unknown"
    )
    assert problem.ids == ("M003",) and problem.row == 4


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("在职", "in_work"),
        ("离退休", "retired"),
        ("流动党员", "mobile"),
        ("Retired", "retired"),
        ("in_work", "in_work"),
    ],
)
def test_member_categories_are_read_in_english_and_chinese(given, stored):
    result = load(h.files(member_rows=members_with(M001={"category": given})))
    assert result.problems == []
    assert result.county.member_records[0].category == stored


def test_a_duplicate_member_id_names_both_rows():
    problem = only(
        load(h.files(member_rows=members_with(M003={"member_id": "M001"}))), "duplicate_member_id"
    )
    assert problem.row == 4 and "row 2" in problem.message


def test_a_member_phone_and_id_number_are_checked():
    result = load(
        h.files(
            member_rows=members_with(M001={"phone": "123", "id_number": h.ID_NUMBERS[0][:-1] + "0"})
        )
    )
    assert [(p.code, p.ids, p.row) for p in result.problems] == [
        ("phone_invalid", ("M001",), 2),
        ("id_number_check_digit", ("M001",), 2),
    ]


def test_a_member_without_a_name_is_refused():
    problem = only(load(h.files(member_rows=members_with(M002={"name": ""}))), "missing_value")
    assert problem.ids == ("M002",) and "姓名" in problem.message


# ---------------------------------------------------------------------------------- reporting


def test_every_problem_is_reported_at_once_one_line_each_in_file_and_row_order():
    features = h.grids()
    features[2]["properties"]["type"] = "其他"
    rows = households_with(H302={"phone": "123"}, H101={"residents": "0"})
    members = members_with(M002={"category": "?"})
    result = load(h.files(grid_features=features, household_rows=rows, member_rows=members))
    assert [(p.file, p.row, p.code) for p in result.problems] == [
        ("grids.geojson", 3, "grid_type_unknown"),
        ("households.csv", 2, "residents_invalid"),
        ("households.csv", 9, "phone_invalid"),
        ("party_members.csv", 3, "member_category_unknown"),
    ]
    assert all("\n" not in line for line in result.lines())
    assert result.lines()[1].startswith("error: households.csv: row 2 (household H101)")
    # the counts are there for a refused import too
    assert result.counts.households == 12 and result.counts.grids == 4


def test_an_overlap_is_named_in_grid_id_order_whatever_the_file_order():
    features = h.grids()
    _, b, c, _, _ = h.square(1, 0)
    west = h.point(h.CELL - 10, 0), h.point(h.CELL - 10, h.CELL)
    features[1]["geometry"]["coordinates"] = [[west[0], b, c, west[1], west[0]]]
    result = load(h.files(grid_features=list(reversed(features))))
    assert [(p.code, p.ids) for p in result.problems] == [("grid_overlap", (GRID_SW, GRID_SE))]


def test_a_grid_property_given_twice_with_two_values_is_refused():
    features = h.grids()
    features[0]["properties"]["网格名称"] = "另一个名字"
    problem = only(load(h.files(grid_features=features)), "duplicate_header")
    assert problem.row == 1 and "另一个名字" in problem.message
    features[0]["properties"]["网格名称"] = features[0]["properties"]["name"]
    assert load(h.files(grid_features=features)).problems == []


def test_a_file_too_large_is_refused(monkeypatch):
    from services.reference.exchange import reader

    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1000)
    result = load(h.files())
    problem = next(p for p in result.problems if p.code == "file_too_large")
    assert problem.file in ("grids.geojson", "households.csv") and result.county is None
