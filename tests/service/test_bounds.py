"""Bounds at the edge (issue 12): nothing a client sends can break the register or a matcher run.

Each case is a finding of the issue, reproduced against the API: 400 problem details naming the
field (422 for the register's own checks), never 500, and `POST /api/v1/plans` still works after.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.db.engine import create_engine
from tests.service.test_register import assert_problem

pytestmark = pytest.mark.anyio

NEED = {
    "site": "eik",
    "activity": "besoksvenn",
    "title": "Kaffe og prat",
    "weekly": [{"weekday": 1, "start": "10:00", "end": "11:00"}],
}


async def plan_runs(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post("/api/v1/plans", headers=headers)
    assert r.status_code in (201, 202), r.text
    plan = r.json()
    for _ in range(600):
        if plan["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.05)
        plan = (await client.get(f"/api/v1/plans/{plan['id']}", headers=headers)).json()
    assert plan["status"] == "draft", plan
    return plan


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"headcount": 9223372036854775808}, "headcount"),
        ({"headcount": 1001}, "headcount"),
        ({"headcount": "1"}, "headcount"),
        ({"title": ""}, "title"),
        ({"title": "x" * 9_000_000}, "title"),
        ({"id": "a/b"}, "id"),
        ({"id": "ø-behov"}, "id"),
        ({"id": "x" * 201}, "id"),
        ({"weekly": None, "once": {"date": "0001-01-01", "start": "10:00", "end": "11:00"}}, "once.date"),
        ({"weekly": None, "once": {"date": "9999-12-31", "start": "10:00", "end": "11:00"}}, "once.date"),
        ({"from": "1900-01-01"}, "from"),
        ({"min_age": 10**6}, "min_age"),
        ({"tags": ["x"] * 51}, "tags"),
        ({"priority": True}, "priority"),
    ],
)
async def test_need_out_of_range_is_400_naming_the_field(client, loaded, tokens, change, field) -> None:
    site = await tokens.headers("site", site="eik")
    r = await client.post("/api/v1/needs", json={**NEED, **change}, headers=site)
    assert_problem(r, 400, field)


async def test_slot_start_equal_to_end_is_refused(client, loaded, coordinator) -> None:
    r = await client.post(
        "/api/v1/needs",
        json={**NEED, "weekly": [{"weekday": 1, "start": "10:00", "end": "10:00"}]},
        headers=coordinator,
    )
    assert_problem(r, 422, "weekly[0].end")
    r = await client.patch("/api/v1/volunteers/v1",
                           json={"availability": [{"weekday": 2, "start": "09:00",
                                                   "end": "09:00"}]}, headers=coordinator)
    assert_problem(r, 422, "availability[0].end")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_assignments": 9223372036854775808}, "max_assignments"),
        ({"max_hours_per_week": 1e300}, "max_hours_per_week"),
        ({"max_hours_per_week": 169}, "max_hours_per_week"),
        ({"max_travel_km": 1e9}, "max_travel_km"),
        ({"birth_date": "9999-01-01"}, "birth_date"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "0001-01-01"}, "birth_date"),
        ({"interests": ["x" * 101]}, "interests[0]"),
        ({"phone": "4" * 41}, "phone"),
        ({"max_assignments": "2"}, "max_assignments"),
    ],
)
async def test_volunteer_cannot_store_values_that_break_a_run(
    client, loaded, tokens, coordinator, change, field
) -> None:
    me = await tokens.headers("volunteer", volunteer="v1")
    assert_problem(await client.patch("/api/v1/volunteers/v1", json=change, headers=me), 400, field)
    await plan_runs(client, coordinator)


async def test_deep_json_is_400_not_500(client, loaded, coordinator) -> None:
    for body in (
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b'{"name": "' + b"[" * 150 + b'", "id": "s1", "kind": "service_site"}',
    ):
        r = await client.post(
            "/api/v1/sites", content=body, headers={**coordinator, "content-type": "application/json"}
        )
        if body.startswith(b'{"name"'):  # brackets inside a string are no nesting
            assert r.status_code == 201, r.text
        else:
            assert_problem(r, 400)
            assert "deeper" in r.json()["detail"]


async def test_long_reason_and_empty_reason_are_refused(client, loaded, coordinator) -> None:
    plan = await plan_runs(client, coordinator)
    pid = plan["proposals"][0]["id"]
    assert_problem(
        await client.post(
            f"/api/v1/proposals/{pid}/reject", json={"reason": "x" * 200_000}, headers=coordinator
        ),
        400,
        "reason",
    )
    assert_problem(
        await client.post(f"/api/v1/proposals/{pid}/reject", json={"reason": ""}, headers=coordinator),
        400,
        "reason",
    )


async def test_a_stored_value_out_of_range_refuses_the_run_naming_it(
    client, loaded, coordinator, db_url
) -> None:
    """A value stored before these ranges (or by hand) cannot crash a run: 422 naming record and field."""
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            row = (await conn.execute(sa.text("SELECT data FROM needs WHERE id = 'n1'"))).scalar_one()
            doc = row if isinstance(row, dict) else __import__("json").loads(row)
            doc["headcount"] = 9223372036854775807
            await conn.execute(
                sa.text("UPDATE needs SET data = :d WHERE id = 'n1'").bindparams(
                    sa.bindparam("d", type_=sa.JSON)
                ),
                {"d": doc},
            )
    finally:
        await engine.dispose()
    r = await client.post("/api/v1/plans", headers=coordinator)
    if r.status_code == 202:  # run as a job: the job's failure names the field
        plan = r.json()
        for _ in range(200):
            if plan["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
            plan = (await client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator)).json()
        assert plan["status"] == "failed" and "needs[n1].headcount" in str(plan["error"]), plan
    else:
        assert_problem(r, 422, "needs[n1].headcount")
    # and the lock is free: a fixed register runs at once
    await client.patch("/api/v1/needs/n1", json={"headcount": 1}, headers=coordinator)


async def test_non_latin1_id_in_a_download_header_is_no_500(client, loaded, coordinator) -> None:
    for path in ("/api/v1/events/%E2%82%AC%E6%BC%A2/catalogue.csv", "/api/v1/events/%E2%82%AC/report.csv"):
        r = await client.get(path, headers=coordinator)
        assert r.status_code < 500, r.text


async def test_posting_another_sites_need_id_is_no_existence_oracle(client, loaded, tokens) -> None:
    """n3 belongs to Røde Kors: Eik's token gets the same 403 for it as for an id nobody has."""
    eik = await tokens.headers("site", site="eik")
    taken = await client.post("/api/v1/needs", json={**NEED, "id": "n3"}, headers=eik)
    free = await client.post("/api/v1/needs", json={**NEED, "id": "finnes-ikke"}, headers=eik)
    assert_problem(taken, 403, "id")
    assert_problem(free, 403, "id")
    assert taken.json()["detail"] == free.json()["detail"]
    mine = await client.post("/api/v1/needs", json={**NEED, "id": "eik-kaffe"}, headers=eik)
    assert mine.status_code == 201, mine.text
    assert_problem(await client.post("/api/v1/needs", json={**NEED, "id": "eik-kaffe"}, headers=eik), 409)
