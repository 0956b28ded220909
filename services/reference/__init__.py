"""Reference data: a deterministic, synthetic Ningyang county seat (宁阳县城).

``build_county()`` returns the same :class:`County` on every call and every machine: two streets
(文庙街道, 八仙桥街道), ten communities, 53 grids whose polygons tile the area exactly, and the
seed's totals — 275 compounds, 40,861 households, 140,098 residents, 9,656 party members,
65 social organisations, 53 branch secretaries and 229 committee members. Local mode loads it;
real boundaries can replace it through a GeoJSON import. Addresses follow
:mod:`services.reference.addresses`.
"""

from __future__ import annotations

from functools import cache

from services.reference.addresses import AddressParts, parse_address
from services.reference.generator import SEED, generate_county
from services.reference.models import (
    GRID_TYPE_LABELS,
    GRID_TYPES,
    Community,
    Compound,
    County,
    Grid,
    Household,
    Landmark,
    LonLat,
    PartyMember,
    Person,
    ResidentUnit,
    SocialOrganisation,
    Street,
)
from services.reference.people import is_valid_id_number


@cache
def build_county() -> County:
    """The reference county, built once per process (it is immutable, so sharing is safe)."""
    return generate_county(SEED)


__all__ = [
    "GRID_TYPES",
    "GRID_TYPE_LABELS",
    "SEED",
    "AddressParts",
    "Community",
    "Compound",
    "County",
    "Grid",
    "Household",
    "Landmark",
    "LonLat",
    "PartyMember",
    "Person",
    "ResidentUnit",
    "SocialOrganisation",
    "Street",
    "build_county",
    "generate_county",
    "is_valid_id_number",
    "parse_address",
]
