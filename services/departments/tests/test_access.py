"""Who may call a department service (finding 5), without a network: the verdict of the
interceptor for each caller, the configuration that names the callers, the gateway's token."""

from __future__ import annotations

import grpc
import pytest
from pydantic import ValidationError

from services.departments import access
from services.departments.main import DepartmentSettings
from services.platform.grpcserver import (
    MIN_TOKEN_BYTES,
    BearerToken,
    TokenAuth,
    token_sha256,
)
from services.platform.settings import CommonSettings
from services.platform.vocabulary import DEPARTMENTS

pytestmark = pytest.mark.unit

TOKENS = {holder: f"{holder}-token-".ljust(MIN_TOKEN_BYTES + 4, "x") for holder in ("gateway", *DEPARTMENTS)}
DIGESTS = {d: token_sha256(TOKENS[d]) for d in DEPARTMENTS}
REPORT = "/gridfusion.departments.v1.DepartmentService/ReportResult"


def bearer(holder: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {TOKENS[holder]}"),)


def legal_aid() -> TokenAuth:
    return access.token_auth("legal_aid", token_sha256(TOKENS["gateway"]), DIGESTS)


def test_finding_5_each_caller_of_a_department_service_gets_its_verdict() -> None:
    auth = legal_aid()
    assert auth.verdict(REPORT, bearer("legal_aid")) == ("system:legal_aid", None, "")
    assert auth.verdict(REPORT, bearer("gateway")) == ("gateway", None, "")
    caller, code, message = auth.verdict(REPORT, bearer("petition"))
    assert (caller, code) == ("system:petition", grpc.StatusCode.PERMISSION_DENIED)
    assert message == ("this token is petition's department system's: it may call petition's department "
                       "service only, not legal_aid's")
    for metadata, says in (
        ((), "no credential"),
        ((("authorization", "Bearer " + "z" * 40),), "unknown credential"),
        ((("authorization", TOKENS["legal_aid"]),), "must be 'Bearer <token>'"),
        ((("authorization", "Bearer "),), "must be 'Bearer <token>'"),
        (bearer("legal_aid") + bearer("gateway"), "more than one"),
    ):
        caller, code, message = auth.verdict(REPORT, metadata)
        assert (caller, code) == (None, grpc.StatusCode.UNAUTHENTICATED), metadata
        assert says in message
    # The scheme's case does not matter (RFC 9110); binary metadata values are read as text.
    assert auth.verdict(REPORT, (("Authorization", f"bearer {TOKENS['gateway']}"),))[1] is None
    assert auth.verdict(REPORT, (("authorization", f"Bearer {TOKENS['gateway']}".encode()),))[1] is None


def test_finding_5_without_another_departments_digest_its_system_is_merely_unknown() -> None:
    auth = access.token_auth("legal_aid", token_sha256(TOKENS["gateway"]), {"legal_aid": DIGESTS["legal_aid"]})
    assert auth.verdict(REPORT, bearer("petition"))[1] == grpc.StatusCode.UNAUTHENTICATED


def test_a_department_service_needs_its_own_systems_and_the_gateways_digest() -> None:
    with pytest.raises(ValueError, match="DEPARTMENT_SYSTEM_TOKEN_SHA256__LEGAL_AID"):
        access.token_auth("legal_aid", token_sha256(TOKENS["gateway"]), {"petition": DIGESTS["petition"]})
    with pytest.raises(ValueError, match="DEPARTMENT_GATEWAY_TOKEN_SHA256"):
        access.token_auth("legal_aid", "", DIGESTS)
    with pytest.raises(ValueError, match="names no department: traffic"):
        access.token_auth("legal_aid", token_sha256(TOKENS["gateway"]), {**DIGESTS, "traffic": DIGESTS["petition"]})
    with pytest.raises(ValueError, match="share one token"):
        access.token_auth("legal_aid", DIGESTS["legal_aid"], DIGESTS)


def test_department_settings_read_one_digest_per_variable_or_all_as_json(monkeypatch) -> None:
    monkeypatch.setenv("DEPARTMENT_GATEWAY_TOKEN_SHA256", token_sha256(TOKENS["gateway"]).upper())
    for department in DEPARTMENTS:
        monkeypatch.setenv(f"DEPARTMENT_SYSTEM_TOKEN_SHA256__{department.upper()}", DIGESTS[department])
    settings = DepartmentSettings()
    assert settings.gateway_token_sha256 == token_sha256(TOKENS["gateway"])
    assert settings.system_token_sha256 == DIGESTS
    monkeypatch.setenv("DEPARTMENT_SYSTEM_TOKEN_SHA256__PETITION", TOKENS["petition"])  # a token, not its digest
    with pytest.raises(ValidationError, match="DEPARTMENT_SYSTEM_TOKEN_SHA256__PETITION must be the hex SHA-256"):
        DepartmentSettings()


def test_the_bearer_token_replaces_any_authorization_a_call_carries() -> None:
    details = grpc.aio.ClientCallDetails(REPORT, None, grpc.aio.Metadata(("authorization", "Bearer old"), ("x-a", "1")),
                                         None, None)
    sent = BearerToken(TOKENS["gateway"])._with_token(details)
    assert list(sent.metadata) == [("x-a", "1"), ("authorization", f"Bearer {TOKENS['gateway']}")]


def test_reflection_is_off_unless_switched_on(monkeypatch) -> None:
    monkeypatch.delenv("GRPC_REFLECTION", raising=False)
    assert CommonSettings().grpc_reflection is False
    monkeypatch.setenv("GRPC_REFLECTION", "true")
    assert CommonSettings().grpc_reflection is True
