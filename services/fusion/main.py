"""Fusion's process: settings → logs/telemetry → MongoDB, NATS → gRPC API and consumer → run."""

from __future__ import annotations

import asyncio
import logging
import socket
from zoneinfo import ZoneInfo

from gridfusion.community.v1 import community_pb2, community_pb2_grpc
from gridfusion.field.v1 import (
    attachments_pb2,
    attachments_pb2_grpc,
    proposals_pb2,
    proposals_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
)
from gridfusion.fusion.v1 import fusion_pb2 as pb
from gridfusion.fusion.v1 import fusion_pb2_grpc as pb_grpc
from gridfusion.party.v1 import party_pb2, party_pb2_grpc
from gridfusion.reference.v1 import reference_pb2, reference_pb2_grpc
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.platform import bus
from services.platform.clock import SystemClock
from services.platform.runtime import Runtime, run
from services.platform.settings import CommonSettings

from . import gauges, matching, reference_store
from .activities import ActivityStore
from .assessments import AssessmentStore
from .attachments import AttachmentServicer, AttachmentStore
from .bulletins import BulletinStore
from .cases import CaseStore
from .co_governance import CoGovernanceStore
from .community_api import CommunityServicer
from .community_store import CommunityStore
from .consumer import SOURCE, FusionHandler
from .contacts import ContactStore
from .escalation import Escalator
from .meetings import MeetingStore
from .notices import LogMessenger, NoticeSender
from .organisations import OrganisationStore
from .outbox import Relay
from .party_api import PartyServicer
from .proposals import ProposalStore
from .proposals_api import ProposalServicer
from .reference import ReferenceHolder
from .reference_api import ReferenceServicer
from .register import MemberRegister
from .results import SUBJECT as RESULTS_SUBJECT
from .results import ResultsHandler
from .server import FusionServicer
from .stations import StationStore
from .submissions import SubmissionStore
from .tasks import TaskStore
from .tasks_api import TaskServicer
from .teams import TeamStore

log = logging.getLogger(__name__)


class FusionSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    grpc_port: int = Field(50050, ge=1, le=65535)
    database: str = "gridfusion_fusion"
    batch_size: int = Field(200, ge=1, le=5000)
    max_deliver: int = Field(5, ge=1, le=100)
    # Store the synthetic county as the first reference version when there is none (local mode
    # and tests only). Off by default: a county imports its own data, and until it does fusion
    # stays not ready with the reason "no reference data imported".
    seed_reference: bool = False
    # How often to check which reference version is current, besides the announcements.
    reference_poll_seconds: float = Field(10.0, gt=0)
    # Durable consumer names: every replica shares them, so the stream's work is split.
    consumer: str = "fusion"
    results_consumer: str = "fusion-results"
    # How often the deadline loop looks for overdue cases, and the outbox relay for leftovers.
    escalation_interval_seconds: float = Field(30.0, gt=0)
    relay_interval_seconds: float = Field(5.0, gt=0)
    # This replica's name: unique among the running replicas and the same when it restarts (the
    # pod's name in Kubernetes, the default); the transactions it left open when it died are
    # ended under this name when it starts again.
    replica: str = Field(default_factory=socket.gethostname, min_length=1)


