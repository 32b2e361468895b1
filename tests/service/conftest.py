"""Database fixtures over SQLite and PostgreSQL, the app, clients and tokens.

`db_url` is parametrised over `sqlite` (a migrated temp file per test) and
`postgresql` (a fresh database per session from SAMSPILL_TEST_POSTGRES_URL,
truncated between tests); the PostgreSQL half is skipped when the variable is unset.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar

from service.app import create_app
from service.auth import create_token
from service.db.engine import create_engine, create_sessionmaker
from service.db.migrate import upgrade
from service.db.models import Base
from service.settings import Settings, normalise_database_url
from tests.service.factories import small_scenario

PG_ENV = "SAMSPILL_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    # Litestar 2.2x nudges towards FromPath/FromQuery; plain annotations still work and read better.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:litestar.*")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "register.sqlite3"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://").replace("postgresql+psycopg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    base = normalise_database_url(base)
    name = f"samspill_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            await conn.execute(sa.text("INSERT INTO register (id) VALUES (1)"))
            # the plan-run queue (procrastinate): no job of an earlier test may hold its lock
            await conn.execute(sa.text("TRUNCATE procrastinate_jobs, procrastinate_workers RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "register.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(_truncate(url))
    return url


@pytest.fixture
def solver() -> Any:
    """The matcher's own solver; tests that need a particular plan override this fixture."""
    return None


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, solve_time_limit=10.0)


@pytest.fixture
def app(settings: Settings, solver: Any) -> Litestar:
    return create_app(settings, solver=solver)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the ASGI app in this event loop, so gathered requests really interleave
    (Litestar's AsyncTestClient runs each request to completion through a blocking portal)."""
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


class Tokens:
    """Create bearer tokens straight in the register and give back request headers."""

    def __init__(self, url: str):
        self.url = url

    async def headers(self, role: str, *, site: str | None = None, volunteer: str | None = None,
                      event: str | None = None) -> dict[str, str]:
        engine = create_engine(self.url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                _, text = await create_token(
                    session,
                    role=role,
                    name=f"test {role}",
                    site_id=site,
                    volunteer_id=volunteer,
                    event_id=event,
                )
        finally:
            await engine.dispose()
        return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def tokens(db_url: str) -> Tokens:
    return Tokens(db_url)


@pytest.fixture
async def coordinator(tokens: Tokens) -> dict[str, str]:
    return await tokens.headers("coordinator")


@pytest.fixture
async def loaded(client: httpx.AsyncClient, coordinator: dict[str, str]) -> dict[str, Any]:
    """The register with the small scenario imported; returns the scenario document."""
    import msgspec

    doc = msgspec.to_builtins(small_scenario())
    r = await client.post("/api/v1/scenario", json=doc, headers=coordinator)
    assert r.status_code == 200, r.text
    return doc


# ------------------------------------------------------------ the browser tests' Chromium (tests/service/browser.py)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, through Playwright), one per test module."""
    from tests.service.browser import ARGS, CHROMIUM, clocked, sync_playwright

    with sync_playwright() as p:
        b = clocked(p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh laptop-width page in Bokmål and Oslo time."""
    from tests.service.browser import LAPTOP, open_page

    with open_page(browser, viewport=LAPTOP, locale="nb-NO", timezone_id="Europe/Oslo") as pg:
        yield pg
