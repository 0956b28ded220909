"""Single sign-on through an OpenID Connect provider — in practice the government's unified
identity platform (统一身份认证平台). Optional: on when ``GATEWAY_OIDC_ISSUER`` is set.

The provider is trusted by its discovery document (``<issuer>/.well-known/openid-configuration``,
read when first needed and kept for an hour, so a provider that is down while the gateway
starts costs nothing but a 503 at sign-in) and by its published keys (JWKS, read again when a
token is signed by a key not yet seen). The flow is the authorization code flow with PKCE
(routes in ``gateway/api/routes/oidc.py``):

1. ``GET /v1/auth/oidc/login`` — a random ``state``, ``nonce`` and PKCE ``code_verifier`` are
   kept in the gateway database (``oidc_logins``, 10 minutes, taken once, so any replica can
   finish the sign-in), a cookie binds the sign-in to the browser, and the browser goes to the
   provider with the S256 ``code_challenge``.
2. ``GET /v1/auth/oidc/callback`` — the state is taken, the code exchanged together with the
   verifier, and the ``id_token`` checked: signature by the provider's keys (asymmetric
   algorithms only), ``iss``, ``aud`` (and ``azp``), ``exp``, ``iat``, ``nonce``. The claims are
   mapped (below) and the account found by its ``oidc_subject`` (``<issuer>|<sub>``), created on
   the first sign-in, brought in line when the mapping now gives another role, scope or display
   name, refused when disabled. The browser gets a one-time handoff code (60 s) in the URL
   fragment of the dashboard — never a token in a URL.
3. ``POST /v1/auth/oidc/exchange`` — the handoff code is taken for the token pair of a new
   session, as a password sign-in gives.

Such an account is an ordinary account (``source`` ``oidc``, no password): administrators see,
change and disable it, and disabling it ends its tokens at once. Accounts are created and
changed in the name of ``oidc:<issuer host>`` and audited like any other change; a refused
sign-in is audited too.

Mapping file (YAML, ``GATEWAY_OIDC_MAPPING_FILE``)::

    username_claim: preferred_username   # the default
    username_prefix: ""                  # the username is "<prefix><claim value>", in lower case
    display_name_claim: name             # the default; the username when the claim is absent
    rules:                               # the first rule that matches wins
      - when: {groups: "ningyang-county-admins"}
        role: county
      - when: {department_code: "370921-xf"}
        role: department
        scope: {department: petition}
      - when: {groups: "grid-secretaries"}
        role: secretary
        scope: {grid_id: "{claims.grid_code}"}

- ``when`` maps claim names to a value, or a list of values any of which will do; every claim
  named must match. A claim matches when it equals the value or, being a list, contains it;
  values compare as text (``true``/``false`` for booleans). ``a.b`` names claim ``b`` inside
  claim ``a`` (unless a claim is literally named ``a.b``). An empty ``when`` matches anyone:
  a default rule, to be put last.
- ``role`` is one of the account roles (see ``policy``); ``scope`` holds the field that places
  that role (``street_id``, ``community_id``, ``grid_id`` or ``department``), the rest is
  completed from the reference data as for any account. ``{claims.<name>}`` in a scope value is
  replaced by that claim.
- No matching rule, a missing username claim, a username that is not a valid one, or a scope
  that is not in the reference data: the sign-in is refused with the reason, and audited.
A file with an unknown key, an unknown role or a scope field the role does not take stops the
gateway at start-up, naming the file and the place.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlsplit

import httpx
import yaml
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from pymongo.asynchronous.collection import AsyncCollection

from services.platform.vocabulary import DEPARTMENTS

from .policy import PLACED_BY, ROLES, SCOPE_FIELDS, Admin, PolicyError, Scope, check_username
from .service import Accounts, SignInRefused, TokenPair
from .tokens import digest, same

if TYPE_CHECKING:
    from ..settings import GatewaySettings

log = logging.getLogger(__name__)

WHY = "single sign-on (统一身份认证)"
LOGIN_SECONDS = 600
HANDOFF_SECONDS = 60
BROWSER_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


# -- the mapping: claims → username, role, scope (pure) --------------------------------------

class MappingError(ValueError):
    """The mapping file cannot be used; the message names the file and the place."""


class Refused(Exception):
    """The provider signed the person in, but Gridfusion lets them in as no account: the reason."""


@dataclass(frozen=True)
class Rule:
    when: tuple[tuple[str, tuple[str, ...]], ...]
    role: str
    scope: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClaimMapping:
    rules: tuple[Rule, ...]
    username_claim: str = "preferred_username"
    username_prefix: str = ""
    display_name_claim: str = "name"


class Mapped(NamedTuple):
    username: str
    role: str
    scope: Scope
    display_name: str


TEMPLATE = re.compile(r"\{claims\.([^{}]+)\}")
_TOP = ("username_claim", "username_prefix", "display_name_claim", "rules")
_RULE = ("when", "role", "scope")


def map_claims(claims: Mapping[str, Any], mapping: ClaimMapping) -> Mapped:
    """The account the claims of a verified ID token stand for; :class:`Refused` with the reason
    when there is none."""
    raw = claim(claims, mapping.username_claim)
    if raw is None or isinstance(raw, dict | list) or not _text(raw).strip():
        raise Refused(f"the identity provider sent no '{mapping.username_claim}' claim to name the account by")
    username = (mapping.username_prefix + _text(raw).strip()).lower()
    try:
        check_username(username)
    except PolicyError as exc:
        raise Refused(f"'{username}' cannot be a Gridfusion username: {exc.message}") from exc
    rule = next((r for r in mapping.rules if all(_matches(claim(claims, name), wanted) for name, wanted in r.when)),
                None)
    if rule is None:
        raise Refused(f"no rule of the sign-on mapping gives '{username}' a Gridfusion role; "
                      "ask the county's administrator")
    scope = Scope(**{f: _fill(template, claims, f) for f, template in rule.scope})
    shown = claim(claims, mapping.display_name_claim)
    display_name = _text(shown).strip()[:100] if _scalar(shown) else ""
    return Mapped(username, rule.role, scope, display_name or username)


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """The claim ``name``; ``a.b`` is ``b`` inside ``a`` unless a claim is named ``a.b``."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(value: Any, wanted: tuple[str, ...]) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    return any(_scalar(v) and _text(v) in wanted for v in values)


