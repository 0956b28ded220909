"""The permission table: least rights for every user, and both configurations written from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.platform import bus, permissions
from services.platform.vocabulary import DEPARTMENTS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
USERS = permissions.service_users()


def covers(pattern: str, subject: str) -> bool:
    """Whether a NATS permission pattern covers a subject (``*`` one token, ``>`` the rest)."""
    tokens, parts = pattern.split("."), subject.split(".")
    for i, token in enumerate(tokens):
        if token == ">":
            return len(parts) > i
        if i >= len(parts) or token not in ("*", parts[i]):
            return False
    return len(tokens) == len(parts)


def test_the_clusters_auth_conf_is_the_tables() -> None:
    assert permissions.drift((ROOT / permissions.AUTH_CONF).read_text()) == ""


def test_the_local_platform_writes_its_nats_users_from_the_table(tmp_path) -> None:
    from services.local import NATS_USERS, write_nats_config

    (tmp_path / "nats").mkdir()
    config = json.loads(write_nats_config(tmp_path, 4222, {u: "pw" for u in NATS_USERS}).read_text())
    users = {u["user"]: u["permissions"] for u in config["authorization"]["users"]}
    assert users == {u: permissions.nats_permissions(u) for u in (permissions.OPERATOR, *USERS)}


def test_the_table_names_the_streams_and_consumers_the_code_uses() -> None:
    from services.departments.handovers import HandOverFeed
    from services.fusion.main import FusionSettings
    from services.fusion.results import SUBJECT as RESULTS_SUBJECT

    assert permissions.STREAMS == tuple(s.name for s in bus.ALL_STREAMS)
    fusion = FusionSettings()
    assert permissions.FUSION_CONSUMERS == (
        (bus.EVENTS.name, fusion.consumer, "gridfusion.events.>"),
        (bus.HANDOVERS.name, fusion.results_consumer, RESULTS_SUBJECT),
    )
    for d in DEPARTMENTS:
        feed = HandOverFeed(d, None)
        assert permissions.handover_consumer(d) == (bus.HANDOVERS.name, feed.durable, feed.filter_subject)


def test_the_gateway_follows_case_changes_hears_reference_versions_and_tells_only_its_replicas() -> None:
    from gateway import feed
    from gateway.notifications import intake

    gateway = permissions.grant("gateway")
    durable = intake.DURABLE
    assert gateway.publish == (
        feed.SESSIONS_SUBJECT, "$JS.API.STREAM.INFO.CASES", "$JS.API.CONSUMER.CREATE.CASES",
        "$JS.FC.CASES.>", f"$JS.API.CONSUMER.INFO.CASES.{durable}",
        f"$JS.API.CONSUMER.CREATE.CASES.{durable}.{intake.SUBJECT}",
        f"$JS.API.CONSUMER.MSG.NEXT.CASES.{durable}", f"$JS.ACK.CASES.{durable}.>",
        "gridfusion.deadletter.cases")
    for subject in (feed.REFERENCE_SUBJECT, feed.SESSIONS_SUBJECT, "_INBOX_gateway.x.1"):
        assert any(covers(p, subject) for p in gateway.subscribe)
    # Case changes come only through its consumers: no core subscription to them, no other
    # stream, no durable but its own (webhooks and notifications).
    assert not any(covers(p, "gridfusion.cases.g1.opened") for p in gateway.subscribe)
    for subject in ("$JS.API.STREAM.INFO.EVENTS", "$JS.API.CONSUMER.CREATE.EVENTS",
                    "$JS.API.CONSUMER.DURABLE.CREATE.CASES.feed", "$JS.API.STREAM.DELETE.CASES",
                    "$JS.API.CONSUMER.DELETE.CASES.x", "$JS.ACK.CASES.x.1.1.1.1.1"):
        assert not any(covers(p, subject) for p in gateway.publish), subject


def test_only_the_gateway_announces_ended_sessions() -> None:
    from gateway import feed

    for user in USERS:
        rights = permissions.grant(user)
        assert any(covers(p, feed.SESSIONS_SUBJECT) for p in rights.publish) == (user == "gateway"), user
        assert any(covers(p, feed.SESSIONS_SUBJECT) for p in rights.subscribe) == (user == "gateway"), user


def test_every_user_reads_replies_only_in_its_own_inbox_and_answers_none() -> None:
    for user in USERS:
        rights = permissions.grant(user)
        inboxes = [p for p in rights.subscribe if p.startswith("_INBOX")]
        assert inboxes in ([], [f"{permissions.inbox_prefix(user)}.>"]), user
        for other in (permissions.OPERATOR, *USERS):
            if other != user:
                assert not any(covers(p, f"{permissions.inbox_prefix(other)}.x.y") for p in rights.subscribe)
        assert not any(covers(p, "_INBOX.x.y") for p in rights.subscribe), user
        assert not any(p.startswith("_INBOX") or p in (">", "*.>") for p in rights.publish), user


def test_no_service_may_delete_or_purge_a_stream() -> None:
    for user in USERS:
        rights = permissions.grant(user)
        for subject in ("$JS.API.STREAM.DELETE.EVENTS", "$JS.API.STREAM.PURGE.EVENTS",
                        "$JS.API.CONSUMER.DELETE.HANDOVERS.handover-petition", "$JS.API.STREAM.MSG.GET.EVENTS"):
            assert not any(covers(p, subject) for p in rights.publish), (user, subject)


def test_a_department_touches_only_its_own_subjects_and_consumer() -> None:
    for d in DEPARTMENTS:
        rights = permissions.grant(d)
        for pattern in rights.publish + rights.subscribe:
            assert d in pattern or pattern == permissions.REFERENCE, (d, pattern)
        for other in DEPARTMENTS:
            if other != d:
                assert not any(other in p for p in rights.publish + rights.subscribe), (d, other)
        assert not any(p.startswith("$JS.API.STREAM") for p in rights.publish)


def test_only_fusion_announces_reference_versions_and_every_service_hears_them() -> None:
    from services.fusion.reference import SUBJECT

    for user in USERS:
        rights = permissions.grant(user)
        assert any(covers(p, SUBJECT) for p in rights.subscribe), user
        assert any(covers(p, SUBJECT) for p in rights.publish) == (user == "fusion"), user


def test_a_services_mongodb_user_may_use_its_own_database_only() -> None:
    for user in USERS:
        assert permissions.mongodb_roles(user) == [{"role": "readWrite", "db": f"gridfusion_{user}"}]
    assert permissions.mongodb_roles(permissions.OPERATOR) == [{"role": "root", "db": "admin"}]
    with pytest.raises(ValueError):
        permissions.mongodb_roles("gridfusion")


def test_the_generator_writes_auth_conf_and_catches_a_drifted_one(tmp_path, capsys) -> None:
    path = tmp_path / "auth.conf"
    assert permissions.main(["--write", str(path)]) == 0
    assert permissions.main(["--check", str(path)]) == 0
    path.write_text(path.read_text().replace('"gridfusion.events.petition.>"',
                                             '"gridfusion.events.petition.>", "$JS.API.>"'))
    assert permissions.main(["--check", str(path)]) == 1
    assert '+        publish: {allow: ["gridfusion.events.petition.>", "$JS.API.>"' in capsys.readouterr().err
