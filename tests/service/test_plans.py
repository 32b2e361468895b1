"""Matcher runs, review, release and placements over HTTP, including the races that must not overbook."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Any

import httpx
import pytest

from matcher.schema import Match, Plan, Scenario
from service.app import create_app
from service.jobs import matcher_solver
from tests.service.test_register import assert_problem

pytestmark = pytest.mark.anyio


async def run(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post("/api/v1/plans", headers={**headers, "Prefer": "wait=120"})
    assert r.status_code == 201, r.text
    return r.json()


def proposal(plan: dict[str, Any], volunteer: str, need: str) -> dict[str, Any]:
    return next(p for p in plan["proposals"] if p["volunteer"] == volunteer and p["need"] == need)


async def test_plan_run_stores_draft_with_reasons(client, loaded, coordinator):
    plan = await run(client, coordinator)
    assert plan["status"] == "draft" and plan["id"].startswith("plan-")
    pairs = {(p["volunteer"], p["need"]) for p in plan["proposals"]}
    assert {n for _, n in pairs} == {"n1", "n2", "n3"}
    assert all(p["state"] == "proposed" and p["reasons"] for p in plan["proposals"])
    again = (await client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator)).json()
    assert {p["id"] for p in again["proposals"]} == {p["id"] for p in plan["proposals"]}
    assert "unfilled" in again
    log = (await client.get("/api/v1/audit", params={"volunteer": "v1"}, headers=coordinator)).json()
    assert any(e["action"] == "match" for e in log)


async def release_all(client: Any, headers: dict[str, str], plan: dict[str, Any]) -> None:
    """Accept every proposal still proposed (and that still fits), then release the plan."""
    fresh = (await client.get(f"/api/v1/plans/{plan['id']}", headers=headers)).json()
    for p in fresh["proposals"]:
        if p["state"] == "proposed":
            await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=headers)
    r = await client.post(f"/api/v1/plans/{plan['id']}/release", headers=headers)
    assert r.status_code == 200, r.text


async def test_plan_seen_by_site_only_after_release_and_only_for_its_needs(client, loaded, coordinator, tokens):
    plan = await run(client, coordinator)
    rk = await tokens.headers("site", site="rodekors")
    # a draft is the coordinator's until reviewed (DOMAIN.md: nobody is contacted before review)
    assert_problem(await client.get(f"/api/v1/plans/{plan['id']}", headers=rk), 404)
    assert (await client.get("/api/v1/proposals", headers=rk)).json() == []
    await release_all(client, coordinator, plan)
    mine = (await client.get(f"/api/v1/plans/{plan['id']}", headers=rk)).json()
    assert mine["proposals"] and {p["need"] for p in mine["proposals"]} == {"n3"}
    assert all(p["state"] == "accepted" for p in mine["proposals"])
    codes = {r["code"] for p in mine["proposals"] for r in p["reasons"]}
    assert codes <= {"priority", "eligible", "pinned", "previous", "continuity"}
    assert mine["summary"] == {}
    assert_problem(await client.post("/api/v1/plans", headers=rk), 403)
    me = await tokens.headers("volunteer", volunteer="v1")
    assert_problem(await client.get(f"/api/v1/plans/{plan['id']}", headers=me), 404)


async def test_site_sees_no_names_or_phones_in_a_draft(client, loaded, coordinator, tokens):
    plan = await run(client, coordinator)
    eik = await tokens.headers("site", site="eik")
    on_n2 = next(p["volunteer"] for p in plan["proposals"] if p["need"] == "n2")
    assert_problem(await client.get(f"/api/v1/volunteers/{on_n2}", headers=eik), 404)
    assert (await client.get("/api/v1/volunteers", headers=eik)).json() == []


async def test_site_sees_only_the_fields_its_needs_require(client, loaded, coordinator, tokens):
    plan = await run(client, coordinator)
    await release_all(client, coordinator, plan)
    eik = await tokens.headers("site", site="eik")
    on_n2 = next(p["volunteer"] for p in plan["proposals"] if p["need"] == "n2")
    seen = (await client.get(f"/api/v1/volunteers/{on_n2}", headers=eik)).json()
    assert set(seen) == {"view", "id", "name", "phone", "languages", "trainings"}
    assert [t["training"] for t in seen["trainings"]] == ["demens"]  # aktivitetsvenn requires it
    listed = (await client.get("/api/v1/volunteers", headers=eik)).json()
    assert listed and all("birth_date" not in v and "police_certificate" not in v for v in listed)
    on_n3 = next(p["volunteer"] for p in plan["proposals"] if p["need"] == "n3" and p["volunteer"] not in
                 {q["volunteer"] for q in plan["proposals"] if q["need"] in ("n1", "n2")})
    assert_problem(await client.get(f"/api/v1/volunteers/{on_n3}", headers=eik), 404)
    log = (await client.get("/api/v1/audit", params={"volunteer": on_n2}, headers=coordinator)).json()
    assert any(e["role"] == "site" and e["action"] == "read" for e in log)


async def test_review_release_respond_followup_end(client, loaded, coordinator, tokens):
    plan = await run(client, coordinator)
    p = plan["proposals"][0]
    r = await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    released = await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert_problem(await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator), 409)
    assert_problem(await client.post(f"/api/v1/proposals/{plan['proposals'][1]['id']}/accept",
                                     headers=coordinator), 409)
    placements = (await client.get("/api/v1/placements", headers=coordinator)).json()
    assert len(placements) == 1
    pl = placements[0]
    assert (pl["volunteer"], pl["need"], pl["state"]) == (p["volunteer"], p["need"], "offered")
    assert len(pl["followups"]) == 1 and pl["next_followup"] == pl["followups"][0]
    other = "v1" if p["volunteer"] != "v1" else "v2"
    assert_problem(await client.post(f"/api/v1/placements/{pl['id']}/respond", json={"answer": "yes"},
                                     headers=await tokens.headers("volunteer", volunteer=other)), 404)
    me = await tokens.headers("volunteer", volunteer=p["volunteer"])
    mine = (await client.get("/api/v1/proposals", headers=me)).json()
    assert {q["volunteer"] for q in mine} == {p["volunteer"]}
    r = await client.post(f"/api/v1/placements/{pl['id']}/respond", json={"answer": "yes"}, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    assert_problem(await client.post(f"/api/v1/placements/{pl['id']}/respond", json={"answer": "no"}, headers=me), 409)
    assert_problem(await client.post(f"/api/v1/placements/{pl['id']}/respond", json={"answer": "maybe"},
                                     headers=me), 400)
    r = await client.post(f"/api/v1/placements/{pl['id']}/followup", json={"held": pl["followups"][0]},
                          headers=coordinator)
    assert len(r.json()["followups"]) == 2 and len(r.json()["followups_done"]) == 1
    # eight weeks after it began (its start is the need's first day, or the day it was released if later)
    last = (dt.date.fromisoformat(pl["start"]) + dt.timedelta(weeks=8)).isoformat()
    r = await client.post(f"/api/v1/placements/{pl['id']}/end", json={"closing_conversation": last},
                          headers=coordinator)
    assert r.status_code == 200 and r.json()["state"] == "ended" and r.json()["ended_on"] == last
    # the need with a placement that has ended can go; one in force could not
    assert (await client.delete(f"/api/v1/needs/{p['need']}", headers=coordinator)).status_code == 204


async def test_followup_due_lists_placements_due(db_url, loaded, coordinator, client):
    plan = await run(client, coordinator)
    await client.post(f"/api/v1/proposals/{plan['proposals'][0]['id']}/accept", headers=coordinator)
    await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)
    assert (await client.get("/api/v1/placements", params={"followup_due": "true"}, headers=coordinator)).json() == []
    from service.settings import Settings

    now_due = create_app(Settings(database_url=db_url, first_followup_days=-1))
    async with now_due.lifespan(), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=now_due), base_url="http://testserver"
    ) as c2:
        due = (await c2.get("/api/v1/placements", params={"followup_due": "true"}, headers=coordinator)).json()
    assert len(due) == 1 and due[0]["followup_due"] is True


async def test_reject_forbids_and_pin_keeps_in_next_run(client, loaded, coordinator):
    plan = await run(client, coordinator)
    rejected = proposal(plan, *next((p["volunteer"], p["need"]) for p in plan["proposals"] if p["need"] == "n1"))
    pinned = next(p for p in plan["proposals"] if p["need"] == "n3")
    assert_problem(await client.post(f"/api/v1/proposals/{rejected['id']}/reject", json={"reason": " "},
                                     headers=coordinator), 422, "reason")
    r = await client.post(f"/api/v1/proposals/{rejected['id']}/reject", json={"reason": "known to the resident"},
                          headers=coordinator)
    assert r.json()["state"] == "rejected"
    assert (await client.post(f"/api/v1/proposals/{pinned['id']}/pin", headers=coordinator)).json()["pinned"]
    second = await run(client, coordinator)
    pairs = {(p["volunteer"], p["need"]) for p in second["proposals"]}
    assert (rejected["volunteer"], "n1") not in pairs
    kept = proposal(second, pinned["volunteer"], "n3")
    assert kept["pinned"] and kept["state"] == "accepted"
    assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator)).json()["status"] == "superseded"
    scenario = (await client.get("/api/v1/scenario", headers=coordinator)).json()
    assert {"volunteer": rejected["volunteer"], "need": "n1"} in scenario["forbidden"]


def overbooking(scenario: Scenario, time_limit: float) -> Plan:
    """A deliberately wrong plan: two volunteers for n1's one place, v1 on two overlapping needs.

    The service must not trust the matcher for the scarce resources."""
    return Plan(status="feasible", matches=[
        Match(volunteer="v1", need="n1", score=1, priority=3),
        Match(volunteer="v2", need="n1", score=1, priority=3),
        Match(volunteer="v1", need="n2", score=1, priority=3),
        Match(volunteer="v3", need="n2", score=1, priority=3),
    ])


@pytest.mark.parametrize("solver", [overbooking])
async def test_parallel_accepts_for_last_place_one_wins(client, loaded, coordinator):
    plan = await run(client, coordinator)
    a, b = proposal(plan, "v1", "n1"), proposal(plan, "v2", "n1")
    results = await asyncio.gather(*[
        client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator) for p in (a, b)
    ])
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["type"].endswith("need-full")


@pytest.mark.parametrize("solver", [overbooking])
async def test_parallel_accepts_for_overlapping_hours_one_wins(client, loaded, coordinator):
    plan = await run(client, coordinator)
    a, b = proposal(plan, "v1", "n1"), proposal(plan, "v1", "n2")  # Mon 10–12 and 11–13
    results = await asyncio.gather(*[
        client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator) for p in (a, b)
    ])
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]


@pytest.mark.parametrize("solver", [overbooking])
async def test_many_parallel_accepts_never_overbook(client, loaded, coordinator):
    plan = await run(client, coordinator)
    results = await asyncio.gather(*[
        client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator)
        for p in plan["proposals"] for _ in range(3)
    ])
    assert all(r.status_code in (200, 409) for r in results)
    accepted = (await client.get("/api/v1/proposals", params={"state": "accepted"}, headers=coordinator)).json()
    per_need: dict[str, int] = {}
    for p in accepted:
        per_need[p["need"]] = per_need.get(p["need"], 0) + 1
    assert per_need.get("n1", 0) <= 1 and per_need.get("n2", 0) <= 1
    assert sum(p["volunteer"] == "v1" for p in accepted) <= 1


_gate = threading.Event()


def slow(scenario: Scenario, time_limit: float) -> Plan:
    _gate.wait(10)
    return matcher_solver(scenario, time_limit)


@pytest.mark.parametrize("solver", [slow])
async def test_runs_are_queued_one_at_a_time_and_followed(client, loaded, coordinator):
    """202 with the plan queued or running and its progress; a second request while the first runs
    queues one successor (a third gets that same queued plan); the API stays responsive."""
    _gate.clear()
    first = await client.post("/api/v1/plans", headers=coordinator)
    assert first.status_code == 202, first.text
    assert first.json()["status"] in ("queued", "running") and first.json()["progress"]["limit"] > 0
    assert first.headers["location"] == f"/api/v1/plans/{first.json()['id']}"
    for _ in range(50):
        seen = (await client.get(f"/api/v1/plans/{first.json()['id']}", headers=coordinator)).json()
        if seen["status"] == "running":
            break
        await asyncio.sleep(0.1)
    assert seen["status"] == "running" and seen["progress"]["attempt"] == 1
    second = await client.post("/api/v1/plans", headers=coordinator)
    third = await client.post("/api/v1/plans", headers=coordinator)
    assert second.status_code == third.status_code == 202
    assert second.json()["status"] == "queued" and third.json()["id"] == second.json()["id"]
    assert (await client.get("/api/v1/needs", headers=coordinator)).status_code == 200
    _gate.set()
    for plan_id, wanted in ((first.json()["id"], {"draft", "superseded"}), (second.json()["id"], {"draft"})):
        for _ in range(300):
            got = (await client.get(f"/api/v1/plans/{plan_id}", headers=coordinator)).json()
            if got["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.1)
        assert got["status"] in wanted, got


def crashing(scenario: Scenario, time_limit: float) -> Plan:
    raise RuntimeError("solver exploded")


@pytest.mark.parametrize("solver", [crashing])
async def test_solver_crash_fails_the_plan_and_leaves_no_lock(client, loaded, coordinator):
    for _ in range(2):  # the run lock is freed after a failure
        r = await client.post("/api/v1/plans", headers={**coordinator, "Prefer": "wait=30"})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "failed" and "solver exploded" in r.json()["error"]
    listed = (await client.get("/api/v1/plans", headers=coordinator)).json()
    assert {p["status"] for p in listed} == {"failed"} and all(p["proposals"] == 0 for p in listed)
    assert [set(p) for p in listed] == [{"id", "status", "solver_status", "created_at", "released_at",
                                         "proposals", "unfilled"}] * 2
    assert all(p["released_at"] is None and p["unfilled"] == 0 for p in listed)


@pytest.mark.parametrize("solver", [overbooking])
async def test_parallel_accepts_from_two_app_processes_one_wins(client, loaded, coordinator, settings):
    """Two app instances (as two server processes would be) share only the database's locks."""
    plan = await run(client, coordinator)
    other = create_app(settings, solver=overbooking)
    async with other.lifespan(), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://testserver"
    ) as client2:
        for pair in ((("v1", "n1"), ("v2", "n1")), (("v3", "n2"), ("v1", "n2"))):
            a, b = proposal(plan, *pair[0]), proposal(plan, *pair[1])
            results = await asyncio.gather(
                client.post(f"/api/v1/proposals/{a['id']}/accept", headers=coordinator),
                client2.post(f"/api/v1/proposals/{b['id']}/accept", headers=coordinator),
            )
            assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]


