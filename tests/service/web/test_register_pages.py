"""The register in the browser over HTTP (issue 13): registering and onboarding a volunteer, filters,
export and erasure, needs with their times in words, ending placements, the site contact's own page,
the at-risk list and statistics. Every form goes to the same register service as the API."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa

from service import clock
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import AuditRow, NeedRow, PlacementRow, SiteReportRow
from service.web import i18n
from tests.service.factories import planning_period, weekdays_in_period
from tests.service.web.conftest import post_form, sign_in

pytestmark = pytest.mark.anyio

TODAY = clock.today()


@pytest.fixture(autouse=True)
def _today_in_oslo() -> None:
    """TODAY is Oslo's date as each test begins, not as the module was imported: a run that crosses
    midnight in Oslo would otherwise compare yesterday's date with the service's today."""
    global TODAY
    TODAY = clock.today()


async def place(db_url: str, volunteer: str, need: str, site: str, activity: str,
                start: dt.date | None = None) -> str:
    """A released placement, straight in the register (the matching pages have their own tests);
    it started 40 days ago unless `start` says otherwise."""
    start = TODAY - dt.timedelta(days=40) if start is None else start
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            pid = f"plc-{volunteer}-{need}"
            session.add(PlacementRow(id=pid, volunteer_id=volunteer, need_id=need, site_id=site, activity_id=activity,
                                     state="confirmed", start=start, followups_done=[]))
        return pid
    finally:
        await engine.dispose()


async def rows(db_url: str, model: Any) -> list[Any]:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list((await session.scalars(sa.select(model))).all())
    finally:
        await engine.dispose()


def volunteer_id(location: str) -> str:
    m = re.match(r"^/volunteers/([^/#]+)#onboarding$", location)
    assert m, location
    return m.group(1)


NEW_VOLUNTEER = {
    "name": "Ola Nordmann", "phone": "40000099", "email": "ola@example.no", "birth_date": "1970-03-02",
    "activities": "besoksvenn", "interests": "sjakk, hagearbeid", "languages": "no, en",
    "max_assignments": "1", "max_hours_per_week": "4", "max_travel_km": "",
    "availability_day_0": "5", "availability_start_0": "22:00", "availability_end_0": "02:00",
    "availability_day_1": "2", "availability_start_1": "10:00", "availability_end_1": "15:00",
    "availability_day_2": "", "availability_start_2": "", "availability_end_2": "",
    "unavailable_from_0": "", "unavailable_to_0": "",
}


async def test_register_refuses_a_birth_date_in_the_future_beside_the_field(coordinator_client, db_url):
    """The form takes the register's check the API's JSON edge has: a birth date in the future (or more
    than 120 years ago) is no birth date; said beside the field, nothing saved."""
    c = coordinator_client
    born = (TODAY + dt.timedelta(days=400)).isoformat()
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "birth_date": born})
    assert r.status_code == 422
    said = i18n.t("nb", "form.err.birth_date", date=i18n.date("nb", born))
    assert f'<span class="field-error" id="err-birth_date">{said}</span>' in r.text
    assert f'value="{born}"' in r.text and "Ola Nordmann" in r.text
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "birth_date": "1890-01-01"})
    assert r.status_code == 422 and 'id="err-birth_date"' in r.text
    assert "Ola Nordmann" not in (await c.get("/volunteers")).text


@pytest.mark.parametrize("typed", ["ikke-epost", "ola@example", "ola nordmann@example.no", "@example.no"])
async def test_register_refuses_what_is_no_e_mail_address_beside_the_field(coordinator_client, db_url, typed):
    """Sign-in links, proposals and reminders go to the address: one that cannot be one (no @, no dotted
    domain, a space) is refused beside the field, what was typed kept, nothing saved; a real one is taken."""
    c = coordinator_client
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "email": typed})
    assert r.status_code == 422
    said = i18n.t("nb", "form.err.email", value=typed)
    assert f'<span class="field-error" id="err-email">{html.escape(said, quote=False)}</span>' in r.text
    assert "Ola Nordmann" not in (await c.get("/volunteers")).text
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "email": "ola.nordmann+frivillig@post.example.no"})
    assert r.status_code in (200, 303), r.text[:500]
    assert "Ola Nordmann" in (await c.get("/volunteers")).text


async def test_register_keeps_what_was_typed_and_names_the_field(coordinator_client, db_url):
    c = coordinator_client
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "name": "", "birth_date": "1970-13-02"})
    assert r.status_code == 422
    assert 'id="err-name"' in r.text and 'id="err-birth_date"' in r.text
    assert 'aria-describedby="err-name"' in r.text
    assert 'value="sjakk, hagearbeid"' in r.text and 'value="22:00"' in r.text and 'value="40000099"' in r.text
    # A fødselsnummer in a text field: the service's rule, shown beside the field, nothing saved.
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "interests": "01017012345"})
    assert r.status_code == 422 and 'id="err-interests"' in r.text and "fødselsnummer" in r.text
    assert html.escape(i18n.t("nb", "form.err.national_id"), quote=False) in r.text  # in Bokmål, not English
    # A slot with a start but no end: the service's decode error lands beside that row's end.
    r = await post_form(c, "/volunteers/new", {**NEW_VOLUNTEER, "availability_end_1": ""})
    assert r.status_code == 422 and 'id="err-availability_end_1"' in r.text
    assert "Ola Nordmann" not in (await c.get("/volunteers")).text


async def test_register_and_onboard_in_order(coordinator_client, db_url):
    c = coordinator_client
    r = await post_form(c, "/volunteers/new", NEW_VOLUNTEER)
    assert r.status_code == 303, r.text
    vid = volunteer_id(r.headers["location"])
    html = (await c.get(f"/volunteers/{vid}")).text
    assert "Ola Nordmann er registrert" in html and "Neste steg: Første samtale" in html
    assert "fredag 22:00–02:00" in html  # the window across midnight kept as one slot
    # The grid marks Saturday 01:00 (the Friday window runs past midnight).
    saturday_one = re.search(r"<th scope=\"row\">01</th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert re.findall(r"<td[^>]*>", saturday_one)[5] == '<td class="on">'

    day = (TODAY - dt.timedelta(days=3)).isoformat()
    steps = [("first_conversation", {"held": day}, "Neste steg: Frivilligavtale signert"),
             ("agreement", {"agreement_signed": day}, "Neste steg: Taushetserklæring signert"),
             ("declaration", {"confidentiality_signed": day}, "Neste steg: Introduksjonskurs")]
    for step, data, then in steps:
        r = await post_form(c, f"/volunteers/{vid}/onboarding/{step}", data)
        assert r.status_code == 303, (step, r.text)
        assert then in (await c.get(f"/volunteers/{vid}")).text, step
    # A course without a date: refused beside the field, the choice kept.
    r = await post_form(c, f"/volunteers/{vid}/onboarding/course", {"training": "intro", "completed": ""})
    assert r.status_code == 422 and 'id="course-completed-err"' in r.text
    assert '<option value="intro" selected>' in r.text
    r = await post_form(c, f"/volunteers/{vid}/onboarding/course",
                        {"training": "intro", "completed": day, "expires": (TODAY + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 303
    html = (await c.get(f"/volunteers/{vid}")).text
    assert "Mottaket er fullført" in html
    # The police certificate: only the dates and the purpose are recorded.
    r = await post_form(c, f"/volunteers/{vid}/onboarding/police",
                        {"issued": day, "shown": day, "purpose": "helse- og omsorgstjenesteloven § 5-4"})
    assert r.status_code == 303
    export = (await c.get(f"/volunteers/{vid}/export.json")).json()
    assert export["volunteer"]["police_certificate"] == {"issued": day, "shown": day,
                                                         "purpose": "helse- og omsorgstjenesteloven § 5-4"}
    assert export["volunteer"]["agreement_signed"] == day and export["volunteer"]["trainings"][0]["training"] == "intro"

    # Filters: ready, activity, a course expiring within 60 days, without placement.
    def names(html: str) -> list[str]:
        return re.findall(r'<a href="/volunteers/[^"/]+">([^<]+)</a>', html)

    assert "Ola Nordmann" in names((await c.get("/volunteers?state=ready")).text)
    assert "Ola Nordmann" not in names((await c.get("/volunteers?state=incomplete")).text)
    assert "Ola Nordmann" not in names((await c.get("/volunteers?activity=turvenn")).text)
    expiring = names((await c.get("/volunteers?expiring=true")).text)
    assert expiring == ["Ola Nordmann"]
    await place(db_url, vid, "n1", "eik", "besoksvenn")
    assert "Ola Nordmann" not in names((await c.get("/volunteers?unplaced=true")).text)
    assert "Frivillig 1" in names((await c.get("/volunteers?unplaced=true")).text)

    # Edit: everything the form shows goes back through patch_volunteer; onboarding records stay.
    edit = (await c.get(f"/volunteers/{vid}/edit")).text
    assert 'value="Ola Nordmann"' in edit and 'value="5-22:00" checked' in edit  # Friday 22:00 on the grid
    r = await post_form(c, f"/volunteers/{vid}/edit", {**NEW_VOLUNTEER, "phone": "40000100",
                                                       "unavailable_from_0": "2027-07-01",
                                                       "unavailable_to_0": "2027-07-21"})
    assert r.status_code == 303
    after = (await c.get(f"/volunteers/{vid}/export.json")).json()["volunteer"]
    assert after["phone"] == "40000100" and after["unavailable"] == [{"from": "2027-07-01", "to": "2027-07-21"}]
    assert after["agreement_signed"] == day  # not lost by editing the profile
    actions = {(a.action, a.path) for a in await rows(db_url, AuditRow) if a.volunteer_id == vid}
    assert ("create", "/volunteers/new") in actions and ("update", f"/volunteers/{vid}/edit") in actions
    assert ("export", f"/volunteers/{vid}/export.json") in actions


async def test_erase_says_what_is_kept_and_removes_the_name_everywhere(coordinator_client, db_url):
    c = coordinator_client
    pid = await place(db_url, "v1", "n1", "eik", "besoksvenn")
    confirm = (await c.get("/volunteers/v1/erase")).text
    assert "Bare anonyme tall" in confirm and "1 plassering(er) som gjelder" in confirm
    r = await post_form(c, "/volunteers/v1/erase", {})
    assert r.status_code == 422 and "Kryss av" in r.text
    assert "Frivillig 1" in (await c.get("/volunteers")).text
    r = await post_form(c, "/volunteers/v1/erase", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"] == "/volunteers"
    for path in ["/", "/volunteers", "/needs", "/needs/n1", "/matching", "/placements/at-risk", "/statistics"]:
        page = await c.get(path)
        assert page.status_code == 200, path
        assert "Frivillig 1" not in page.text, path
    assert (await c.get("/volunteers/v1")).status_code == 404
    placement = next(p for p in await rows(db_url, PlacementRow) if p.id == pid)
    assert placement.state == "ended"  # kept as an anonymous count


async def test_need_form_times_in_words_and_catalogue_only(coordinator_client, db_url):
    c = coordinator_client
    form = (await c.get("/needs/new")).text
    assert '<select id="f-activity" name="activity"' in form and 'name="care' not in form
    data = {"site": "eik", "activity": "", "title": "Turvenn tirsdag", "headcount": "2", "priority": "4",
            "schedule": "weekly", "weekly_day_0": "2", "weekly_start_0": "13:00", "weekly_end_0": "14:30",
            "weekly_day_1": "", "weekly_start_1": "", "weekly_end_1": "", "from": "", "until": ""}
    r = await post_form(c, "/needs/new", data)
    assert r.status_code == 422 and 'id="err-activity"' in r.text and 'value="Turvenn tirsdag"' in r.text
    assert "hver tirsdag 13:00–14:30" in r.text and "ganger i planperioden" in r.text
    # An activity id not in the catalogue is refused by the service, not the page.
    r = await post_form(c, "/needs/new", {**data, "activity": "stell"})
    assert r.status_code == 422 and 'id="err-activity"' in r.text
    preview = await post_form(c, "/needs/preview", {**data, "activity": "turvenn"}, htmx=True)
    assert preview.status_code == 200 and "hver tirsdag 13:00–14:30" in preview.text
    # The small scenario's planning period is 4 January – 31 January 2027: four Tuesdays (from today once
    # it has ended).
    period = planning_period()
    first, count = weekdays_in_period(1)
    words = (f"hver tirsdag 13:00–14:30 fra {i18n.date('nb', first)}, {count} ganger i "
             f"planperioden {i18n.short_date('nb', period.start)}–{i18n.short_date('nb', period.end)}")
    assert words in preview.text, (words, preview.text)
    r = await post_form(c, "/needs/new", {**data, "activity": "turvenn"})
    assert r.status_code == 303
    nid = r.headers["location"].rsplit("/", 1)[1]
    assert "Turvenn tirsdag" in (await c.get(f"/needs/{nid}")).text
    need = next(x for x in await rows(db_url, NeedRow) if x.id == nid)
    assert need.posted_by == "Kari (coordinator)" and need.data["headcount"] == 2

    # Edit keeps what was typed on a refusal; pause leaves it out of matching; close.
    r = await post_form(c, f"/needs/{nid}/edit", {**data, "activity": "turvenn", "headcount": "0"})
    assert r.status_code == 422 and 'id="err-headcount"' in r.text
    r = await post_form(c, f"/needs/{nid}/state", {"state": "paused"})
    assert r.status_code == 303
    assert "Satt på pause" in (await c.get(f"/needs/{nid}")).text
    from service.register.scenario_io import build_scenario

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            assert nid not in {x.id for x in (await build_scenario(session)).needs}
    finally:
        await engine.dispose()
    await place(db_url, "v2", nid, "eik", "turvenn")
    r = await post_form(c, f"/needs/{nid}/state", {"state": "closed"})
    assert r.status_code == 303
    assert "plasseringer" in (await c.get(f"/needs/{nid}")).text.lower()
    assert next(x for x in await rows(db_url, NeedRow) if x.id == nid).state == "paused"  # refused: in force


async def test_site_contact_sees_only_their_site(app, loaded, users, db_url):
    from tests.service.web.conftest import web_client

    await users.create("kontakt@eik.no", role="site", site="eik")
    pid = await place(db_url, "v3", "n1", "eik", "besoksvenn")
    await place(db_url, "v4", "n3", "rodekors", "turvenn")
    async with web_client(app) as c:
        r = await sign_in(c, "kontakt@eik.no")
        assert r.headers["location"] == "/site"
        home = (await c.get("/site")).text
        assert "Besøksvenn mandag" in home and "Turvenn onsdag" not in home
        assert "Frivillig" in home and "40000003" in home  # first name and phone
        assert "Frivillig 4" not in home  # no other site's volunteer
        # no birth date, in any form the pages write dates (a bare "1963" can occur inside a random token)
        assert not any(d in home for d in ("1963-05-01", "01.05.1963", "1. mai 1963", "1.5.1963", "01.05.63"))
        assert (await c.get("/needs/n3")).status_code == 404
        assert (await c.get("/needs/n3/edit")).status_code == 404
        assert (await post_form(c, "/needs/n3/state", {"state": "closed"})).status_code == 404
        assert (await c.get("/volunteers/v3")).status_code == 403
        own = (await c.get("/needs/n1")).text
        assert "Besøksvenn mandag" in own and "/volunteers/" not in own
        # A need posted by the site is the site's own, whatever the form says.
        data = {"site": "rodekors", "activity": "besoksvenn", "title": "Høytlesing fredag", "headcount": "1",
                "priority": "3", "schedule": "weekly", "weekly_day_0": "5", "weekly_start_0": "11:00",
                "weekly_end_0": "12:00"}
        r = await post_form(c, "/needs/new", data)
        assert r.status_code == 303, r.text
        nid = r.headers["location"].rsplit("/", 1)[1]
        need = next(x for x in await rows(db_url, NeedRow) if x.id == nid)
        assert need.site_id == "eik" and need.posted_by == "Kontakt (site)"
        assert "Høytlesing fredag" in (await c.get("/site")).text
        # Did not come: attendance, through the attendance service; three in a row reach the at-risk list.
        starts = re.findall(r'name="starts_at" value="([^"]+)"', home)
        assert len(starts) >= 3, home
        # Each at the wall-clock time the need states (Mondays 10:00), not read as UTC (11:00 or 12:00).
        newest = dt.datetime.fromisoformat(starts[0])
        shown = i18n.date("nb", newest.date())
        assert newest.hour == 10 and f"{shown} kl. 10:00" in home
        assert f"{shown} kl. 11:00" not in home and f"{shown} kl. 12:00" not in home
        for when in starts[:3]:
            r = await post_form(c, f"/site/placements/{pid}/attendance", {"starts_at": when, "took_place": "0"})
            assert r.status_code == 303
        assert "kom ikke" in (await c.get("/site")).text
        r = await post_form(c, f"/site/placements/{pid}/report", {"kind": "should_end"})
        assert r.status_code == 303
        assert "Meldt: bør avsluttes" in (await c.get("/site")).text
        other = next(p for p in await rows(db_url, PlacementRow) if p.site_id == "rodekors")
        r = await post_form(c, f"/site/placements/{other.id}/report", {"kind": "should_end"})
        assert r.status_code == 404
        r = await post_form(c, f"/site/placements/{other.id}/attendance", {"starts_at": starts[0], "took_place": "0"})
        assert r.status_code == 404
    from service.db.models import AttendanceRow

    missed = [a for a in await rows(db_url, AttendanceRow) if a.placement_id == pid]
    assert len(missed) == 3 and not any(a.took_place for a in missed) and {a.recorded_role for a in missed} == {"site"}
    [report] = await rows(db_url, SiteReportRow)
    assert report.kind == "should_end" and report.placement_id == pid
    # The coordinator sees both on the at-risk list; the site asks to end it, so the action is to end.
    async with web_client(app) as coord:
        await users.create("kari@kommune.no")
        await sign_in(coord, "kari@kommune.no")
        risk = (await coord.get("/placements/at-risk")).text
        assert "Tjenestestedet mener plasseringen bør avsluttes" in risk and "Ikke kommet 3 ganger på rad" in risk
        assert f'action="/placements/{pid}/end"' in risk


async def test_at_risk_then_end_with_reason_and_statistics(coordinator_client, db_url):
    c = coordinator_client
    pid = await place(db_url, "v2", "n1", "eik", "besoksvenn", start=TODAY - dt.timedelta(days=100))
    risk = (await c.get("/placements/at-risk")).text
    assert "Frivillig 2" in risk and "Oppfølgingssamtalen skulle vært holdt" in risk
    r = await post_form(c, f"/placements/{pid}/keep", {"held": TODAY.isoformat()})
    assert r.status_code == 303
    assert "Frivillig 2" not in (await c.get("/placements/at-risk")).text
    # End: last date, reason, closing conversation.
    r = await post_form(c, f"/placements/{pid}/end", {"last_date": TODAY.isoformat(), "reason": "moved_away",
                                                      "closing_held": "", "next": "/volunteers/v2"})
    assert r.status_code == 303 and r.headers["location"] == "/volunteers/v2"
    html = (await c.get("/volunteers/v2")).text
    assert "Flyttet" in html and "Registrer avslutningssamtale" in html
    r = await post_form(c, f"/placements/{pid}/closing", {"held": TODAY.isoformat(), "next": "/volunteers/v2"})
    assert r.status_code == 303
    placement = next(p for p in await rows(db_url, PlacementRow) if p.id == pid)
    assert (placement.state, placement.end_reason, placement.closing_held) == ("ended", "moved_away", TODAY)

    from service.auth import Principal
    from service.register.attendance import record_attendance

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            monday = next(TODAY - dt.timedelta(days=k) for k in range(1, 8)
                          if (TODAY - dt.timedelta(days=k)).isoweekday() == 1)
            await record_attendance(session, Principal(None, "Eik", "site", "eik"), pid,
                                    dt.datetime.combine(monday, dt.time(10, 0)), True, "/test")
    finally:
        await engine.dispose()
    start, end = TODAY - dt.timedelta(days=120), TODAY
    page = await c.get(f"/statistics?from={start}&to={end}")
    assert page.status_code == 200 and "<svg" in page.text and "Frivillig 2" not in page.text
    r = await c.get(f"/statistics.csv?from={start}&to={end}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'href="/statistics.csv?from={start}&amp;to={end}"' in page.text
    assert f'filename="samspill-statistikk-{start}-{end}.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    eik = next(x for x in table if x["group"] == "site" and x["id"] == "eik")
    total = next(x for x in table if x["group"] == "total")
    assert eik["needs"] == "2" and eik["places"] == "2" and eik["filled"] == "1" and eik["volunteers_active"] == "1"
    assert eik["ended_moved_away"] == "1" and total["ended_total"] == "1"
    # n1 is Mondays 10:00–12:00: two hours for each Monday the placement ran.
    mondays = sum(1 for k in range(101) if (TODAY - dt.timedelta(days=k)).isoweekday() == 1
                  and TODAY - dt.timedelta(days=k) >= max(start, placement.start))
    assert float(eik["planned_total"]) == 2.0 * mondays
    assert float(eik["hours_total"]) == 2.0  # one occurrence confirmed as taken place (attendance)
    assert not any("Frivillig" in line for line in r.text.splitlines())
    bad = await c.get("/statistics?from=2027-05-01&to=2027-01-01")
    assert bad.status_code == 422 and 'id="err-to"' in bad.text
    far = await c.get("/statistics?from=0001-01-01&to=0001-02-01")  # its UTC bounds would be in year 0
    assert far.status_code == 422 and 'id="err-from"' in far.text and "mer enn hundre år fra i dag" in far.text


async def test_catalogue_sites_and_site_users(coordinator_client, db_url, app):
    from tests.service.web.conftest import web_client

    c = coordinator_client
    r = await post_form(c, "/catalogue/activities", {"id": "", "name": "Leksehjelp"})
    assert r.status_code == 422 and 'id="err-id"' in r.text and 'value="Leksehjelp"' in r.text
    r = await post_form(c, "/catalogue/activities", {"id": "leksehjelp", "name": "Leksehjelp", "min_age": "18",
                                                     "requires_training": "intro", "police_certificate": "1"})
    assert r.status_code == 303
    cat = (await c.get("/catalogue")).text
    assert "Leksehjelp" in cat and "Introduksjonskurs" in cat
    # Change an activity's rules: a negative age is refused beside the field; 25 is kept.
    r = await post_form(c, "/catalogue/activities/besoksvenn", {"name": "Besøksvenn", "min_age": "-1"})
    assert r.status_code == 422 and 'id="err-min_age"' in r.text and 'value="-1"' in r.text
    r = await post_form(c, "/catalogue/activities/besoksvenn", {"name": "Besøksvenn", "min_age": "25",
                                                                "requires_training": "intro"})
    assert r.status_code == 303
    api = (await c.get("/catalogue")).text
    assert re.search(r"<td>Besøksvenn</td><td>25</td><td>Introduksjonskurs</td>", api)
    r = await post_form(c, "/sites", {"id": "bibliotek", "name": "Biblioteket", "kind": "service_site"})
    assert r.status_code == 303
    r = await post_form(c, "/sites/bibliotek/users", {"name": "Berit", "email": "berit@bibliotek.no",
                                                      "password": "kort"})
    assert r.status_code == 422 and "10 tegn" in r.text and "kort" not in re.findall(r'value="([^"]*)"', r.text)
    r = await post_form(c, "/sites/bibliotek/users", {"name": "Berit", "email": "berit@bibliotek.no",
                                                      "password": "et langt passord"})
    assert r.status_code == 303
    assert "berit@bibliotek.no" in (await c.get("/sites")).text
    r = await post_form(c, "/sites/bibliotek", {"name": "", "kind": "service_site"})
    assert r.status_code == 422 and 'id="err-name"' in r.text
    r = await post_form(c, "/sites/bibliotek", {"name": "Tønsberg bibliotek", "kind": "service_site"})
    assert r.status_code == 303 and "Tønsberg bibliotek" in (await c.get("/sites")).text
    assert (await post_form(c, "/sites/nowhere", {"name": "X", "kind": "service_site"})).status_code == 404
    async with web_client(app) as site:
        r = await sign_in(site, "berit@bibliotek.no", password="et langt passord")
        assert r.headers["location"] == "/site"
        assert "Tønsberg bibliotek" in (await site.get("/site")).text


@pytest.mark.parametrize("lang", ["en"])
async def test_register_pages_speak_english_without_raw_keys(coordinator_client, db_url, lang):
    from tests.service.web.test_pages import RAW_KEY

    c = coordinator_client
    await place(db_url, "v2", "n1", "eik", "besoksvenn", start=TODAY - dt.timedelta(days=100))
    await post_form(c, "/lang", {"lang": lang, "next": "/"})
    for path in ["/volunteers/new", "/volunteers/v1/edit", "/volunteers/v2", "/volunteers/v1/erase", "/needs",
                 "/needs/new", "/needs/n1/edit", "/placements/at-risk", "/catalogue", "/sites", "/statistics"]:
        r = await c.get(path)
        assert r.status_code == 200, path
        text = re.sub(r"<[^>]+>", " ", r.text)
        extra = re.compile(r"\b(?:form|vform|filter|erase|needs|occ|atrisk|catalogue|sites|stats|site|police|"
                           r"end_reason|priority|course)\.[a-z_.]+\b")
        assert not RAW_KEY.search(text) and not extra.search(text), (path, RAW_KEY.search(text), extra.search(text))
        assert '<html lang="en">' in r.text


async def test_english_forms_say_their_macros_in_english_too(coordinator_client, db_url):
    """The macros of _fields.html and _week_grid.html (weekday selects, the form's error banner, the week
    grid's hints) are rendered in the page's language, not in Bokmål: imported `with context`."""
    c = coordinator_client
    await post_form(c, "/lang", {"lang": "en", "next": "/"})
    # weekday names as an option or a column heading (a need's title may say "mandag": that is data)
    nb_words = re.compile(r"(?:>|title=\")(?:mandag|tirsdag|onsdag|søndag)\b|Noe må rettes|Kryss av halvtimene|"
                          r"piltastene|ingen tider|Merket:")
    for path in ["/volunteers/new", "/volunteers/v1/edit", "/needs/new", "/needs/n1/edit", "/volunteers/v1",
                 "/placements/at-risk", "/statistics", "/sites", "/catalogue"]:
        r = await c.get(path)
        assert r.status_code == 200, path
        assert not nb_words.search(r.text), (path, nb_words.search(r.text))
    r = await post_form(c, "/needs/new", {"title": ""})
    assert r.status_code == 422
    assert i18n.t("en", "form.fix") in r.text and i18n.t("nb", "form.fix") not in r.text
    r = await post_form(c, "/volunteers/new", {"name": ""})
    assert r.status_code == 422
    assert i18n.t("en", "form.fix") in r.text and not nb_words.search(r.text)


def test_every_macro_import_takes_the_page_context():
    """A macro imported without `with context` has no `lang`: its words fall back to Bokmål."""
    from service.web.templating import TEMPLATE_DIRS

    for folder in TEMPLATE_DIRS.values():
        for path in folder.rglob("*.html"):
            for line in re.findall(r"\{%-?\s*(?:from|import)\b[^%]*%\}", path.read_text()):
                assert "with context" in line, (path.name, line)


async def test_api_statistics_and_site_report_use_the_same_services(client, tokens, loaded, db_url):
    coordinator, site = await tokens.headers("coordinator"), await tokens.headers("site", site="eik")
    pid = await place(db_url, "v1", "n1", "eik", "besoksvenn")
    other = await place(db_url, "v4", "n3", "rodekors", "turvenn")
    r = await client.post(f"/api/v1/placements/{pid}/report", json={"kind": "should_end", "on": TODAY.isoformat()},
                          headers=site)
    assert r.status_code == 201 and r.json()["kind"] == "should_end"
    assert r.json() | {"id": "", "created_at": ""} == {
        "id": "", "placement": pid, "site": "eik", "kind": "should_end", "on": TODAY.isoformat(),
        "reported_by": r.json()["reported_by"], "created_at": "", "resolved_at": None, "resolution": None}
    assert r.json()["id"].startswith("rep") and "(site)" in r.json()["reported_by"]
    r = await client.post(f"/api/v1/placements/{other}/report", json={"kind": "should_end", "on": TODAY.isoformat()},
                          headers=site)
    assert r.status_code == 404
    r = await client.post(f"/api/v1/placements/{pid}/report", json={"kind": "late", "on": TODAY.isoformat()},
                          headers=site)
    assert r.status_code in (400, 422)
    r = await client.post("/api/v1/needs/n1/state", json={"state": "closed"}, headers=site)
    assert r.status_code == 409  # a placement in force
    r = await client.post("/api/v1/needs/n2/state", json={"state": "paused"}, headers=site)
    assert r.status_code == 200 and r.json()["state"] == "paused"
    r = await client.post("/api/v1/needs/n3/state", json={"state": "paused"}, headers=site)
    assert r.status_code == 404
    start, end = (TODAY - dt.timedelta(days=60)).isoformat(), TODAY.isoformat()
    r = await client.get(f"/api/v1/statistics?from={start}&to={end}", headers=coordinator)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["from", "to", "months", "sites", "activities", "total", "new_by_month"]
    assert (body["from"], body["to"]) == (start, end) and body["total"]["group"] == "total"
    assert body["total"]["volunteers_active"] == 2 and "Frivillig" not in r.text
    assert (await client.get(f"/api/v1/statistics?from={start}&to={end}", headers=site)).status_code == 403
    r = await client.get(f"/api/v1/statistics?from={end}&to={start}", headers=coordinator)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"


async def test_statistics_count_a_volunteer_by_the_day_and_month_in_oslo(client, loaded, coordinator, db_url):
    """The period's days are Oslo's: a volunteer registered at 00:30 on New Year's Day in Oslo (23:30 UTC on
    31 December) is new in January, and one registered at 23:30 on 31 December in Oslo is new in December.
    The boundaries were UTC midnights, so the first counted in December and in no period starting 1 January."""
    from service.db.models import VolunteerRow

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(sa.update(VolunteerRow).values(created_at=dt.datetime(2020, 6, 1, tzinfo=dt.UTC)))
            for vid, at in (("v1", dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)),
                            ("v2", dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC))):
                await session.execute(sa.update(VolunteerRow).where(VolunteerRow.id == vid).values(created_at=at))
    finally:
        await engine.dispose()

    async def new(start: str, end: str) -> tuple[int, dict[str, int]]:
        r = await client.get(f"/api/v1/statistics?from={start}&to={end}", headers=coordinator)
        assert r.status_code == 200, r.text
        return r.json()["total"]["new_volunteers"], r.json()["new_by_month"]

    assert await new("2027-01-01", "2027-01-31") == (1, {"2027-01": 1})
    assert await new("2026-12-01", "2026-12-31") == (1, {"2026-12": 1})
    assert await new("2026-12-31", "2027-01-01") == (2, {"2026-12": 1, "2027-01": 1})


def test_charts_are_plain_svg_with_a_title_and_no_script():
    from service.web.charts import bar_chart, stacked_counts

    months = [(f"{m:02d}.27", float(m)) for m in range(1, 25)]
    chart = bar_chart(months, title="Timer gitt per måned")
    assert chart.svg.startswith("<svg") and "<script" not in chart.svg and "<title" in chart.svg
    assert chart.svg.count('class="bar"') == 24
    assert chart.svg.count('class="lbl"') == 12  # every second label of 24 months
    bars = stacked_counts([("Eik <sykehjem>", 1, 3)], title="Fylte", labels=("Fylt", "Plasser"))
    assert "Eik &lt;sykehjem&gt;" in bars.svg and "1 / 3" in bars.svg


async def test_placement_forms_refused_keep_what_was_typed_with_the_error_beside_the_field(coordinator_client, db_url):
    """End, follow-up, closing and keep: a refused save draws the page it came from again (422) with that
    form open, the typed values back and the service's error beside the field; nothing is saved."""
    c = coordinator_client
    start = TODAY - dt.timedelta(days=40)
    pid = await place(db_url, "v2", "n1", "eik", "besoksvenn", start=start)
    early = (start - dt.timedelta(days=3)).isoformat()
    r = await post_form(c, f"/placements/{pid}/end", {"last_date": early, "reason": "moved_away", "closing_held": "",
                                                      "next": "/volunteers/v2"})
    assert r.status_code == 422 and "<h1>Frivillig 2</h1>" in r.text
    assert f'id="last-{pid}-err"' in r.text and f'aria-describedby="last-{pid}-err"' in r.text
    assert "Kan ikke være før plasseringen begynte" in r.text
    assert f'value="{early}"' in r.text and '<option value="moved_away" selected>' in r.text
    assert '<details class="end" open>' in r.text and 'name="next" value="/volunteers/v2"' in r.text
    # The same form on the need's page comes back to the need's page.
    r = await post_form(c, f"/placements/{pid}/end", {"last_date": TODAY.isoformat(), "reason": "other",
                                                      "closing_held": (TODAY + dt.timedelta(days=5)).isoformat(),
                                                      "next": "/needs/n1"})
    assert r.status_code == 422 and "Besøksvenn mandag" in r.text and f'id="closing-{pid}-err"' in r.text
    assert "fram i tid" in r.text and '<option value="other" selected>' in r.text
    r = await post_form(c, f"/placements/{pid}/followup", {"held": early, "next": "/volunteers/v2"})
    assert r.status_code == 422 and f'id="fu-{pid}-err"' in r.text and f'value="{early}"' in r.text
    r = await post_form(c, f"/placements/{pid}/keep", {"held": "31.02.2026"})
    assert r.status_code == 422 and f'id="keep-{pid}-err"' in r.text and 'value="31.02.2026"' in r.text
    assert "Skriv en dato" in r.text
    placement = next(p for p in await rows(db_url, PlacementRow) if p.id == pid)
    assert (placement.state, placement.ended_on, placement.followups_done) == ("confirmed", None, [])
    # Ended; the closing conversation cannot be before the start either.
    r = await post_form(c, f"/placements/{pid}/end", {"last_date": TODAY.isoformat(), "reason": "other",
                                                      "next": "/volunteers/v2"})
    assert r.status_code == 303
    await post_form(c, "/lang", {"lang": "en", "next": "/"})  # said in the page's language, from the error's code
    r = await post_form(c, f"/placements/{pid}/closing", {"held": early, "next": "/volunteers/v2"})
    assert r.status_code == 422 and f'id="cl-{pid}-err"' in r.text
    assert f"Cannot be before the placement began ({start.day} {start.strftime('%B')} {start.year})" in r.text
    r = await post_form(c, f"/placements/{pid}/closing", {"held": TODAY.isoformat(), "next": "/volunteers/v2"})
    assert r.status_code == 303
    placement = next(p for p in await rows(db_url, PlacementRow) if p.id == pid)
    assert (placement.state, placement.ended_on, placement.closing_held) == ("ended", TODAY, TODAY)


