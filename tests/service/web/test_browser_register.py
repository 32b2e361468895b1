"""The register in headless Chromium (issue 13), on a small register so it stays quick:

1. the coordinator registers a volunteer and takes them through onboarding in order, posts a need
   only they can fill (Friday 23:00–01:00, across midnight), runs matching, accepts the proposal,
   releases, records a follow-up, ends the placement, and erases the volunteer — whose name then
   appears on no page;
2. a site contact posts a need and sees only their own site; another site's need is 404 and any
   volunteer page 403.

Screenshots at laptop (1280 px) and phone (390 px) width go to test-artifacts/screenshots/;
axe-core checks each new page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from service import clock
from tests.service.browser import (
    LAPTOP,
    LiveServer,
    Page,
    axe_violations,
    both_widths,
    expect,
    live_register,
    needs_chromium,
    shot,
)
from tests.service.browser import sign_in as password_sign_in

pytestmark = needs_chromium

COORDINATOR, SITE = "koordinator@kommune.no", "kontakt@eik.no"
PASSWORD = "demo-passord-123"
NAME = "Ingrid Nattugle"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app under uvicorn on a temp SQLite register holding the small test scenario."""
    from service.accounts import create_user
    from service.auth import SYSTEM
    from service.register.scenario_io import import_scenario
    from tests.service.factories import small_scenario

    async def setup(session: Any) -> None:
        await import_scenario(session, SYSTEM, small_scenario(), "test")
        await create_user(session, email=COORDINATOR, password=PASSWORD, role="coordinator", name="Kari Koordinator")
        await create_user(session, email=SITE, password=PASSWORD, role="site", site_id="eik", name="Siri Kontakt")

    with live_register(tmp_path_factory, "register-browser", setup) as server:
        yield server


def sign_in(page: Page, base: str, email: str) -> None:
    password_sign_in(page, base, email, PASSWORD)


def onboarding_step(page: Page, summary: str) -> None:
    """Open a step's form if it is closed, and save it (dates are prefilled with today)."""
    step = page.locator("details.step", has=page.get_by_text(summary, exact=True))
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    step.get_by_role("button", name="Lagre").click()


def fridays_in_period() -> str:
    """'8. januar 2027, 4 ganger': the first Friday of the register's planning period and how many Fridays
    it holds, as the need form says."""
    from service.web import i18n
    from tests.service.factories import weekdays_in_period

    first, count = weekdays_in_period(4)
    return f"{i18n.date('nb', first)}, {count} ganger"