async def test_headcount_cannot_drop_below_places_taken(client, loaded, coordinator):
    plan = await run(client, coordinator)
    on_n3 = [p for p in plan["proposals"] if p["need"] == "n3"]
    assert len(on_n3) == 2
    for p in on_n3:
        assert (await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator)).status_code == 200
    assert_problem(await client.patch("/api/v1/needs/n3", json={"headcount": 1}, headers=coordinator), 409)
    assert (await client.patch("/api/v1/needs/n3", json={"headcount": 3}, headers=coordinator)).status_code == 200


@pytest.mark.parametrize("solver", [overbooking])
async def test_accepts_racing_withdrawals_and_anonymisation_never_500(client, loaded, coordinator):
    plan = await run(client, coordinator)
    calls = [client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator) for p in plan["proposals"]]
    calls += [client.delete("/api/v1/needs/n1", headers=coordinator),
              client.delete("/api/v1/volunteers/v1", headers=coordinator),
              client.post(f"/api/v1/proposals/{plan['proposals'][-1]['id']}/reject", json={"reason": "r"},
                          headers=coordinator)]
    results = await asyncio.gather(*calls)
    assert all(r.status_code in (200, 204, 404, 409) for r in results), [(r.status_code, r.text) for r in results]


async def test_site_never_sees_a_rejected_volunteer(client, loaded, coordinator, tokens):
    plan = await run(client, coordinator)
    rk = await tokens.headers("site", site="rodekors")
    on_n3 = [p for p in plan["proposals"] if p["need"] == "n3"]
    elsewhere = {p["volunteer"] for p in plan["proposals"] if p["need"] != "n3"}
    target = next(p for p in on_n3 if p["volunteer"] not in elsewhere)
    await client.post(f"/api/v1/proposals/{target['id']}/reject", json={"reason": "r"}, headers=coordinator)
    await release_all(client, coordinator, plan)
    assert_problem(await client.get(f"/api/v1/volunteers/{target['volunteer']}", headers=rk), 404)
    assert target["id"] not in {p["id"] for p in (await client.get("/api/v1/proposals", headers=rk)).json()}