async def test_catalogue_delete_activity_rename_course_and_disable_a_site_contact(app, coordinator_client, users,
                                                                                  db_url):
    from tests.service.web.conftest import web_client

    c = coordinator_client
    # An activity in use stays, and the page says what uses it; one added by mistake goes.
    r = await post_form(c, "/catalogue/activities/besoksvenn/delete")
    assert r.status_code == 409 and "Aktiviteten er i bruk (behov: 1, plasseringer: 0, frivillige som har" in r.text
    assert 'role="alert"' in r.text
    r = await post_form(c, "/catalogue/activities", {"id": "kulturvert", "name": "Kulturvert", "min_age": ""})
    assert r.status_code == 303
    r = await post_form(c, "/catalogue/activities/kulturvert/delete")
    assert r.status_code == 303
    page = (await c.get("/catalogue")).text
    assert "Aktiviteten «Kulturvert» er slettet." in page and "/catalogue/activities/kulturvert" not in page
    assert (await post_form(c, "/catalogue/activities/nope/delete")).status_code == 404
    # A course renamed; an empty name is refused beside the field, with the form open.
    r = await post_form(c, "/catalogue/trainings/demens", {"name": ""})
    assert r.status_code == 422 and 'id="err-name"' in r.text and "Må fylles ut" in r.text
    r = await post_form(c, "/catalogue/trainings/demens", {"name": "Demensomsorgens ABC", "valid_months": "to år"})
    assert r.status_code == 422 and 'id="err-valid_months"' in r.text and 'value="to år"' in r.text
    r = await post_form(c, "/catalogue/trainings/demens", {"name": "Demensomsorgens ABC", "valid_months": "24"})
    assert r.status_code == 303
    page = (await c.get("/catalogue")).text
    assert 'Demensomsorgens ABC <span class="muted small">(demens; gyldig i 24 måneder)' in page
    assert (await post_form(c, "/catalogue/trainings/nope", {"name": "X"})).status_code == 404
    actions = {(a.action, a.volunteer_id) for a in await rows(db_url, AuditRow)}
    assert {("delete", "activity:kulturvert"), ("update", "training:demens")} <= actions

    # A site contact signed in; the coordinator disables them: the open session ends, and they cannot sign in.
    uid = await users.create("kontakt@eik.no", role="site", site="eik")
    async with web_client(app, ip="10.0.0.7") as site:
        assert (await sign_in(site, "kontakt@eik.no")).headers["location"] == "/site"
        assert (await site.get("/site")).status_code == 200
        sites = (await c.get("/sites")).text
        assert f'action="/sites/eik/users/{uid}/disable"' in sites
        assert (await post_form(c, f"/sites/rodekors/users/{uid}/disable")).status_code == 404  # not that site's
        r = await post_form(c, f"/sites/eik/users/{uid}/disable")
        assert r.status_code == 303 and r.headers["location"] == "/sites#site-eik"
        assert "deaktivert" in (await c.get("/sites")).text
        r = await site.get("/site")
        assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
        r = await sign_in(site, "kontakt@eik.no")
        assert r.status_code != 303 or r.headers["location"].startswith("/login")
        assert (await site.get("/site")).headers.get("location", "").startswith("/login")
        # Enabled again: they sign in as before.
        r = await post_form(c, f"/sites/eik/users/{uid}/enable")
        assert r.status_code == 303
        assert (await sign_in(site, "kontakt@eik.no")).headers["location"] == "/site"
    actions = [a.action for a in await rows(db_url, AuditRow) if a.volunteer_id == f"user:{uid}"]
    assert sorted(actions) == ["disable", "enable"]


