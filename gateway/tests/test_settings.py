"""The gateway's settings: the token it calls the department services with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from services.platform.grpcserver import MIN_TOKEN_BYTES, check_token

pytestmark = pytest.mark.unit

TOKEN = "gateway-token-".ljust(MIN_TOKEN_BYTES + 4, "x")


def test_the_gateway_needs_a_long_service_token_outside_local_mode() -> None:
    common = {"jwt_key": "k" * 32}
    with pytest.raises(ValidationError, match="GATEWAY_SERVICE_TOKEN is required outside local mode"):
        GatewaySettings(**common)
    with pytest.raises(ValidationError, match=f"GATEWAY_SERVICE_TOKEN must be at least {MIN_TOKEN_BYTES} bytes"):
        GatewaySettings(**common, service_token="short")
    settings = GatewaySettings(**common, service_token=TOKEN)
    assert TOKEN not in repr(settings)
    assert GatewaySettings(local_mode=True).service_token == ""
    with pytest.raises(ValueError, match="at least 32 bytes"):
        check_token("x" * 31, "a token")
