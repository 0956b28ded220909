"""Settings shared by every process, read from the environment.

Each service adds its own class with its own prefix (``FUSION_``, ``DEPARTMENT_``,
``GATEWAY_``); the connection settings below keep their conventional unprefixed names so the
same Secret or ConfigMap serves every Deployment.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .vocabulary import DEPARTMENTS

# Where each department service listens unless told otherwise: 50051, 50052, … in the order of
# the contract's departments (the gateway and the local platform find them there).
FIRST_DEPARTMENT_PORT = 50051


def default_port(department: str) -> int:
    return FIRST_DEPARTMENT_PORT + DEPARTMENTS.index(department)


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class CommonSettings(BaseSettings):
    """Where the bus and the database are, and how to log."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=_env("NATS_URL"))
    nats_user: str | None = Field(None, validation_alias=_env("NATS_USER"))
    nats_password: str | None = Field(None, validation_alias=_env("NATS_PASSWORD"))
    # JetStream replicas for the streams this process declares (3 on a production cluster).
    nats_stream_replicas: int = Field(1, ge=1, le=5, validation_alias=_env("NATS_STREAM_REPLICAS"))
    mongodb_uri: str = Field(
        "mongodb://127.0.0.1:27017/?directConnection=true", validation_alias=_env("MONGODB_URI")
    )
    log_level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    # The county's clock: API answers carry this offset.
    timezone: str = Field("Asia/Shanghai", validation_alias=_env("GRIDFUSION_TIMEZONE"))
    # gRPC server reflection (grpcurl without the .proto files): off in production, on in local mode.
    grpc_reflection: bool = Field(False, validation_alias=_env("GRPC_REFLECTION"))
    # How many calls a gRPC server works on at once (health checks and streams aside); one more
    # is refused at once with RESOURCE_EXHAUSTED and a retry-after, which the gateway answers
    # 503 with Retry-After, instead of queueing it until its deadline passes.
    grpc_max_in_flight: int = Field(64, ge=1, le=10_000, validation_alias=_env("GRPC_MAX_IN_FLIGHT"))
    # Where Prometheus scrapes this process's metrics (services/platform/metrics.py); 0: nowhere.
    metrics_port: int = Field(0, ge=0, le=65535, validation_alias=_env("METRICS_PORT"))
