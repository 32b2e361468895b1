"""An exchange event's CSV import stores no identity number: a multipart upload passes the edge unread, so
the event's store checks each line (service/exchange/store._no_identity_number); the page names the line."""

from __future__ import annotations

import html

import pytest

from service.web import i18n
from tests.service.web.conftest import csrf, post_form

pytestmark = pytest.mark.anyio

PARTICIPANTS = ("navn;sektor;kontakt\nRøde Kors;frivillig organisasjon;leder@rk.example.org\n"
                "Ola Nordmann;privatperson;ola 010170 12345\n")


async def test_a_csv_line_with_an_identity_number_imports_nothing(coordinator_client):
    c = coordinator_client
    r = await post_form(c, "/events", {"name": "Børs", "venue": "Her", "starts_at": "2027-03-10T17:00",
                                       "trading_minutes": "60"})
    assert r.status_code in (302, 303), r.text[:300]
    eid = r.headers["location"].split("/events/")[1].split("/")[0]
    r = await c.post(f"/events/{eid}/setup/import", headers={"X-CSRFToken": csrf(c)},
                     files={"file": ("p.csv", PARTICIPANTS.encode())}, data={"what": "participants"})
    assert r.status_code == 422
    said = html.escape(i18n.t("nb", "form.err.national_id"), quote=False)
    assert said in r.text and html.escape(i18n.t("nb", "exchange.csv.place.line", line=3), quote=False) in r.text
    setup = await c.get(f"/events/{eid}/setup")
    assert setup.status_code == 200 and "Røde Kors" not in setup.text  # all lines or none
    fixed = PARTICIPANTS.replace("ola 010170 12345", "ola@example.org")
    r = await c.post(f"/events/{eid}/setup/import", headers={"X-CSRFToken": csrf(c)},
                     files={"file": ("p.csv", fixed.encode())}, data={"what": "participants"})
    assert r.status_code in (302, 303), r.text[:300]
    assert "Røde Kors" in (await c.get(f"/events/{eid}/setup")).text
