"""Server-side sessions (issue 12, medium): logout and a password change end a session for good, a
replayed or malformed cookie is no session, the CSRF token is bound to its session, `__Host-` cookies
over HTTPS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from service.accounts import set_password
from service.app import create_app
from service.db.engine import create_engine, create_sessionmaker
from service.settings import Settings
from tests.service.web.conftest import PASSWORD, csrf, post_form, sign_in, web_client

pytestmark = pytest.mark.anyio


def _cookies(client: httpx.AsyncClient) -> dict[str, str]:
    return {c.name: c.value for c in client.cookies.jar}


async def test_cookie_replayed_after_logout_is_no_session(
    app: Litestar, coordinator_client: httpx.AsyncClient
) -> None:
    stolen = _cookies(coordinator_client)
    assert (await coordinator_client.get("/")).status_code == 200
    assert (await post_form(coordinator_client, "/logout")).status_code == 303
    async with web_client(app) as thief:
        thief.cookies.update(stolen)
        r = await thief.get("/")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = await thief.post("/matching/run", headers={"X-CSRFToken": stolen["samspill_csrf"]})
        assert r.status_code in (303, 401, 403)


async def test_password_change_ends_other_sessions(
    app: Litestar, coordinator_client: httpx.AsyncClient, db_url: str
) -> None:
    assert (await coordinator_client.get("/")).status_code == 200
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            assert await set_password(session, "kari@kommune.no", "et helt nytt passord")
    finally:
        await engine.dispose()
    r = await coordinator_client.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert (await sign_in(coordinator_client, "kari@kommune.no", PASSWORD)).status_code == 401
    assert (await sign_in(coordinator_client, "kari@kommune.no", "et helt nytt passord")).status_code == 303


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "!!!",
        "QUFBQUFBQUFBQUFBQUFB",
        "e30=",
        "A" * 5000,
        # base64 of a nonce, data, Litestar's AAD marker and a broken or odd JSON block: its decoder raised
        # SerializationException / TypeError on these, which was a 500 before sign-in
        "MDEyMzQ1Njc4OTAxeHl6YWRkaXRpb25hbF9hdXRoZW50aWNhdGVkX2RhdGE9eyJleHBpcmVzX2F0Ijo=",
        "MDEyMzQ1Njc4OTAxeHl6YWRkaXRpb25hbF9hdXRoZW50aWNhdGVkX2RhdGE9WzFd",
    ],
)
async def test_malformed_session_cookie_is_no_session(
    browser_client: httpx.AsyncClient, loaded: Any, value: str
) -> None:
    browser_client.cookies.set("samspill_session", value)
    r = await browser_client.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login"), r.text[:300]
    assert (await browser_client.get("/login")).status_code == 200


async def test_csrf_token_is_bound_to_the_session(app: Litestar, users: Any, loaded: Any) -> None:
    await users.create("kari@kommune.no")
    await users.create("ola@kommune.no")
    async with web_client(app) as kari, web_client(app) as ola:
        before = (await kari.get("/login"), csrf(kari))[1]
        assert (await sign_in(kari, "kari@kommune.no")).status_code == 303
        # signing in issues a new CSRF token: the one from before sign-in no longer works
        assert csrf(kari) and csrf(kari) != before
        await sign_in(ola, "ola@kommune.no")
        # Kari's session cookie with Ola's (valid, signed) CSRF token pair: refused
        mixed = {"X-CSRFToken": csrf(ola), "HX-Request": "true"}
        kari.cookies.set("samspill_csrf", csrf(ola))
        r = await kari.post("/logout", headers=mixed)
        assert r.status_code == 403
        kari.cookies.set("samspill_csrf", ola.cookies.get("samspill_csrf") or "")
        assert (await ola.get("/")).status_code == 200


async def test_cookies_use_the_host_prefix_over_https(db_url: str, users: Any) -> None:
    app = create_app(Settings(database_url=db_url, secret_key="k", secure_cookies=True))
    await users.create("kari@kommune.no")
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            r = await c.get("/login")
            assert "__Host-samspill_csrf=" in r.headers.get("set-cookie", "")
            token = c.cookies.get("__Host-samspill_csrf")
            r = await c.post(
                "/login", data={"email": "kari@kommune.no", "password": PASSWORD, "_csrf_token": token}
            )
            assert r.status_code == 303, r.text
            set_cookies = r.headers.get_list("set-cookie")
            assert any(
                h.startswith("__Host-samspill_session=")
                and "Secure" in h
                and "Path=/" in h
                and "Domain" not in h
                for h in set_cookies
            ), set_cookies
            assert (await c.get("/")).status_code == 200
