"""A county through the snapshot messages fusion sends the department services, and back."""

from __future__ import annotations

import pytest
from gridfusion.reference.v1 import reference_pb2 as rpb

from services.reference import build_county
from services.reference.models import County, Grid, PartyMember
from services.reference.snapshot import from_snapshots, to_snapshots

pytestmark = pytest.mark.unit


def test_the_synthetic_county_comes_back_equal_in_what_departments_use() -> None:
    county = build_county()
    messages = list(to_snapshots(county, rpb.ReferenceVersion(version="v0001")))
    assert max(m.ByteSize() for m in messages) < 1_000_000
    version, back = from_snapshots(messages)
    assert version.version == "v0001"
    for field in ("streets", "communities", "grids", "compounds", "households", "landmarks"):
        assert getattr(back, field) == getattr(county, field), field


def test_a_grid_in_parts_with_a_hole_and_unnamed_people_survives() -> None:
    outer = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0))
    hole = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.4))
    island = ((2.0, 2.0), (2.1, 2.0), (2.1, 2.1), (2.0, 2.0))
    grid = Grid("G1", "一", "compound", "C1", "S1", outer, 0, 0, 1, None, (), (), None, (0.2, 0.2),
                parts=((outer, hole), (island,)))
    county = County((), (), (grid,), (), (), (), (), (), member_records=(PartyMember("M1", "李", "", "G1", "retired"),))
    _, back = from_snapshots(to_snapshots(county, rpb.ReferenceVersion()))
    assert back.grids == (grid,) and back.member_records == county.member_records
    assert back.grids[0].geometry.geom_type == "MultiPolygon"
    assert back.grids[0].secretary is None and back.grids[0].police_assistant is None
