"""The Litestar application, assembled in one factory."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from service.api.hygiene import reject_nul
from service.api.sqlite_queue import SQLiteQueueMiddleware
from service.auth import BearerAuthMiddleware
from service.db.engine import create_engine, create_sessionmaker, is_sqlite
from service.db.migrate import ensure_migrated
from service.exchange.live import BoardHub, channels_plugin
from service.exchange.settings import ExchangeSettings
from service.problems import EXCEPTION_HANDLERS
from service.settings import Settings
from service.web.headers import SecurityHeadersMiddleware, security_headers

log = logging.getLogger("samspill.service")


@get("/health", tags=["meta"], summary="Liveness", security=[{}])
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _controllers() -> list[Any]:
    from service.api.attendance import AttendanceController
    from service.api.audit import AuditController
    from service.api.catalogue import ActivityController, TrainingController
    from service.api.needs import NeedController
    from service.api.period import PlanningPeriodController
    from service.api.placements import PlacementController
    from service.api.plans import PlanController, ProposalController
    from service.api.scenario import ScenarioController
    from service.api.sites import SiteController
    from service.api.statistics import StatisticsController
    from service.api.users import UserController
    from service.api.volunteers import RetentionController, VolunteerController
    from service.exchange.api import EventController
    from service.exchange.floor import floor_router
    from service.exchange.pages import PAGES
    from service.exchange.setup import setup_router

    return [
        health,
        TrainingController,
        ActivityController,
        SiteController,
        NeedController,
        VolunteerController,
        RetentionController,
        ScenarioController,
        PlanController,
        PlanningPeriodController,
        ProposalController,
        PlacementController,
        AuditController,
        UserController,
        StatisticsController,
        AttendanceController,
        EventController,
        *PAGES,
        floor_router(),
        setup_router(),
    ]


async def _before_request(request: Any) -> None:
    from service.web.sessions import check_csrf_binding

    await reject_nul(request)
    check_csrf_binding(request)


def plan_jobs(settings: Settings, sessionmaker: Any, solver: Callable[..., Any] | None) -> Any:
    """The plan-run queue: procrastinate on PostgreSQL, in-process on SQLite (service/jobs.py)."""
    from service.jobs import InProcessJobs, QueueJobs, matcher_solver
    from service.register.plans import execute_plan, mark_failed, recover_interrupted

    async def runner(plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        await execute_plan(sessionmaker, settings, solver or matcher_solver, plan_id, who, time_limit)

    async def recover() -> None:
        await recover_interrupted(sessionmaker)

    if is_sqlite(settings.database_url):
        return InProcessJobs(runner, on_start=recover)

    async def give_up(plan_id: str, why: str) -> None:
        await mark_failed(sessionmaker, plan_id, why)

    return QueueJobs(settings.database_url, runner, work=settings.worker_in_server, on_give_up=give_up)


def create_app(settings: Settings | None = None, *, solver: Callable[..., Any] | None = None,
               check_migrations: bool = True) -> Litestar:
    """Build the app. `solver(scenario, time_limit) -> Plan` defaults to the matcher's."""
    settings = settings or Settings.from_env()
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    # Token look-ups only read: on SQLite they need not queue for the write lock (WAL readers never wait).
    read_engine = create_engine(settings.database_url, immediate=False) if is_sqlite(settings.database_url) else engine
    db = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # Redirects commit too: the web pages answer a form post with 303 See Other.
        before_send_handler="autocommit_include_redirects",
    )

    # The exchange event's live board: one channel, memory on SQLite, LISTEN/NOTIFY on PostgreSQL.
    exchange = ExchangeSettings.from_env()
    channels = channels_plugin(settings.database_url)
    board_hub = BoardHub(channels, create_sessionmaker(read_engine), exchange.rates, exchange.board_resync_seconds)

    sender_stop = asyncio.Event()
    sender_task: list[asyncio.Task[None]] = []

    if solver is None and settings.solver:
        from service.jobs import load_solver

        solver = load_solver(settings.solver)
    jobs = plan_jobs(settings, sessionmaker, solver)

    async def on_startup(app: Litestar) -> None:
        # HiGHS's banner, silenced once now, on this thread, before the server answers or a plan runs
        # (later, a solve's thread would point standard output away for a moment: see quiet_highs_banner)
        from matcher.mip import quiet_highs_banner

        quiet_highs_banner()
        if check_migrations:
            await ensure_migrated(settings.database_url)
        await jobs.start()
        if settings.outbox_sender:
            from service.notify.sender import run_sender

            # Sends the outbox (when SMTP or SMS is set up) and runs the daily reminder scan.
            task = asyncio.get_running_loop().create_task(run_sender(sessionmaker, settings, sender_stop))
            sender_task.append(task)

    async def on_shutdown(app: Litestar) -> None:
        await jobs.stop()
        sender_stop.set()
        for task in sender_task:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        await board_hub.stop()
        await engine.dispose()
        if read_engine is not engine:
            await read_engine.dispose()

    from service.web import web_config

    web = web_config(settings)
    return Litestar(
        route_handlers=[*_controllers(), *web.route_handlers],
        template_config=web.template_config,
        # The exchange event's pages (/events/…) authorise by a key in the URL, not a cookie: no CSRF to guard.
        # The exchange event's key-authorised pages (/events/{id}/board, …/follow-up?key=…) take a key in the
        # URL, not a cookie: no CSRF to guard there. The floor (/events/{id}/floor) and the coordinator's
        # event pages are cookie sessions and keep CSRF protection.
        csrf_config=dataclasses.replace(web.csrf_config, exclude=[
            *(web.csrf_config.exclude or []), r"^/events/[^/]+/agreements/[^/]+/follow-up"]),
        plugins=[SQLAlchemyPlugin(config=db), channels],
        middleware=[
            # Outermost: a CSP nonce per request (the headers themselves go on in before_send).
            SecurityHeadersMiddleware,
            # /events/… are the exchange event's pages: they take the event's screen key instead.
            DefineMiddleware(BearerAuthMiddleware, exclude=["^/schema", "^/health", "^/events/", *web.bearer_exclude]),
            *([SQLiteQueueMiddleware] if is_sqlite(settings.database_url) else []),
            *web.middleware,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=_before_request,
        before_send=[*web.before_send, security_headers(hsts=settings.secure_cookies)],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings, "sessionmaker": sessionmaker,
                     "read_sessionmaker": create_sessionmaker(read_engine), "solver": solver, "engine": engine,
                     "exchange": exchange, "board_hub": board_hub, "jobs": jobs, "web_security": web.security}),
        openapi_config=OpenAPIConfig(
            title="samspill",
            version="1",
            description="Matchmaking for volunteering in municipal health and care. "
            "Every error is an RFC 9457 problem-details body.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        debug=settings.debug,
    )
