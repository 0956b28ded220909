"""The gateway app: settings, state, error handlers, routers."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import grpc
import jwt
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import Scope

from services.platform import periodic
from services.platform.logs import setup_logging
from services.platform.mongo import connect as connect_mongo
from services.platform.telemetry import instrument_app, setup_telemetry, shutdown_telemetry

from . import redaction
from .accounts.audit import relay_forever
from .accounts.oidc import single_sign_on
from .accounts.open_sessions import OpenSessions
from .accounts.passwords import Hasher, HasherBusy
from .accounts.policy import PolicyError
from .accounts.service import Accounts, Limits, SignInRefused, Throttled
from .accounts.store import AccountStore
from .accounts.tokens import read_access
from .api.deps import GatewayState, staff_only
from .api.routes import (
    accounts as accounts_routes,
)
from .api.routes import (
    assessments,
    attachments,
    audit,
    auth,
    cases,
    community,
    dead_letters,
    departments,
    events,
    exports,
    feed,
    grids,
    health,
    meetings,
    oidc,
    open311,
    party,
    ratings,
    reference,
    reports,
    teams,
    vocabulary,
)
from .api.routes import notifications as notification_routes
from .api.routes import proposals as proposal_routes
from .api.routes import tasks as task_routes
from .api.routes import webhooks as webhook_routes
from .auth import check_key, load_or_create_key
from .clients import Peers
from .errors import (
    handle_policy_error,
    handle_rpc_error,
    handle_sign_in_refused,
    handle_throttled,
    handle_unencodable,
    handle_validation_error,
)
from .feed import FeedHub
from .headers import SecurityHeaders
from .hotlist import HotList
from .limits import FORM_LIMITS, ROUTE_LIMITS, BodyLimit, upload_limits
from .notifications.intake import Intake
from .notifications.sender import Sender, allows_private
from .notifications.store import NotificationStore
from .settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        key_file = settings.jwt_key_file or "var/gateway/jwt.key"
        key = check_key(settings.jwt_key) if settings.jwt_key else check_key(load_or_create_key(key_file), key_file)
        peers = Peers(settings)
        mongo = connect_mongo(settings.mongodb_uri, app_name="gridfusion-gateway")
        store = AccountStore(mongo[settings.database])
        hub = FeedHub()
        # Open sessions are remembered only while every notice of an ended one reaches this replica.
        open_sessions = OpenSessions(settings.session_cache_seconds, epoch=hub.notices_epoch)
        accounts = Accounts(store, Hasher(concurrency=settings.hash_concurrency, queue_limit=settings.hash_queue_limit),
                            jwt_key=key, grids=lambda: state.grids(), limits=limits_of(settings),
                            open_sessions=open_sessions)
        state = GatewayState(settings=settings, peers=peers, jwt_key=key, accounts=accounts)
        state.sso = single_sign_on(settings, accounts)  # None unless configured; the provider is read lazily
        app.state.gateway = state
        state.feed = hub
        # Sessions ended here: forgotten here, the account's feeds woken, every replica told; and
        # those another replica ended: forgotten here too.
        accounts.on_sessions_ended = hub.end_sessions
        hub.on_sessions_ended.append(open_sessions.forget)
        hub.on_reference.append(state.forget_grids)
        # The hot case lists' read model: fed by the live feed's consumer, loaded from fusion.
        hub.hotlist = HotList(settings.hot_days, feed=hub)
        hub.on_case.append(hub.hotlist.take)
        # Webhooks and notifications (gateway/notifications): a durable consumer of the case changes
        # records what each leaves; the sender posts the webhook deliveries due.
        state.notifications = NotificationStore(mongo[settings.database])
        intake = Intake(state.notifications, peers.fusion, timeout=settings.rpc_timeout_seconds)
        sender = Sender(state.notifications, timeout=settings.webhook_timeout_seconds,
                        max_attempts=settings.webhook_max_attempts,
                        retry_seconds=settings.webhook_retry_seconds,
                        allow_private=allows_private(settings))
        tasks = [
            asyncio.create_task(_connect_feed(hub, settings)),
            asyncio.create_task(hub.keep()),
            asyncio.create_task(hub.hotlist.keep(peers.fusion, timeout=settings.rpc_timeout_seconds)),
            asyncio.create_task(_prepare_store(store)),
            asyncio.create_task(periodic.retry(
                state.notifications.ensure_indexes, every=2, failed=lambda exc, n: log.warning(
                    "notifications' indexes not declared yet", extra={"error": str(exc)}))),
            asyncio.create_task(intake.run(hub, asyncio.Event())),
            asyncio.create_task(sender.run(intake.recorded, every=settings.webhook_poll_seconds)),
            asyncio.create_task(relay_forever(store, peers.community, accounts.audit_written, interval=10,
                                              timeout=settings.rpc_timeout_seconds)),
        ]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await hub.close()
        if state.sso is not None:
            await state.sso.close()
        await peers.close()
        await mongo.close()

    if settings.jwt_key:
        check_key(settings.jwt_key)  # a weak key stops the start, before anything listens
    app = FastAPI(
        title="Gridfusion gateway",
        version="1",
        summary="Five departments' events on one party-branch grid, one closed loop (多网融合).",
        lifespan=lifespan,
        form_limits=FORM_LIMITS,
    )
    # Outermost first: every answer gets the security headers, and a body over its route's limit
    # is refused before routing, authentication or parsing read it.
    app.add_middleware(BodyLimit, trusted=signed_token, routes=ROUTE_LIMITS + upload_limits(settings.attachment_max_bytes))
    app.add_middleware(SecurityHeaders)
    instrument_app(app)  # a span per request, under the caller's traceparent when it sends one
    app.add_exception_handler(grpc.aio.AioRpcError, handle_rpc_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(UnicodeEncodeError, handle_unencodable)
    app.add_exception_handler(PolicyError, handle_policy_error)
    app.add_exception_handler(SignInRefused, handle_sign_in_refused)
    app.add_exception_handler(Throttled, handle_throttled)
    app.add_exception_handler(HasherBusy, handle_throttled)
    for module in (health, auth, oidc, accounts_routes, departments, grids, community, party, meetings, teams, reports, assessments, exports, audit, feed,
                   open311, dead_letters, reference, vocabulary, ratings):
        app.include_router(module.router)
    app.include_router(proposal_routes.router)  # 信息采集: information collection
    for module in (webhook_routes, notification_routes):
        app.include_router(module.router)
    app.include_router(task_routes.router)  # 专项任务: tasks from above
    app.include_router(reports.bulletins)
    # Cases and events are the grid staff's and the departments' (not residents' or members').
    for module in (events, cases, attachments):
        app.include_router(module.router, dependencies=[Depends(staff_only)])
    app.mount("/dashboard", StaticFiles(directory=STATIC, html=True), name="dashboard")

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    return app


STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def signed_token(scope: Scope) -> bool:
    """Whether a request carries an access token signed with the gateway's key (the larger body
    limits need one; whether its session is still open is checked later, as for every request)."""
    state = getattr(scope["app"].state, "gateway", None) if "app" in scope else None
    header = Headers(scope=scope).get("authorization", "")
    if state is None or not header.lower().startswith("bearer "):
        return False
    try:
        read_access(header[7:].strip(), state.jwt_key)
    except jwt.InvalidTokenError:
        return False
    return True


def limits_of(settings: GatewaySettings) -> Limits:
    return Limits(token_minutes=settings.token_minutes, refresh_hours=settings.refresh_hours,
                  user_failures=settings.login_user_failures, user_window_seconds=settings.login_user_window_seconds,
                  lockout_seconds=settings.login_lockout_seconds, address_failures=settings.login_address_failures,
                  address_window_seconds=settings.login_address_window_seconds)


async def _prepare_store(store: AccountStore) -> None:
    """Declare the accounts' indexes, retrying until the database answers (readiness waits)."""
    await periodic.retry(
        store.ensure_indexes, every=2,
        failed=lambda exc, failures: log.warning("accounts database not reachable yet", extra={"error": str(exc)}),
    )


async def _connect_feed(hub: FeedHub, settings: GatewaySettings) -> None:
    """Connect the live feed to NATS, retrying until it answers (readiness waits for it)."""
    await periodic.retry(
        lambda: hub.start(settings.nats_url, user=settings.nats_user, password=settings.nats_password), every=2,
        failed=lambda exc, failures: log.warning("live feed cannot reach NATS yet", extra={"error": str(exc)}),
    )


def serve() -> None:
    import uvicorn

    settings = GatewaySettings()
    setup_logging("gateway", settings.log_level)
    redaction.install()
    setup_telemetry("gateway")
    try:
        uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port,
                    log_config=None, timeout_graceful_shutdown=10)
    finally:
        shutdown_telemetry()