async def test_plan_request_options_are_checked(client, loaded, coordinator):
    assert_problem(await client.post("/api/v1/plans", json={"time_limit": -1}, headers=coordinator), 400, "time_limit")
    assert_problem(await client.post("/api/v1/plans", json={"workers": 8}, headers=coordinator), 400)
    r = await client.post("/api/v1/plans", json={"time_limit": 2}, headers=coordinator)
    assert r.status_code == 202 and r.json()["progress"]["limit"] == 2


async def test_site_sees_unfilled_counts_not_other_volunteers(client, loaded, coordinator, tokens):
    r = await client.post("/api/v1/needs", json={"id": "n9", "site": "eik", "activity": "besoksvenn", "title": "Natt",
                                                  "weekly": [{"weekday": 1, "start": "02:00", "end": "03:00"}]},
                          headers=coordinator)
    assert r.status_code == 201
    plan = await run(client, coordinator)
    full = next(u for u in plan["unfilled"] if u["need"] == "n9")
    assert any(m["volunteers"] for m in full["reasons"]["nearest_misses"])
    eik = await tokens.headers("site", site="eik")
    await release_all(client, coordinator, plan)
    seen = next(u for u in (await client.get(f"/api/v1/plans/{plan['id']}", headers=eik)).json()["unfilled"]
                if u["need"] == "n9")
    assert all(m["volunteers"] == [] for m in seen["reasons"]["nearest_misses"])
    assert seen["reasons"]["placed_elsewhere"] == []


