"""The planning period set and cleared by the coordinator: over the API and on the matching page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from matcher.scenario import MAX_HORIZON_DAYS
from service import clock
from service.web import i18n
from tests.service.factories import planning_period
from tests.service.test_register import assert_problem
from tests.service.web.conftest import post_form

pytestmark = pytest.mark.anyio
API = "/api/v1/planning-period"


async def period(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.get(API, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def horizon(client: Any, headers: dict[str, str]) -> dict[str, str]:
    """The period the solver is given: the scenario the next run exports."""
    r = await client.get("/api/v1/scenario", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["horizon"]


async def test_the_period_set_is_the_one_the_next_plan_is_made_for(client, loaded, coordinator):
    today = clock.today()
    before = planning_period()
    assert await period(client, coordinator) == {
        "start": before.start.isoformat(), "end": before.end.isoformat(),
        "fixed": today <= dt.date.fromisoformat(loaded["horizon"]["end"]),  # the imported period until it ends
        "default_days": 90,
    }

    start, end = today + dt.timedelta(days=7), today + dt.timedelta(days=70)
    r = await client.put(API, json={"start": start.isoformat(), "end": end.isoformat()}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert r.json() == {"start": start.isoformat(), "end": end.isoformat(), "fixed": True, "default_days": 90}
    assert await period(client, coordinator) == r.json()
    assert await horizon(client, coordinator) == {"start": start.isoformat(), "end": end.isoformat()}

    r = await client.delete(API, headers=coordinator)
    assert r.status_code == 200, r.text
    rolling = {"start": today.isoformat(), "end": (today + dt.timedelta(days=90)).isoformat()}
    assert r.json() == {**rolling, "fixed": False, "default_days": 90}
    assert await horizon(client, coordinator) == rolling


@pytest.mark.parametrize(
    ("days", "code"),
    [((10, 3), "before-start"), ((-40, -1), "in-the-past"), ((-1, MAX_HORIZON_DAYS), "too-long-period")],
)
async def test_a_period_that_cannot_be_is_refused_naming_the_end_and_nothing_changes(client, loaded, coordinator,
                                                                                      days, code):
    today = clock.today()
    before = await period(client, coordinator)
    start, end = (today + dt.timedelta(days=d) for d in days)
    r = await client.put(API, json={"start": start.isoformat(), "end": end.isoformat()}, headers=coordinator)
    body = assert_problem(r, 422, "end")
    assert [e["code"] for e in body["errors"]] == [code], body
    assert await period(client, coordinator) == before


async def test_a_malformed_period_is_a_problem_naming_the_field(client, loaded, coordinator):
    before = await period(client, coordinator)
    r = await client.put(API, json={"start": "2027-13-01", "end": "2027-12-01"}, headers=coordinator)
    assert_problem(r, 400, "start")
    r = await client.put(API, json={"start": "2027-02-01"}, headers=coordinator)
    assert_problem(r, 400)
    assert await period(client, coordinator) == before


async def test_only_the_coordinator_sets_or_clears_the_period(client, loaded, coordinator, tokens):
    site = await tokens.headers("site", site="eik")
    before = await period(client, site)  # reading it is not personal data: a site contact sees it
    today = clock.today()
    body = {"start": today.isoformat(), "end": (today + dt.timedelta(days=30)).isoformat()}
    assert_problem(await client.put(API, json=body, headers=site), 403)
    assert_problem(await client.delete(API, headers=site), 403)
    assert await period(client, coordinator) == before


def _period_text(page: str) -> str:
    found = re.search(r'<p id="period-now">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


async def test_the_matching_page_sets_and_clears_the_period(coordinator_client):
    c = coordinator_client
    today = clock.today()
    start, end = today + dt.timedelta(days=14), today + dt.timedelta(days=100)
    r = await post_form(c, "/matching/period", {"start": start.isoformat(), "end": end.isoformat()})
    assert r.status_code == 303 and r.headers["location"] == "/matching#period", r.text
    page = (await c.get("/matching")).text
    assert "Planperioden er lagret" in page
    assert _period_text(page) == f"Neste plan lages for {i18n.date('nb', start)}–{i18n.date('nb', end)}."
    assert f'value="{start.isoformat()}"' in page and f'value="{end.isoformat()}"' in page

    # an end before the start: said beside the end field, what was typed kept, the period unchanged
    r = await post_form(c, "/matching/period", {"start": end.isoformat(), "end": start.isoformat()})
    assert r.status_code == 422, r.text
    err = re.search(r'<span class="field-error" id="period-end-err">(.*?)</span>', r.text, re.S)
    assert err and html.unescape(err.group(1)) == f"Før startdatoen ({i18n.date('nb', end)}).", r.text
    assert 'id="period-end" name="end" value="' + start.isoformat() + '" aria-invalid="true"' in r.text
    assert _period_text(r.text) == f"Neste plan lages for {i18n.date('nb', start)}–{i18n.date('nb', end)}."

    r = await post_form(c, "/matching/period", {"start": "", "end": end.isoformat()})
    assert r.status_code == 422 and 'id="period-start-err"' in r.text, r.text
    # a month in the year 9999 is not too long, but no plan can be made there: refused as a far date
    r = await post_form(c, "/matching/period", {"start": "9999-12-01", "end": "9999-12-31"})
    assert r.status_code == 422 and 'id="period-start-err"' in r.text and 'id="period-end-err"' in r.text, r.text
    assert _period_text(r.text) == f"Neste plan lages for {i18n.date('nb', start)}–{i18n.date('nb', end)}."

    r = await post_form(c, "/matching/period", {"action": "clear"})
    assert r.status_code == 303, r.text
    rolling_end = today + dt.timedelta(days=90)
    assert _period_text((await c.get("/matching")).text) == (
        "Ingen fast periode: neste plan lages fra i dag og 90 dager fram"
        f" ({i18n.date('nb', today)}–{i18n.date('nb', rolling_end)}).")


async def test_switching_language_on_a_page_shown_in_answer_to_a_form_returns_to_a_page(coordinator_client):
    """A refused save is shown at the form's address (POST only): the language switch goes to the nearest page
    above it that can be read, not to a 405."""
    c = coordinator_client
    for nxt, location in (("/matching/period", "/matching"), ("/matching?x=1#period", "/matching?x=1#period"),
                          ("/volunteers/v1/onboarding/first_conversation", "/volunteers/v1"),
                          ("/no/such/page", "/"), ("//evil.example", "/")):
        r = await post_form(c, "/lang", {"lang": "en", "next": nxt})
        assert r.status_code == 303 and r.headers["location"] == location, (nxt, r.headers)
        assert (await c.get(location)).status_code == 200, location
