"""Single sign-on without a network: the mapping from claims to an account, the checks of an ID
token, and a provider that is away. (The whole flow against a real provider:
tests/integration/test_oidc.py.)"""

from __future__ import annotations

import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from pydantic import ValidationError

from gateway.accounts.oidc import (
    MappingError,
    OidcProvider,
    ProviderUnavailable,
    Refused,
    SignInFailed,
    load_mapping,
    map_claims,
    parse_mapping,
)
from gateway.accounts.policy import Scope
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

MAPPING = parse_mapping({
    "username_claim": "preferred_username",
    "rules": [
        {"when": {"groups": "ningyang-county-admins"}, "role": "county"},
        {"when": {"department_code": "370921-xf"}, "role": "department", "scope": {"department": "petition"}},
        {"when": {"groups": "grid-secretaries"}, "role": "secretary", "scope": {"grid_id": "{claims.grid_code}"}},
    ],
})


def test_the_first_matching_rule_gives_role_and_scope() -> None:
    claims = {"sub": "1", "preferred_username": "Zhang.San", "name": "张三",
              "groups": ["grid-secretaries", "ningyang-county-admins"], "grid_code": "G7"}
    assert map_claims(claims, MAPPING) == ("zhang.san", "county", Scope(), "张三")
    secretary = map_claims({**claims, "groups": ["grid-secretaries"]}, MAPPING)
    assert (secretary.role, secretary.scope) == ("secretary", Scope(grid_id="G7"))
    department = map_claims({"sub": "2", "preferred_username": "xf01", "department_code": "370921-xf"}, MAPPING)
    assert department == ("xf01", "department", Scope(department="petition"), "xf01")


def test_a_claim_equal_to_the_value_matches_and_values_compare_as_text() -> None:
    mapping = parse_mapping({"rules": [
        {"when": {"groups": "grid-secretaries", "level": 3, "verified": True}, "role": "secretary",
         "scope": {"grid_id": "370921{claims.org.grid}"}},
        {"when": {"groups": ["staff", "volunteers"]}, "role": "resident", "scope": {"grid_id": "{claims.home}"}},
    ]})
    claims = {"sub": "1", "preferred_username": "li", "groups": "grid-secretaries", "level": "3", "verified": True,
              "org": {"grid": "001"}}
    assert map_claims(claims, mapping).scope == Scope(grid_id="370921001")
    assert map_claims({"sub": "1", "preferred_username": "li", "groups": ["volunteers"], "home": "G1"},
                      mapping).role == "resident"


@pytest.mark.parametrize(("claims", "reason"), [
    ({"sub": "1", "preferred_username": "wang", "groups": ["library-staff"]}, "no rule of the sign-on mapping"),
    ({"sub": "1", "groups": ["ningyang-county-admins"]}, "no 'preferred_username' claim"),
    ({"sub": "1", "preferred_username": "王五", "groups": ["ningyang-county-admins"]}, "cannot be a Gridfusion username"),
    ({"sub": "1", "preferred_username": "wang", "groups": ["grid-secretaries"]}, "needs the claim 'grid_code'"),
    ({"sub": "1", "preferred_username": "wang", "groups": ["grid-secretaries"], "grid_code": ["G1", "G2"]},
     "to be a single value"),
])
def test_claims_that_name_no_account_are_refused_with_the_reason(claims: dict, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        map_claims(claims, MAPPING)


def test_prefix_and_display_name_claim() -> None:
    mapping = parse_mapping({"username_claim": "uid", "username_prefix": "sso-", "display_name_claim": "cn",
                             "rules": [{"when": {}, "role": "resident", "scope": {"grid_id": "G1"}}]})
    assert map_claims({"sub": "1", "uid": 4711, "cn": "  赵六 "}, mapping) == ("sso-4711", "resident",
                                                                             Scope(grid_id="G1"), "赵六")


@pytest.mark.parametrize(("data", "where"), [
    ([], "top level"),
    ({"rules": []}, "rules: expected a list"),
    ({"rule": [{"role": "county"}]}, "rule: unknown key"),
    ({"rules": [{"role": "mayor"}]}, "rules[0].role: 'mayor' is not a role"),
    ({"rules": [{"role": "county", "then": 1}]}, "rules[0].then: unknown key"),
    ({"rules": [{"role": "secretary"}]}, "rules[0].scope: a secretary account needs scope.grid_id"),
    ({"rules": [{"role": "county", "scope": {"grid_id": "G1"}}]}, "rules[0].scope: a county account takes no scope"),
    ({"rules": [{"role": "worker", "scope": {"grid": "G1"}}]}, "rules[0].scope.grid: unknown field"),
    ({"rules": [{"role": "worker", "scope": {"grid_id": "{claim.grid}"}}]}, "write a claim as {claims.<name>}"),
    ({"rules": [{"role": "department", "scope": {"department": "tax"}}]}, "'tax' is not a department"),
    ({"rules": [{"when": {"groups": {"a": 1}}, "role": "county"}]}, "rules[0].when.groups"),
    ({"username_claim": "", "rules": [{"role": "county"}]}, "username_claim"),
])
def test_a_wrong_mapping_file_names_the_place(data, where: str) -> None:
    with pytest.raises(MappingError, match=r"the sign-on mapping: .*") as caught:
        parse_mapping(data)
    assert where in str(caught.value)


def test_the_mapping_file_is_yaml_and_a_missing_one_is_named(tmp_path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text('rules:\n  - when: {groups: "grid-secretaries"}\n    role: secretary\n'
                    '    scope: {grid_id: "{claims.grid_code}"}\n', encoding="utf-8")
    assert load_mapping(path).rules[0].scope == (("grid_id", "{claims.grid_code}"),)
    with pytest.raises(MappingError, match="cannot be read"):
        load_mapping(tmp_path / "absent.yaml")
    path.write_text("rules: [\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(path)


def test_an_issuer_without_client_id_or_mapping_file_stops_the_gateway_at_start_up() -> None:
    common = {"local_mode": True, "oidc_issuer": "https://sso.example.cn/realms/county"}
    with pytest.raises(ValidationError, match="GATEWAY_OIDC_CLIENT_ID and GATEWAY_OIDC_MAPPING_FILE must be set"):
        GatewaySettings(**common)
    with pytest.raises(ValidationError, match="GATEWAY_OIDC_ISSUER must be an https:// URL"):
        GatewaySettings(**{**common, "oidc_issuer": "http://sso.example.cn", "oidc_client_id": "c",
                           "oidc_mapping_file": "m.yaml"})
    with pytest.raises(ValidationError, match="must include openid"):
        GatewaySettings(**common, oidc_client_id="c", oidc_mapping_file="m.yaml", oidc_scopes="profile")
    settings = GatewaySettings(**common, oidc_client_id="c", oidc_mapping_file="m.yaml", oidc_client_secret="s")
    assert "oidc_client_secret" not in repr(settings)
    assert GatewaySettings(local_mode=True).oidc_issuer == ""


# -- ID tokens and the provider, through a transport that stands in for it --------------------

ISSUER = "https://sso.example.cn/realms/county"
CLIENT = "gridfusion"
KEY, NEW_KEY, STRANGER = (RSAKey.generate_key(2048, parameters={"kid": kid}) for kid in ("k1", "k2", "k9"))


class FakeProvider:
    """Discovery and JWKS answered from memory; ``down`` makes every request fail to connect."""

    def __init__(self) -> None:
        self.key = KEY
        self.down = False
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth", "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/certs", "id_token_signing_alg_values_supported": ["RS256", "HS256"],
            })
        if request.url.path.endswith("/certs"):
            return httpx.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        return httpx.Response(404)

    def token(self, key=None, **changes) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1", "iat": now, "exp": now + 300, "nonce": "n-1",
                  "preferred_username": "wang"}
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = key or self.key
        header = {"alg": "HS256" if isinstance(key, OctKey) else "RS256"}
        if key.kid:
            header["kid"] = key.kid
        return jwt.encode(header, claims, key)


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
async def provider(fake: FakeProvider):
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
    yield OidcProvider(ISSUER, CLIENT, scopes="openid profile", http=http)
    await http.aclose()


