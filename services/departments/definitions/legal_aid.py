"""法律援助 legal aid: consultations and aid applications.

"One community, one adviser" (一个社区一名顾问): every community has exactly one legal adviser,
kept in the department's own ``advisers`` collection: one document per community, seeded from
the reference version in use and changed only by the department. A community whose reference
data names no adviser (an imported county) is recorded with the post vacant (``status``
``unassigned``, no person) until the department fills it, or a later version names one. Every
accepted event is assigned to the adviser of the community its location falls in, and carries
that as ``details.assigned_to`` — ``unassigned``, with the reason, where the post is vacant.

"Half-hour legal-aid circle" (半小时法律援助圈): a household is in the circle when it can reach
an adviser within :data:`LIMIT_MINUTES`. The travel model: the resident walks at
:data:`WALKING_KMH` to the adviser's desk at the community's party-mass service station
(党群服务站); the walking route is estimated as :data:`DETOUR` times the straight-line
(haversine) distance, the usual factor for a street grid. The desks are the stations of the
reference version's communities whose adviser is on record (a vacant post is no desk); the
households are the version's. Households beyond every desk are the circle's gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from services.reference import distance

from .. import reference
from ..definition import LEGAL_AID_CIRCLE, Department, Details, EventType
from ..enrichers import assign_post_holder
from ..posts import filled, seed_post

_LEGAL = frozenset({"legal_service.consultation", "legal_service.aid_application"})

WALKING_KMH = 5.0
DETOUR = distance.DETOUR
LIMIT_MINUTES = 30.0
haversine_km = distance.haversine_km
TRAVEL_MODEL = (
    f"walking at {WALKING_KMH:g} km/h to the adviser's desk at the community's party-mass service "
    f"station; route length = {DETOUR:g} x straight-line (haversine) distance"
)


class ConsultationDetails(Details):
    topic: Literal["family", "labour", "property", "contract", "injury", "other"] = Field(
        "other", description="咨询领域"
    )
    applicant_name: str | None = Field(None, max_length=64, description="申请人姓名 (personal data)")


class AidApplicationDetails(ConsultationDetails):
    hardship_proof: bool = Field(False, description="是否提交经济困难证明")


async def seed_advisers(store) -> None:
    """One adviser per community of the reference version in use, as a post
    (:mod:`services.departments.posts`); the community's name and station follow the reference;
    a community the version no longer has keeps its record."""
    for community in reference.county().communities:
        await seed_post(store.db["advisers"], community.community_id, community.legal_adviser,
                        {"community_name": community.name, "station": list(community.service_station)})


# Every event goes to the legal adviser of the community it falls in.
assign_adviser = assign_post_holder("legal_adviser", "advisers", per="community", title="adviser")


def travel_minutes(distance_km: float, *, walking_kmh: float = WALKING_KMH, detour: float = DETOUR) -> float:
    return distance_km * detour / walking_kmh * 60.0


@dataclass(frozen=True)
class Gap:
    household_id: str
    grid_id: str
    community_id: str
    nearest_adviser_community_id: str
    distance_km: float
    travel_minutes: float


Stations = tuple[tuple[str, tuple[float, float]], ...]


def circle_gaps(
    stations: Stations,
    *,
    view: reference.View | None = None,
    limit_minutes: float = LIMIT_MINUTES,
    walking_kmh: float = WALKING_KMH,
    detour: float = DETOUR,
) -> tuple[list[Gap], int]:
    """Households of the reference version (``view``, else the one in use) farther than
    ``limit_minutes`` from every adviser's station, and how many households were checked.
    ``stations`` are (community_id, (lon, lat)) pairs. Kept with the version, per stations and
    travel model: the same question on the same version is answered once."""
    view = view or reference.current()
    key = ("legal_aid.circle_gaps", stations, limit_minutes, walking_kmh, detour)
    return view.remember(key, lambda: _circle_gaps(view, stations, limit_minutes, walking_kmh, detour))


def _circle_gaps(
    view: reference.View, stations: Stations, limit_minutes: float, walking_kmh: float, detour: float
) -> tuple[list[Gap], int]:
    households = view.county.households
    if not households:
        return [], 0
    nearest, distances = distance.nearest([h.location for h in households], [s for _, s in stations])
    minutes = distances * detour / walking_kmh * 60.0
    gaps = []
    for i in np.nonzero(minutes > limit_minutes)[0].tolist():
        hh = households[i]
        gaps.append(Gap(
            household_id=hh.household_id,
            grid_id=hh.grid_id,
            community_id=view.community_of(hh.grid_id),
            nearest_adviser_community_id=stations[int(nearest[i])][0] if stations else "",
            distance_km=round(float(distances[i]), 3) if stations else float("inf"),
            travel_minutes=round(float(minutes[i]), 1) if stations else float("inf"),
        ))
    return gaps, len(households)


async def adviser_stations(store, view: reference.View | None = None) -> Stations:
    """The desks of the circle: the station of each community of the reference version (``view``,
    else the one in use) whose adviser is on record in the department's own records."""
    view = view or reference.current()
    staffed = {doc["_id"] async for doc in store.db["advisers"].find({}, {"person_id": 1}) if filled(doc)}
    return tuple(
        (c.community_id, (float(c.service_station[0]), float(c.service_station[1])))
        for c in sorted(view.county.communities, key=lambda c: c.community_id)
        if c.community_id in staffed
    )


DEPARTMENT = Department(
    name="legal_aid",
    label="法律援助",
    event_types={
        "legal_aid.consultation": EventType("法律咨询", frozenset({"legal_service.consultation"}), ConsultationDetails),
        "legal_aid.application": EventType("法律援助申请", _LEGAL, AidApplicationDetails),
    },
    enrichers=(assign_adviser,),
    seeders=(seed_advisers,),
    features=frozenset({LEGAL_AID_CIRCLE}),
    uses_reference=True,
)
