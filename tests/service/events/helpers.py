"""Builders for exchange-event tests: an event with participants and a catalogue, over the API."""

from __future__ import annotations

from typing import Any

import httpx

EVENT = {"name": "Frivilligbørs Tønsberg", "starts_at": "2027-03-10T17:00:00+01:00", "venue": "Tønsberg bibliotek"}

PARTICIPANTS = [
    {"id": "p-bil", "name": "Bilhuset AS", "kind": "business", "contact": "post@bilhuset.example"},
    {"id": "p-rk", "name": "Røde Kors Tønsberg", "kind": "organisation", "contact": "leder@rk.example"},
    {"id": "p-eik", "name": "Eik sykehjem", "kind": "public", "contact": "frivillig@eik.example"},
    {"id": "p-kari", "name": "Kari Nordmann", "kind": "individual", "contact": "kari@example.org"},
]


def agreement(a: str = "p-bil", b: str = "p-rk", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "parties": [a, b],
        "gives": [
            {"from": a, "kind": "labour", "hours": 4, "description": "maler lokalene"},
            {"from": b, "kind": "knowledge", "hours": 2, "description": "førstehjelpskurs for de ansatte"},
        ],
        "asked_by": b,
    }
    doc.update(over)
    return doc


async def make_event(client: httpx.AsyncClient, coordinator: dict[str, str], *, trading: bool = True,
                     **over: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/events", json={**EVENT, **over}, headers=coordinator)
    assert r.status_code == 201, r.text
    event = r.json()
    eid = event["id"]
    for p in PARTICIPANTS:
        r = await client.post(f"/api/v1/events/{eid}/participants", json=p, headers=coordinator)
        assert r.status_code == 201, r.text
    entries = [
        ("offers", {"participant": "p-bil", "category": "hands", "title": "Dugnad: maling",
                    "tags": ["maling", "dugnad"],
                    "amount": {"hours": 8}}),
        ("needs", {"participant": "p-rk", "category": "hands", "title": "Hjelp til maling av lokalet",
                   "tags": ["maling"], "amount": {"hours": 6}}),
        ("offers", {"participant": "p-rk", "category": "knowledge", "title": "Førstehjelpskurs",
                    "tags": ["førstehjelp"]}),
        ("needs", {"participant": "p-bil", "category": "knowledge", "title": "Førstehjelp for ansatte",
                   "tags": ["førstehjelp"]}),
        ("needs", {"participant": "p-eik", "category": "event_help", "title": "Hjelp på sommerfest", "tags": ["fest"]}),
    ]
    for side, doc in entries:
        r = await client.post(f"/api/v1/events/{eid}/{side}", json=doc, headers=coordinator)
        assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/events/{eid}/state", json={"action": "open_catalogue"}, headers=coordinator)
    assert r.status_code == 200, r.text
    if trading:
        r = await client.post(f"/api/v1/events/{eid}/gong", json={"action": "open"}, headers=coordinator)
        assert r.status_code == 200, r.text
    return r.json()