async def test_a_valid_id_token_gives_its_claims_and_discovery_is_read_once(provider, fake) -> None:
    claims = await provider.verify_id_token(fake.token(), nonce="n-1")
    assert (claims["sub"], claims["preferred_username"]) == ("u-1", "wang")
    await provider.verify_id_token(fake.token(aud=[CLIENT, "other"], azp=CLIENT), nonce="n-1")
    url = await provider.authorization_url(redirect_uri="https://gw/cb", state="s", nonce="n", code_verifier="v" * 43)
    assert url.startswith(f"{ISSUER}/auth?response_type=code&client_id=gridfusion")
    assert "code_challenge_method=S256" in url and "nonce=n" in url and "state=s" in url
    assert fake.requests.count("/realms/county/.well-known/openid-configuration") == 1
    assert fake.requests.count("/realms/county/certs") == 1


@pytest.mark.parametrize(("changes", "check"), [
    ({"exp": int(time.time()) - 3600}, "expired"),
    ({"aud": "someone-else"}, "'aud'"),
    ({"iss": "https://evil.example"}, "'iss'"),
    ({"nonce": "n-2"}, "'nonce'"),
    ({"nonce": None}, "'nonce'"),
    ({"aud": [CLIENT, "other"]}, "azp"),
])
async def test_an_id_token_failing_a_check_is_refused_naming_it(provider, fake, changes: dict, check: str) -> None:
    with pytest.raises(SignInFailed, match="the ID token") as caught:
        await provider.verify_id_token(fake.token(**changes), nonce="n-1")
    assert check in str(caught.value)


async def test_a_token_signed_by_another_key_or_a_shared_secret_is_refused(provider, fake) -> None:
    with pytest.raises(SignInFailed, match="not signed by the identity provider's keys"):
        await provider.verify_id_token(fake.token(key=STRANGER), nonce="n-1")
    with pytest.raises(SignInFailed, match="cannot be read"):
        await provider.verify_id_token(fake.token(key=OctKey.generate_key(256)), nonce="n-1")


async def test_a_new_provider_key_is_fetched_once_it_signs(provider, fake) -> None:
    await provider.verify_id_token(fake.token(), nonce="n-1")
    provider._keys_at -= 60  # the keys were read a while ago
    fake.key = NEW_KEY
    await provider.verify_id_token(fake.token(), nonce="n-1")
    assert fake.requests.count("/realms/county/certs") == 2


async def test_a_provider_away_is_unavailable_with_the_reason_and_a_read_document_serves_on(provider, fake) -> None:
    fake.down = True
    with pytest.raises(ProviderUnavailable, match="cannot be reached .discovery document: ConnectError"):
        await provider.metadata()
    fake.down = False
    first = await provider.metadata()
    provider._metadata_at -= 7200  # an hour has passed: read again, but the provider is away
    fake.down = True
    assert await provider.metadata() is first


async def test_a_provider_naming_another_issuer_is_refused(fake) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
    provider = OidcProvider(ISSUER + "-other", CLIENT, http=http)
    with pytest.raises(ProviderUnavailable, match="GATEWAY_OIDC_ISSUER must be exactly its issuer"):
        await provider.metadata()
    await http.aclose()
