"""What the browser tests share: Debian's Chromium through Playwright, the app under uvicorn on a temp
register (`serve` also runs the live servers of the proxy and schemathesis tests), screenshots,
axe-core, and signing in. The `browser` and `page` fixtures live in tests/service/conftest.py
(fixtures are taken by name there, never imported into a test module: that trips ruff F811).

Uses Debian's `chromium` through Playwright's `executable_path`; never `playwright install`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SAMSPILL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).parent / "web" / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the skip below says why
    sync_playwright = None  # type: ignore[assignment]
    Page = Any  # type: ignore[misc,assignment]
    expect = None  # type: ignore[assignment]

# `pytestmark = needs_chromium` in a browser test module
needs_chromium = [
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install playwright)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


def clocked(browser: Any) -> Any:
    """`browser` (Playwright's, sync or async) whose new contexts read the test's clock: under --clock-at
    (tests/conftest.py) each new context's page scripts see `Date.now()` at `service.clock.now()`, moving on
    with real time as the service's clock does; otherwise the browser as it is."""
    from service import clock

    if not clock.offset():
        return browser
    make = browser.new_context
    if inspect.iscoroutinefunction(make):
        async def new_context_async(**options: Any) -> Any:
            ctx = await make(**options)
            await ctx.clock.install(time=clock.now())
            return ctx

        browser.new_context = new_context_async
    else:
        def new_context(**options: Any) -> Any:
            ctx = make(**options)
            ctx.clock.install(time=clock.now())
            return ctx

        browser.new_context = new_context
    return browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, data: dict[str, Any], settings: Any = None):
        self.url = url
        self.data = data
        self.settings = settings  # the register's Settings, for setting things up behind the app


@contextmanager
def serve(app: Any, port: int | None = None, **options: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread (on `port`, or a free one; `options` for
    uvicorn.Config, e.g. the proxy options `samspill serve` uses; its keep-alive by default, so that a
    test's pooled connection is not closed under a request); yields its base URL."""
    import uvicorn

    from service.cli.server import KEEP_ALIVE_S

    port = port or free_port()
    options = {"timeout_keep_alive": KEEP_ALIVE_S, **options}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def temp_settings(tmp_path_factory: pytest.TempPathFactory, name: str, **kw: Any) -> Any:
    """Settings on a fresh SQLite file (not yet migrated), plain-http cookies."""
    from service.settings import Settings

    db = tmp_path_factory.mktemp(name) / "register.sqlite3"
    return Settings(**{"database_url": f"sqlite+aiosqlite:///{db}", "solve_time_limit": 10.0,
                       "secret_key": "browser-test", "secure_cookies": False, **kw})


@contextmanager
def live_register(tmp_path_factory: pytest.TempPathFactory, name: str,
                  setup: Callable[[Any], Awaitable[dict[str, Any] | None]] | None = None,
                  **settings_kw: Any) -> Iterator[LiveServer]:
    """A migrated temp SQLite register, `setup(session)` run in it, and the app serving it."""
    from service.app import create_app
    from service.cli.common import with_session
    from service.db.migrate import upgrade

    settings = temp_settings(tmp_path_factory, name, **settings_kw)
    asyncio.run(upgrade(settings.database_url))
    data = asyncio.run(with_session(settings, setup)) if setup else None
    with serve(create_app(settings)) as url:
        yield LiveServer(url, dict(data or {}), settings)


@contextmanager
def open_page(browser: Any, **context: Any) -> Iterator[Page]:
    """A page in a fresh browser context (`context`: Playwright's new_context options), 20 s timeouts;
    the context closed after."""
    ctx = browser.new_context(**context)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    try:
        yield pg
    finally:
        ctx.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def both_widths(page: Page, name: str) -> None:
    """Screenshots at laptop (1280 px) and phone (390 px) width: `name.png`, `name-phone.png`."""
    shot(page, name)
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-phone")
    page.set_viewport_size(LAPTOP)


def axe_violations(page: Page, name: str) -> list[str]:
    """WCAG 2.x A/AA problems axe-core finds on the page as it is now (serious and critical)."""
    # Evaluated by the test driver, not injected as an inline <script>: the page's CSP stays enforced.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [
        f"{name}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical", "moderate", "minor")
    ]


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    """The password sign-in form at /login (Bokmål labels)."""
    page.goto(base + "/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


__all__ = ["ARGS", "AXE", "CHROMIUM", "LAPTOP", "PHONE", "SHOTS", "LiveServer", "Page", "axe_violations",
           "both_widths", "clocked", "expect", "free_port", "live_register", "needs_chromium", "serve", "shot",
           "sign_in", "sync_playwright", "temp_settings"]
