"""Who may do what on NATS and in MongoDB: the one table every configuration is written from.

The local platform writes its nats-server configuration and creates its MongoDB users from
this module (:mod:`services.local`); the cluster's ``deploy/k8s/base/nats/auth.conf`` is
written from it (``make nats-auth``) and ``deploy/checks/manifests.py`` fails when the rendered
configuration differs. Change a permission here, never in a configuration file.

NATS (subjects and streams: :mod:`services.platform.bus`)::

    user          publishes                          subscribes (core NATS)   JetStream API
    fusion        gridfusion.cases.>                 gridfusion.reference.>   the four streams: info, create, update
                  gridfusion.handover.>              its own inbox            (never delete or purge); its durables
                  gridfusion.deadletter.>                                     fusion (EVENTS, gridfusion.events.>) and
                  gridfusion.reference.>                                      fusion-results (HANDOVERS,
                                                                              gridfusion.results.>)
    <department>  gridfusion.events.<department>.>   gridfusion.reference.>   its durable handover-<department>
                  gridfusion.results.<department>    its own inbox            (HANDOVERS, gridfusion.handover.<department>.>)
    gateway       gridfusion.gateway.sessions.ended  gridfusion.reference.>   CASES: info, and ephemeral consumers
                  gridfusion.deadletter.cases        gridfusion.gateway.sessions.ended    (the live feed's ordered consumer,
                                                     its own inbox                        and its flow-control replies); its
                                                                              durable gateway-notifications (CASES,
                                                                              gridfusion.cases.>: webhooks, notifications)
    admin         everything: local mode's operator (declares the streams before the services start; what the
                  command line and the tests connect as); the cluster has no such user

On a durable consumer a user may ask for its info, create it (with its own filter subject
only: the filter is part of the subject it publishes to), fetch from it and acknowledge what it
fetched; nothing else of JetStream. Replies — publish acknowledgements, fetched messages, API
answers — come to the user's own inbox, ``_INBOX_<user>.>`` (:func:`inbox_prefix`, which
:func:`services.platform.bus.connect` sets), and only its owner may subscribe there: nobody
reads another user's replies, which carry every department's events. No service answers
requests, so nobody may publish into an inbox either. The gateway's replicas tell each other
of the sessions they end (``gridfusion.gateway.sessions.ended``): only the gateway may speak or
hear there.

MongoDB: one user per service, ``readWrite`` on its own database and nothing else (fusion:
``gridfusion_fusion``; a department: ``gridfusion_<department>``; the gateway:
``gridfusion_gateway``). Local mode adds ``admin`` (``root``) for the command line and the
tests.

Standard library only: the deploy checks load this file without the services' dependencies.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The operator of local mode; not a user of the cluster.
OPERATOR = "admin"
# Stream names of services.platform.bus (ALL_STREAMS): fusion declares them.
STREAMS: tuple[str, ...] = ("EVENTS", "CASES", "HANDOVERS", "DEADLETTER")
# Fusion's durable consumers (FUSION_CONSUMER, FUSION_RESULTS_CONSUMER): stream, name, filter.
FUSION_CONSUMERS: tuple[tuple[str, str, str], ...] = (
    ("EVENTS", "fusion", "gridfusion.events.>"),
    ("HANDOVERS", "fusion-results", "gridfusion.results.>"),
)
REFERENCE = "gridfusion.reference.>"
# Sessions one gateway replica ended, for every replica (gateway.feed.SESSIONS_SUBJECT).
GATEWAY_SESSIONS = "gridfusion.gateway.sessions.ended"
# The gateway follows the case changes (gateway.feed.FeedHub.follow): the stream's info, an ephemeral
# ordered consumer of it, and the replies its flow control asks for.
GATEWAY_FOLLOWS = ("$JS.API.STREAM.INFO.CASES", "$JS.API.CONSUMER.CREATE.CASES", "$JS.FC.CASES.>")
# The gateway's durable consumer of the case changes (gateway.notifications.intake.DURABLE): what
# each change leaves for webhooks and notifications; a change it cannot read is dead-lettered.
GATEWAY_CONSUMER = ("CASES", "gateway-notifications", "gridfusion.cases.>")
GATEWAY_DEADLETTER = "gridfusion.deadletter.cases"
AUTH_CONF = Path("deploy/k8s/base/nats/auth.conf")


def departments_of(departments: Sequence[str] | None) -> tuple[str, ...]:
    if departments is not None:
        return tuple(departments)
    from services.platform.vocabulary import DEPARTMENTS  # protobuf: imported only when asked

    return DEPARTMENTS


def service_users(departments: Sequence[str] | None = None) -> tuple[str, ...]:
    """Every service's user (NATS and MongoDB): the gateway, fusion, each department."""
    return ("gateway", "fusion", *departments_of(departments))


def inbox_prefix(user: str) -> str:
    """Where ``user`` receives replies: ``_INBOX_<user>`` (nats-py's ``inbox_prefix``)."""
    return f"_INBOX_{user}"


def handover_consumer(department: str) -> tuple[str, str, str]:
    """A department's durable hand-over consumer: stream, name, filter subject."""
    return ("HANDOVERS", f"handover-{department}", f"gridfusion.handover.{department}.>")


def consumer_api(stream: str, durable: str, filter_subject: str) -> tuple[str, ...]:
    """The JetStream API subjects of using one durable pull consumer, and nothing more."""
    return (
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{filter_subject}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    )


