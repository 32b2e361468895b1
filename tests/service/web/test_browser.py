"""The coordinator's day in headless Chromium: sign in, run matching on the demo municipality,
accept one proposal and reject another, release, and find the placement. Screenshots of each
page go to test-artifacts/screenshots/.

Uses Debian's `chromium` through Playwright's `executable_path`; never `playwright install`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.browser import (
    ARGS,
    CHROMIUM,
    SHOTS,
    LiveServer,
    Page,
    axe_violations,
    expect,
    free_port,
    needs_chromium,
    serve,
    shot,
    sync_playwright,
    temp_settings,
)

# The shared browser pieces moved to tests/service/browser.py (the `browser` and `page` fixtures to
# tests/service/conftest.py); the names stay importable from here for modules written against this one.
__all__ = ["ARGS", "CHROMIUM", "SHOTS", "LiveServer", "axe_violations", "free_port", "shot", "sign_in",
           "sync_playwright"]

EMAIL, PASSWORD = "koordinator@demo.kommune.no", "demo-passord-123"
SITE_EMAIL = "kontakt@demo.kommune.no"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under uvicorn on 127.0.0.1, on a temp SQLite register holding the demo municipality."""
    from service.accounts import create_user
    from service.app import create_app
    from service.cli.common import with_session as _with_session
    from service.cli.server import build_demo

    settings = temp_settings(tmp_path_factory, "browser")
    demo = asyncio.run(build_demo(settings, volunteers=60, needs=18, seed=3))

    async def users(session: Any) -> None:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        await create_user(session, email=SITE_EMAIL, password=PASSWORD, role="site", site_id=demo["site"].id)

    asyncio.run(_with_session(settings, users))
    with serve(create_app(settings)) as url:
        yield LiveServer(url, demo)


def sign_in(page: Page, base: str, email: str = EMAIL) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(base + "/login?next=/")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_browser_coordinator_reviews_and_releases(live: LiveServer, page: Page) -> None:
    base = live.url
    problems: list[str] = []
    page.goto(base + "/login")
    shot(page, "01-login")
    problems += axe_violations(page, "login")
    sign_in(page, base)
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()
    shot(page, "02-overview")
    problems += axe_violations(page, "overview")

    page.get_by_role("navigation").get_by_role("link", name="Matching").click()
    expect(page.get_by_text("Ingen plan ennå")).to_be_visible()
    page.get_by_role("button", name="Kjør ny matching").click()
    expect(page.locator("#run-progress")).to_be_attached()
    shot(page, "03-matching-running")
    proposals = page.locator("li.proposal")
    expect(proposals.first).to_be_visible(timeout=60_000)
    shot(page, "04-matching-proposals")

    first, second = proposals.nth(0), proposals.nth(1)
    first_id, second_id = first.get_attribute("id"), second.get_attribute("id")
    volunteer_name = first.locator("a.vol").inner_text()
    first.get_by_role("button", name=f"Godta: {volunteer_name}", exact=True).click()
    accepted = page.locator(f"#{first_id}")
    expect(accepted.locator(".badge.state")).to_have_text("Godtatt")
    # The swap kept focus inside the proposal (keyboard users do not lose their place).
    assert page.evaluate(f"document.getElementById('{first_id}').contains(document.activeElement)")

    rejected = page.locator(f"#{second_id}")
    rejected.locator("summary").click()
    rejected.get_by_label("Begrunnelse for avvisning").fill("Kjenner brukeren fra før")
    rejected.get_by_role("button", name="Avvis forslaget").click()
    expect(page.locator(f"#{second_id} .badge.state")).to_have_text("Avvist")
    shot(page, "05-matching-decided")
    problems += axe_violations(page, "matching")

    unfilled = page.get_by_role("heading", name="Behov som ikke blir fylt")
    unfilled.scroll_into_view_if_needed()
    shot(page, "06-matching-unfilled")

    page.get_by_role("link", name="Frigi planen …").click()
    expect(page.get_by_role("heading", name="Frigi plan")).to_be_visible()
    expect(page.get_by_role("heading", name="Nye plasseringer")).to_be_visible()
    expect(page.get_by_role("cell", name=volunteer_name)).to_be_visible()
    shot(page, "07-release-preview")
    problems += axe_violations(page, "release")
    page.get_by_role("button", name="Bekreft og frigi").click()
    expect(page.get_by_role("status").filter(has_text="Planen er frigitt")).to_be_visible()
    shot(page, "08-released")

    page.goto(base + "/")
    shot(page, "08b-overview-after-release")
    page.get_by_role("navigation").get_by_role("link", name="Frivillige").click()
    page.get_by_label("Frivillig").fill(volunteer_name)
    page.get_by_label("Frivillig").press("Enter")
    page.get_by_role("link", name=volunteer_name, exact=True).first.click()
    expect(page.get_by_role("heading", name=volunteer_name, level=1)).to_be_visible()
    placements = page.get_by_role("region", name="Plasseringer og oppfølging")
    expect(placements.get_by_text("Tilbudt")).to_be_visible()
    shot(page, "09-volunteer")
    problems += axe_violations(page, "volunteer")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    shot(page, "09-volunteer-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})

    placements.get_by_role("link").first.click()
    expect(page.get_by_text("Lagt inn av")).to_be_visible()
    expect(
        page.get_by_role("region", name="Plasseringer").get_by_role("link", name=volunteer_name)
    ).to_be_visible()
    shot(page, "10-need")
    problems += axe_violations(page, "need")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Posted by")).to_be_visible()
    shot(page, "11-need-english")
    page.get_by_role("navigation").get_by_role("link", name="Matching").click()
    page.set_viewport_size({"width": 768, "height": 1024})
    shot(page, "13-matching-tablet-english")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not problems, "\n".join(problems)


def test_browser_keyboard_reaches_the_content(live: LiveServer, page: Page) -> None:
    sign_in(page, live.url)
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hopp til innhold"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    for landmark in ("banner", "navigation", "main"):
        expect(page.get_by_role(landmark).first).to_be_attached()


def test_browser_signed_out_and_site_cannot_reach_pages(live: LiveServer, browser: Any) -> None:
    base = live.url
    signed_out = browser.new_context()
    pg = signed_out.new_page()
    for path in ("/", "/matching", "/volunteers"):
        pg.goto(base + path)
        expect(pg.get_by_role("heading", name="Logg inn")).to_be_visible()
    signed_out.close()

    token = browser.new_context(extra_http_headers={"Authorization": f"Bearer {live.data['site_token']}"})
    pg = token.new_page()
    pg.goto(base + "/matching")
    expect(pg.get_by_role("heading", name="Logg inn")).to_be_visible()
    token.close()

    site = browser.new_context()
    pg = site.new_page()
    sign_in(pg, base, SITE_EMAIL)
    # A site contact lands on their own site's page (issue 13), never on the coordinator's.
    expect(pg).to_have_url(base + "/site")
    response = pg.goto(base + "/matching")
    assert response is not None and response.status == 403
    expect(pg.get_by_role("heading", name="Ingen tilgang")).to_be_visible()
    shot(pg, "12-site-user-forbidden")
    site.close()
