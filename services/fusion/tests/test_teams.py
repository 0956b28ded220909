"""Volunteer teams belong to areas: a member may join a team whose area contains its grid, and
staff see the teams of their area and of the areas above it."""

from __future__ import annotations

import pytest

from services.fusion.teams import Team, overlaps

pytestmark = pytest.mark.unit


def test_a_team_is_of_an_area_when_it_contains_it_or_lies_within_it():
    county_wide, street = Team("T1", "宁阳先锋"), Team("T2", "街道队", street_id="S1")
    community = Team("T3", "社区队", street_id="S1", community_id="C1")
    assert all(overlaps(t, "S1", "C1", "G1") for t in (county_wide, street, community))
    assert not overlaps(community, "S1", "C2", "G9") and not overlaps(street, "S2", "C5", "G5")
    assert overlaps(community, "S1", "", "")  # the street's staff see their communities' teams
