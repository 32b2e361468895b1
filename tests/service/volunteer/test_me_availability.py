"""The volunteer's own page (/me) edits availability with the same week grid as the coordinator's form:
marked cells become windows (across midnight), times off the grid stay rows, and saving unchanged keeps
the stored windows."""

from __future__ import annotations

import re

import pytest

from tests.service.volunteer.test_pages import sign_in_by_link
from tests.service.web.test_availability_grid import cells, form_of, save

pytestmark = pytest.mark.anyio

DAYTIME = [{"weekday": d, "start": "08:00", "end": "22:00"} for d in range(1, 8)]  # the small scenario's


async def test_my_page_grid_round_trips_and_saves_overnight_windows(released, db_url, browser_client, client,
                                                                   coordinator):
    c = browser_client
    await sign_in_by_link(c, db_url)
    page = (await c.get("/me")).text
    # v1 is available 08:00–22:00 every day: 28 half hours a day marked.
    assert len(re.findall(r'name="availability_cell" value="[^"]+" checked', page)) == 7 * 28
    assert "mandag 08:00–22:00 · tirsdag 08:00–22:00" in page
    assert '<script src="/static/week-grid.js" nonce="' in page
    fields = form_of(page, "/me/profile")
    assert ("weekday_0", "") in fields  # no off-grid rows: only the blank one
    r = await save(c, "/me/profile", fields)
    assert r.status_code == 303
    doc = (await client.get("/api/v1/volunteers/v1", headers=coordinator)).json()
    assert doc["availability"] == DAYTIME

    fields = [f for f in fields if f[0] != "availability_cell"]
    fields = [(k, {"weekday_0": "3", "start_0": "10:15", "end_0": "11:40"}.get(k, v)) for k, v in fields]
    fields += [("availability_cell", k) for k in [*cells(2, "18:00", "22:00"), *cells(5, "22:00", "02:00")]]
    r = await save(c, "/me/profile", fields)
    assert r.status_code == 303
    doc = (await client.get("/api/v1/volunteers/v1", headers=coordinator)).json()
    assert doc["availability"] == [{"weekday": 3, "start": "10:15", "end": "11:40"},
                                   {"weekday": 2, "start": "18:00", "end": "22:00"},
                                   {"weekday": 5, "start": "22:00", "end": "02:00"}]
    page = (await c.get("/me")).text
    assert "tirsdag 18:00–22:00 · fredag 22:00–02:00" in page
    assert set(re.findall(r'name="availability_cell" value="([^"]+)" checked', page)) == {
        *cells(2, "18:00", "22:00"), *cells(5, "22:00", "02:00")}
    fields = form_of(page, "/me/profile")
    assert ("start_0", "10:15") in fields and ("end_0", "11:40") in fields
    r = await save(c, "/me/profile", fields)  # unchanged: the same windows in the same order
    assert (await client.get("/api/v1/volunteers/v1", headers=coordinator)).json()["availability"] == \
        doc["availability"]


async def test_my_profile_refused_comes_back_as_typed_with_the_reason_beside_it(released, db_url, browser_client,
                                                                               client, coordinator):
    """A row that is no weekday with two times, or times the register refuses (a window ending as it starts):
    my page again (422) with every row, grid mark, interest and language as typed and the reason beside the
    row or above the form in the page's language — never a flash at the top that drops what was typed."""
    c = browser_client
    await sign_in_by_link(c, db_url)
    page = (await c.get("/me")).text
    base = [f for f in form_of(page, "/me/profile") if f[0] not in ("availability_cell", "interests", "languages")]
    marks = [("availability_cell", k) for k in cells(4, "09:00", "11:00")]
    typed = {"weekday_0": "3", "start_0": "10:15", "end_0": ""}
    fields = [(k, typed.get(k, v)) for k, v in base] + marks + [("interests", "strikking, sjakk"),
                                                                ("languages", "norsk, polsk")]
    r = await save(c, "/me/profile", fields)
    assert r.status_code == 422
    said = "Sjekk tidene: ukedag og klokkeslett må fylles ut."
    assert f'<span class="field-error" id="slot-err-0">{said}</span>' in r.text
    assert re.search(r'id="st-0" name="start_0" value="10:15" aria-invalid="true"', r.text)
    assert re.search(r'<select id="wd-0" name="weekday_0">.*?<option value="3" selected>', r.text, re.S)
    assert 'value="strikking, sjakk"' in r.text and 'value="norsk, polsk"' in r.text
    marked = set(re.findall(r'name="availability_cell" value="([^"]+)" checked', r.text))
    assert marked == set(cells(4, "09:00", "11:00"))
    assert r.text.count(said) == 1  # beside the row only, not in a flash at the top as well

    typed = {"weekday_0": "3", "start_0": "10:15", "end_0": "10:15"}  # the register's own check: end = start
    fields = [(k, typed.get(k, v)) for k, v in base] + marks + [("interests", "strikking"), ("languages", "norsk")]
    r = await save(c, "/me/profile", fields)
    assert r.status_code == 422
    assert re.search(r'<p class="field-error" id="profile-err" role="alert">Ikke lagret: [^<]+</p>', r.text)
    assert "availability[" not in r.text
    assert 'value="10:15"' in r.text and 'value="strikking"' in r.text
    assert (await client.get("/api/v1/volunteers/v1", headers=coordinator)).json()["availability"] == DAYTIME
