"""The big-screen board in headless Chromium at projector size: it shows the agreements so far,
updates live from the stream without a reload, and its numbers are legible from the back of a
hall. A screenshot goes to test-artifacts/screenshots/."""

from __future__ import annotations

import httpx
import pytest

from tests.service.browser import ARGS, CHROMIUM, SHOTS, clocked, needs_chromium
from tests.service.conftest import Tokens
from tests.service.events.helpers import agreement, make_event
from tests.service.events.live_helpers import server

try:
    from playwright.async_api import async_playwright, expect
except ImportError:  # pragma: no cover - the skip below says why
    async_playwright = expect = None  # type: ignore[assignment]

pytestmark = [pytest.mark.anyio, *needs_chromium]


async def test_big_screen_updates_live_and_is_legible(db_url: str, coordinator: dict[str, str],
                                                       tokens: Tokens) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the page is the same on both databases; the PostgreSQL stream is tested in test_live_board")
    with server(db_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            event = await make_event(c, coordinator)
            broker = await tokens.headers("broker", event=event["id"])
            for _ in range(4):
                assert (await c.post(f"/api/v1/events/{event['id']}/agreements", json=agreement(),
                                     headers=broker)).status_code == 201
            async with async_playwright() as p:
                browser = clocked(await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
                try:
                    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
                    await page.goto(base + event["board_page"])
                    assert (await page.text_content("#total")) == "4"
                    # a fifth agreement reaches the open page through the stream, without a reload
                    r = await c.post(f"/api/v1/events/{event['id']}/agreements", json=agreement(), headers=broker)
                    assert r.status_code == 201
                    # a locator assertion, not wait_for_function: a string predicate is polled through eval in
                    # the page, which the board's CSP (no 'unsafe-eval') refuses
                    await expect(page.locator("#total")).to_have_text("5", timeout=5000)
                    total_px = await page.eval_on_selector("#total", "e => parseFloat(getComputedStyle(e).fontSize)")
                    line_px = await page.eval_on_selector("#latest li", "e => parseFloat(getComputedStyle(e).fontSize)")
                    # at 1080p: the count a tenth of the screen high, the latest agreements ~30 px and up
                    assert total_px >= 100 and line_px >= 24, (total_px, line_px)
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    await page.screenshot(path=str(SHOTS / "20-event-board-1080p.png"), full_page=True)
                    height = await page.evaluate("document.documentElement.scrollHeight")
                    assert height <= 1080, height  # the whole board on one projector screen, nothing to scroll
                finally:
                    await browser.close()
