"""The coordinator's day in headless Chromium: sign in, run matching on the demo municipality,
accept one proposal and reject another, release, and find the placement. Screenshots of each
page go to test-artifacts/screenshots/.

Uses Debian's `chromium` through Playwright's `executable_path`; never `playwright install`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SAMSPILL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
EMAIL, PASSWORD = "koordinator@demo.kommune.no", "demo-passord-123"
SITE_EMAIL = "kontakt@demo.kommune.no"

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the skip below says why
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install playwright)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"no chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, data: dict[str, Any]):
        self.url = url
        self.data = data


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under uvicorn on 127.0.0.1, on a temp SQLite register holding the demo municipality."""
    import uvicorn

    from service.accounts import create_user
    from service.app import create_app
    from service.cli.common import with_session as _with_session
    from service.cli.server import build_demo
    from service.settings import Settings

    db = tmp_path_factory.mktemp("browser") / "demo.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", solve_time_limit=10.0,
                        secret_key="browser-test", secure_cookies=False)
    demo = asyncio.run(build_demo(settings, volunteers=60, needs=18, seed=3))

    async def users(session: Any) -> None:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        await create_user(session, email=SITE_EMAIL, password=PASSWORD, role="site", site_id=demo["site"].id)

    asyncio.run(_with_session(settings, users))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", demo)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                  timezone_id="Europe/Oslo")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    try:
        yield pg
    finally:
        context.close()


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


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
