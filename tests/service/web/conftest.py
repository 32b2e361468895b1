"""Web page fixtures: settings with plain-http cookies, users, and a signed-in httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from service.accounts import create_user
from service.db.engine import create_engine, create_sessionmaker
from service.settings import Settings

PASSWORD = "riktig hest batteri"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, solve_time_limit=10.0, secret_key="test-secret", secure_cookies=False)


class Users:
    def __init__(self, url: str):
        self.url = url

    async def create(self, email: str, role: str = "coordinator", site: str | None = None,
                     password: str = PASSWORD) -> str:
        engine = create_engine(self.url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                row = await create_user(session, email=email, password=password, role=role, site_id=site,
                                        name=email.split("@")[0].title())
                return row.id
        finally:
            await engine.dispose()


@pytest.fixture
def users(db_url: str) -> Users:
    return Users(db_url)


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("samspill_csrf") or ""


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, next_: str = "/") -> httpx.Response:
    await client.get("/login")
    return await client.post("/login", data={"email": email, "password": password, "next": next_,
                                             "_csrf_token": csrf(client)})


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, str] | None = None,
                    htmx: bool = False) -> httpx.Response:
    headers = {"X-CSRFToken": csrf(client)}
    if htmx:
        headers["HX-Request"] = "true"
    return await client.post(url, data=data or {}, headers=headers)


def web_client(app: Litestar, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def browser_client(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client on the app, not signed in (`client` runs the app's lifespan)."""
    async with web_client(app) as c:
        yield c


@pytest.fixture
async def coordinator_client(browser_client: httpx.AsyncClient, users: Users, loaded: Any) -> httpx.AsyncClient:
    """Signed in as a coordinator, with the small scenario loaded."""
    await users.create("kari@kommune.no")
    r = await sign_in(browser_client, "kari@kommune.no")
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    return browser_client
