"""The plan run's own costs: the register read in one validated pass (and handed to the solver as
checked), and a `Prefer: wait` woken by the job's end rather than by its next poll."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from matcher.scenario import _known_valid
from matcher.schema import Scenario
from service.api import plans as api_plans
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import LockRow
from service.jobs import Finished
from service.register.scenario_io import build_scenario
from tests.service.factories import small_scenario

pytestmark = pytest.mark.anyio


async def test_the_register_is_read_as_imported_and_handed_over_checked(client, loaded, coordinator, db_url):
    engine = create_engine(db_url)
    try:
        maker = create_sessionmaker(engine)
        async with maker() as session, session.begin():
            session.add(LockRow(kind="pinned", volunteer_id="v1", need_id="n1", reason="test"))
            session.add(LockRow(kind="forbidden", volunteer_id="v2", need_id="n1", reason="test"))
            session.add(LockRow(kind="forbidden", volunteer_id="gone", need_id="n1", reason="test"))
        async with maker() as session, session.begin():
            built = await build_scenario(session, accepted_as_pinned=True)
    finally:
        await engine.dispose()
    imported = small_scenario()
    assert built.volunteers == imported.volunteers and built.needs == imported.needs
    assert built.sites == sorted(imported.sites, key=lambda s: s.id)
    assert built.activities == sorted(imported.activities, key=lambda a: a.id)
    assert [(p.volunteer, p.need) for p in built.pinned] == [("v1", "n1")]
    assert [(p.volunteer, p.need) for p in built.forbidden] == [("v2", "n1")]  # an unknown volunteer's is dropped
    assert _known_valid(built)  # the solver will not convert and check it a second time
    # and it is exactly the document the export gives
    r = await client.get("/api/v1/scenario", headers=coordinator)
    exported = msgspec.convert(r.json(), Scenario)
    assert msgspec.structs.replace(exported, pinned=built.pinned, forbidden=built.forbidden) == built


async def test_a_stored_record_out_of_range_is_still_named(client, loaded, coordinator, db_url):
    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            row = (await conn.execute(sa.text("SELECT data FROM volunteers WHERE id = 'v2'"))).scalar_one()
            doc = row if isinstance(row, dict) else __import__("json").loads(row)
            doc["max_assignments"] = 999
            await conn.execute(sa.text("UPDATE volunteers SET data = :d WHERE id = 'v2'").bindparams(
                sa.bindparam("d", type_=sa.JSON)), {"d": doc})
        async with create_sessionmaker(engine)() as session, session.begin():
            with pytest.raises(Exception) as caught:
                await build_scenario(session)
    finally:
        await engine.dispose()
    assert "volunteers[v2].max_assignments" in str(getattr(caught.value, "errors", caught.value))


async def test_finished_wakes_a_waiter_at_once_and_remembers_an_early_end() -> None:
    finished = Finished()
    t0 = time.monotonic()
    waiter = asyncio.create_task(finished.wait("plan-a", 5.0))
    await asyncio.sleep(0.05)
    finished.done("plan-a")
    await waiter
    assert time.monotonic() - t0 < 1.0
    t0 = time.monotonic()
    await finished.wait("plan-a", 5.0)  # ended before this wait began: no wait at all
    assert time.monotonic() - t0 < 0.5
    await finished.wait("plan-b", 0.05)  # never ends here: back after the timeout, nothing left behind
    assert finished._events == {} and finished._waiting == {}


async def test_prefer_wait_answers_when_the_run_ends_not_at_the_next_poll(
    app, client, loaded, coordinator, monkeypatch
):
    """The in-process job's end wakes the request: with polls 30 s apart, it still answers at once."""
    monkeypatch.setattr(api_plans, "POLL_FIRST", 30.0)
    monkeypatch.setattr(api_plans, "POLL_MAX", 30.0)
    stored: list[float] = []
    jobs: Any = app.state.jobs
    done = jobs.finished.done

    def noted(plan_id: str) -> None:
        stored.append(time.monotonic())
        done(plan_id)

    jobs.finished.done = noted
    r = await client.post("/api/v1/plans", headers={**coordinator, "Prefer": "wait=60"})
    answered = time.monotonic()
    assert r.status_code in (201, 202), r.text
    if not stored:  # a PostgreSQL worker in another process took it: nothing to wake here
        pytest.skip("the run ended in another process")
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert answered - stored[0] < 2.0
