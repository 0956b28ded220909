"""Gateway settings (``GATEWAY_*``). In a cluster ``GATEWAY_JWT_KEY`` and
``GATEWAY_SERVICE_TOKEN`` are required; local mode generates a key once and keeps it in
``GATEWAY_JWT_KEY_FILE``, and passes the service token it generated. Accounts live in the gateway's
own database, ``GATEWAY_DATABASE`` at ``MONGODB_URI``."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.platform.grpcserver import check_token
from services.platform.settings import CommonSettings, default_port
from services.platform.vocabulary import DEPARTMENTS

from .reports.assessment import DEFAULT_WEIGHTS, check_weights


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    fusion_target: str = "127.0.0.1:50050"
    department_targets: dict[str, str] = Field(
        default_factory=lambda: {d: f"127.0.0.1:{default_port(d)}" for d in DEPARTMENTS}
    )
    # The gateway's credential on every call to a department service ("authorization: Bearer
    # <token>"); the departments know its SHA-256. Required outside local mode, at least 32 bytes.
    service_token: str = Field("", repr=False)
    # Local mode seeds the demo accounts; never set it in a cluster.
    local_mode: bool = False
    jwt_key: str = Field("", repr=False)
    jwt_key_file: str = ""
    database: str = "gridfusion_gateway"
    # Access tokens live at most 30 minutes; a refresh token renews them for refresh_hours.
    token_minutes: int = Field(15, ge=1, le=30)
    refresh_hours: int = Field(12, ge=1, le=24 * 30)
    # Sign-in limits: per username (then a lockout) and per client address.
    login_user_failures: int = Field(5, ge=1, le=100)
    login_user_window_seconds: int = Field(900, ge=1)
    login_lockout_seconds: int = Field(900, ge=1)
    login_address_failures: int = Field(20, ge=1, le=10000)
    login_address_window_seconds: int = Field(300, ge=1)
    # Password hashing: how many at once (each takes a core), and how many may wait.
    hash_concurrency: int = Field(1, ge=1, le=16)
    hash_queue_limit: int = Field(256, ge=1)
    # How often a live feed re-checks that its session is still open (another replica may end it).
    feed_session_check_seconds: float = Field(5.0, gt=0, le=300)
    # A session found open is remembered this long, so a request needs no database read; every
    # replica forgets it at once when any replica ends it (NATS), and reads every time while its
    # NATS connection is down. 0: read every time.
    session_cache_seconds: float = Field(30.0, ge=0, le=300)
    demo_password: str = Field(
        "demo", repr=False, validation_alias=AliasChoices("GRIDFUSION_DEMO_PASSWORD", "gridfusion_demo_password")
    )
    rpc_timeout_seconds: float = 10.0
    # The hot case lists are answered from memory (gateway/hotlist.py): every open case and every
    # case opened in the last hot_days days; older pages are read from fusion.
    hot_days: float = Field(30.0, gt=0, le=3660)
    # Single sign-on through an OpenID Connect provider (gateway/accounts/oidc.py): off while
    # oidc_issuer is empty; then client id and mapping file are required.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = Field("", repr=False)  # none for a public client
    oidc_mapping_file: str = ""
    oidc_display_name: str = "统一身份认证平台"
    oidc_scopes: str = "openid profile email"
    # The gateway's external base URL (SSO redirect URI <public_url>/v1/auth/oidc/callback);
    # empty: taken from each request.
    public_url: str = ""
    # The county's assessment (考核): each component's weight (gateway/reports/assessment.py), as
    # JSON, e.g. {"closure": 30, "patrol": 20, ...}; components left out weigh nothing.
    assessment_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Outbound webhooks (gateway/notifications): whether a subscription may post to a private or
    # loopback address (unset: only in local mode); each attempt's time-out; how many attempts
    # before a delivery has failed; the wait after the first failure (doubling, at most an hour);
    # how often the sender looks for deliveries due when nothing woke it.
    webhook_allow_private: bool | None = None
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(10, ge=1, le=50)
    webhook_retry_seconds: float = Field(10.0, gt=0, le=3600)
    webhook_poll_seconds: float = Field(2.0, gt=0, le=60)
    # Attachments (gateway/api/routes/attachments.py): the largest file taken, in bytes (fusion's
    # gRPC messages carry at most 16 MB); and whether `close` needs a rectification photo on the case.
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=15 * 1024 * 1024)
    close_requires_rectification: bool = False

    # Open311: anyone may read service requests without a key (GeoReport's public feeds): every
    # request of the county, descriptions masked, no contact fields. Off unless the county
    # publishes them; local mode's demo county does.
    open311_public_read: bool = False
    # How long a rating link (POST /v1/cases/{case_id}/rating-link) lets the reporter rate.
    rating_link_days: float = Field(30.0, gt=0, le=365)

    @field_validator("assessment_weights")
    @classmethod
    def known_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        return check_weights(weights)

    @model_validator(mode="after")
    def single_sign_on(self) -> GatewaySettings:
        if not self.oidc_issuer:
            return self
        missing = [f"GATEWAY_{n.upper()}" for n in ("oidc_client_id", "oidc_mapping_file") if not getattr(self, n)]
        if missing:
            raise ValueError(f"GATEWAY_OIDC_ISSUER is set, so single sign-on is on: {' and '.join(missing)} "
                             "must be set too")
        for name in ("oidc_issuer", "public_url"):
            if getattr(self, name) and not _secure(getattr(self, name)):
                raise ValueError(f"GATEWAY_{name.upper()} must be an https:// URL (http only on this machine)")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("GATEWAY_OIDC_SCOPES must include openid")
        return self

    @model_validator(mode="after")
    def complete(self) -> GatewaySettings:
        missing = [d for d in DEPARTMENTS if d not in self.department_targets]
        if missing:
            raise ValueError(f"GATEWAY_DEPARTMENT_TARGETS lacks {', '.join(missing)}")
        if not self.local_mode and not self.jwt_key:
            raise ValueError("GATEWAY_JWT_KEY is required outside local mode")
        if not self.local_mode and not self.service_token:
            raise ValueError("GATEWAY_SERVICE_TOKEN is required outside local mode: the department services "
                             "refuse calls without it")
        if self.service_token:
            check_token(self.service_token, "GATEWAY_SERVICE_TOKEN")
        return self


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.hostname) and (parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")))
