"""The coordinator's pages at phone width (390 px) in headless Chromium: the page never gets wider than
the screen. A wide table scrolls inside its own box (the screen-reader-only words in it too), and a
select of long course names in the onboarding checklist's wrapping row is no wider than the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from tests.service.browser import PHONE, LiveServer, Page, live_register, needs_chromium, shot, sign_in

pytestmark = needs_chromium

COORDINATOR, PASSWORD = "koordinator@kommune.no", "riktig hest batteri"
LONG_COURSE = "Demensopplæring (Demensomsorgens ABC, perm 1 og 2, med oppfriskningskurs hvert annet år)"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The small scenario with a course of a long name (v1 holds it, and lacks the introduction course)."""
    from service.accounts import create_user
    from service.auth import SYSTEM
    from service.register.scenario_io import import_scenario
    from tests.service.factories import small_scenario

    scenario = small_scenario()
    trainings = [msgspec.structs.replace(t, name=LONG_COURSE) if t.id == "demens" else t for t in scenario.trainings]
    scenario = msgspec.structs.replace(scenario, trainings=trainings)

    async def setup(session: Any) -> dict[str, Any]:
        await import_scenario(session, SYSTEM, scenario, "test")
        await create_user(session, email=COORDINATOR, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        return {}

    with live_register(tmp_path_factory, "phone-browser", setup) as server:
        yield server


def test_browser_volunteer_page_fits_a_phone(live: LiveServer, page: Page) -> None:
    sign_in(page, live.url, COORDINATOR, PASSWORD)
    page.set_viewport_size(PHONE)
    for path in ("/volunteers/v1", "/volunteers/v1/edit", "/needs/new", "/catalogue", "/statistics"):
        page.goto(live.url + path)
        if path == "/volunteers/v1":
            assert page.locator("#course-training").is_visible()  # the course form is open: the next step
            assert page.locator("table.data .sr-only").count() > 0
            shot(page, "50-volunteer-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
