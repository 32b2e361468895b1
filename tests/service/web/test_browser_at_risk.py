"""Placements at risk in headless Chromium: a need re-timed to hours its volunteer is not
available and a course expiring show at the top of the coordinator's overview, in Norwegian
and in English, and on the matching page after a run. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from tests.service.browser import (
    LiveServer,
    Page,
    axe_violations,
    expect,
    live_register,
    needs_chromium,
    shot,
    sign_in,
)
from tests.service.factories import expiring_in_period, small_scenario

pytestmark = needs_chromium

EMAIL, PASSWORD = "koordinator@risiko.kommune.no", "demo-passord-123"


@pytest.fixture(scope="module")
def live_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under uvicorn on a temp SQLite register with the small scenario and two placements."""

    from service.accounts import create_user
    from service.auth import create_token
    from service.cli.common import with_session as _with_session
    from service.db.models import PlacementRow

    async def setup(session: Any) -> dict[str, Any]:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        _, token = await create_token(session, role="coordinator", name="test")
        return {"token": token}

    async def place(session: Any) -> None:
        for volunteer, need in (("v1", "n1"), ("v2", "n2")):
            session.add(PlacementRow(id=f"pl-{volunteer}-{need}", volunteer_id=volunteer, need_id=need,
                                     site_id="eik", activity_id="besoksvenn", state="confirmed",
                                     start=dt.date(2027, 1, 4), followups_done=[]))

    with live_register(tmp_path_factory, "browser-risk", setup) as server:
        headers = {"Authorization": f"Bearer {server.data['token']}"}
        with httpx.Client(base_url=server.url, headers=headers) as api:
            assert api.post("/api/v1/scenario", json=msgspec.to_builtins(small_scenario())).status_code == 200
        asyncio.run(_with_session(server.settings, place))
        server.data["headers"] = headers
        yield server


def test_browser_overview_shows_placements_at_risk_first(live_small: LiveServer, page: Page) -> None:
    base = live_small.url
    with httpx.Client(base_url=base, headers=live_small.data["headers"]) as api:
        r = api.patch("/api/v1/needs/n1", params={"keep_at_risk": "true"},
                      json={"weekly": [{"weekday": 1, "start": "05:00", "end": "06:00"}]})
        assert r.status_code == 200, r.text
        course = expiring_in_period()
        r = api.patch("/api/v1/volunteers/v2", json={"trainings": [course]})
        assert r.status_code == 200, r.text

    sign_in(page, base, EMAIL, PASSWORD)
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
    expect(risk.locator("li[data-rule='E3']")).to_contain_text(
        "Demensopplæring utløper " + dt.date.fromisoformat(course["expires"]).strftime("%d.%m.%Y"))
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
