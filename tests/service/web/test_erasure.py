"""Erasure erases, and the register keeps working after it (issue 12, high): lists, pages through,
exports and pages answer 200; the person's name is gone from token names, audit actors and
old proposals' reasons; the GDPR export covers everything held; the retention list."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.auth import create_token
from service.db.engine import create_engine
from service.db.migrate import upgrade
from service.db.models import AuditRow, ProposalRow, TokenRow, VolunteerRow
from tests.service.factories import in_session
from tests.service.test_register import assert_problem

pytestmark = pytest.mark.anyio




async def _plan(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post("/api/v1/plans", headers=headers)
    assert r.status_code in (201, 202), r.text
    plan = r.json()
    for _ in range(600):
        if plan["status"] not in ("queued", "running"):
            return plan
        await asyncio.sleep(0.05)
        plan = (await client.get(f"/api/v1/plans/{plan['id']}", headers=headers)).json()
    raise AssertionError(plan)


async def test_erasure_leaves_lists_pages_and_exports_working(
    client: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    coordinator: dict[str, str],
    db_url: str,
) -> None:
    # The person acts under a token named after them and reads their own record.
    async def make_token(session: Any) -> str:
        _, text = await create_token(
            session, role="volunteer", name="Frivillig 1 sin telefon", volunteer_id="v1"
        )
        return text

    me = {"Authorization": f"Bearer {await in_session(db_url, make_token)}"}
    assert (await client.get("/api/v1/volunteers/v1", headers=me)).status_code == 200
    patched = await client.patch(
        "/api/v1/volunteers/v1", json={"interests": ["fuglekikking i Nordmarka"]}, headers=coordinator
    )
    assert patched.status_code == 200, patched.text
    first = await _plan(client, coordinator)
    mine = [p for p in first["proposals"] if p["volunteer"] == "v1"]
    assert mine, first
    rejected = await client.post(
        f"/api/v1/proposals/{mine[0]['id']}/reject",
        json={"reason": "bor for langt unna Frivillig 1 sin adresse"},
        headers=coordinator,
    )
    assert rejected.status_code == 200, rejected.text
    await _plan(client, coordinator)  # the first plan is now superseded, its reasons kept

    assert (await client.delete("/api/v1/volunteers/v1", headers=coordinator)).status_code == 204

    # SQL NULL, not the JSON value null
    async def null_count(session: Any) -> int:
        return int(
            await session.scalar(
                sa.select(sa.func.count())
                .select_from(VolunteerRow)
                .where(VolunteerRow.id == "v1", VolunteerRow.data.is_(None))
            )
        )

    assert await in_session(db_url, null_count) == 1

    listed = await client.get("/api/v1/volunteers", headers=coordinator)
    assert listed.status_code == 200, listed.text
    assert "v1" not in {v["id"] for v in listed.json()} and len(listed.json()) == 3
    for offset in range(0, 40, 7):  # page through the audit log
        page = await client.get("/api/v1/audit", params={"limit": 7, "offset": offset}, headers=coordinator)
        assert page.status_code == 200, page.text
    scenario = await client.get("/api/v1/scenario", headers=coordinator)
    assert scenario.status_code == 200 and "Frivillig 1" not in scenario.text
    assert (await client.get("/api/v1/volunteers/v2/export", headers=coordinator)).status_code == 200
    assert_problem(await client.get("/api/v1/volunteers/v1/export", headers=coordinator), 404)
    for path in ("/", "/volunteers", "/matching"):
        r = await coordinator_client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "Frivillig 1<" not in r.text and "Frivillig 1 " not in r.text

    # The name is gone from token names, audit actors and the old proposals' reasons and notes.
    async def leftovers(session: Any) -> list[str]:
        found = [t.name for t in (await session.scalars(sa.select(TokenRow))).all()]
        found += [a.actor for a in (await session.scalars(sa.select(AuditRow))).all()]
        for p in (
            await session.scalars(sa.select(ProposalRow).where(ProposalRow.volunteer_id == "v1"))
        ).all():
            found += [str(p.reasons), str(p.reject_reason)]
        return [x for x in found if "Frivillig 1" in x or "fuglekikking" in x]

    assert await in_session(db_url, leftovers) == []


async def test_export_covers_first_conversation_event_signups_and_proposals(
    client: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    coordinator: dict[str, str],
    db_url: str,
    tokens: Any,
) -> None:
    from tests.service.web.conftest import post_form

    r = await post_form(coordinator_client, "/volunteers/v2/first-conversation", {"held": "2026-10-01"})
    assert r.status_code == 303
    plan = await _plan(client, coordinator)
    theirs = next(p for p in plan["proposals"] if p["volunteer"] == "v2")
    # the reject form tells the coordinator the person will be able to read the reason …
    page = await coordinator_client.get("/matching")
    assert "Frivillige kan lese begrunnelsen" in page.text
    r = await post_form(
        coordinator_client, f"/proposals/{theirs['id']}/reject", {"reason": "passer ikke tidspunktet"}
    )
    assert r.status_code == 303
    me = await tokens.headers("volunteer", volunteer="v2")
    export = (await client.get("/api/v1/volunteers/v2/export", headers=me)).json()
    # … and they can
    assert {"need": theirs["need"], "reject_reason": "passer ikke tidspunktet"}.items() <= next(
        p for p in export["proposals"] if p["id"] == theirs["id"]
    ).items()
    assert export["volunteer"]["name"] == "Frivillig 2"
    assert export["onboarding"] == [
        {
            "step": "first_conversation",
            "done_on": "2026-10-01",
            "recorded_by": export["onboarding"][0]["recorded_by"],
        }
    ]
    assert "event_signups" in export and export["proposals"]


async def test_retention_lists_volunteers_without_contact(
    client: httpx.AsyncClient,
    loaded: Any,
    coordinator: dict[str, str],
    db_url: str,
    tokens: Any,
) -> None:
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    async def age(session: Any) -> None:
        await session.execute(
            sa.update(VolunteerRow)
            .where(VolunteerRow.id.in_(["v3", "v4"]))
            .values(created_at=long_ago, updated_at=long_ago)
        )

    await in_session(db_url, age)
    due = (await client.get("/api/v1/retention", headers=coordinator)).json()
    assert due["months"] == 24 and [v["id"] for v in due["volunteers"]] == ["v3", "v4"]
    assert due["volunteers"][0]["last_contact"] == "2020-01-01"
    site = await tokens.headers("site", site="eik")
    assert_problem(await client.get("/api/v1/retention", headers=site), 403)


async def test_retention_counts_contact_on_its_day_in_oslo(
    client: httpx.AsyncClient, loaded: Any, coordinator: dict[str, str], db_url: str
) -> None:
    """A record changed at 23:30 UTC on 31 December was changed at 00:30 on 1 January in Oslo: the
    coordinator's list says 1 January (the UTC date would say the day before)."""
    late = dt.datetime(2019, 12, 31, 23, 30, tzinfo=dt.UTC)

    async def age(session: Any) -> None:
        await session.execute(
            sa.update(VolunteerRow).where(VolunteerRow.id == "v3").values(created_at=late, updated_at=late)
        )

    await in_session(db_url, age)
    due = (await client.get("/api/v1/retention", headers=coordinator)).json()
    assert [(v["id"], v["last_contact"]) for v in due["volunteers"]] == [("v3", "2020-01-01")]


async def test_migration_turns_json_null_into_sql_null(db_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from service.db.migrate import alembic_config

    cfg = alembic_config(db_url)
    before = ScriptDirectory.from_config(cfg).get_revision("0006_hardening").down_revision
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:

            def down(c: Any) -> None:
                cfg.attributes["connection"] = c
                command.downgrade(cfg, str(before))

            await conn.run_sync(down)
            await conn.execute(
                sa.text(
                    "INSERT INTO volunteers (id, data, created_at, updated_at) "
                    "VALUES ('gone', 'null', '2026-01-01', '2026-01-01')"
                )
            )
    finally:
        await engine.dispose()
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            raw = (
                await conn.execute(sa.text("SELECT data IS NULL FROM volunteers WHERE id = 'gone'"))
            ).scalar()
    finally:
        await engine.dispose()
    assert raw in (1, True)