def test_browser_register_onboard_match_end_and_erase(live: LiveServer, page: Page) -> None:
    base, problems = live.url, []
    sign_in(page, base, COORDINATOR)
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()

    # Register: the first try without a name keeps what was typed and says what is wrong, beside the field.
    page.get_by_role("navigation").get_by_role("link", name="Frivillige").click()
    page.get_by_role("link", name="Registrer ny frivillig").click()
    page.get_by_label("Telefon").fill("40011223")
    page.get_by_label("Besøksvenn").check()
    page.get_by_label("Interesser").fill("fuglekikking, radio")
    page.get_by_label("Dag 1", exact=True).select_option("5")  # exact: not the grid's "mandag …"
    page.get_by_label("Fra kl. 1").fill("22:00")
    page.get_by_label("Til kl. 1").fill("02:00")
    page.get_by_role("button", name="Registrer", exact=True).click()
    expect(page.locator("#err-name")).to_have_text(re.compile("Må fylles ut"))
    # The keyboard is on the field to fix; typing goes straight into it.
    expect(page.get_by_label("Fullt navn")).to_be_focused()
    expect(page.get_by_label("Telefon")).to_have_value("40011223")
    expect(page.get_by_label("Til kl. 1")).to_have_value("02:00")
    both_widths(page, "20-register-error")
    problems += axe_violations(page, "register-error")
    page.keyboard.type(NAME)
    page.get_by_role("button", name="Registrer", exact=True).click()
    expect(page.get_by_role("heading", name=NAME, level=1)).to_be_visible()
    expect(page.get_by_text("fredag 22:00–02:00")).to_be_visible()

    # Onboarding, in DOMAIN.md's order; the next step's form is the one open.
    for summary in ("Registrer første samtale", "Registrer signert avtale", "Registrer signert taushetserklæring"):
        onboarding_step(page, summary)
        expect(page.get_by_role("status").filter(has_text="registrert")).to_be_visible()
    course = page.locator("details.step", has=page.get_by_text("Registrer kurs", exact=True))
    expect(course).to_have_attribute("open", "")
    course.get_by_label("Opplæring").select_option("intro")
    course.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Mottaket er fullført")).to_be_visible()
    both_widths(page, "21-volunteer-onboarded")
    problems += axe_violations(page, "volunteer-onboarded")

    # A need only this volunteer can fill; the times are said in words before saving.
    page.get_by_role("navigation").get_by_role("link", name="Behov").click()
    page.get_by_role("link", name="Legg inn behov").click()
    page.get_by_label("Tjenestested / organisasjon").select_option("eik")
    page.get_by_label("Aktivitet").select_option("besoksvenn")
    page.get_by_label("Kort tittel").fill("Kveldsbesøk fredag")
    page.get_by_label("Dag 1").select_option("5")
    page.get_by_label("Fra kl. 1").fill("23:00")
    page.get_by_label("Til kl. 1").fill("01:00")
    page.get_by_label("Til kl. 1").blur()
    expect(page.locator("#occurrences")).to_contain_text(f"hver fredag 23:00–01:00 fra {fridays_in_period()}")
    both_widths(page, "22-need-form")
    problems += axe_violations(page, "need-form")
    page.get_by_role("button", name="Legg inn behovet").click()
    expect(page.get_by_role("heading", name=re.compile("Kveldsbesøk fredag"), level=1)).to_be_visible()

    # Matching proposes the volunteer; accept and release.
    page.get_by_role("navigation").get_by_role("link", name="Matching").click()
    page.get_by_role("button", name="Kjør ny matching").click()
    mine = page.locator("li.proposal", has=page.get_by_role("link", name=NAME))
    expect(mine).to_be_visible(timeout=60_000)
    mine.get_by_role("button", name=f"Godta: {NAME}", exact=True).click()
    expect(mine.locator(".badge.state")).to_have_text("Godtatt")
    page.get_by_role("link", name="Frigi planen …").click()
    page.get_by_role("button", name="Bekreft og frigi").click()
    expect(page.get_by_role("status").filter(has_text="Planen er frigitt")).to_be_visible()

    # Follow-up, then end the placement with a reason. A date before the placement began is refused by the
    # service: the page comes back with the error beside the field and what was typed, the keyboard on it.
    page.get_by_role("navigation").get_by_role("link", name="Frivillige").click()
    page.get_by_role("link", name=NAME).click()
    placements = page.get_by_role("region", name="Plasseringer og oppfølging")
    expect(placements.get_by_text("Tilbudt")).to_be_visible()
    followup = placements.get_by_label("Registrer oppfølgingssamtale")
    today = followup.input_value()
    day_before = (dt.date.fromisoformat(today) - dt.timedelta(days=1)).isoformat()
    followup.fill(day_before)
    placements.get_by_role("button", name="Lagre").first.click()
    placements = page.get_by_role("region", name="Plasseringer og oppfølging")
    followup = placements.get_by_label("Registrer oppfølgingssamtale")
    expect(followup).to_have_value(day_before)
    expect(followup).to_have_attribute("aria-invalid", "true")
    expect(followup).to_be_focused()
    expect(placements.locator(".field-error")).to_have_text(re.compile("Kan ikke være før plasseringen begynte"))
    problems += axe_violations(page, "followup-refused")
    followup.fill(today)
    placements.get_by_role("button", name="Lagre").first.click()
    expect(page.get_by_role("status").filter(has_text="Oppfølgingssamtalen er registrert")).to_be_visible()
    placements = page.get_by_role("region", name="Plasseringer og oppfølging")
    placements.locator("details.end summary").click()
    placements.get_by_label("Hvorfor").select_option("moved_away")
    placements.get_by_label("Siste dag").fill(day_before)
    placements.get_by_role("button", name="Avslutt").click()
    placements = page.get_by_role("region", name="Plasseringer og oppfølging")
    last = placements.get_by_label("Siste dag")
    expect(last).to_be_visible()  # the end form is open again
    expect(last).to_have_value(day_before)
    expect(last).to_be_focused()
    expect(placements.get_by_label("Hvorfor")).to_have_value("moved_away")
    expect(placements.locator(".field-error")).to_have_text(re.compile("Kan ikke være før plasseringen begynte"))
    both_widths(page, "23-end-placement-refused")
    problems += axe_violations(page, "end-refused")
    last.fill(today)
    shot(page, "23-end-placement")
    placements.get_by_role("button", name="Avslutt").click()
    expect(page.get_by_role("status").filter(has_text="Plasseringen er avsluttet")).to_be_visible()
    expect(page.get_by_text("Flyttet")).to_be_visible()
    problems += axe_violations(page, "volunteer-ended")

    # Statistics for the planning period: counts and charts, no names.
    today = clock.today()
    page.goto(base + f"/statistics?from={today - dt.timedelta(days=180)}&to={today + dt.timedelta(days=180)}")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_text(NAME)).to_have_count(0)
    both_widths(page, "24-statistics")
    problems += axe_violations(page, "statistics")
    for path, name in (("/placements/at-risk", "25-at-risk"), ("/sites", "26-sites"), ("/catalogue", "27-catalogue")):
        page.goto(base + path)
        shot(page, name)
        problems += axe_violations(page, name)

    # Erase: the confirmation says what is kept; afterwards the name is on no page.
    page.goto(base + "/volunteers")
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("link", name="Slett …").click()
    expect(page.get_by_text("Bare anonyme tall")).to_be_visible()
    both_widths(page, "28-erase-confirm")
    problems += axe_violations(page, "erase")
    page.get_by_label(f"Jeg bekrefter at {NAME} skal slettes").check()
    page.get_by_role("button", name="Slett for godt").click()
    expect(page.get_by_role("status").filter(has_text="Den frivillige er slettet")).to_be_visible()
    for path in ("/", "/volunteers", "/matching", "/needs", "/placements/at-risk", "/statistics"):
        page.goto(base + path)
        assert NAME not in page.content(), path
    need_link = page.goto(base + "/needs")
    assert need_link is not None
    page.get_by_role("link", name="Kveldsbesøk fredag").click()
    assert NAME not in page.content()
    assert not problems, "\n".join(problems)


