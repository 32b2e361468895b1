"""The volunteer's side in headless Chromium at phone width, against a real SMTP server (aiosmtpd):
ask for a link, get it by e-mail, sign in once (a second use is refused), answer yes to one proposal
and no to another, and the coordinator's matching page shows both; the calendar feed, expanded by
recurring-ical-events, has exactly the matcher's occurrences. Screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import icalendar
import msgspec
import pytest
import recurring_ical_events

from matcher.problem import occurrences
from matcher.schema import Horizon, Need, Scenario
from service.clock import OSLO
from service.register.common import from_doc
from tests.service.browser import (
    PHONE,
    Page,
    axe_violations,
    expect,
    needs_chromium,
    open_page,
    serve,
    shot,
    temp_settings,
)
from tests.service.factories import small_scenario
from tests.service.mailbox import Mailbox, free_port
from tests.service.volunteer.conftest import V1_EMAIL, two_for_v1

pytestmark = needs_chromium

COORDINATOR, PASSWORD = "koordinator@kommune.example", "demo-passord-123"


class Live:
    def __init__(self, url: str, mailbox: Mailbox, data: dict[str, Any]):
        self.url, self.mailbox, self.data = url, mailbox, data


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from service.accounts import create_user
    from service.app import create_app
    from service.auth import create_token
    from service.cli.common import with_session as _with_session
    from service.db.migrate import upgrade

    mailbox = Mailbox()
    mailbox.start()
    port = free_port()
    settings = temp_settings(
        tmp_path_factory,
        "volunteer-browser",
        smtp_url=mailbox.url,
        mail_from="samspill@kommune.example",
        public_url=f"http://127.0.0.1:{port}",
        outbox_poll_seconds=0.2,
        outbox_retry_seconds=0.5,
    )
    asyncio.run(upgrade(settings.database_url))

    async def setup(session: Any) -> str:
        await create_user(
            session, email=COORDINATOR, password=PASSWORD, role="coordinator", name="Kari Koordinator"
        )
        _, text = await create_token(session, role="coordinator", name="setup")
        return text

    token = asyncio.run(_with_session(settings, setup))
    try:
        with serve(create_app(settings, solver=two_for_v1), port=port) as base:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
                assert api.post("/api/v1/scenario", json=msgspec.to_builtins(small_scenario())).status_code == 200
                assert api.patch("/api/v1/volunteers/v1", json={"email": V1_EMAIL}).status_code == 200
                plan = api.post("/api/v1/plans", headers={"Prefer": "wait=60"}).json()
                for p in plan["proposals"]:
                    assert api.post(f"/api/v1/proposals/{p['id']}/accept").status_code == 200
                assert api.post(f"/api/v1/plans/{plan['id']}/release").status_code == 200
                placements = {p["need"]: p for p in api.get("/api/v1/placements").json()}
            yield Live(base, mailbox, {"placements": placements, "headers": headers})
    finally:
        mailbox.stop()


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    with open_page(browser, viewport=PHONE, locale="nb-NO", timezone_id="Europe/Oslo", is_mobile=True,
                   has_touch=True, device_scale_factor=2) as pg:
        yield pg


def matcher_occurrences(
    need: dict[str, Any], first: dt.date, last: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    scenario = Scenario(format="samspill.scenario/1", horizon=Horizon(start=first, end=last))
    origin = dt.datetime.combine(first, dt.time())
    return [
        (origin + dt.timedelta(minutes=s), origin + dt.timedelta(minutes=e))
        for s, e in occurrences(scenario, from_doc(need, Need))
    ]


def test_browser_volunteer_signs_in_by_link_and_answers(live: Live, phone: Page, browser: Any) -> None:
    base, mailbox = live.url, live.mailbox
    problems: list[str] = []
    # The release's two messages reached the volunteer.
    released = mailbox.wait_for(2, address=V1_EMAIL)
    assert sorted(m["Subject"] for m in released) == [
        "Forslag til deg: besøksvenn på Eik sykehjem",
        "Forslag til deg: turvenn på Røde Kors",
    ]

    phone.goto(base + "/me")
    expect(phone.get_by_role("heading", name="Logg inn som frivillig")).to_be_visible()
    shot(phone, "v01-link-request-phone")
    problems += axe_violations(phone, "link request")
    phone.get_by_label("E-post").fill(V1_EMAIL)
    phone.get_by_role("button", name="Send meg en lenke").click()
    expect(phone.get_by_role("heading", name="Sjekk e-posten din")).to_be_visible()
    problems += axe_violations(phone, "link sent")

    mail = [m for m in mailbox.wait_for(3, address=V1_EMAIL) if "logge inn" in m["Subject"]]
    assert len(mail) == 1, [m["Subject"] for m in mailbox.to(V1_EMAIL)]
    link = Mailbox.link(mail[0])
    assert link.startswith(base + "/login/link/")
    phone.goto(link)
    phone.get_by_role("button", name="Åpne min side").click()
    expect(phone.get_by_role("heading", name="Hei, Frivillig 1", level=1)).to_be_visible()
    offers = phone.get_by_role("region", name="Forslag til deg")
    expect(offers.get_by_role("article")).to_have_count(2)
    shot(phone, "v02-me-phone")
    problems += axe_violations(phone, "my page")
    # No sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # The link works once: a second use is refused, in another browser too.
    other = browser.new_context(viewport=PHONE, locale="nb-NO")
    second = other.new_page()
    second.goto(link)
    expect(second.get_by_role("heading", name="Lenken virker ikke")).to_be_visible()
    shot(second, "v03-link-used-phone")
    other.close()

    phone.get_by_role("button", name="Ja, jeg vil: Besøksvenn mandag").click()
    expect(phone.get_by_role("status").filter(has_text="du sa ja")).to_be_visible()
    phone.get_by_text("Nei takk", exact=True).click()
    phone.get_by_label("Begrunnelse (valgfritt)").fill("Har ikke bil på onsdager")
    phone.get_by_role("button", name="Send nei").click()
    expect(phone.get_by_text("Ingen nye forslag akkurat nå.")).to_be_visible()
    expect(
        phone.get_by_role("region", name="Dine oppdrag").get_by_role("heading", name="Besøksvenn mandag")
    ).to_be_visible()
    shot(phone, "v04-me-answered-phone")
    problems += axe_violations(phone, "my page answered")
    calendar_url = phone.get_by_label("Kalenderadresse").input_value()

    # Both answers reach the coordinator: by e-mail, and on the matching page.
    told = mailbox.wait_for(2, address=COORDINATOR)
    assert sorted(m["Subject"] for m in told) == [
        "Frivillig 1 svarte ja: Besøksvenn mandag",
        "Frivillig 1 svarte nei: Turvenn onsdag",
    ]
    coordinator = browser.new_context(viewport=PHONE, locale="nb-NO", timezone_id="Europe/Oslo")
    cp = coordinator.new_page()
    cp.goto(base + "/login")
    cp.get_by_label("E-post").fill(COORDINATOR)
    cp.get_by_label("Passord").fill(PASSWORD)
    cp.get_by_role("button", name="Logg inn").click()
    cp.goto(base + "/matching")
    expect(cp.get_by_text("Den frivillige sa ja")).to_be_visible()
    expect(cp.get_by_text("Den frivillige sa nei: «Har ikke bil på onsdager»")).to_be_visible()
    shot(cp, "v05-matching-answers-phone")
    problems += axe_violations(cp, "matching with answers")
    coordinator.close()

    # The calendar feed: the confirmed placement only, exactly the matcher's occurrences.
    with urllib.request.urlopen(calendar_url) as response:
        feed = response.read()
    placement = live.data["placements"]["n1"]
    start = dt.date.fromisoformat(placement["start"])
    last = start + dt.timedelta(weeks=30)  # across the change to summer time, whatever today is
    events = recurring_ical_events.of(icalendar.Calendar.from_ical(feed)).between(
        dt.datetime.combine(start, dt.time(), tzinfo=OSLO),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=OSLO),
    )
    got = sorted(
        (
            e["DTSTART"].dt.astimezone(OSLO).replace(tzinfo=None),
            e["DTEND"].dt.astimezone(OSLO).replace(tzinfo=None),
        )
        for e in events
    )
    n1 = next(n for n in msgspec.to_builtins(small_scenario())["needs"] if n["id"] == "n1")
    assert got == matcher_occurrences(n1, start, last) and len(got) >= 30
    assert "Turvenn" not in feed.decode()  # declined: not in the feed
    assert not problems, "\n".join(problems)
