"""A real OpenID Connect provider for the single sign-on tests, and the platform that trusts it.

The provider is ``oidc-provider-mock`` (Authlib + Flask) on a free port of this machine, served
in a thread: discovery, JWKS (RS256), the authorization form, the token endpoint. Two things are
added in front of it, as a WSGI layer:

- PKCE is enforced, as the county's platform does (the mock takes ``code_challenge`` but does
  not check it): a code is exchanged only with the verifier of the sign-in it was issued to.
- ``outage``: while set, every request is answered 503, as a provider down for maintenance.

Who signs in is chosen on the provider's form by subject (``sub``); the claims of a subject are
set beforehand with ``set_user`` (the mock's ``PUT /users/<sub>``).
"""

from __future__ import annotations

import io
import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import werkzeug.serving
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from services.local import LocalPlatform, Ports, free_port

# The mock's Authlib calls an interface Authlib has deprecated, at every token it issues.
QUIET = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")
CLIENT_ID = "gridfusion-dashboard"
CLIENT_SECRET = "test-client-secret"
DISPLAY_NAME = "统一身份认证平台"

# The mapping file of the tests: the example of the gateway's documentation.
MAPPING = """\
username_claim: preferred_username
username_prefix: ""
rules:
  - when: {groups: "ningyang-county-admins"}
    role: county
  - when: {department_code: "370921-xf"}
    role: department
    scope: {department: petition}
  - when: {groups: "grid-secretaries"}
    role: secretary
    scope: {grid_id: "{claims.grid_code}"}
"""


class _Front:
    """PKCE checks and outages in front of the mock provider."""

    def __init__(self, app) -> None:
        self.app = app
        self.outage = False
        self._challenges: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.outage:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if path == "/oauth2/authorize" and method == "POST":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            challenge = (query.get("code_challenge", [""])[0], query.get("code_challenge_method", ["plain"])[0])

            def remember(status, headers, exc_info=None):
                location = next((v for k, v in headers if k.lower() == "location"), "")
                code = parse_qs(urlsplit(location).query).get("code")
                if code:
                    with self._lock:
                        self._challenges[code[0]] = challenge
                return start_response(status, headers, exc_info)

            return self.app(environ, remember)
        if path == "/oauth2/token" and method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode())
            if form.get("grant_type") == ["authorization_code"]:
                with self._lock:
                    challenge, how = self._challenges.pop(form.get("code", [""])[0], ("", ""))
                verifier = form.get("code_verifier", [""])[0]
                if not challenge or how != "S256" or not verifier or create_s256_code_challenge(verifier) != challenge:
                    start_response("400 Bad Request", [("Content-Type", "application/json")])
                    return [json.dumps({"error": "invalid_grant",
                                        "error_description": "PKCE verification failed"}).encode()]
        return self.app(environ, start_response)


class IdentityProvider:
    """oidc-provider-mock on ``127.0.0.1:<port>`` in a thread; ``start`` and ``stop`` at will."""

    def __init__(self, port: int | None = None) -> None:
        with warnings.catch_warnings():  # the mock still imports Authlib's older modules
            warnings.simplefilter("ignore", DeprecationWarning)
            import oidc_provider_mock
        self.port = port or free_port()
        self.front = _Front(oidc_provider_mock.app(require_nonce=True))
        self._server: werkzeug.serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def outage(self) -> bool:
        return self.front.outage

    @outage.setter
    def outage(self, value: bool) -> None:
        self.front.outage = value

    def start(self) -> IdentityProvider:
        self._server = werkzeug.serving.make_server("127.0.0.1", self.port, self.front, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="identity-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = self._thread = None

    def set_user(self, sub: str, claims: dict) -> None:
        reply = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        assert reply.status_code == 204, reply.text

    def authorize(self, url: str, sub: str) -> str:
        """Sign in as ``sub`` on the provider's form at ``url``; where the provider sends the
        browser back (the gateway's callback with code and state)."""
        with httpx.Client(timeout=10) as browser:
            form = browser.get(url)
            assert form.status_code == 200 and 'name="sub"' in form.text, form.text[:500]
            back = browser.post(url, data={"sub": sub})
        assert back.status_code == 302, back.text[:500]
        return back.headers["location"]

    def deny(self, url: str) -> str:
        """Press "Deny" on the provider's form; where the provider sends the browser back."""
        with httpx.Client(timeout=10) as browser:
            back = browser.post(url, data={"action": "deny"})
        assert back.status_code == 302, back.text[:500]
        return back.headers["location"]


@contextmanager
def sso_platform(home: Path, issuer: str, mapping: str = MAPPING) -> Iterator[LocalPlatform]:
    """The whole platform on free ports, its gateway trusting the provider at ``issuer``
    (which need not be up yet) with ``mapping``."""
    home.mkdir(parents=True, exist_ok=True)
    mapping_file = home / "oidc-mapping.yaml"
    mapping_file.write_text(mapping, encoding="utf-8")
    platform = LocalPlatform(home=home, ports=Ports.free(), say=lambda _: None, extra_env={
        "GATEWAY_OIDC_ISSUER": issuer,
        "GATEWAY_OIDC_CLIENT_ID": CLIENT_ID,
        "GATEWAY_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "GATEWAY_OIDC_MAPPING_FILE": str(mapping_file),
        "GATEWAY_OIDC_DISPLAY_NAME": DISPLAY_NAME,
    })
    try:
        platform.start(timeout=120)
    except Exception:
        for name in ("fusion", "gateway"):
            print(f"--- {name} log ---\n{platform.log_tail(name, 40)}")
        raise
    try:
        yield platform
    finally:
        platform.stop()


def admin_headers(platform: LocalPlatform) -> dict[str, str]:
    token = httpx.post(f"{platform.gateway_url}/v1/auth/token", timeout=30,
                       data={"username": "admin", "password": platform.demo_password}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def grid_ids(platform: LocalPlatform) -> list[str]:
    grids = httpx.get(f"{platform.gateway_url}/v1/grids", headers=admin_headers(platform), timeout=30).json()
    return sorted(f["properties"]["grid_id"] for f in grids["features"])
