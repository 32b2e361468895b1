"""Sign-in limits, trusted proxies, security headers and archived screen keys (issue 12, medium/low)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from litestar import Litestar

from service.app import create_app
from service.cli.server import proxy_options
from service.settings import Settings
from tests.service.browser import serve
from tests.service.events.helpers import make_event
from tests.service.web.conftest import PASSWORD, sign_in, web_client

pytestmark = pytest.mark.anyio


async def test_per_account_limit_holds_across_addresses(
    app: Litestar, browser_client: httpx.AsyncClient, users: Any
) -> None:
    await users.create("kari@kommune.no")
    for i in range(10):  # each guess from a new address: the per-address limit never trips
        async with web_client(app, ip=f"10.1.0.{i + 1}") as c:
            assert (await sign_in(c, "kari@kommune.no", f"gjett {i}")).status_code == 401
    async with web_client(app, ip="10.3.0.1") as c:
        r = await sign_in(c, "kari@kommune.no", PASSWORD)
        assert r.status_code == 429, "even the right password waits out the back-off"
    time.sleep(1.2)  # after ten failures the next try waits one second, then two, four …
    async with web_client(app, ip="10.3.0.2") as c:
        assert (await sign_in(c, "kari@kommune.no", PASSWORD)).status_code == 303


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMSPILL_TRUSTED_PROXIES", raising=False)
    assert proxy_options(Settings.from_env()) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    monkeypatch.setenv("SAMSPILL_TRUSTED_PROXIES", "10.0.0.5")
    assert proxy_options(Settings.from_env()) == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}


def test_forwarded_for_from_loopback_cannot_dodge_the_limit(settings: Settings, users: Any) -> None:
    """Through the real uvicorn with the options `samspill serve` uses: a new X-Forwarded-For per try
    gained unlimited guesses when uvicorn trusted the loopback."""
    import asyncio

    asyncio.run(users.create("kari@kommune.no"))
    with serve(create_app(settings), **proxy_options(settings)) as base, httpx.Client(base_url=base) as c:
        for i in range(6):
            c.get("/login")
            token = c.cookies.get("samspill_csrf")
            r = c.post(
                "/login",
                data={
                    "email": "kari@kommune.no",
                    "password": PASSWORD if i == 5 else "feil",
                    "_csrf_token": token,
                },
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
        assert r.status_code == 429, r.status_code


def _assert_secure(r: httpx.Response, personal: bool = True) -> None:
    h = r.headers
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY", dict(h)
    assert h["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "unsafe-inline" not in h["content-security-policy"].split("style-src-attr")[0]
    if personal:
        assert h["cache-control"] == "no-store"


async def test_security_headers_on_pages_and_api(
    coordinator_client: httpx.AsyncClient, client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    for path in ("/", "/volunteers", "/volunteers/v1", "/matching"):
        r = await coordinator_client.get(path)
        assert r.status_code == 200, path
        _assert_secure(r)
    _assert_secure(await client.get("/api/v1/volunteers", headers=coordinator))
    _assert_secure(await client.get("/api/v1/volunteers"))  # 401 too
    static = await coordinator_client.get("/static/app.css")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"


async def test_event_pages_carry_a_nonce_and_archived_screen_keys_stop(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    event = await make_event(client, coordinator)
    page = await client.get(event["board_page"])
    assert page.status_code == 200
    _assert_secure(page)
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">' in page.text and f'<style nonce="{nonce}">' in page.text
    eid = event["id"]
    await client.post(f"/api/v1/events/{eid}/gong", json={"action": "close"}, headers=coordinator)
    for action in ("start_follow_up", "archive"):
        r = await client.post(f"/api/v1/events/{eid}/state", json={"action": action}, headers=coordinator)
        assert r.status_code == 200, r.text
    assert (await client.get(event["board_page"])).status_code == 404
    assert (await client.get(event["board_page"].replace("/board", "/catalogue"))).status_code == 404
