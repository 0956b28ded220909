"""Gateway settings (``GATEWAY_*``). In a cluster ``GATEWAY_JWT_KEY`` is required; local mode
generates a key once and keeps it in ``GATEWAY_JWT_KEY_FILE``."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.departments.main import default_port
from services.platform.settings import DEPARTMENTS, CommonSettings


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    fusion_target: str = "127.0.0.1:50050"
    department_targets: dict[str, str] = Field(
        default_factory=lambda: {d: f"127.0.0.1:{default_port(d)}" for d in DEPARTMENTS}
    )
    # Local mode seeds the demo accounts; never set it in a cluster.
    local_mode: bool = False
    jwt_key: str = Field("", repr=False)
    jwt_key_file: str = ""
    token_minutes: int = Field(8 * 60, ge=1, le=7 * 24 * 60)
    demo_password: str = Field(
        "demo", repr=False, validation_alias=AliasChoices("GRIDFUSION_DEMO_PASSWORD", "gridfusion_demo_password")
    )
    rpc_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def complete(self) -> GatewaySettings:
        missing = [d for d in DEPARTMENTS if d not in self.department_targets]
        if missing:
            raise ValueError(f"GATEWAY_DEPARTMENT_TARGETS lacks {', '.join(missing)}")
        if not self.local_mode and not self.jwt_key:
            raise ValueError("GATEWAY_JWT_KEY is required outside local mode")
        return self
