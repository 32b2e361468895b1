"""Availability as a week grid in headless Chromium (issue 13): the coordinator drags over Tuesday
18–22 and from Friday 22:00 into Saturday 02:00, saves, and the API's volunteer record holds exactly
those two windows (the second one overnight window); the edit page shows them again. Marking works by
keyboard alone (Sunday 23:00 into Monday 01:00) and without JavaScript; the phone width scrolls the
grid, not the page. Screenshots at laptop and phone width; axe-core on the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.browser import (
    LAPTOP,
    PHONE,
    LiveServer,
    Page,
    axe_violations,
    both_widths,
    expect,
    live_register,
    needs_chromium,
    sign_in,
)

pytestmark = needs_chromium

COORDINATOR, PASSWORD = "koordinator@kommune.no", "riktig hest batteri"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a temp register holding the small scenario, a coordinator user and an API token."""
    from service.accounts import create_user
    from service.auth import SYSTEM, create_token
    from service.register.scenario_io import import_scenario
    from tests.service.factories import small_scenario

    async def setup(session: Any) -> dict[str, Any]:
        await import_scenario(session, SYSTEM, small_scenario(), "test")
        await create_user(session, email=COORDINATOR, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        _, token = await create_token(session, role="coordinator", name="test")
        return {"headers": {"Authorization": f"Bearer {token}"}}

    with live_register(tmp_path_factory, "availability-browser", setup) as server:
        yield server


def coordinator(page: Page, base: str) -> None:
    sign_in(page, base, COORDINATOR, PASSWORD)
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()


def cell(page: Page, name: str) -> Any:
    return page.get_by_label(name, exact=True)


def drag(page: Page, first: str, last: str) -> None:
    """Press the mouse on one cell and let go over another."""
    a, b = cell(page, first), cell(page, last)
    a.scroll_into_view_if_needed()
    box = a.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    b.scroll_into_view_if_needed()
    box = b.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def availability(page: Page, live: LiveServer, vid: str) -> list[dict[str, Any]]:
    r = page.request.get(f"{live.url}/api/v1/volunteers/{vid}", headers=live.data["headers"])
    assert r.status == 200, r.text()
    return list(r.json()["availability"])


def saved_id(page: Page, live: LiveServer) -> str:
    page.wait_for_url(re.compile(re.escape(live.url) + r"/volunteers/(?!new)[^/#]+(#onboarding)?$"))
    return page.url.removeprefix(f"{live.url}/volunteers/").split("#")[0].split("/")[0]


def test_browser_grid_marks_evening_and_overnight_windows_and_shows_them_again(live: LiveServer, page: Page) -> None:
    base, problems = live.url, []
    coordinator(page, base)
    page.goto(base + "/volunteers/new")
    grid = page.get_by_role("table", name="Tider i uka den frivillige kan")
    expect(grid).to_be_visible()
    summary = page.locator("[data-week-grid-summary]")
    expect(summary).to_have_text("ingen tider")
    problems += axe_violations(page, "availability-new")
    page.get_by_label("Fullt navn").fill("Vera Vaktrunde")

    drag(page, "tirsdag 18:00–18:30", "tirsdag 21:30–22:00")
    expect(summary).to_have_text("tirsdag 18:00–22:00")
    # From Friday evening over midnight: the drag runs in week order, down Friday and on into Saturday.
    drag(page, "fredag 22:00–22:30", "lørdag 01:30–02:00")
    expect(summary).to_have_text("tirsdag 18:00–22:00 · fredag 22:00–02:00")
    expect(cell(page, "fredag 23:30–00:00")).to_be_checked()
    expect(cell(page, "lørdag 00:00–00:30")).to_be_checked()
    expect(cell(page, "lørdag 02:00–02:30")).not_to_be_checked()
    expect(cell(page, "fredag 21:30–22:00")).not_to_be_checked()
    # A click on a marked cell unmarks just that one; a second click marks it again.
    cell(page, "tirsdag 20:00–20:30").click()
    expect(summary).to_have_text("tirsdag 18:00–20:00 · tirsdag 20:30–22:00 · fredag 22:00–02:00")
    cell(page, "tirsdag 20:00–20:30").click()
    expect(summary).to_have_text("tirsdag 18:00–22:00 · fredag 22:00–02:00")
    page.get_by_role("button", name="Registrer", exact=True).click()
    vid = saved_id(page, live)

    assert availability(page, live, vid) == [{"weekday": 2, "start": "18:00", "end": "22:00"},
                                             {"weekday": 5, "start": "22:00", "end": "02:00"}]
    page.goto(f"{base}/volunteers/{vid}/edit")
    expect(summary).to_have_text("tirsdag 18:00–22:00 · fredag 22:00–02:00")
    checked = page.locator("input[name=availability_cell]:checked")
    expect(checked).to_have_count(8 + 8)
    for name in ("tirsdag 18:00–18:30", "tirsdag 21:30–22:00", "fredag 22:00–22:30", "lørdag 01:30–02:00"):
        expect(cell(page, name)).to_be_checked()
    problems += axe_violations(page, "availability-edit")
    both_widths(page, "40-availability-grid")

    # At phone width the grid scrolls inside its box; the page itself does not get wider than the screen.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    cell(page, "søndag 12:00–12:30").click()
    expect(cell(page, "søndag 12:00–12:30")).to_be_checked()
    expect(summary).to_contain_text("søndag 12:00–12:30")
    problems += axe_violations(page, "availability-phone")
    page.set_viewport_size(LAPTOP)
    # Saved unchanged but for that cell: the two windows as they were, and the new one.
    page.get_by_role("button", name="Lagre endringene").click()
    page.wait_for_url(f"{base}/volunteers/{vid}")
    assert availability(page, live, vid) == [{"weekday": 2, "start": "18:00", "end": "22:00"},
                                             {"weekday": 5, "start": "22:00", "end": "02:00"},
                                             {"weekday": 7, "start": "12:00", "end": "12:30"}]
    assert problems == []


def test_browser_grid_by_keyboard_alone_across_sunday_midnight(live: LiveServer, page: Page) -> None:
    base = live.url
    coordinator(page, base)
    page.goto(base + "/volunteers/new")
    page.get_by_label("Fullt navn").focus()
    page.keyboard.type("Kåre Tastatur")

    def focused() -> str:
        return str(page.evaluate("document.activeElement.name + '|' + (document.activeElement.labels[0] || "
                                 "{textContent: document.activeElement.textContent}).textContent.trim()"))

    for _ in range(40):  # Tab on through the form to the grid
        page.keyboard.press("Tab")
        if focused().startswith("availability_cell|"):
            break
    # The grid is one tab stop; with nothing marked it starts at Monday 00:00.
    assert focused() == "availability_cell|mandag 00:00–00:30"
    page.keyboard.press("ArrowLeft")  # back round the week to Sunday
    page.keyboard.press("End")  # the day's last half hour
    page.keyboard.press("ArrowUp")
    assert focused() == "availability_cell|søndag 23:00–23:30"
    page.keyboard.press("Space")
    for _ in range(3):  # Shift+arrow marks while moving: 23:30, then on past midnight into Monday
        page.keyboard.press("Shift+ArrowDown")
    assert focused() == "availability_cell|mandag 00:30–01:00"
    expect(page.locator("[data-week-grid-summary]")).to_have_text("søndag 23:00–01:00")
    both_widths(page, "41-availability-keyboard")
    page.keyboard.press("Tab")  # out of the grid in one step
    assert not focused().startswith("availability_cell|")
    for _ in range(40):
        if focused() == "|Registrer":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    vid = saved_id(page, live)
    assert availability(page, live, vid) == [{"weekday": 7, "start": "23:00", "end": "01:00"}]


def test_browser_grid_works_without_javascript(live: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport=LAPTOP, locale="nb-NO", java_script_enabled=False)
    page = context.new_page()
    try:
        coordinator(page, live.url)
        page.goto(live.url + "/volunteers/new")
        page.get_by_label("Fullt navn").fill("Nils Nettleser")
        for name in ("onsdag 10:00–10:30", "onsdag 10:30–11:00", "søndag 23:30–00:00", "mandag 00:00–00:30"):
            cell(page, name).click()  # the label around each checkbox: the cell is the target
        page.get_by_role("button", name="Registrer", exact=True).click()
        vid = saved_id(page, live)
        assert availability(page, live, vid) == [{"weekday": 3, "start": "10:00", "end": "11:00"},
                                                 {"weekday": 7, "start": "23:30", "end": "00:30"}]
        page.goto(f"{live.url}/volunteers/{vid}/edit")
        expect(page.locator("[data-week-grid-summary]")).to_have_text("onsdag 10:00–11:00 · søndag 23:30–00:30")
    finally:
        context.close()


def test_browser_grid_summary_says_what_the_server_will_store(live: LiveServer, page: Page) -> None:
    """The script's words for the marked cells are the windows week_grid.windows_of makes of them:
    random markings, runs across midnight and the week's end, runs longer than a day, the whole week."""
    import random

    from service.web import i18n, week_grid

    coordinator(page, live.url)
    page.goto(live.url + "/volunteers/new")
    rng = random.Random(13)
    total = 7 * week_grid.cells_per_day()
    cases = [set(range(total)), set(range(total - 3)), {total - 1, 0}, set(range(40, 40 + 60))]
    for _ in range(25):
        start, length = rng.randrange(total), rng.randrange(1, 120)
        cases.append({(start + k) % total for k in range(length)} | set(rng.sample(range(total), rng.randrange(12))))
    for marked in cases:
        keys = [week_grid.cell_key(c) for c in marked]
        page.evaluate("""keys => {
            const on = new Set(keys);
            for (const c of document.querySelectorAll('input[name=availability_cell]')) c.checked = on.has(c.value);
            document.querySelector('[data-week-grid]').dispatchEvent(new Event('change', {bubbles: true}));
        }""", keys)
        expected = " · ".join(f"{i18n.weekday('nb', w['weekday'])} {w['start']}–{w['end']}"
                              for w in week_grid.windows_of(marked)) or "ingen tider"
        expect(page.locator("[data-week-grid-summary]")).to_have_text(expected)
