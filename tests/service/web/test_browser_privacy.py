"""The coordinator's privacy page in headless Chromium: stored texts that look like a fødselsnummer, each
with the page to correct it on, the value never shown; reached from the statistics page, in Bokmål and
English; a site contact is refused. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.browser import LiveServer, Page, axe_violations, expect, live_register, needs_chromium, shot, sign_in

pytestmark = needs_chromium

EMAIL, PASSWORD = "koordinator@personvern.kommune.no", "demo-passord-123"
SITE_EMAIL = "kontakt@eik.kommune.no"
NUMBER = "010190 12345"


@pytest.fixture(scope="module")
def live_privacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from service.accounts import create_user
    from service.db.models import SiteRow, VolunteerRow

    async def setup(session: Any) -> None:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        # rows as an old version, or someone at the database, could have left them: past the edge's check
        session.add(SiteRow(id="eik", data={"id": "eik", "name": f"Eik sykehjem {NUMBER}", "kind": "service_site"}))
        session.add(VolunteerRow(id="v 1", data={"id": "v 1", "name": "Kari", "notes": ["ringes etter 16",
                                                                                     f"fnr {NUMBER}"]}))
        session.add(VolunteerRow(id="v2", data={"id": "v2", "name": "Ola", "notes": ["tlf 912 34 567"]}))
        await session.flush()
        await create_user(session, email=SITE_EMAIL, password=PASSWORD, role="site", name="Siri Kontakt", site_id="eik")

    with live_register(tmp_path_factory, "browser-privacy", setup) as server:
        yield server


def test_browser_coordinator_finds_identity_numbers_and_the_page_to_correct_them(live_privacy: LiveServer,
                                                                                 page: Page) -> None:
    sign_in(page, live_privacy.url, EMAIL, PASSWORD)
    page.goto(live_privacy.url + "/statistics")
    page.get_by_role("link", name="Personvern: finnes fødselsnummer i registeret?").click()
    expect(page).to_have_url(live_privacy.url + "/privacy")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Personvern: fødselsnummer i registeret")
    expect(page.locator("#privacy-count")).to_have_text("2")
    rows = page.locator("#privacy-findings tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("sites")
    expect(rows.nth(0)).to_contain_text("data.name")
    expect(rows.nth(0)).to_contain_text("ingen egen side")
    expect(rows.nth(1)).to_contain_text("data.notes[1]")
    assert "12345" not in page.content()  # the value itself is never shown
    shot(page, "privacy-findings")
    problems = axe_violations(page, "privacy-findings")

    rows.nth(1).get_by_role("link").click()
    expect(page).to_have_url(live_privacy.url + "/volunteers/v%201/edit")

    page.goto(live_privacy.url + "/privacy")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Privacy: identity numbers in the register")
    expect(page.get_by_role("status")).to_have_text("2 stored fields look like a national identity number.")
    assert problems == [], problems


def test_browser_site_contact_cannot_open_the_privacy_page(live_privacy: LiveServer, page: Page) -> None:
    sign_in(page, live_privacy.url, SITE_EMAIL, PASSWORD)
    response = page.goto(live_privacy.url + "/privacy")
    assert response is not None and response.status == 403
    assert "data.notes" not in page.content()
