"""The party-branch grid: ``/v1/grids``, households, ``/v1/locate``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from gridfusion.events.v1 import events_pb2
from gridfusion.fusion.v1 import fusion_pb2 as fpb

from services.platform.scope import sees_place

from ...auth import Principal
from ...privacy import grid_staff, mask_id_number, mask_name, mask_phone, record_read
from ..deps import Caller, Cursor, Page, PageSize, State
from ..models import GridCollection, GridFeature, HouseholdPage, Located
from ..problems import SIGNED_IN, answers, link, links

router = APIRouter(prefix="/v1", tags=["grids"], responses=answers(*SIGNED_IN, 404))


def feature(grid: fpb.Grid) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": grid.grid_id,
        "geometry": json.loads(grid.geometry_geojson) if grid.geometry_geojson else
        {"type": "Polygon", "coordinates": [[[p.lon, p.lat] for p in grid.polygon]]},
        "properties": {
            "grid_id": grid.grid_id,
            "name": grid.name,
            "type": grid.type,
            "community_id": grid.community_id,
            "community_name": grid.community_name,
            "street_id": grid.street_id,
            "street_name": grid.street_name,
            "households": grid.households,
            "residents": grid.residents,
            "party_members": grid.party_members,
        },
    }


def to_grid(grid_id: str, which: str) -> dict[str, Any]:
    """Links from an answer naming a grid (at ``grid_id``, a JSON Pointer) to the grid and its households."""
    return links(
        Grid=link("get_grid_v1_grids__grid_id__get", f"{which} as a GeoJSON Feature", grid_id=f"$response.body#{grid_id}"),
        Households=link("list_households_v1_grids__grid_id__households_get", f"The households of {which.lower()}",
                        grid_id=f"$response.body#{grid_id}"),
    )


@router.get("/grids", response_model=GridCollection,
            responses={200: to_grid("/features/0/properties/grid_id", "The first grid")}, summary="All grids of the current reference version as a GeoJSON FeatureCollection (WGS84)")
async def list_grids(state: State, caller: Caller) -> dict[str, Any]:
    reply = await state.peers.fusion.ListGrids(fpb.ListGridsRequest(), timeout=state.settings.rpc_timeout_seconds)
    return {"type": "FeatureCollection", "reference_version": reply.reference_version,
            "features": [feature(g) for g in reply.grids]}


@router.get("/grids/{grid_id}", response_model=GridFeature, summary="One grid as a GeoJSON Feature",
            responses={200: links(Households=link("list_households_v1_grids__grid_id__households_get",
                                                  "The grid's households", grid_id="$response.body#/properties/grid_id"))})
async def get_grid(grid_id: str, state: State, caller: Caller) -> dict[str, Any]:
    grid = await state.peers.fusion.GetGrid(fpb.GetGridRequest(grid_id=grid_id), timeout=state.settings.rpc_timeout_seconds)
    return feature(grid)


def needs_personal_data(caller: Principal, grid_id: str) -> bool:
    """Only the grid's own secretary and workers contact its residents."""
    return grid_staff(caller, grid_id)


@router.get("/grids/{grid_id}/households", response_model=HouseholdPage,
            summary="Households of a grid; names, phones and id numbers masked unless the role needs them")
async def list_households(
    grid_id: str,
    state: State,
    caller: Caller,
    page: Page = 1,
    page_size: PageSize = 50,
    cursor: Cursor = None,
    purpose: Annotated[str | None, Query(max_length=500, description="Why the personal data is read (audited)")] = None,
) -> HouseholdPage:
    grid = await state.peers.fusion.GetGrid(fpb.GetGridRequest(grid_id=grid_id), timeout=state.settings.rpc_timeout_seconds)
    if not sees_place(caller, grid):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"grid {grid_id} is outside your scope")
    reply = await state.peers.fusion.ListHouseholds(
        fpb.ListHouseholdsRequest(grid_id=grid_id, page=page, page_size=page_size, cursor=cursor or ""),
        timeout=state.settings.rpc_timeout_seconds,
    )
    unmasked = needs_personal_data(caller, grid_id)
    items = []
    for h in reply.items:
        items.append({
            "household_id": h.household_id,
            "compound_id": h.compound_id,
            "address": h.address,
            "residents": h.residents,
            "head_name": h.head_name if unmasked else mask_name(h.head_name),
            "head_phone": h.head_phone if unmasked else mask_phone(h.head_phone),
            "head_id_number": h.head_id_number if unmasked else mask_id_number(h.head_id_number),
        })
    if unmasked:
        await record_read(state, caller, what=f"households of grid {grid_id} page {page} (names, phones, id numbers)",
                          why=purpose, grid_id=grid_id, records=len(items))
    return HouseholdPage(items=items, total=reply.total, page=page, page_size=page_size,
                         next_cursor=reply.next_cursor or None)


@router.get("/locate", response_model=Located, responses={200: to_grid("/grid_id", "The grid")},
            summary="The grid a point lies in; 404 outside every grid")
async def locate(
    state: State,
    caller: Caller,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> Located:
    reply = await state.peers.fusion.Locate(
        fpb.LocateRequest(location=events_pb2.Location(point=events_pb2.Point(lon=lon, lat=lat))),
        timeout=state.settings.rpc_timeout_seconds,
    )
    return Located(grid_id=reply.grid_id, grid_name=reply.grid_name, community_id=reply.community_id,
                   street_id=reply.street_id, method=reply.method, confidence=reply.confidence)
