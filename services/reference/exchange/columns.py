"""The exchange format's files and columns, with their Chinese aliases: one home for the format.

| file | required | optional |
| --- | --- | --- |
| ``grids.geojson`` (feature properties) | grid_id 网格编码, name 网格名称, type 类型, community_id 社区编码, community_name 社区, street_id 街道编码, street_name 街道 | — |
| ``households.csv`` / ``.xlsx`` | household_id 户号, address 地址, lon 经度, lat 纬度, residents 人数 | compound 小区, grid_id 网格编码, head_name 户主姓名, phone 联系电话/电话, id_number 身份证号/身份证号码 |
| ``party_members.csv`` / ``.xlsx`` (optional file) | member_id 党员编号, name 姓名, phone 电话, grid_id 网格编码, category 类别 | id_number 身份证号/身份证号码 |

Headers are matched after trimming (also full-width spaces), ignoring case, and treating runs
of spaces, hyphens and underscores alike (``Household ID`` is ``household_id``).
Values: a grid's ``type`` is ``unit`` | ``compound`` | ``street_lane`` or 单位/小区/街巷
(also 单位型/小区型/街巷型); a member's ``category`` is ``in_work`` | ``retired`` | ``mobile``
or 在职/离退休/流动 (also with 党员 after them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

GRIDS_FILE = "grids.geojson"
HOUSEHOLDS = "households"
PARTY_MEMBERS = "party_members"
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx")


@dataclass(frozen=True, slots=True)
class Column:
    """One field of a file: its English name, its Chinese aliases, whether it must be there."""

    name: str
    aliases: tuple[str, ...]
    required: bool = True

    @property
    def label(self) -> str:
        """How a message names it: ``household_id (户号)``."""
        return f"{self.name} ({'/'.join(self.aliases)})" if self.aliases else self.name


GRID_PROPERTIES: tuple[Column, ...] = (
    Column("grid_id", ("网格编码",)),
    Column("name", ("网格名称",)),
    Column("type", ("类型", "网格类型")),
    Column("community_id", ("社区编码",)),
    Column("community_name", ("社区", "社区名称")),
    Column("street_id", ("街道编码",)),
    Column("street_name", ("街道", "街道名称")),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_id", ("户号",)),
    Column("address", ("地址",)),
    Column("lon", ("经度",)),
    Column("lat", ("纬度",)),
    Column("residents", ("人数",)),
    Column("compound", ("小区",), required=False),
    Column("grid_id", ("网格编码",), required=False),
    Column("head_name", ("户主姓名", "户主"), required=False),
    Column("phone", ("联系电话", "电话"), required=False),
    Column("id_number", ("身份证号", "身份证号码"), required=False),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("member_id", ("党员编号",)),
    Column("name", ("姓名",)),
    Column("phone", ("电话", "联系电话")),
    Column("grid_id", ("网格编码",)),
    Column("category", ("类别", "党员类别")),
    Column("id_number", ("身份证号", "身份证号码"), required=False),
)

# Exported households.csv: the columns in this order (head columns only when a head is known).
HOUSEHOLD_EXPORT = ("household_id", "address", "lon", "lat", "residents", "compound", "grid_id")
HEAD_EXPORT = ("head_name", "phone", "id_number")
MEMBER_EXPORT = ("member_id", "name", "phone", "grid_id", "category")

GRID_TYPE_VALUES: Mapping[str, str] = {
    "unit": "unit",
    "compound": "compound",
    "street_lane": "street_lane",
    "单位": "unit",
    "单位型": "unit",
    "小区": "compound",
    "小区型": "compound",
    "街巷": "street_lane",
    "街巷型": "street_lane",
}

MEMBER_CATEGORY_VALUES: Mapping[str, str] = {
    "in_work": "in_work",
    "retired": "retired",
    "mobile": "mobile",
    "在职": "in_work",
    "在职党员": "in_work",
    "离退休": "retired",
    "离退休党员": "retired",
    "流动": "mobile",
    "流动党员": "mobile",
}

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_header(text: object) -> str:
    """A header cell as a lookup key: trimmed, lower case, separators as one underscore."""
    if text is None:
        return ""
    cleaned = str(text).replace("\ufeff", "").replace("\u3000", " ").strip().lower()
    return _SEPARATORS.sub("_", cleaned).strip("_")


def normalise_value(text: str) -> str:
    """A code-like value (grid type, member category) as a lookup key."""
    return normalise_header(text)


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted spelling of a header → its column."""
    index: dict[str, Column] = {}
    for column in columns:
        index[normalise_header(column.name)] = column
        for alias in column.aliases:
            index[normalise_header(alias)] = column
    return index
