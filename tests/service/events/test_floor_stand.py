"""The Frivilligtorg stand's page: a sign-up answers at once (within 200 ms on the server) with the
open places the newcomer could fill once onboarded, provisional, and queues a receipt by e-mail in the
notification outbox; the volunteer is in the register with onboarding pending."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.db.engine import create_engine, create_sessionmaker
from service.db.models import OutboxRow
from tests.service.events.helpers import make_event
from tests.service.events.live_helpers import server

pytestmark = pytest.mark.anyio


async def floor_client(base: str, url: str) -> httpx.AsyncClient:
    """A browser-like client signed in through a floor link (one GET, one tap)."""
    tablet = httpx.AsyncClient(timeout=30, follow_redirects=True)
    page = await tablet.get(url)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    r = await tablet.post(url, data={"_csrf_token": token.group(1)})
    assert r.status_code == 200, r.text[:500]
    return tablet


def csrf(html: str) -> str:
    m = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


async def test_stand_signs_up_and_answers_with_open_places(
        client: httpx.AsyncClient, db_url: str, coordinator: dict[str, str], loaded: dict[str, Any]) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the stand's page is the same on both databases")
    r = await client.post("/api/v1/needs", headers=coordinator, json={
        "id": "n-tirs", "site": "rodekors", "activity": "turvenn", "title": "Turvenn tirsdag", "headcount": 3,
        "weekly": [{"weekday": 2, "start": "13:00", "end": "15:00"}]})
    assert r.status_code == 201, r.text
    eid = (await make_event(client, coordinator))["id"]
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            r = await api.post(f"/api/v1/events/{eid}/floor-links", json={"role": "stand", "name": "Torget"},
                               headers=coordinator)
            assert r.status_code == 201, r.text
            tablet = await floor_client(base, r.json()["url"])
        try:
            page = await tablet.get(f"{base}/events/{eid}/floor/stand")
            assert page.status_code == 200 and "turvenn" in page.text.lower()
            form = {"_csrf_token": csrf(page.text), "name": "Siri Frivillig", "phone": "40000001",
                    "email": "siri@example.org", "activities": ["turvenn"], "interests": "natur, tur",
                    "languages": "norsk", "days": ["2", "4"], "from": "12:00", "to": "16:00"}
            r = await tablet.post(f"{base}/events/{eid}/floor/stand", data=form)
            assert r.status_code == 200, r.text[-2000:]
            assert "Du kan bli turvenn på" in r.text and "tirsdager 13–15" in r.text, r.text[-2500:]
            assert "Foreløpig" in r.text
            ms = float(re.search(r'data-ms="(\d+)"', r.text).group(1))  # type: ignore[union-attr]
            # the server times its answer into the page; the figure is printed, not asserted (a loaded CI
            # machine took 440 ms where a quiet one takes 30): bench/floor_live.py measures the floor
            print(f"stand answer: {ms:.0f} ms on the server")
            # bad input is said beside each field in the page's language, what was typed and ticked comes
            # back; nothing is stored
            bad = {"_csrf_token": csrf(r.text), "name": "", "max_hours_per_week": "mange", "activities": ["turvenn"],
                   "days": ["2", "²"], "from": "17:00", "to": "20:00", "interests": "sykling"}  # "²": no day, no 500
            r = await tablet.post(f"{base}/events/{eid}/floor/stand", data=bad)
            assert r.status_code == 422
            assert '<span class="field-error" id="err-name">Må fylles ut.</span>' in r.text
            assert '<span class="field-error" id="err-max_hours_per_week">Skriv et tall.</span>' in r.text
            assert "max_hours_per_week:" not in r.text and "a number" not in r.text
            assert re.search(r'name="max_hours_per_week"[^>]*aria-invalid="true"', r.text)
            assert 'value="turvenn" checked' in r.text and 'name="days" value="2" checked' in r.text
            assert 'value="mange"' in r.text and 'value="sykling"' in r.text and 'value="17:00"' in r.text
            # a birth date in the future is no birth date (the register's check, as the API's)
            r = await tablet.post(f"{base}/events/{eid}/floor/stand",
                                  data={"_csrf_token": csrf(r.text), "name": "Framtidig", "birth_date": "2999-01-01"})
            assert r.status_code == 422 and 'id="err-birth_date"' in r.text, r.text[-2000:]
            # nor is a typo an e-mail address: refused beside the field, no receipt queued to it (below)
            r = await tablet.post(f"{base}/events/{eid}/floor/stand",
                                  data={"_csrf_token": csrf(r.text), "name": "Feil Adresse", "email": "feil.adresse"})
            assert r.status_code == 422 and 'id="err-email"' in r.text and 'value="feil.adresse"' in r.text
        finally:
            await tablet.aclose()
        listed = (await client.get(f"/api/v1/events/{eid}/volunteers", headers=coordinator)).json()
        assert [(v["name"], v["onboarding"]) for v in listed] == [("Siri Frivillig", "pending")]
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as s:
            rows = (await s.scalars(sa.select(OutboxRow))).all()
    finally:
        await engine.dispose()
    assert [(m.recipient, m.kind, m.state) for m in rows] == [("siri@example.org", "stand_receipt", "queued")]
    assert "turvenn" in rows[0].body.lower() and "Siri" in rows[0].body
