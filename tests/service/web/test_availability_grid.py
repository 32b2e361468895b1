"""Availability as a week grid on the coordinator's volunteer form (issue 13), over HTTP: marked cells
become the register's windows (across midnight, Sunday into Monday), the edit form shows them again,
times off the half-hour grid stay rows of their own, and a save without change stores the same windows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.service.web.conftest import post_form

pytestmark = pytest.mark.anyio


class FormFields(HTMLParser):
    """What a browser would post for one of the page's forms (its action contains `action`): inputs,
    checked boxes, selected options."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and self.action in a.get("action", ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("name") != "_csrf_token":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
            self.fields.append((self._select or "", ""))
        elif tag == "option" and self._select and "selected" in a:
            self.fields[-1] = (self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_of(html: str, action: str = "/volunteers/") -> list[tuple[str, str]]:
    p = FormFields(action)
    p.feed(html)
    return p.fields


async def save(c: Any, url: str, fields: list[tuple[str, str]]) -> Any:
    from tests.service.web.conftest import csrf

    data: dict[str, list[str]] = {}
    for k, v in [*fields, ("_csrf_token", csrf(c))]:
        data.setdefault(k, []).append(v)
    return await c.post(url, data=data)


def cells(day: int, start: str, end: str) -> list[str]:
    """The half-hour cells of a window, as the grid posts them ('5-22:00', …, '6-01:30')."""
    h0, m0 = map(int, start.split(":"))
    h1, m1 = map(int, end.split(":"))
    a, b = h0 * 60 + m0, h1 * 60 + m1
    if b <= a:
        b += 24 * 60
    return [f"{(day - 1 + t // 1440) % 7 + 1}-{t % 1440 // 60:02d}:{t % 60:02d}" for t in range(a, b, 30)]


BASE = {"name": "Grete Rutenett", "max_assignments": "1", "availability_day_0": "", "availability_start_0": "",
        "availability_end_0": ""}


async def test_marked_cells_become_windows_across_midnight_and_come_back(coordinator_client, client, coordinator):
    c = coordinator_client
    marked = [*cells(2, "18:00", "22:00"), *cells(5, "22:00", "02:00"), *cells(7, "23:00", "01:00")]
    r = await save(c, "/volunteers/new", [*BASE.items(), *(("availability_cell", k) for k in marked)])
    assert r.status_code == 303, r.text
    vid = r.headers["location"].split("/")[2].split("#")[0]
    doc = (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()
    assert doc["availability"] == [{"weekday": 2, "start": "18:00", "end": "22:00"},
                                   {"weekday": 5, "start": "22:00", "end": "02:00"},
                                   {"weekday": 7, "start": "23:00", "end": "01:00"}]
    edit = (await c.get(f"/volunteers/{vid}/edit")).text
    checked = set(re.findall(r'name="availability_cell" value="([^"]+)" checked', edit))
    assert checked == set(marked)
    assert "tirsdag 18:00–22:00 · fredag 22:00–02:00 · søndag 23:00–01:00" in edit
    assert '<script src="/static/week-grid.js" nonce="' in edit
    # Each cell is a labelled checkbox (works without JavaScript): the day and the half hour.
    assert re.search(r'value="6-01:30" checked><span class="sr-only">lørdag 01:30–02:00</span>', edit)
    # Unmark Sunday night, mark Monday morning: the new cells are what is stored.
    fields = [f for f in form_of(edit) if not (f[0] == "availability_cell" and f[1] in cells(7, "23:00", "01:00"))]
    fields += [("availability_cell", k) for k in cells(1, "08:00", "09:30")]
    r = await save(c, f"/volunteers/{vid}/edit", fields)
    assert r.status_code == 303, r.text
    doc = (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()
    assert doc["availability"] == [{"weekday": 1, "start": "08:00", "end": "09:30"},
                                   {"weekday": 2, "start": "18:00", "end": "22:00"},
                                   {"weekday": 5, "start": "22:00", "end": "02:00"}]


async def test_saving_unchanged_keeps_every_window_and_off_grid_times_stay_rows(coordinator_client, client,
                                                                               coordinator):
    c = coordinator_client
    stored = [{"weekday": 2, "start": "12:00", "end": "14:00"}, {"weekday": 2, "start": "10:00", "end": "12:00"},
              {"weekday": 3, "start": "10:15", "end": "11:40"}, {"weekday": 7, "start": "23:00", "end": "01:00"},
              {"weekday": 4, "start": "00:00", "end": "00:00"}]
    rows: dict[str, str] = {}
    for i, s in enumerate(stored):
        rows |= {f"availability_day_{i}": str(s["weekday"]), f"availability_start_{i}": s["start"],
                 f"availability_end_{i}": s["end"]}
    r = await post_form(c, "/volunteers/new", {**BASE, **rows})
    assert r.status_code == 303, r.text
    vid = r.headers["location"].split("/")[2].split("#")[0]
    assert (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()["availability"] == stored
    edit = (await c.get(f"/volunteers/{vid}/edit")).text
    fields = form_of(edit)
    # 10:15–11:40 is not on the half-hour grid: it is the one row, editable, and not drawn on the grid.
    assert ("availability_day_0", "3") in fields and ("availability_start_0", "10:15") in fields
    assert ("availability_end_0", "11:40") in fields and ("availability_start_1", "") in fields
    grid = {v for k, v in fields if k == "availability_cell"}
    assert grid == {*cells(2, "10:00", "14:00"), *cells(7, "23:00", "01:00"), *cells(4, "00:00", "00:00")}
    assert "3-10:00" not in grid and "3-10:30" not in grid
    # Saved without a change: the same windows, the touching pair still two, in the same order.
    r = await save(c, f"/volunteers/{vid}/edit", fields)
    assert r.status_code == 303, r.text
    assert (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()["availability"] == stored
    # The off-grid row edited: the grid's windows are kept as they were, the row's new time stored.
    fields = [(k, "11:45" if k == "availability_end_0" else v) for k, v in fields]
    r = await save(c, f"/volunteers/{vid}/edit", fields)
    assert r.status_code == 303, r.text
    after = (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()["availability"]
    assert after == [{"weekday": 3, "start": "10:15", "end": "11:45"}, *(s for s in stored if s["weekday"] != 3)]


async def test_a_refused_save_keeps_the_marked_cells(coordinator_client):
    c = coordinator_client
    marked = cells(5, "22:00", "02:00")
    r = await save(c, "/volunteers/new", [*{**BASE, "name": ""}.items(), *(("availability_cell", k) for k in marked),
                                          ("availability_cell", "9-99:99")])
    assert r.status_code == 422 and 'id="err-name"' in r.text
    assert set(re.findall(r'name="availability_cell" value="([^"]+)" checked', r.text)) == set(marked)
    assert "fredag 22:00–02:00" in r.text
    # One marked cell posts a single value, not a list: still one cell on the grid.
    r = await save(c, "/volunteers/new", [*{**BASE, "name": ""}.items(), ("availability_cell", "3-09:00")])
    assert re.findall(r'name="availability_cell" value="([^"]+)" checked', r.text) == ["3-09:00"]
    assert "onsdag 09:00–09:30" in r.text
