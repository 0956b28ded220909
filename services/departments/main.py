"""A department service's process: the framework running one department's definition."""

from __future__ import annotations

import asyncio

from gridfusion.departments.v1 import departments_pb2 as pb
from gridfusion.departments.v1 import departments_pb2_grpc as pb_grpc
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.platform.runtime import Runtime, run
from services.platform.settings import DEPARTMENTS, CommonSettings

from . import reference
from .definition import Department
from .definitions import DEFINITIONS
from .service import DepartmentIntake, DepartmentServicer, Publisher
from .store import DepartmentStore

FIRST_PORT = 50051


def default_port(department: str) -> int:
    return FIRST_PORT + DEPARTMENTS.index(department)


class DepartmentSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="DEPARTMENT_", extra="ignore")

    grpc_port: int = Field(0, ge=0, le=65535, description="0: the department's default port")
    database: str = Field("", description="empty: gridfusion_<department>")


async def prepare(department: Department, store: DepartmentStore) -> None:
    """Seed the department's own reference records and load the county's grids once."""
    for seed in department.seeders:
        await seed(store)
    if department.seeders:  # the departments that place events on grids or keep per-grid records
        await asyncio.to_thread(reference.locator)


async def serve(name: str) -> None:
    department = DEFINITIONS[name]
    settings = DepartmentSettings()
    rt = Runtime(f"department-{name}", settings)
    rt.setup_observability()
    client = rt.connect_mongo()
    store = DepartmentStore(client[settings.database or f"gridfusion_{name}"])
    await store.ensure_indexes()
    await prepare(department, store)
    # A department's NATS identity may publish its own events and results only; the streams
    # are declared by fusion (or the operator), never by a department.
    js = await rt.connect_nats(streams=())
    publisher = Publisher(department, store, js)
    servicer = DepartmentServicer(
        DepartmentIntake(department, store, publisher), stop=rt.stop, timezone=settings.timezone
    )
    await rt.serve_grpc(
        settings.grpc_port or default_port(name),
        [pb.DESCRIPTOR.services_by_name["DepartmentService"].full_name],
        lambda server: pb_grpc.add_DepartmentServiceServicer_to_server(servicer, server),
    )
    rt.spawn(publisher.relay(rt.stop), "outbox-relay")
    await rt.run_until_stopped()


def main(name: str) -> None:
    run(lambda: serve(name))
