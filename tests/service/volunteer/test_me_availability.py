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
