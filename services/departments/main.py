"""A department service's process: the framework running one department's definition."""

from __future__ import annotations

from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.platform import bus
from services.platform.grpcserver import check_sha256
from services.platform.runtime import Runtime, run
from services.platform.settings import CommonSettings, default_port

from . import access, handovers, reference
from .definition import Department
from .definitions import DEFINITIONS
from .intake import DepartmentIntake
from .publisher import Publisher
from .servicer import DepartmentServicer
from .store import DepartmentStore


class DepartmentSettings(CommonSettings):
    # DEPARTMENT_SYSTEM_TOKEN_SHA256__<DEPARTMENT>=<digest> sets one entry of system_token_sha256.
    model_config = SettingsConfigDict(env_prefix="DEPARTMENT_", env_nested_delimiter="__", extra="ignore")

    grpc_port: int = Field(0, ge=0, le=65535, description="0: the department's default port")
    database: str = Field("", description="empty: gridfusion_<department>")
    fusion_target: str = Field("127.0.0.1:50050", min_length=1,
                               description="fusion's gRPC address: its ReferenceService gives the reference data")
    reference_poll_seconds: float = Field(30.0, gt=0, le=3600,
                                          description="how often to ask fusion for its current reference version, "
                                                      "in case an announcement was missed")
    # Who may call (access.py): the hex SHA-256 of the gateway's service token, and of each
    # department system's token, by department. Digests, never tokens: a department pod holds
    # nothing it could call another service with.
    gateway_token_sha256: str = Field("", description="hex SHA-256 of the gateway's GATEWAY_SERVICE_TOKEN")
    system_token_sha256: dict[str, str] = Field(default_factory=dict,
                                                description="hex SHA-256 of each department system's token")

    @field_validator("gateway_token_sha256")
    @classmethod
    def _digest(cls, value: str) -> str:
        return check_sha256(value, "DEPARTMENT_GATEWAY_TOKEN_SHA256") if value else value

    @field_validator("system_token_sha256")
    @classmethod
    def _digests(cls, value: dict[str, str]) -> dict[str, str]:
        return {d.lower(): check_sha256(v, f"DEPARTMENT_SYSTEM_TOKEN_SHA256__{d.upper()}")
                for d, v in value.items() if v}


async def prepare(department: Department, store: DepartmentStore) -> None:
    """Seed the department's own records (advisers, assistants, grid workers) from the reference
    version in use; run at start and after every switch, with the new version pinned."""
    for seed in department.seeders:
        await seed(store)


def follower(department: Department, store: DepartmentStore, settings: DepartmentSettings) -> reference.ReferenceFollower:
    """What keeps the department on fusion's current reference version, seeding on each switch."""

    async def seed(view: reference.View) -> None:
        await prepare(department, store)

    return reference.ReferenceFollower(
        settings.fusion_target, poll_seconds=settings.reference_poll_seconds, on_switch=(seed,)
    )


async def serve(name: str) -> None:
    department = DEFINITIONS[name]
    settings = DepartmentSettings()
    auth = access.token_auth(name, settings.gateway_token_sha256, settings.system_token_sha256)
    rt = Runtime(f"department-{name}", settings)
    rt.setup_observability()
    client = rt.connect_mongo()
    store = DepartmentStore(client[settings.database or f"gridfusion_{name}"])
    await store.ensure_indexes()
    # A department's NATS identity may publish its own events and results only; the streams
    # are declared by fusion (or the operator), never by a department. It hears fusion's
    # reference announcements on the same connection.
    js = await rt.connect_nats(streams=())
    publisher = Publisher(department, store, js)
    servicer = DepartmentServicer(
        DepartmentIntake(department, store, publisher), stop=rt.stop, timezone=settings.timezone
    )
    if department.uses_reference:
        rt.conditions.append(reference.why_not_ready)
    await rt.serve_grpc(
        settings.grpc_port or default_port(name),
        [pb.DESCRIPTOR.services_by_name["DepartmentService"].full_name],
        lambda server: pb_grpc.add_DepartmentServiceServicer_to_server(servicer, server),
        auth=auth,
    )
    if department.uses_reference:
        rt.spawn(follower(department, store, settings).run(rt.stop, rt.nc), "reference-follower")
    rt.spawn(publisher.relay(rt.stop), "outbox-relay")
    # Hand-overs waiting for the department's system: the lag of its consumer, for the metrics.
    feed = handovers.HandOverFeed(department.name, js)
    rt.spawn(bus.watch_lag(feed.read_lag, feed.durable, rt.stop), "handover-lag")
    await rt.run_until_stopped()


def main(name: str) -> None:
    run(lambda: serve(name))
