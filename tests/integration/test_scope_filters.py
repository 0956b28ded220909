"""The scope rule's MongoDB filters against a real secantusd-py: for every role, the cases and
places a query finds are the ones the in-memory predicate sees."""

from __future__ import annotations

import uuid

import pytest

from services.platform.scope import AREA_ROLES, Principal, area_query, case_query, sees_place
from services.platform.tests import test_scope as samples

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(mongo):
    database = mongo[f"scope_{uuid.uuid4().hex[:8]}"]
    for form, (_, _, records) in samples.FORMS.items():
        await database[form].insert_many([{**doc, "_id": i} for i, (doc, _) in enumerate(records)])
    yield database
    await mongo.drop_database(database.name)


async def ids(collection, query: dict) -> set:
    return {d["_id"] async for d in collection.find(query, {"_id": 1})}


@pytest.mark.parametrize("form", samples.FORMS)
async def test_every_principals_filter_finds_what_the_predicate_sees(db, form: str) -> None:
    query_of, sees, records = samples.FORMS[form]
    for principal in samples.PRINCIPALS:
        query = samples.filter_of(query_of, principal)
        seen = {i for i, (doc, _) in enumerate(records) if sees(principal, doc)}
        assert (await ids(db[form], query) if query is not None else set()) == seen, principal


async def test_each_role_finds_the_cases_the_table_gives_it_and_its_own_area(db) -> None:
    cases = {i: doc["_id"] for i, doc in enumerate(samples.CASES)}
    places = [doc for doc, _ in samples.FORMS["places"][2]]
    for principal, seen in samples.SEEN:
        assert {cases[i] for i in await ids(db["cases"], case_query(principal))} == seen, principal
        if principal.role in AREA_ROLES:
            own = {i for i, doc in enumerate(places) if sees_place(principal, doc)}
            assert await ids(db["places"], area_query(principal.area())) == own, principal


async def test_a_case_filter_combined_with_a_list_filter_only_narrows(db) -> None:
    street = Principal("street-S1", "street", street_id="S1")
    narrowed = {"$and": [case_query(street), {"status": "handed_over"}]}
    assert {samples.CASES[i]["_id"] for i in await ids(db["cases"], narrowed)} == {"K3", "K7"}