async def test_no_form_stores_an_identity_number(coordinator_client, db_url):
    """Forms without the register's own check beside the field (a site, a sign-in's name) are checked at the
    edge: 422, the page says why in its language, nothing stored. A password may be any eleven digits."""
    c = coordinator_client
    r = await post_form(c, "/sites", {"id": "bibliotek", "name": "Biblioteket 010170 12345", "kind": "service_site"})
    assert r.status_code == 422
    assert html.escape(i18n.t("nb", "form.err.national_id"), quote=False) in r.text
    assert "010170 12345" not in r.text and "Biblioteket" not in (await c.get("/sites")).text
    r = await post_form(c, "/sites", {"id": "bibliotek", "name": "Biblioteket", "kind": "service_site"})
    assert r.status_code == 303
    r = await post_form(c, "/sites/bibliotek/users", {"name": "Berit 01017012345", "email": "berit@bibliotek.no",
                                                      "password": "et langt passord"})
    assert r.status_code == 422 and "berit@bibliotek.no" not in (await c.get("/sites")).text
    r = await post_form(c, "/sites/bibliotek/users", {"name": "Berit", "email": "berit@bibliotek.no",
                                                      "password": "01017012345678"})
    assert r.status_code == 303
    assert "berit@bibliotek.no" in (await c.get("/sites")).text