def _fill(template: str, claims: Mapping[str, Any], field: str) -> str:
    def one(match: re.Match[str]) -> str:
        value = claim(claims, match.group(1))
        if value is None:
            raise Refused(f"scope.{field} needs the claim '{match.group(1)}', which the identity provider did not send")
        if not _scalar(value):
            raise Refused(f"scope.{field} needs the claim '{match.group(1)}' to be a single value")
        return _text(value).strip()

    return TEMPLATE.sub(one, template)


def parse_mapping(data: Any, source: str = "the sign-on mapping") -> ClaimMapping:
    """A mapping from the parsed YAML; :class:`MappingError` naming ``source`` and the place."""
    def fail(where: str, problem: str) -> MappingError:
        return MappingError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("top level", "expected a mapping with 'rules'")
    unknown = [k for k in data if k not in _TOP]
    if unknown:
        raise fail(str(unknown[0]), f"unknown key; allowed: {', '.join(_TOP)}")
    texts = {}
    for key, default in (("username_claim", "preferred_username"), ("username_prefix", ""),
                         ("display_name_claim", "name")):
        value = data.get(key, default)
        if not isinstance(value, str) or (key != "username_prefix" and not value):
            raise fail(key, "expected a claim name" if key != "username_prefix" else "expected text")
        texts[key] = value
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise fail("rules", "expected a list of at least one rule")
    return ClaimMapping(rules=tuple(_parse_rule(r, f"rules[{i}]", fail) for i, r in enumerate(rules)), **texts)


