"""DOMAIN.md: national identity numbers are never stored. The pattern and where in a body one is
(service/identity_numbers.py); the edge's check of every JSON body (api/hygiene.reject_identity_numbers)."""

from __future__ import annotations

import pytest

from service.identity_numbers import field_with_one, form_field_with_one, has_identity_number, may_hold_one
from tests.service.events.helpers import make_event

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("text", "found"), [
    ("01017012345", True), ("Kari 010170 12345", True), ("010170-12345", True), ("010170.12345", True),
    ("tlf 40000001", False), ("+47 400 00 001", False), ("org.nr. 974 760 673", False),
    ("0101701234", False), ("010170123456", False),  # ten and twelve digits
    ("id v01017012345", True),
    ("evt-53303991234b", False), ("/volunteers/v1#plc-plc-a01017012345", False),  # ids the service makes
    ("msg-0101701234500000000000000000ab", False), ("nr-01017012345", True),  # a made id has 12 or 32 hex
])
def test_what_an_identity_number_looks_like(text: str, found: bool) -> None:
    assert has_identity_number(text) is found
    assert may_hold_one(text.encode()) or not found  # the raw look may say yes where the fields say no


def test_where_in_a_document_and_a_form() -> None:
    doc = {"name": "Lag", "entries": [{"title": "ok"}, {"title": "ring 01017012345"}], "n": 12345678901}
    assert field_with_one(doc) == "entries[1].title"
    assert field_with_one({"n": 12345678901, "x": ["a"]}) is None  # a number is not text
    assert field_with_one({"01017012345": "x"}) == "01017012345"  # a key is stored too
    assert field_with_one({"password": "01017012345", "new_token": "01017012345"}) is None
    assert form_field_with_one([("_csrf_token", "01017012345"), ("name", "ok")]) is None
    assert form_field_with_one([("name", "ok"), ("note", "010170 12345")]) == "note"


async def test_an_event_stores_no_identity_number(client, coordinator):
    """An exchange event's participants and catalogue had no check: now the edge refuses one in any field."""
    event = await make_event(client, coordinator, trading=False)
    eid = event["id"]
    r = await client.post(f"/api/v1/events/{eid}/participants", headers=coordinator,
                          json={"id": "p-ola", "name": "Ola", "kind": "individual", "contact": "010170 12345"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["errors"][0]["field"] == "contact" and body["errors"][0]["code"] == "national-id-number"
    assert "010170 12345" not in r.text  # the value is not echoed back
    names = [p["name"] for p in (await client.get(f"/api/v1/events/{eid}/participants", headers=coordinator)).json()]
    assert "Ola" not in names
    r = await client.post(f"/api/v1/events/{eid}/offers", headers=coordinator,
                          json={"participant": "p-rk", "category": "hands", "title": "Hjelp",
                                "description": "spør etter 01017012345", "amount": {"hours": 2}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "description", r.text
