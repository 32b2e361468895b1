"""Which changes tell whom: released, answered, ended (in the change's transaction), and the daily scan
(reminder the day before a one-off need, course expiring in 30 days, follow-up due), idempotent per day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from service.accounts import create_user
from service.db.models import OutboxRow, PlacementRow, VolunteerAccountRow
from service.notify.scan import daily_scan
from service.settings import Settings
from tests.service.factories import in_session

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, outbox_sender=False, public_url="https://frivillig.kommune.example")




async def _messages(db_url: str) -> list[OutboxRow]:
    async def work(session: Any) -> list[OutboxRow]:
        return list((await session.scalars(sa.select(OutboxRow).order_by(OutboxRow.created_at))).all())

    return await in_session(db_url, work)


async def test_daily_scan_queues_each_reminder_once(client, loaded, coordinator, db_url, settings):
    today = dt.date(2027, 3, 1)
    tomorrow = today + dt.timedelta(days=1)
    r = await client.post(
        "/api/v1/needs",
        headers=coordinator,
        json={
            "id": "konsert",
            "site": "eik",
            "activity": "besoksvenn",
            "title": "Konsert i hagen",
            "once": {"date": tomorrow.isoformat(), "start": "18:00", "end": "20:00"},
        },
    )
    assert r.status_code == 201, r.text
    r = await client.patch(
        "/api/v1/volunteers/v1",
        headers=coordinator,
        json={
            "email": "v1@example.no",
            "trainings": [{"training": "demens", "completed": "2025-01-01", "expires": "2027-03-20"}],
        },
    )
    assert r.status_code == 200, r.text
    await client.patch("/api/v1/volunteers/v2", headers=coordinator, json={"email": "v2@example.no"})

    async def setup(session: Any) -> None:
        await create_user(
            session, email="kari@kommune.no", password="riktig hest batteri", role="coordinator"
        )
        session.add(
            PlacementRow(
                id="plc-once",
                volunteer_id="v1",
                need_id="konsert",
                site_id="eik",
                activity_id="besoksvenn",
                state="confirmed",
                start=dt.date(2027, 2, 20),
                followups_done=[],
            )
        )
        # Started long ago: its first follow-up conversation is overdue.
        session.add(
            PlacementRow(
                id="plc-long",
                volunteer_id="v2",
                need_id="n1",
                site_id="eik",
                activity_id="besoksvenn",
                state="confirmed",
                start=dt.date(2027, 1, 4),
                followups_done=[],
            )
        )
        session.add(VolunteerAccountRow(volunteer_id="v1", lang="en"))

    await in_session(db_url, setup)

    async def scan(session: Any) -> list[str]:
        return await daily_scan(session, settings, today)

    first = await in_session(db_url, scan)
    again = await in_session(db_url, scan)
    assert len(first) == 3 and again == []
    by_kind = {m.kind: m for m in await _messages(db_url)}
    reminder = by_kind["reminder"]
    assert reminder.recipient == "v1@example.no" and reminder.lang == "en"
    assert reminder.subject == "Reminder: Konsert i hagen tomorrow"
    assert "2 March 2027 at 18:00–20:00" in reminder.body
    course = by_kind["course_expiring"]
    assert course.subject == "The course Demensopplæring expires on 20 March 2027"
    followup = by_kind["followup_due"]
    assert (
        followup.recipient == "kari@kommune.no" and followup.subject == "Oppfølgingssamtale med Frivillig 2"
    )
    assert "https://frivillig.kommune.example/volunteers/v2" in followup.body

    # The next day: the reminder is not for then, the course was already told; nothing new.
    async def next_day(session: Any) -> list[str]:
        return await daily_scan(session, settings, today + dt.timedelta(days=1))

    assert await in_session(db_url, next_day) == []


async def test_ending_a_placement_thanks_the_volunteer(client, loaded, coordinator, db_url):
    await client.patch("/api/v1/volunteers/v3", headers=coordinator, json={"email": "v3@example.no"})

    async def setup(session: Any) -> None:
        session.add(
            PlacementRow(
                id="plc-end",
                volunteer_id="v3",
                need_id="n3",
                site_id="rodekors",
                activity_id="turvenn",
                state="confirmed",
                start=dt.date(2027, 1, 6),
                followups_done=[],
            )
        )

    await in_session(db_url, setup)
    r = await client.post(
        "/api/v1/placements/plc-end/end", headers=coordinator, json={"closing_conversation": "2027-06-01"}
    )
    assert r.status_code == 200, r.text
    [msg] = [m for m in await _messages(db_url) if m.kind == "placement_ended"]
    assert msg.recipient == "v3@example.no" and msg.subject == "Takk for innsatsen: Turvenn onsdag"
    assert "1. juni 2027" in msg.body and "/me/attest" in msg.body


async def test_a_refused_change_queues_nothing(client, loaded, coordinator, tokens, db_url):
    await client.patch("/api/v1/volunteers/v1", headers=coordinator, json={"email": "v1@example.no"})
    site = await tokens.headers("site", site="eik")

    async def setup(session: Any) -> None:
        session.add(
            PlacementRow(
                id="plc-x",
                volunteer_id="v1",
                need_id="n1",
                site_id="eik",
                activity_id="besoksvenn",
                state="offered",
                start=dt.date(2027, 1, 4),
                followups_done=[],
            )
        )

    await in_session(db_url, setup)
    r = await client.post("/api/v1/placements/plc-x/respond", json={"answer": "yes"}, headers=site)
    assert r.status_code == 403
    assert await _messages(db_url) == []
