"""Attendance and hours given: the site, the volunteer or the coordinator confirms an occurrence; hours per
volunteer, site and month; three missed in a row flag the placement; the printable certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service import clock
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import PlacementRow
from tests.service.web.conftest import post_form, sign_in

pytestmark = pytest.mark.anyio



def _dates() -> tuple[dt.date, list[dt.date]]:
    """Oslo's date, and the last five Mondays whose 10:00 has come in Oslo (n1 is Mondays 10:00–12:00),
    oldest first. A placement lists the occurrences that have begun, so on a Monday from 10:00 today's
    is the newest (the list counted from the Monday before failed then, from 10:00 to midnight every
    Monday)."""
    today = clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    if clock.oslo_wall_clock() < dt.datetime.combine(monday, dt.time(10)):
        monday -= dt.timedelta(days=7)
    return today, sorted(monday - dt.timedelta(days=7 * k) for k in range(5))


TODAY, MONDAYS = _dates()


@pytest.fixture(autouse=True)
def _dates_as_the_test_begins() -> None:
    """Worked out as each test begins, not as the module was imported: a run that crosses midnight or a
    Monday's 10:00 in Oslo would otherwise expect the occurrences of before."""
    global TODAY, MONDAYS
    TODAY, MONDAYS = _dates()


async def place(
    db_url: str, pid: str, volunteer: str, need: str, site: str, start: dt.date, state: str = "confirmed"
) -> None:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            session.add(
                PlacementRow(
                    id=pid,
                    volunteer_id=volunteer,
                    need_id=need,
                    site_id=site,
                    activity_id="besoksvenn",
                    state=state,
                    start=start,
                    followups_done=[],
                )
            )
    finally:
        await engine.dispose()


def at(day: dt.date, hhmm: str = "10:00") -> str:
    return f"{day.isoformat()}T{hhmm}"


async def test_site_and_volunteer_confirm_hours_and_missed_in_a_row(
    client, loaded, coordinator, tokens, db_url
):
    await place(db_url, "plc-a", "v1", "n1", "eik", MONDAYS[0])
    site = await tokens.headers("site", site="eik")
    other_site = await tokens.headers("site", site="rodekors")
    me = await tokens.headers("volunteer", volunteer="v1")
    r = await client.get("/api/v1/placements/plc-a/attendance?weeks=6", headers=site)
    assert r.status_code == 200
    assert [o["starts_at"] for o in r.json()] == [at(d) + ":00" for d in reversed(MONDAYS)]

    # Two took place (one confirmed by the volunteer), then three missed.
    for day, took, who in [
        (MONDAYS[0], True, site),
        (MONDAYS[1], True, me),
        (MONDAYS[2], False, site),
        (MONDAYS[3], False, site),
        (MONDAYS[4], False, me),
    ]:
        r = await client.post(
            "/api/v1/placements/plc-a/attendance",
            json={"starts_at": at(day), "took_place": took},
            headers=who,
        )
        assert r.status_code == 200, r.text
        assert r.json()["minutes"] == 120

    hours = (await client.get("/api/v1/attendance/hours", headers=coordinator)).json()
    assert sum(h["minutes"] for h in hours) == 240 and {h["volunteer"] for h in hours} == {"v1"}
    assert {h["month"] for h in hours} == {f"{d:%Y-%m}" for d in MONDAYS[:2]}
    flags = (await client.get("/api/v1/attendance/missed", headers=coordinator)).json()
    assert [(f["placement"], f["missed"]) for f in flags] == [("plc-a", 3)]
    assert flags[0]["first_missed"] == at(MONDAYS[2]) + ":00"
    assert (await client.get("/api/v1/attendance/missed", headers=other_site)).json() == []
    assert (await client.get("/api/v1/attendance/hours", headers=other_site)).json() == []

    # The at-risk list (placements in force that break a rule now) carries the flag too.
    listed = (await client.get("/api/v1/placements?at_risk=true", headers=coordinator)).json()
    [risk] = [r for p in listed for r in p["at_risk"] if r["rule"] == "attendance"]
    assert risk["code"] == "missed_in_a_row" and risk["placement"] == "plc-a" and risk["data"]["missed"] == 3
    for_site = (await client.get("/api/v1/placements?at_risk=true", headers=site)).json()
    assert [r["code"] for p in for_site for r in p["at_risk"] if r["rule"] == "attendance"] == [
        "missed_in_a_row"
    ]

    # A correction: the last one did take place after all; the flag goes.
    r = await client.post(
        "/api/v1/placements/plc-a/attendance",
        json={"starts_at": at(MONDAYS[4]), "took_place": True},
        headers=site,
    )
    assert r.status_code == 200
    assert (await client.get("/api/v1/attendance/missed", headers=coordinator)).json() == []
    listed = (await client.get("/api/v1/placements?at_risk=true", headers=coordinator)).json()
    assert not [r for p in listed for r in p["at_risk"] if r["rule"] == "attendance"]