def _parse_rule(data: Any, where: str, fail: Callable[[str, str], MappingError]) -> Rule:
    if not isinstance(data, dict):
        raise fail(where, "expected a mapping with 'when', 'role' and maybe 'scope'")
    unknown = [k for k in data if k not in _RULE]
    if unknown:
        raise fail(f"{where}.{unknown[0]}", f"unknown key; allowed: {', '.join(_RULE)}")
    when = data.get("when") or {}
    if not isinstance(when, dict):
        raise fail(f"{where}.when", "expected claim: value pairs")
    conditions = []
    for name, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, str | int | bool) for v in values):
            raise fail(f"{where}.when.{name}", "expected a value or a list of values")
        conditions.append((str(name), tuple(_text(v) for v in values)))
    role = data.get("role")
    if role not in ROLES:
        raise fail(f"{where}.role", f"'{role}' is not a role; one of: {', '.join(ROLES)}")
    scope = data.get("scope") or {}
    if not isinstance(scope, dict):
        raise fail(f"{where}.scope", f"expected fields of: {', '.join(SCOPE_FIELDS)}")
    fields = []
    for name, value in scope.items():
        if name not in SCOPE_FIELDS:
            raise fail(f"{where}.scope.{name}", f"unknown field; one of: {', '.join(SCOPE_FIELDS)}")
        if not isinstance(value, str | int) or not str(value).strip():
            raise fail(f"{where}.scope.{name}", "expected a value or {claims.<name>}")
        value = str(value).strip()
        if "{" in TEMPLATE.sub("", value) or "}" in TEMPLATE.sub("", value):
            raise fail(f"{where}.scope.{name}", f"'{value}': write a claim as {{claims.<name>}}")
        if name == "department" and not TEMPLATE.search(value) and value not in DEPARTMENTS:
            raise fail(f"{where}.scope.department", f"'{value}' is not a department; one of: {', '.join(DEPARTMENTS)}")
        fields.append((name, value))
    key = PLACED_BY[role]
    if key is None and fields:
        raise fail(f"{where}.scope", f"a {role} account takes no scope")
    if key is not None and key not in dict(fields):
        raise fail(f"{where}.scope", f"a {role} account needs scope.{key}")
    return Rule(when=tuple(conditions), role=role, scope=tuple(fields))