async def serve() -> None:
    settings = FusionSettings()
    rt = Runtime("fusion", settings)
    rt.setup_observability()
    client = rt.connect_mongo()
    db = client[settings.database]
    await reference_store.ensure_indexes(db)
    if settings.seed_reference:
        await reference_store.seed_synthetic(db)
    store = CaseStore(client, db)
    await store.ensure_indexes()
    if ended := await store.end_abandoned(settings.replica):
        log.info("ended the sessions this replica left open when it last stopped",
                 extra={"replica": settings.replica, "sessions": ended})
    # The segmenter and the vocabulary of correlation load in about a second: now, not on the
    # first event (in a thread, so the event loop keeps running).
    await asyncio.to_thread(matching.warm_up)
    reference = ReferenceHolder(db)
    reference.listeners.append(lambda held: store.use_grids(held.grid_docs))
    await reference.refresh()
    rt.conditions.append(reference.why_not_ready)
    resolver = reference.resolver
    js = await rt.connect_nats()
    clock = SystemClock()
    relay = Relay(store.outbox, js, clock)
    handler = FusionHandler(store, resolver, relay, clock)
    results = ResultsHandler(store, relay, clock)
    # Every subscription of fusion, in one table: stream, durable, subjects, handler.
    consumers = [
        bus.PullConsumer(
            js=js, stream=bus.EVENTS.name, durable=settings.consumer, filter_subject="gridfusion.events.>",
            handler=handler.handle, source=SOURCE, batch_size=settings.batch_size,
            max_deliver=settings.max_deliver, on_dead_letter=handler.on_dead_letter,
        ),
        bus.PullConsumer(
            js=js, stream=bus.HANDOVERS.name, durable=settings.results_consumer, filter_subject=RESULTS_SUBJECT,
            handler=results.handle, source=SOURCE, batch_size=min(settings.batch_size, 100),
            max_deliver=settings.max_deliver, on_dead_letter=results.on_dead_letter,
        ),
    ]
    for consumer in consumers:
        await consumer.start()
    servicer = FusionServicer(store, reference, relay, clock)
    # Party members, service orders, the audit log and the weekly report (community.proto).
    community = CommunityStore(db, clock)
    await community.ensure_indexes()
    community.use_grids(reference.grid_docs)
    reference.listeners.append(lambda held: community.use_grids(held.grid_docs))
    member_register = MemberRegister(community.members)
    teams = TeamStore(db)
    await teams.ensure_indexes()
    # The party organisation, four levels, following the reference data (party.proto).
    organisations = OrganisationStore(db)
    await organisations.ensure_indexes()
    contacts = ContactStore(db)
    co_governance = CoGovernanceStore(db)
    await co_governance.ensure_indexes()
    store.co_governance = co_governance  # property-management cases go to the compound's actors (红色物业)
    stations = StationStore(db)
    activities = ActivityStore(db)
    await activities.ensure_indexes()
    submissions = SubmissionStore(db)
    await submissions.ensure_indexes()
    bulletins = BulletinStore(db)
    await bulletins.ensure_indexes()
    meetings = MeetingStore(db, co_governance)
    await meetings.ensure_indexes()
    # Tasks from above (专项行动) to a set of grids, from a joint meeting's decision or not (tasks.proto).
    tasks = TaskStore(db, meetings)
    await tasks.ensure_indexes()
    assessments = AssessmentStore(db)
    await assessments.ensure_indexes()
    # Photos and documents of cases and events, in GridFS (attachments.proto).
    attachments = AttachmentStore(db, tz=ZoneInfo(settings.timezone), clock=clock)
    await attachments.ensure_indexes()
    notices = NoticeSender(store.notices, contacts, LogMessenger())

    def follow(held: ReferenceHolder) -> None:
        synthetic = reference_store.is_synthetic(held.record)
        organisations.use_reference(held.county, held.version, synthetic=synthetic)
        contacts.use_reference(held.county, synthetic=synthetic)
        co_governance.use_reference(held.county, synthetic=synthetic)
        stations.use_reference(held.county, synthetic=synthetic)
        member_register.use_reference(held.county, synthetic=synthetic)
        grids = {g.grid_id: (g.community_id, g.street_id) for g in (held.county.grids if held.county else ())}
        activities.use_grids(grids)
        submissions.use_grids(grids)
        meetings.use_grids(grids)
        county = held.county
        notices.grid_names = {} if county is None else {g.grid_id: g.name for g in county.grids}
        meetings.use_names({} if county is None else {
            **{x.street_id: x.name for x in county.streets}, **{x.community_id: x.name for x in county.communities},
            **{x.grid_id: x.name for x in county.grids}})
        assessments.use_grids(grids)
        teams.use_grids(grids)
        bulletins.streets = {street for _, street in grids.values()}

    follow(reference)
    reference.listeners.append(follow)
    tasks.use_reference(reference.county)
    reference.listeners.append(lambda held: tasks.use_reference(held.county))
    if reference_store.is_synthetic(reference.record):
        await teams.seed_synthetic(clock.now())
    community_servicer = CommunityServicer(community, member_register, teams, organisations)
    party_servicer = PartyServicer(organisations, contacts, co_governance, stations, activities, submissions, bulletins,
                                   meetings, assessments, notices, clock)
    reference_servicer = ReferenceServicer(reference, rt.nc)
    # Information collection (信息采集): proposals to the register, reviewed by the community
    # (proposals.proto).
    proposals = ProposalStore(db, reference, clock, rt.nc)
    await proposals.ensure_indexes()

    def register(server) -> None:
        pb_grpc.add_FusionServiceServicer_to_server(servicer, server)
        community_pb2_grpc.add_CommunityServiceServicer_to_server(community_servicer, server)
        reference_pb2_grpc.add_ReferenceServiceServicer_to_server(reference_servicer, server)
        party_pb2_grpc.add_PartyServiceServicer_to_server(party_servicer, server)
        proposal_servicer = ProposalServicer(proposals)
        proposals_pb2_grpc.add_ProposalServiceServicer_to_server(proposal_servicer, server)
        tasks_pb2_grpc.add_TaskServiceServicer_to_server(TaskServicer(tasks, clock), server)
        attachments_pb2_grpc.add_AttachmentServiceServicer_to_server(AttachmentServicer(attachments), server)

    await rt.serve_grpc(
        settings.grpc_port,
        [pb.DESCRIPTOR.services_by_name["FusionService"].full_name,
         community_pb2.DESCRIPTOR.services_by_name["CommunityService"].full_name,
         reference_pb2.DESCRIPTOR.services_by_name["ReferenceService"].full_name,
         party_pb2.DESCRIPTOR.services_by_name["PartyService"].full_name,
         proposals_pb2.DESCRIPTOR.services_by_name["ProposalService"].full_name,
         tasks_pb2.DESCRIPTOR.services_by_name["TaskService"].full_name,
         attachments_pb2.DESCRIPTOR.services_by_name["AttachmentService"].full_name],
        register,
    )
    rt.spawn(reference.watch(rt.nc, rt.stop, settings.reference_poll_seconds), "reference-watch")
    for consumer in consumers:
        rt.spawn(consumer.run(rt.stop), f"{consumer.durable}-consumer")
    rt.spawn(Escalator(store, relay, clock).run(rt.stop, settings.escalation_interval_seconds), "escalation")
    rt.spawn(notices.run(rt.stop, clock, settings.escalation_interval_seconds), "cadre-notices")
    rt.spawn(relay.run(rt.stop, settings.relay_interval_seconds), "outbox-relay")
    rt.spawn(gauges.run(store, clock, rt.stop), "store-figures")
    await rt.run_until_stopped()


def main() -> None:
    run(serve)
