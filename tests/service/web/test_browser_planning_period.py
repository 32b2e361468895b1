"""The planning period on the matching page in headless Chromium: set, refused beside the field, cleared,
in Bokmål and English. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from service import clock
from service.web import i18n
from tests.service.browser import LiveServer, Page, axe_violations, expect, live_register, needs_chromium, shot, sign_in

pytestmark = needs_chromium

EMAIL, PASSWORD = "koordinator@periode.kommune.no", "demo-passord-123"


@pytest.fixture(scope="module")
def live_period(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from service.accounts import create_user

    async def setup(session: Any) -> None:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")

    with live_register(tmp_path_factory, "browser-period", setup) as server:
        yield server


def test_browser_coordinator_sets_and_clears_the_planning_period(live_period: LiveServer, page: Page) -> None:
    today = clock.today()
    start, end = today + dt.timedelta(days=21), today + dt.timedelta(days=110)
    sign_in(page, live_period.url, EMAIL, PASSWORD)
    page.goto(live_period.url + "/matching")
    card = page.get_by_role("region", name="Planperiode")
    rolling = (f"Ingen fast periode: neste plan lages fra i dag og 90 dager fram ({i18n.date('nb', today)}–"
               f"{i18n.date('nb', today + dt.timedelta(days=90))}).")
    expect(card.locator("#period-now")).to_have_text(rolling)

    card.get_by_text("Endre planperioden").click()
    card.get_by_label("Fra og med").fill(start.isoformat())
    card.get_by_label("Til og med").fill(end.isoformat())
    card.get_by_role("button", name="Lagre planperioden").click()
    expect(page.get_by_text("Planperioden er lagret")).to_be_visible()
    card = page.get_by_role("region", name="Planperiode")
    expect(card.locator("#period-now")).to_have_text(
        f"Neste plan lages for {i18n.date('nb', start)}–{i18n.date('nb', end)}.")

    # an end before the start: the form stays open, the error beside the end field, what was typed kept
    card.get_by_text("Endre planperioden").click()
    card.get_by_label("Til og med").fill((start - dt.timedelta(days=1)).isoformat())
    card.get_by_role("button", name="Lagre planperioden").click()
    card = page.get_by_role("region", name="Planperiode")
    end_field = card.get_by_label("Til og med")
    expect(end_field).to_have_attribute("aria-invalid", "true")
    expect(end_field).to_have_value((start - dt.timedelta(days=1)).isoformat())
    expect(card.locator("#period-end-err")).to_have_text(f"Før startdatoen ({i18n.date('nb', start)}).")
    expect(card.locator("#period-now")).to_have_text(
        f"Neste plan lages for {i18n.date('nb', start)}–{i18n.date('nb', end)}.")
    shot(page, "planning-period-refused")
    problems = axe_violations(page, "planning-period-refused")

    page.get_by_role("button", name="English").click()
    card = page.get_by_role("region", name="Planning period")
    expect(card.locator("#period-now")).to_have_text(
        f"The next plan is made for {i18n.date('en', start)}–{i18n.date('en', end)}.")
    card.get_by_text("Change the planning period").click()
    card.get_by_role("button", name="Use the rolling period (today and 90 days on)").click()
    expect(page.get_by_role("region", name="Planning period").locator("#period-now")).to_have_text(
        f"No fixed period: the next plan is made from today for 90 days ({i18n.date('en', today)}–"
        f"{i18n.date('en', today + dt.timedelta(days=90))}).")
    assert problems == [], problems
