"""Placements at risk in headless Chromium: a need re-timed to hours its volunteer is not
available and a course expiring show at the top of the coordinator's overview, in Norwegian
and in English, and on the matching page after a run. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from tests.service.factories import small_scenario
from tests.service.web.test_browser import (  # noqa: F401  (pytest fixtures used by name)
    PASSWORD,
    LiveServer,
    axe_violations,
    browser,
    free_port,
    page,
    pytestmark,
    shot,
)

with contextlib.suppress(ImportError):  # test_browser's pytestmark skips the module without playwright
    from playwright.sync_api import Page, expect

EMAIL = "koordinator@risiko.kommune.no"


@pytest.fixture(scope="module")
def live_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under uvicorn on a temp SQLite register with the small scenario and two placements."""
    import datetime as dt

    import uvicorn

    from service.accounts import create_user
    from service.app import create_app
    from service.auth import create_token
    from service.cli.common import with_session as _with_session
    from service.db.migrate import upgrade
    from service.db.models import PlacementRow
    from service.settings import Settings

    db = tmp_path_factory.mktemp("browser-risk") / "register.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", solve_time_limit=10.0,
                        secret_key="browser-test", secure_cookies=False)
    asyncio.run(upgrade(settings.database_url))

    async def setup(session: Any) -> dict[str, Any]:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        _, token = await create_token(session, role="coordinator", name="test")
        return {"token": token}

    data = asyncio.run(_with_session(settings, setup))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {data['token']}"}
    with httpx.Client(base_url=base, headers=headers) as api:
        assert api.post("/api/v1/scenario", json=msgspec.to_builtins(small_scenario())).status_code == 200

    async def place(session: Any) -> None:
        for volunteer, need in (("v1", "n1"), ("v2", "n2")):
            session.add(PlacementRow(id=f"pl-{volunteer}-{need}", volunteer_id=volunteer, need_id=need,
                                     site_id="eik", activity_id="besoksvenn", state="confirmed",
                                     start=dt.date(2027, 1, 4), followups_done=[]))

    asyncio.run(_with_session(settings, place))
    try:
        yield LiveServer(base, {**data, "headers": headers})
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_browser_overview_shows_placements_at_risk_first(live_small: LiveServer, page: Page) -> None:  # noqa: F811
    base = live_small.url
    with httpx.Client(base_url=base, headers=live_small.data["headers"]) as api:
        r = api.patch("/api/v1/needs/n1", params={"keep_at_risk": "true"},
                      json={"weekly": [{"weekday": 1, "start": "05:00", "end": "06:00"}]})
        assert r.status_code == 200, r.text
        r = api.patch("/api/v1/volunteers/v2", json={"trainings": [
            {"training": "demens", "completed": "2026-09-01", "expires": "2027-01-20"}]})
        assert r.status_code == 200, r.text

    page.goto(base + "/login")
    page.get_by_label("E-post").fill(EMAIL)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()
    risk = page.get_by_role("region", name="Plasseringer som bryter en regel nå")
    expect(risk).to_be_visible()
    # at the top: the first section of the page
    assert page.evaluate("document.querySelector('main section').id") == "at-risk"
    items = risk.locator("li")
    expect(items).to_have_count(2)
    expect(risk.locator("li[data-rule='E6']")).to_contain_text("Frivillig 1")
    expect(risk.locator("li[data-rule='E6']")).to_contain_text("Besøksvenn mandag")
    expect(risk.locator("li[data-rule='E3']")).to_contain_text("Frivillig 2")
    expect(risk.locator("li[data-rule='E3']")).to_contain_text("Demensopplæring utløper 20.01.2027")
    expect(risk.locator("li[data-rule='E3']")).to_contain_text("forny den eller avslutt plasseringen")
    shot(page, "20-overview-at-risk")
    problems = axe_violations(page, "overview-at-risk")

    page.get_by_role("button", name="English").click()
    risk_en = page.get_by_role("region", name="Placements that break a rule now")
    expect(risk_en).to_be_visible()
    expect(risk_en.locator("li")).to_have_count(2)
    expect(risk_en.locator("li[data-rule='E3']")).to_contain_text("renew it or end the placement")
    shot(page, "21-overview-at-risk-english")

    page.get_by_role("navigation").get_by_role("link", name="Matching").click()
    page.get_by_role("button", name="Run new matching").click()
    listed = page.get_by_role("region", name="Placements in the plan that break a rule")
    expect(listed).to_be_visible(timeout=60_000)
    expect(listed.locator("li")).to_have_count(2)
    expect(page.get_by_text("Placements in force: 2.")).to_be_visible()
    shot(page, "22-matching-at-risk")
    problems += axe_violations(page, "matching-at-risk")
    assert not problems, "\n".join(problems)
