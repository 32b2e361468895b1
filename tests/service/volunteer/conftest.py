"""Fixtures for the volunteer's side: a plan proposing v1 for two needs, released; an outbox read directly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from matcher.schema import Match, Plan, Reason, Scenario
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import OutboxRow
from service.settings import Settings
from tests.service.web.conftest import Users, browser_client, users  # fixtures re-used here

V1_EMAIL = "frivillig1@example.no"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # No sender in the app: these tests read the outbox itself (the SMTP tests live in tests/service/notify).
    return Settings(
        database_url=db_url,
        solve_time_limit=10.0,
        secret_key="test-secret",
        secure_cookies=False,
        outbox_sender=False,
        public_url="http://testserver",
    )


def two_for_v1(scenario: Scenario, time_limit: float) -> Plan:
    why = Reason(
        code="interests",
        text="shares 2 interests with the need: sang, hagearbeid",
        points=20,
        data={"shared": ["sang", "hagearbeid"]},
    )
    return Plan(
        status="optimal",
        matches=[
            Match(volunteer="v1", need="n1", score=20, priority=3, reasons=[why]),
            Match(volunteer="v1", need="n3", score=10, priority=3),
        ],
    )


@pytest.fixture
def solver() -> Any:
    return two_for_v1


@pytest.fixture
async def released(client: httpx.AsyncClient, loaded: Any, coordinator: dict[str, str]) -> dict[str, Any]:
    """v1 (with an e-mail address) proposed for n1 and n3, both accepted and released."""
    r = await client.patch("/api/v1/volunteers/v1", json={"email": V1_EMAIL}, headers=coordinator)
    assert r.status_code == 200, r.text
    plan = (await client.post("/api/v1/plans", headers={**coordinator, "Prefer": "wait=120"})).json()
    for p in plan["proposals"]:
        r = await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator)
        assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)
    assert r.status_code == 200, r.text
    placements = (await client.get("/api/v1/placements", headers=coordinator)).json()
    return {"plan": plan, "placements": {p["need"]: p for p in placements}}


async def outbox(db_url: str, **where: Any) -> list[OutboxRow]:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            stmt = sa.select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.id)
            for k, v in where.items():
                stmt = stmt.where(getattr(OutboxRow, k) == v)
            return list((await session.scalars(stmt)).all())
    finally:
        await engine.dispose()


__all__ = ["Users", "browser_client", "users"]