def test_browser_site_contact_sees_only_their_site(live: LiveServer, page: Page) -> None:
    base, problems = live.url, []
    sign_in(page, base, SITE)
    expect(page).to_have_url(base + "/site")
    expect(page.get_by_role("heading", name="Eik sykehjem", level=1)).to_be_visible()
    expect(page.get_by_text("Besøksvenn mandag")).to_be_visible()
    expect(page.get_by_text("Turvenn onsdag")).to_have_count(0)  # Røde Kors' need
    problems += axe_violations(page, "site")

    page.get_by_role("link", name="Legg inn behov").first.click()
    expect(page.get_by_label("Tjenestested / organisasjon")).to_have_value("Eik sykehjem")
    page.get_by_label("Aktivitet").select_option("turvenn")
    page.get_by_label("Kort tittel").fill("Tur i parken torsdag")
    page.get_by_label("Dag 1").select_option("4")
    page.get_by_label("Fra kl. 1").fill("13:00")
    page.get_by_label("Til kl. 1").fill("14:30")
    page.get_by_label("Til kl. 1").blur()
    expect(page.locator("#occurrences")).to_contain_text("hver torsdag 13:00–14:30")
    both_widths(page, "30-site-need-form")
    problems += axe_violations(page, "site-need-form")
    page.get_by_role("button", name="Legg inn behovet").click()
    expect(page.get_by_role("heading", name=re.compile("Tur i parken torsdag"), level=1)).to_be_visible()
    page.get_by_role("link", name="Mitt tjenestested").first.click()
    expect(page.get_by_role("link", name="Tur i parken torsdag")).to_be_visible()
    both_widths(page, "31-site-home")

    response = page.goto(base + "/needs/n3")
    assert response is not None and response.status == 404
    response = page.goto(base + "/volunteers/v1")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Ingen tilgang")).to_be_visible()
    assert not problems, "\n".join(problems)