async def test_volunteer_sees_no_proposal_before_release(client, loaded, coordinator, tokens):
    """Nobody is contacted before review: drafts and rejections stay with the coordinator."""
    plan = await run(client, coordinator)
    first, second = plan["proposals"][0], next(
        q for q in plan["proposals"] if q["volunteer"] != plan["proposals"][0]["volunteer"]
    )
    me = await tokens.headers("volunteer", volunteer=first["volunteer"])
    them = await tokens.headers("volunteer", volunteer=second["volunteer"])
    assert (await client.get("/api/v1/proposals", headers=me)).json() == []
    assert_problem(await client.get(f"/api/v1/needs/{first['need']}", headers=me), 404)
    assert (await client.post(f"/api/v1/proposals/{first['id']}/accept", headers=coordinator)).status_code == 200
    r = await client.post(f"/api/v1/proposals/{second['id']}/reject", json={"reason": "ikke nå"}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/proposals", headers=me)).json() == []  # accepted, not yet released
    r = await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)
    assert r.status_code == 200
    mine = (await client.get("/api/v1/proposals", headers=me)).json()
    assert [(q["volunteer"], q["need"]) for q in mine] == [(first["volunteer"], first["need"])]
    assert (await client.get(f"/api/v1/needs/{first['need']}", headers=me)).status_code == 200
    assert (await client.get("/api/v1/proposals", headers=them)).json() == []  # a rejection is not shown


async def test_accept_after_reject_lifts_the_forbid(client, loaded, coordinator):
    """A coordinator who changes their mind: accepting a rejected proposal allows the pair again."""
    plan = await run(client, coordinator)
    p = plan["proposals"][0]
    r = await client.post(f"/api/v1/proposals/{p['id']}/reject", json={"reason": "feil"}, headers=coordinator)
    assert r.json()["state"] == "rejected"
    pair = {"volunteer": p["volunteer"], "need": p["need"]}
    assert pair in (await client.get("/api/v1/scenario", headers=coordinator)).json()["forbidden"]
    r = await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=coordinator)
    assert r.status_code == 200 and r.json()["state"] == "accepted" and r.json()["reject_reason"] is None
    assert pair not in (await client.get("/api/v1/scenario", headers=coordinator)).json()["forbidden"]
