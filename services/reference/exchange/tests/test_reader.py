"""Reading a hand-over: folders, zips, uploads, CSV and XLSX, encodings and headers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from services.reference.exchange import load
from services.reference.exchange.tests import handover as h

pytestmark = pytest.mark.unit


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


def zipped(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return buffer.getvalue()


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def xlsx(header: list[str], rows: list[list[object]], sheets_before: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for k in range(sheets_before):
        workbook.create_sheet(f"其他{k}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_crafted_hand_over_is_valid():
    result = load(h.files())
    assert result.problems == []
    assert result.county is not None
    assert result.counts.households == 12 and result.counts.party_members == 3


def test_a_folder_a_zip_path_zip_bytes_and_an_upload_read_alike(tmp_path):
    files = h.files()
    folder = write(tmp_path / "handover", files)
    archive = tmp_path / "handover.zip"
    archive.write_bytes(zipped(files))
    results = [
        load(folder),
        load(archive),
        load(archive.read_bytes()),
        load(files),
        load({"c.zip": zipped(files)}),
    ]
    assert all(r.problems == [] for r in results)
    assert all(r.county == results[0].county for r in results)


def test_a_zip_may_hold_the_files_in_one_sub_folder(tmp_path):
    data = zipped(h.files(), folder="宁阳县交接/")
    result = load(data)
    assert result.problems == [] and result.county is not None
    write(tmp_path / "outer" / "inner", h.files())
    assert load(tmp_path / "outer").county is not None


def test_files_in_two_folders_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in h.files().items():
            archive.writestr(f"a/{name}", data)
        archive.writestr("b/grids.geojson", h.files()["grids.geojson"])
    result = load(buffer.getvalue())
    assert codes(result) == ["ambiguous_layout"]
    assert "a, b" in result.problems[0].message


def test_mac_resource_forks_and_hidden_files_are_ignored():
    files = h.files()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
            archive.writestr(f"__MACOSX/._{name}", b"\x00\x05")
        archive.writestr(".DS_Store", b"\x00")
    assert load(buffer.getvalue()).problems == []


def test_file_names_match_in_any_case():
    files = {name.upper(): data for name, data in h.files().items()}
    assert load(files).problems == []


def test_missing_files_are_errors_and_members_are_optional():
    files = h.files(with_members=False)
    ok = load(files)
    assert ok.problems == [] and ok.county.member_records == ()
    assert all(g.party_members == 0 for g in ok.county.grids)
    result = load({"households.csv": files["households.csv"]})
    assert codes(result) == ["missing_file"]
    assert "grids.geojson" in result.problems[0].message
    result = load({"grids.geojson": files["grids.geojson"]})
    assert codes(result) == ["missing_file"]
    assert "households.csv" in result.problems[0].message


def test_not_a_zip_and_not_a_folder_are_refused(tmp_path):
    assert codes(load(b"not a zip")) == ["unreadable_source"]
    assert codes(load(tmp_path / "nowhere.txt")) == ["unreadable_source"]


def test_a_table_given_twice_is_ambiguous():
    files = h.files()
    files["households.xlsx"] = xlsx(h.HOUSEHOLD_HEADER, [])
    result = load(files)
    assert "ambiguous_file" in codes(result)
    assert result.county is None


def test_an_unknown_file_is_a_warning():
    files = h.files()
    files["readme.txt"] = "说明".encode()
    result = load(files)
    assert [(p.severity, p.code) for p in result.problems] == [("warning", "unknown_file")]
    assert result.county is not None


def test_a_byte_order_mark_is_welcome_in_every_file():
    files = h.files()
    files = {name: b"\xef\xbb\xbf" + data for name, data in files.items()}
    result = load(files)
    assert result.problems == []
    assert result.county.households[0].household_id == "H101"


def test_gbk_text_is_refused_with_a_hint():
    files = h.files()
    files["households.csv"] = files["households.csv"].decode("utf-8").encode("gbk")
    result = load(files)
    assert codes(result) == ["encoding"]
    assert "households.csv" in result.problems[0].message and "GBK" in result.problems[0].message


def test_invalid_json_is_refused():
    files = h.files()
    files["grids.geojson"] = b'{"type": "FeatureCollection", "features": ['
    result = load(files)
    assert "unreadable_file" in codes(result)
    assert result.county is None


def test_chinese_headers_are_aliases_of_the_english_ones():
    english_to_chinese = {
        "household_id": "户号",
        "address": "地址",
        "lon": "经度",
        "lat": "纬度",
        "residents": "人数",
        "compound": "小区",
        "grid_id": "网格编码",
        "head_name": "户主姓名",
        "phone": "联系电话",
        "id_number": "身份证号码",
    }
    rows = [[r[k] for k in h.HOUSEHOLD_HEADER] for r in h.households()]
    member_aliases = {
        "member_id": "党员编号",
        "name": "姓名",
        "phone": "电话",
        "grid_id": "网格编码",
        "category": "类别",
        "id_number": "身份证号",
    }
    member_rows = [[r[k] for k in h.MEMBER_HEADER] for r in h.members()]
    features = h.grids()
    zh = {
        "grid_id": "网格编码",
        "name": "网格名称",
        "type": "类型",
        "community_id": "社区编码",
        "community_name": "社区",
        "street_id": "街道编码",
        "street_name": "街道",
    }
    for f in features:
        f["properties"] = {zh[k]: v for k, v in f["properties"].items()}
        f["properties"]["类型"] = "小区型"
    files = {
        "grids.geojson": h.geojson_bytes(features),
        "households.csv": h.csv_bytes(
            [english_to_chinese[k] for k in h.HOUSEHOLD_HEADER], rows, bom=True
        ),
        "party_members.csv": h.csv_bytes([member_aliases[k] for k in h.MEMBER_HEADER], member_rows),
    }
    chinese = load(files)
    assert chinese.problems == []
    assert chinese.county == load(h.files()).county


def test_headers_are_matched_ignoring_case_spaces_and_separators():
    header = [
        "  Household ID ",
        "ADDRESS",
        "Lon",
        " lat",
        "Residents",
        "compound",
        "Grid-Id",
        "head name",
        "PHONE",
        "id_number",
    ]
    rows = [[r[k] for k in h.HOUSEHOLD_HEADER] for r in h.households()]
    files = h.files()
    files["households.csv"] = h.csv_bytes(header, rows)
    result = load(files)
    assert result.problems == []


def test_an_unknown_header_is_a_warning_naming_it():
    rows = [[*[r[k] for k in h.HOUSEHOLD_HEADER], "备注"] for r in h.households()]
    files = h.files()
    files["households.csv"] = h.csv_bytes([*h.HOUSEHOLD_HEADER, "备注"], rows)
    result = load(files)
    assert [(p.severity, p.code) for p in result.problems] == [("warning", "unknown_header")]
    assert "备注" in result.problems[0].message and result.problems[0].row == 1
    assert result.county is not None


def test_a_missing_required_header_names_the_header_and_its_chinese_alias():
    header = [k for k in h.HOUSEHOLD_HEADER if k != "residents"]
    files = h.files(household_header=header)
    result = load(files)
    assert codes(result) == ["missing_header"]
    message = result.problems[0].message
    assert "'residents'" in message and "'人数'" in message and "households.csv" in message
    assert result.county is None


def test_optional_household_columns_may_be_left_out():
    header = ["household_id", "address", "lon", "lat", "residents"]
    result = load(h.files(household_header=header))
    assert result.problems == []
    county = result.county
    assert all(hh.head is None and hh.compound_id == "" for hh in county.households)
    assert county.compounds == ()
    # the grid comes from the point
    assert {hh.household_id: hh.grid_id for hh in county.households}["H101"] == h.GRID_SW


def test_two_columns_for_one_field_are_refused():
    rows = [[r[k] for k in h.HOUSEHOLD_HEADER] for r in h.households()]
    files = h.files()
    files["households.csv"] = h.csv_bytes(
        [*h.HOUSEHOLD_HEADER, "身份证号"], [[*r, r[-1]] for r in rows]
    )
    result = load(files)
    # id_number under its English name and under its alias
    assert "duplicate_header" in codes(result)
    assert "columns 10 and 11" in result.problems[0].message


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    rows = [[r[k] for k in h.HOUSEHOLD_HEADER] for r in h.households()]
    rows.insert(1, [""] * len(h.HOUSEHOLD_HEADER))
    rows[3][4] = "0"  # H103, now on row 5 (header 1, H101 2, blank 3, H102 4, H103 5)
    files = h.files()
    files["households.csv"] = h.csv_bytes(h.HOUSEHOLD_HEADER, rows)
    result = load(files)
    assert [(p.code, p.row) for p in result.problems] == [("residents_invalid", 5)]
    assert "H103" in result.problems[0].message


def test_households_and_members_read_from_xlsx_with_numbers_as_numbers():
    households = [
        [
            r["household_id"],
            r["address"],
            float(r["lon"]),
            float(r["lat"]),
            int(r["residents"]),
            r["compound"],
            r["grid_id"],
            r["head_name"],
            int(r["phone"]),
            r["id_number"],
        ]
        for r in h.households()
    ]
    members = [[r[k] for k in h.MEMBER_HEADER] for r in h.members()]
    files = h.files()
    del files["households.csv"], files["party_members.csv"]
    files["households.xlsx"] = xlsx(h.HOUSEHOLD_HEADER, households, sheets_before=1)
    files["party_members.xlsx"] = xlsx(h.MEMBER_HEADER, members)
    result = load(files)
    assert result.problems == []
    assert result.county == load(h.files()).county


def test_residents_typed_as_a_decimal_in_a_sheet_are_accepted():
    households = [[r[k] for k in h.HOUSEHOLD_HEADER] for r in h.households()]
    households[0][4] = 3.0
    files = h.files()
    del files["households.csv"]
    files["households.xlsx"] = xlsx(h.HOUSEHOLD_HEADER, households)
    result = load(files)
    assert result.problems == []
    assert result.county.households[0].residents == 3


def test_a_file_that_is_not_a_workbook_is_refused():
    files = h.files()
    del files["households.csv"]
    files["households.xlsx"] = b"PK\x03\x04 broken"
    result = load(files)
    assert "unreadable_file" in codes(result)