def test_browser_catalogue_delete_rename_and_disable_a_site_contact(live: LiveServer, page: Page, browser: Any) -> None:
    """An activity in use is not deleted (the page says what uses it); one added by mistake is; a course is
    renamed (an empty name refused beside the field); a site contact's sign-in is disabled — their open
    session ends and they cannot sign in — and enabled again."""
    base, problems = live.url, []
    contact = browser.new_context(viewport=LAPTOP, locale="nb-NO", timezone_id="Europe/Oslo")
    site_page = contact.new_page()
    try:
        sign_in(site_page, base, SITE)
        expect(site_page).to_have_url(base + "/site")

        sign_in(page, base, COORDINATOR)
        page.goto(base + "/catalogue")
        page.locator("summary", has_text="Endre regler: Turvenn").click()
        page.get_by_role("button", name=re.compile("Slett aktiviteten.*Turvenn")).click()
        expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Aktiviteten er i bruk \(behov: \d"))
        problems += axe_violations(page, "catalogue-in-use")
        page.locator("summary", has_text="Legg til aktivitet").click()
        page.locator("#f-id").fill("kulturvert")
        page.locator("#f-name").fill("Kulturvert")
        page.get_by_role("button", name="Legg til", exact=True).first.click()
        expect(page.get_by_role("status").filter(has_text="Kulturvert")).to_be_visible()
        page.locator("summary", has_text="Endre regler: Kulturvert").click()
        page.get_by_role("button", name=re.compile("Slett aktiviteten.*Kulturvert")).click()
        expect(page.get_by_role("status").filter(has_text="Aktiviteten «Kulturvert» er slettet")).to_be_visible()
        expect(page.get_by_role("cell", name="Kulturvert")).to_have_count(0)

        page.locator("summary", has_text="Endre navn: Demensopplæring").click()
        name = page.locator("details[open]").get_by_label("Navn")
        name.fill("")
        page.get_by_role("button", name=re.compile("Lagre.*Demensopplæring")).click()
        name = page.locator("details[open]").get_by_label("Navn")
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(name).to_be_focused()
        expect(page.locator("details[open] .field-error")).to_have_text(re.compile("Må fylles ut"))
        both_widths(page, "27-catalogue-course-refused")
        problems += axe_violations(page, "catalogue-course-refused")
        page.keyboard.type("Demensomsorgens ABC")
        page.locator("details[open]").get_by_label("Gyldig i (måneder)").fill("24")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").filter(has_text="Kurset heter nå «Demensomsorgens ABC»")).to_be_visible()
        expect(page.get_by_text("(demens; gyldig i 24 måneder)")).to_be_visible()

        page.goto(base + "/sites")
        page.get_by_role("button", name=re.compile("Steng innloggingen.*Siri Kontakt")).click()
        expect(page.get_by_role("status").filter(has_text="Siri Kontakt kan ikke lenger logge inn")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Åpne innloggingen igjen.*Siri Kontakt"))).to_be_visible()
        both_widths(page, "26-sites-contact-disabled")
        problems += axe_violations(page, "sites-disabled")
        # The contact's open session has ended; signing in again is refused.
        site_page.goto(base + "/site")
        expect(site_page).to_have_url(re.compile(r"/login"))
        sign_in(site_page, base, SITE)
        expect(site_page).to_have_url(re.compile(r"/login"))
        page.get_by_role("button", name=re.compile("Åpne innloggingen igjen.*Siri Kontakt")).click()
        expect(page.get_by_role("status").filter(has_text="Siri Kontakt kan logge inn igjen")).to_be_visible()
        sign_in(site_page, base, SITE)
        expect(site_page).to_have_url(base + "/site")
    finally:
        contact.close()
    assert not problems, "\n".join(problems)
