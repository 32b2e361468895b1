"""Frivilligtorg: someone who signs up at the event becomes a volunteer with onboarding pending,
and the next plan proposes provisional placements for them (never ordinary proposals)."""

from __future__ import annotations

import httpx
import pytest

from tests.service.conftest import Tokens
from tests.service.events.helpers import make_event

pytestmark = pytest.mark.anyio

ALWAYS = [{"weekday": d, "start": "08:00", "end": "22:00"} for d in range(1, 8)]


async def test_signed_up_volunteer_gets_provisional_proposals_until_onboarded(
    client: httpx.AsyncClient, coordinator: dict[str, str], tokens: Tokens, loaded: dict[str, object]
) -> None:
    # a need with more places than the register's four volunteers can fill
    r = await client.post("/api/v1/needs", json={"id": "n-fri", "site": "rodekors", "activity": "turvenn",
                                                 "title": "Turvenn fredag", "headcount": 10,
                                                 "weekly": [{"weekday": 5, "start": "10:00", "end": "12:00"}]},
                          headers=coordinator)
    assert r.status_code == 201, r.text
    eid = (await make_event(client, coordinator))["id"]
    broker = await tokens.headers("broker", event=eid)
    r = await client.post(f"/api/v1/events/{eid}/volunteers", headers=broker, json={
        "name": "Ola Nordmann", "phone": "40000099", "activities": ["turvenn"], "availability": ALWAYS,
        "participant": "p-kari"})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert r.json()["onboarding"] == "pending"
    record = (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()
    assert record["agreement_signed"] is None and record["confidentiality_signed"] is None
    listed = (await client.get(f"/api/v1/events/{eid}/volunteers", headers=broker)).json()
    assert [(v["volunteer"], v["onboarding"]) for v in listed] == [(vid, "pending")]
    # the unsigned fields cannot be smuggled in at the Frivilligtorg
    r = await client.post(f"/api/v1/events/{eid}/volunteers", headers=broker,
                          json={"name": "X", "agreement_signed": "2027-01-01"})
    assert r.status_code == 400

    plan = (await client.post("/api/v1/plans", headers={**coordinator, "Prefer": "wait=120"})).json()
    assert vid not in {p["volunteer"] for p in plan["proposals"]}
    provisional = plan["summary"]["provisional"]
    assert provisional and {p["volunteer"] for p in provisional} == {vid}
    assert all(p["provisional"] is True and p["need"] == "n-fri" for p in provisional)
    assert provisional[0]["pending"] == ["agreement_signed", "confidentiality_signed"]
    # only places the main plan left open
    taken = sum(1 for p in plan["proposals"] if p["need"] == "n-fri")
    assert taken + len([p for p in provisional if p["need"] == "n-fri"]) <= 10

    # onboarded: the next run proposes them in the ordinary way
    r = await client.patch(f"/api/v1/volunteers/{vid}", headers=coordinator,
                           json={"agreement_signed": "2026-12-01", "confidentiality_signed": "2026-12-01"})
    assert r.status_code == 200, r.text
    plan = (await client.post("/api/v1/plans", headers={**coordinator, "Prefer": "wait=120"})).json()
    assert vid in {p["volunteer"] for p in plan["proposals"]}
    assert plan["summary"]["provisional"] == []