async def test_attendance_refuses_wrong_times_other_sites_and_the_future(client, loaded, tokens, db_url):
    await place(db_url, "plc-b", "v2", "n1", "eik", MONDAYS[0])
    site = await tokens.headers("site", site="eik")
    other = await tokens.headers("site", site="rodekors")
    other_volunteer = await tokens.headers("volunteer", volunteer="v3")
    bad = await client.post(
        "/api/v1/placements/plc-b/attendance",
        json={"starts_at": at(MONDAYS[1], "11:00"), "took_place": True},
        headers=site,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "starts_at"
    future = TODAY + dt.timedelta(days=7 - TODAY.weekday())
    r = await client.post(
        "/api/v1/placements/plc-b/attendance",
        json={"starts_at": at(future), "took_place": True},
        headers=site,
    )
    assert r.status_code == 422
    for who in (other, other_volunteer):
        r = await client.post(
            "/api/v1/placements/plc-b/attendance",
            json={"starts_at": at(MONDAYS[1]), "took_place": True},
            headers=who,
        )
        assert r.status_code == 404
    r = await client.post(
        "/api/v1/placements/plc-b/attendance", json={"starts_at": "yesterday", "took_place": 1}, headers=site
    )
    assert r.status_code == 400 and "starts_at" in r.text


async def test_site_contact_page_records_attendance_with_htmx(app, loaded, users, db_url, browser_client):
    await place(db_url, "plc-c", "v1", "n1", "eik", MONDAYS[2])
    await users.create("kontakt@eik.no", role="site", site="eik")
    await sign_in(browser_client, "kontakt@eik.no", next_="/placements/plc-c/attendance")
    # The site contact's own page links to it.
    assert 'href="/placements/plc-c/attendance"' in (await browser_client.get("/site")).text
    page = await browser_client.get("/placements/plc-c/attendance")
    assert page.status_code == 200 and "Besøksvenn mandag" in page.text
    # the volunteer by first name only, as on /site: "Frivillig", never the full "Frivillig 1"
    assert "Frivillig" in page.text and "Frivillig 1" not in page.text
    r = await post_form(
        browser_client,
        "/placements/plc-c/attendance",
        {"starts_at": at(MONDAYS[3]), "took_place": "no"},
        htmx=True,
    )
    assert r.status_code == 200 and 'id="attendance"' in r.text and "Ikke gjennomført" in r.text
    assert "<html" not in r.text  # a fragment for htmx to swap
    # Another site's placement is not this contact's to see.
    await place(db_url, "plc-d", "v2", "n3", "rodekors", MONDAYS[2])
    assert (await browser_client.get("/placements/plc-d/attendance")).status_code == 404


async def test_certificate_of_volunteering(
    client, loaded, coordinator, tokens, db_url, users, browser_client
):
    await place(db_url, "plc-e", "v1", "n1", "eik", MONDAYS[0])
    site = await tokens.headers("site", site="eik")
    for day in MONDAYS[:3]:
        await client.post(
            "/api/v1/placements/plc-e/attendance",
            json={"starts_at": at(day), "took_place": True},
            headers=site,
        )
    await users.create("kari@kommune.no")
    await sign_in(browser_client, "kari@kommune.no")
    page = await browser_client.get("/volunteers/v1/attest")
    assert page.status_code == 200
    text: Any = page.text
    assert "Attest for frivillig innsats" in text and "Frivillig 1" in text
    assert "Til sammen 6 timer. Antall ganger: 3." in text and "Eik sykehjem" in text


async def test_overview_lists_three_missed_in_a_row_among_the_placements_at_risk(
    client, loaded, tokens, db_url, users, browser_client
):
    await place(db_url, "plc-f", "v4", "n1", "eik", MONDAYS[0])
    site = await tokens.headers("site", site="eik")
    for day in MONDAYS[2:]:
        r = await client.post(
            "/api/v1/placements/plc-f/attendance",
            json={"starts_at": at(day), "took_place": False},
            headers=site,
        )
        assert r.status_code == 200
    await users.create("kari@kommune.no")
    await sign_in(browser_client, "kari@kommune.no")
    page = (await browser_client.get("/")).text
    assert 'data-rule="attendance" data-code="missed_in_a_row"' in page
    assert "Ble ikke noe av de siste 3 gangene på rad" in page and "/placements/plc-f/attendance" in page


async def test_statistics_count_the_hours_confirmed(
    client, loaded, coordinator, tokens, db_url
):
    await place(db_url, "plc-g", "v1", "n1", "eik", MONDAYS[0])
    site = await tokens.headers("site", site="eik")
    for day, took in zip(MONDAYS, (True, True, False, True, False), strict=True):
        await client.post(
            "/api/v1/placements/plc-g/attendance",
            json={"starts_at": at(day), "took_place": took},
            headers=site,
        )
    start, end = MONDAYS[0], MONDAYS[-1]
    stats = (await client.get(f"/api/v1/statistics?from={start}&to={end}", headers=coordinator)).json()
    # hours given are the occurrences confirmed as taken place; the plan's hours stand beside them
    assert stats["total"]["hours_total"] == 6.0  # three of the five took place, two hours each
    eik = next(r for r in stats["sites"] if r["id"] == "eik")
    assert eik["hours_total"] == 6.0
    assert sum(eik["hours"].values()) == 6.0