@dataclass(frozen=True)
class Grant:
    """What one NATS user may publish and subscribe to (an empty tuple: nothing)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    def nats(self) -> dict[str, dict[str, list[str]]]:
        """nats-server's ``permissions``. Nothing is ``deny: [">"]``: an empty allow list allows all."""
        return {kind: ({"allow": list(subjects)} if subjects else {"deny": [">"]})
                for kind, subjects in (("publish", self.publish), ("subscribe", self.subscribe))}


def grant(user: str, departments: Sequence[str] | None = None) -> Grant:
    """The table: what ``user`` may do on NATS."""
    depts = departments_of(departments)
    if user == OPERATOR:
        return Grant(publish=(">",), subscribe=(">",))
    inbox = f"{inbox_prefix(user)}.>"
    if user == "fusion":
        return Grant(
            publish=(
                "gridfusion.cases.>", "gridfusion.handover.>", "gridfusion.deadletter.>", REFERENCE,
                *(f"$JS.API.STREAM.{op}.{stream}" for stream in STREAMS for op in ("INFO", "CREATE", "UPDATE")),
                *(subject for consumer in FUSION_CONSUMERS for subject in consumer_api(*consumer)),
            ),
            subscribe=(REFERENCE, inbox),
        )
    if user == "gateway":
        return Grant(
            publish=(GATEWAY_SESSIONS, *GATEWAY_FOLLOWS, *consumer_api(*GATEWAY_CONSUMER),
                     GATEWAY_DEADLETTER),
            subscribe=(REFERENCE, GATEWAY_SESSIONS, inbox))
    if user in depts:
        return Grant(
            publish=(f"gridfusion.events.{user}.>", f"gridfusion.results.{user}",
                     *consumer_api(*handover_consumer(user))),
            subscribe=(REFERENCE, inbox),
        )
    raise ValueError(f"no NATS user '{user}'")


def nats_permissions(user: str, departments: Sequence[str] | None = None) -> dict[str, dict[str, list[str]]]:
    """nats-server's ``permissions`` block of ``user``."""
    return grant(user, departments).nats()


def password_variable(user: str) -> str:
    """The environment variable the NATS pods read ``user``'s password from."""
    return f"NATS_PASSWORD_{user.upper()}"


def mongodb_database(user: str) -> str:
    """The one database a service's MongoDB user may use (``readWrite``)."""
    return f"gridfusion_{user}"


def mongodb_roles(user: str, departments: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The MongoDB roles of ``user``: ``readWrite`` on its own database; the operator ``root``."""
    if user == OPERATOR:
        return [{"role": "root", "db": "admin"}]
    if user not in service_users(departments):
        raise ValueError(f"no MongoDB user '{user}'")
    return [{"role": "readWrite", "db": mongodb_database(user)}]


HEADER = """\
# NATS users of Gridfusion and what each may publish and subscribe to.
#
# GENERATED from services/platform/permissions.py (the permission table of
# every configuration, local mode's too) by `make nats-auth`: never edit this
# file; deploy/checks/manifests.py fails when it differs from the table.
#
# One user per service; each department has its own, so one department can
# neither publish as another nor read another's hand-overs. Passwords are not
# here: the NATS pods get them as environment variables from the Secrets the
# services read (nats-user-<service>), and NATS substitutes
# $NATS_PASSWORD_<USER> from the environment.
#
# Fusion declares the streams (never deletes or purges them) and uses its two
# durable consumers; a department uses only its own durable hand-over consumer
# (handover-<department>, filtered to its own hand-overs); the gateway follows
# the case changes with an ephemeral ordered consumer of CASES for its live
# feed and reads them once more with its durable gateway-notifications (for
# webhooks and notifications; what it cannot read goes to
# gridfusion.deadletter.cases), and publishes only to its own replicas the
# sessions it ended (gridfusion.gateway.sessions.ended).
# Replies come to each user's own inbox, _INBOX_<user>.>, which only that user
# may read.
# Fusion announces a new reference version on gridfusion.reference.activated;
# every service listens and reloads.
"""


def _quoted(subjects: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{s}"' for s in subjects) + "]"


def render_auth_conf(departments: Sequence[str] | None = None) -> str:
    """The cluster's ``auth.conf``: every service user, its password variable, its permissions."""
    lines = [HEADER.rstrip("\n"), "authorization {", "  users: ["]
    for user in service_users(departments):
        lines += ["    {", f"      user: {user}", f"      password: ${password_variable(user)}", "      permissions: {"]
        for kind, rule in grant(user, departments).nats().items():
            [(verb, subjects)] = rule.items()
            lines.append(f"        {kind}: {{{verb}: {_quoted(subjects)}}}")
        lines += ["      }", "    }"]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def drift(text: str, departments: Sequence[str] | None = None, name: str = str(AUTH_CONF)) -> str:
    """A unified diff from the table's auth.conf to ``text``; empty when they agree."""
    return "".join(difflib.unified_diff(
        render_auth_conf(departments).splitlines(keepends=True), text.splitlines(keepends=True),
        fromfile="services/platform/permissions.py", tofile=name))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write or check the cluster's NATS auth.conf from the permission table.")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, metavar="PATH", help="write auth.conf here")
    group.add_argument("--check", type=Path, metavar="PATH", help="fail when this auth.conf differs from the table")
    args = ap.parse_args(argv)
    if args.write:
        args.write.write_text(render_auth_conf())
        print(f"wrote {args.write}")
        return 0
    diff = drift(args.check.read_text(), name=str(args.check))
    if diff:
        sys.stderr.write(f"{args.check} differs from the permission table; run `make nats-auth`:\n{diff}")
        return 1
    print(f"{args.check} matches the permission table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