def load_mapping(path: str | Path) -> ClaimMapping:
    """The mapping file at ``path``; :class:`MappingError` when it is missing or wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(f"GATEWAY_OIDC_MAPPING_FILE {path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"GATEWAY_OIDC_MAPPING_FILE {path}: not valid YAML: {exc}") from exc
    return parse_mapping(data, f"GATEWAY_OIDC_MAPPING_FILE {path}")


# -- the provider: discovery, keys, the code exchange, ID token checks ------------------------

class ProviderUnavailable(Exception):
    """The provider cannot be reached or answers what no provider should: 503 with the reason."""


class SignInFailed(Exception):
    """The provider refused, or its answer failed a check: the sign-in ends with the reason."""


# ID tokens signed with a shared secret (HS*) or not at all are never accepted.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_methods: tuple[str, ...]


class OidcProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str = "", *, scopes: str = "openid",
                 timeout: float = 10.0, metadata_seconds: float = 3600.0, leeway: int = 60,
                 http: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.time) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.metadata_seconds = metadata_seconds
        self.leeway = leeway
        self.clock = clock
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                              headers={"Accept": "application/json"})
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def metadata(self) -> ProviderMetadata:
        """The discovery document, read when first needed and again after ``metadata_seconds``;
        while the provider is away a document already read is used on."""
        if self._metadata is not None and self.clock() - self._metadata_at < self.metadata_seconds:
            return self._metadata
        async with self._lock:
            now = self.clock()
            if self._metadata is not None and now - self._metadata_at < self.metadata_seconds:
                return self._metadata
            try:
                doc = await self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery document")
                self._metadata, self._metadata_at = self._read_metadata(doc), now
            except ProviderUnavailable as exc:
                if self._metadata is None:
                    raise
                log.warning("identity provider discovery failed; using the document read before",
                            extra={"error": str(exc)})
                self._metadata_at = now - self.metadata_seconds + 60  # try again in a minute
            return self._metadata

    def _read_metadata(self, doc: dict[str, Any]) -> ProviderMetadata:
        issuer = doc.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != self.issuer:
            raise ProviderUnavailable(f"the identity provider at {self.issuer} names itself '{issuer}'; "
                                      "GATEWAY_OIDC_ISSUER must be exactly its issuer")
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                   if not isinstance(doc.get(k), str) or not doc[k]]
        if missing:
            raise ProviderUnavailable(f"the identity provider's discovery document lacks {', '.join(missing)}")
        offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(a for a in offered if a in ASYMMETRIC)
        if not algorithms:
            raise ProviderUnavailable(f"the identity provider signs ID tokens only with {', '.join(map(str, offered))}; "
                                      f"the gateway accepts {', '.join(ASYMMETRIC)}")
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        return ProviderMetadata(issuer=issuer, authorization_endpoint=doc["authorization_endpoint"],
                                token_endpoint=doc["token_endpoint"], jwks_uri=doc["jwks_uri"],
                                algorithms=algorithms, auth_methods=tuple(map(str, methods)))

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            reply = await self.http.get(url)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the identity provider cannot be reached ({what}: {_why(exc)})") from exc
        if reply.status_code != 200:
            raise ProviderUnavailable(f"the identity provider answered {reply.status_code} for its {what}")
        try:
            doc = reply.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"the identity provider's {what} is not JSON") from exc
        if not isinstance(doc, dict):
            raise ProviderUnavailable(f"the identity provider's {what} is not a JSON object")
        return doc

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        meta = await self.metadata()
        return prepare_grant_uri(meta.authorization_endpoint, client_id=self.client_id, response_type="code",
                                 redirect_uri=redirect_uri, scope=self.scopes, state=state, nonce=nonce,
                                 code_challenge=create_s256_code_challenge(code_verifier),
                                 code_challenge_method="S256")

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for ``code`` (with the PKCE verifier): it holds an id_token."""
        meta = await self.metadata()
        auth = None
        params: dict[str, str] = {"code": code, "code_verifier": code_verifier}
        if not self.client_secret:
            params["client_id"] = self.client_id
        elif "client_secret_basic" not in meta.auth_methods and "client_secret_post" in meta.auth_methods:
            params.update(client_id=self.client_id, client_secret=self.client_secret)
        else:  # RFC 6749 §2.3.1: both form-encoded before Basic
            auth = httpx.BasicAuth(quote(self.client_id, safe=""), quote(self.client_secret, safe=""))
        body = prepare_token_request("authorization_code", redirect_uri=redirect_uri, **params)
        try:
            reply = await self.http.post(meta.token_endpoint, content=body, auth=auth,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the identity provider cannot be reached (token endpoint: {_why(exc)})") from exc
        try:
            doc = reply.json()
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("error"):
            said = f"{doc['error']}" + (f" ({doc['error_description']})" if doc.get("error_description") else "")
            raise SignInFailed(f"the identity provider refused the sign-in code: {said[:200]}")
        if reply.status_code >= 500:
            raise ProviderUnavailable(f"the identity provider answered {reply.status_code} at its token endpoint")
        if reply.status_code != 200 or not isinstance(doc, dict):
            raise SignInFailed(f"the identity provider answered {reply.status_code} with no token")
        if not isinstance(doc.get("id_token"), str):
            raise SignInFailed("the identity provider sent no ID token (GATEWAY_OIDC_SCOPES must include openid)")
        return doc

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of an ID token signed by the provider's key, for this client, unexpired,
        of this sign-in (``nonce``); :class:`SignInFailed` naming the check that failed."""
        meta = await self.metadata()
        keys, fresh = await self._key_set(renew=False)
        try:
            token = jwt.decode(id_token, keys, algorithms=list(meta.algorithms))
        except (BadSignatureError, InvalidKeyIdError):
            if fresh:
                raise SignInFailed("the ID token is not signed by the identity provider's keys") from None
            keys, _ = await self._key_set(renew=True)  # the provider may have turned to a new key
            token = self._decode(id_token, keys, meta)
        except JoseError as exc:
            raise SignInFailed(f"the ID token cannot be read: {exc.description or exc.error}") from exc
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock()), leeway=self.leeway,
            iss={"essential": True, "value": meta.issuer}, aud={"essential": True, "value": self.client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise SignInFailed(f"the ID token failed a check: {exc.description or exc.error}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignInFailed("the ID token names several audiences but is not authorised for this client (azp)")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise SignInFailed("the ID token names no subject")
        return claims

    def _decode(self, id_token: str, keys: KeySet, meta: ProviderMetadata) -> jwt.Token:
        try:
            return jwt.decode(id_token, keys, algorithms=list(meta.algorithms))
        except (BadSignatureError, InvalidKeyIdError) as exc:
            raise SignInFailed("the ID token is not signed by the identity provider's keys") from exc
        except JoseError as exc:
            raise SignInFailed(f"the ID token cannot be read: {exc.description or exc.error}") from exc

    async def _key_set(self, *, renew: bool) -> tuple[KeySet, bool]:
        """The provider's keys, and whether they were just read."""
        meta = await self.metadata()
        async with self._lock:
            now = self.clock()
            if self._keys is not None and not (renew and now - self._keys_at > 5):
                return self._keys, now - self._keys_at <= 5
            doc = await self._get_json(meta.jwks_uri, "keys (JWKS)")
            try:
                keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
            except (JoseError, KeyError, TypeError, ValueError) as exc:
                raise ProviderUnavailable(f"the identity provider's keys (JWKS) cannot be used: {_why(exc)}") from exc
            self._keys, self._keys_at = keys, now
            return keys, True


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


# -- sign-ins under way and sign-ins waiting for the dashboard (``oidc_logins``) --------------

class SignInRecords:
    """``oidc_logins``: a sign-in under way (``login:<SHA-256 of the state>``: nonce, verifier,
    redirect URI, where to return, the browser's key hash) and a finished one waiting for the
    dashboard (``handoff:<SHA-256 of the code>``: the username). Each is taken once, before its
    ``expires_at`` (the TTL index removes the rest)."""

    def __init__(self, collection: AsyncCollection) -> None:
        self.collection = collection

    async def put(self, key: str, record: dict[str, Any], *, now: datetime, seconds: int) -> None:
        await self.collection.insert_one({"_id": key, **record, "created_at": now,
                                          "expires_at": now + timedelta(seconds=seconds)})

    async def take(self, key: str, *, now: datetime) -> dict[str, Any] | None:
        return await self.collection.find_one_and_delete({"_id": key, "expires_at": {"$gt": now}})


# -- single sign-on: the flow, and the account behind it --------------------------------------

class SingleSignOn:
    def __init__(self, provider: OidcProvider, mapping: ClaimMapping, accounts: Accounts, records: SignInRecords,
                 *, display_name: str, public_url: str = "") -> None:
        self.provider = provider
        self.mapping = mapping
        self.accounts = accounts
        self.records = records
        self.display_name = display_name
        self.public_url = public_url.rstrip("/")
        self.system = Admin(f"oidc:{urlsplit(provider.issuer).hostname}", "county", Scope())

    async def close(self) -> None:
        await self.provider.close()

    async def begin(self, *, redirect_uri: str, next_path: str, browser_key: str | None = None) -> tuple[str, str]:
        """The provider's authorization URL, and the key that binds this sign-in to the browser
        (for a cookie; the browser's key from an earlier sign-in serves on, so sign-ins started
        in two tabs both finish). :class:`ProviderUnavailable` when the provider cannot be reached."""
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        browser = browser_key if browser_key and BROWSER_KEY.fullmatch(browser_key) else secrets.token_urlsafe(32)
        url = await self.provider.authorization_url(redirect_uri=redirect_uri, state=state, nonce=nonce,
                                                    code_verifier=verifier)
        await self.records.put(f"login:{digest(state)}", {
            "nonce": nonce, "code_verifier": verifier, "redirect_uri": redirect_uri, "next": next_path,
            "browser": digest(browser),
        }, now=self.accounts.clock(), seconds=LOGIN_SECONDS)
        return url, browser

    async def finish(self, *, state: str, code: str, error: str = "", error_description: str = "",
                     browser_key: str | None) -> tuple[str, str]:
        """The provider came back: (handoff code, where to return). Raises :class:`SignInFailed`,
        :class:`Refused` (audited) or :class:`ProviderUnavailable`, each with the reason."""
        login = None
        if state and len(state) <= 200:
            login = await self.records.take(f"login:{digest(state)}", now=self.accounts.clock())
        if error:
            said = error[:60] + (f" ({error_description[:140]})" if error_description else "")
            raise SignInFailed(f"the identity provider did not sign you in: {said}")
        if login is None:
            raise SignInFailed("this sign-in is unknown, already used or expired; start again")
        if not browser_key or not same(login["browser"], digest(browser_key)):
            raise SignInFailed("this sign-in was started in another browser (or cookies are blocked); start again")
        if not code or len(code) > 2000:
            raise SignInFailed("the identity provider sent no sign-in code")
        tokens = await self.provider.exchange(code=code, redirect_uri=login["redirect_uri"],
                                              code_verifier=login["code_verifier"])
        claims = await self.provider.verify_id_token(tokens["id_token"], nonce=login["nonce"])
        doc = await self.account_for(claims)
        handoff = secrets.token_urlsafe(32)
        await self.records.put(f"handoff:{digest(handoff)}", {"username": doc["_id"]}, now=self.accounts.clock(),
                               seconds=HANDOFF_SECONDS)
        return handoff, login["next"]

    async def exchange(self, handoff: str) -> TokenPair:
        """The token pair of a new session for a handoff code (once); 401 otherwise."""
        record = None
        if handoff and len(handoff) <= 200:
            record = await self.records.take(f"handoff:{digest(handoff)}", now=self.accounts.clock())
        if record is None:
            raise SignInRefused("unknown, used or expired sign-in code; sign in again")
        doc = await self.accounts.store.get(record["username"])
        if doc is None or doc["disabled"]:
            raise SignInRefused("this account is disabled; ask your administrator")
        return await self.accounts.open_session(doc, via="oidc")

    async def account_for(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """The account of a verified sign-in: found by its subject, created on the first
        sign-in, brought in line with the mapping. :class:`Refused` (audited) otherwise."""
        subject = f"{self.provider.issuer}|{claims['sub']}"
        try:
            mapped = map_claims(claims, self.mapping)
            try:
                doc = await self.accounts.store.accounts.find_one({"oidc_subject": subject})
                if doc is None:
                    doc = await self._create(mapped, subject)
                if doc["disabled"]:
                    raise Refused(f"the account '{doc['_id']}' is disabled; ask your administrator")
                return await self.accounts.update(self.system, doc["_id"], role=mapped.role, scope=mapped.scope,
                                                  display_name=mapped.display_name)
            except PolicyError as exc:
                raise Refused(f"the sign-on mapping gives '{mapped.username}' the role {mapped.role} "
                              f"{_place(mapped.scope)}, which Gridfusion refuses: {exc.message}") from exc
        except Refused as exc:
            await self._audit_refusal(claims, str(exc))
            raise

    async def _create(self, mapped: Mapped, subject: str) -> dict[str, Any]:
        try:
            doc, _ = await self.accounts.create(
                self.system, username=mapped.username, role=mapped.role, scope=mapped.scope,
                display_name=mapped.display_name, source="oidc", oidc_subject=subject)
            return doc
        except PolicyError as exc:
            if exc.status != 409:
                raise
        # The name is taken: by this very person signing in twice at once, or by another account.
        doc = await self.accounts.store.accounts.find_one({"oidc_subject": subject})
        if doc is None:
            raise Refused(f"the username '{mapped.username}' belongs to another account; ask your administrator")
        return doc

    async def _audit_refusal(self, claims: Mapping[str, Any], reason: str) -> None:
        log.warning("single sign-on refused", extra={"subject": str(claims.get("sub")), "reason": reason})
        system = Admin(self.system.username, "system", Scope())
        try:
            await self.accounts.record(system, f"single sign-on refused for subject {claims.get('sub')}: {reason}",
                                       why=WHY)
        except Exception as exc:  # noqa: BLE001 - the refusal stands; the log above keeps it
            log.warning("audit entry of a refused sign-on not written", extra={"error": str(exc)})


def _place(scope: Scope) -> str:
    given = [f"{k} {v}" for k, v in scope.as_dict().items() if v]
    return f"in {', '.join(given)}" if given else "without a scope"


def single_sign_on(settings: GatewaySettings, accounts: Accounts) -> SingleSignOn | None:
    """Single sign-on as the settings say, or None when ``GATEWAY_OIDC_ISSUER`` is empty.
    :class:`MappingError` when the mapping file is missing or wrong (the gateway does not start)."""
    if not settings.oidc_issuer:
        return None
    mapping = load_mapping(settings.oidc_mapping_file)
    provider = OidcProvider(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
                            scopes=settings.oidc_scopes, timeout=settings.rpc_timeout_seconds)
    records = SignInRecords(accounts.store.db["oidc_logins"])
    log.info("single sign-on on", extra={"issuer": provider.issuer, "rules": len(mapping.rules)})
    return SingleSignOn(provider, mapping, accounts, records, display_name=settings.oidc_display_name,
                        public_url=settings.public_url)

