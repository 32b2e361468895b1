"""Planning against what is in force: the service loop, accept's re-check of every rule, and
placements at risk after a change (issue 8, the service part)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from matcher.generate import generate
from matcher.schema import Match, Plan, Scenario
from service import clock
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import RegisterRow
from service.register.placements import at_risk_placements
from tests.service.factories import START, expiring_in_period, weekdays_in_period
from tests.service.test_register import _place, assert_problem

pytestmark = pytest.mark.anyio


async def run(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post("/api/v1/plans", headers={**headers, "Prefer": "wait=120"})
    assert r.status_code == 201, r.text
    return r.json()


async def accept_all(client: Any, headers: dict[str, str], plan: dict[str, Any]) -> list[Any]:
    waiting = [p for p in plan["proposals"] if p["state"] == "proposed"]
    return [await client.post(f"/api/v1/proposals/{p['id']}/accept", headers=headers) for p in waiting]


async def in_force(client: Any, headers: dict[str, str]) -> set[tuple[str, str]]:
    rows = (await client.get("/api/v1/placements", headers=headers)).json()
    return {(p["volunteer"], p["need"]) for p in rows if p["state"] in ("offered", "confirmed")}


@pytest.mark.parametrize("register", [{"volunteers": 60, "needs": 24, "seed": 11},
                                      {"volunteers": 40, "needs": 30, "seed": 2, "broad": True}],
                         ids=["realistic", "broad"])
async def test_service_loop_every_accept_succeeds(client, coordinator, register):
    """Plan, accept all, release, post urgent needs, re-plan, accept every new proposal: no 409.
    The broad register (everyone available every day) makes weekly hours and overlaps bind."""
    scenario = generate(**register, start=START, weeks=4)
    r = await client.post("/api/v1/scenario", json=msgspec.to_builtins(scenario), headers=coordinator)
    assert r.status_code == 200, r.text

    first = await run(client, coordinator)
    assert first["proposals"] and first["committed"] == []
    results = await accept_all(client, coordinator, first)
    failed = [r for r in results if r.status_code != 200]
    assert [r.status_code for r in failed] == [], [r.text for r in failed]
    assert (await client.post(f"/api/v1/plans/{first['id']}/release", headers=coordinator)).status_code == 200
    placed = await in_force(client, coordinator)
    assert len(placed) == len(results)

    # ten urgent needs: copies of posted ones at priority 5, one of them once only
    for i, need in enumerate(scenario.needs[:10]):
        doc = {**msgspec.to_builtins(need), "id": f"urgent-{i}", "title": f"Haster {i}", "priority": 5}
        r = await client.post("/api/v1/needs", json=doc, headers=coordinator)
        assert r.status_code == 201, r.text

    second = await run(client, coordinator)
    assert {(c["volunteer"], c["need"]) for c in second["committed"]} == placed
    proposed = {(p["volunteer"], p["need"]) for p in second["proposals"]}
    assert not proposed & placed, "a placement in force was proposed again"
    assert any(n.startswith("urgent-") for _, n in proposed)
    results = await accept_all(client, coordinator, second)
    assert results and all(r.status_code == 200 for r in results), [r.text for r in results if r.status_code != 200]
    assert (await client.post(f"/api/v1/plans/{second['id']}/release", headers=coordinator)).status_code == 200

    # nothing changed: re-solving proposes nothing new and keeps everything in force
    third = await run(client, coordinator)
    assert third["proposals"] == []
    assert {(c["volunteer"], c["need"]) for c in third["committed"]} == await in_force(client, coordinator)
    assert third["at_risk"] == []
    assert (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json() == []


def rule_breaking(scenario: Scenario, time_limit: float) -> Plan:
    """A plan that ignores the rules, so that accept has to catch each one itself."""
    pairs = [("v1", "n1"), ("v2", "n1"), ("v1", "n2"), ("v1", "n3"), ("v1", "night"), ("v1", "tuesday"),
             ("v3", "n3")]
    names = {n.id for n in scenario.needs}
    return Plan(status="feasible", matches=[Match(volunteer=v, need=n, score=1, priority=3)
                                            for v, n in pairs if n in names])


def proposal(plan: dict[str, Any], volunteer: str, need: str) -> dict[str, Any]:
    return next(p for p in plan["proposals"] if p["volunteer"] == volunteer and p["need"] == need)


@pytest.mark.parametrize("solver", [rule_breaking])
async def test_accept_refuses_naming_the_rule(client, loaded, coordinator):
    """Need full (C1), overlapping (C3), an E-rule (E6: not available at night), each a 409 naming it."""
    r = await client.post("/api/v1/needs", json={"id": "night", "site": "eik", "activity": "besoksvenn",
                                                 "title": "Natt", "weekly": [{"weekday": 2, "start": "02:00",
                                                                              "end": "03:00"}]},
                          headers=coordinator)
    assert r.status_code == 201, r.text
    plan = await run(client, coordinator)
    ok = await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'n1')['id']}/accept", headers=coordinator)
    assert ok.status_code == 200, ok.text

    full = assert_problem(await client.post(f"/api/v1/proposals/{proposal(plan, 'v2', 'n1')['id']}/accept",
                                            headers=coordinator), 409)
    assert full["type"].endswith("need-full") and full["rule"] == "C1" and full["need"] == "n1", full
    overlap = assert_problem(await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'n2')['id']}/accept",
                                               headers=coordinator), 409)
    assert overlap["type"].endswith("volunteer-busy") and overlap["rule"] == "C3", overlap
    assert "n1" in overlap["detail"] or "n1" in str(overlap.get("data")), overlap
    night = assert_problem(await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'night')['id']}/accept",
                                             headers=coordinator), 409)
    assert night["rule"] == "E6" and night["volunteer"] == "v1" and night["need"] == "night", night
    assert any(e["rule"] == "E6" for e in night["at_risk"])
    states = {p["id"]: p["state"] for p in (await client.get(f"/api/v1/plans/{plan['id']}",
                                                               headers=coordinator)).json()["proposals"]}
    assert list(states.values()).count("accepted") == 1  # nothing half-done by the refusals


@pytest.mark.parametrize("solver", [rule_breaking])
async def test_accept_refuses_over_weekly_hours_in_one_week(client, loaded, coordinator):
    """v1 may give 3 hours a week: Mondays 10–12 plus a one-off Tuesday (2 h; the period's second week: 12
    January 2027) is 4 h in that week; a one-off in a week of its own is no obstacle."""
    assert (await client.patch("/api/v1/volunteers/v1", json={"max_hours_per_week": 3},
                               headers=coordinator)).status_code == 200
    monday = weekdays_in_period(0)[0] + dt.timedelta(days=7)
    tuesday = monday + dt.timedelta(days=1)
    r = await client.post("/api/v1/needs", json={"id": "tuesday", "site": "eik", "activity": "turvenn",
                                                 "title": "Følge tirsdag", "once": {"date": tuesday.isoformat(),
                                                                                     "start": "10:00", "end": "12:00"}},
                          headers=coordinator)
    assert r.status_code == 201, r.text
    plan = await run(client, coordinator)
    assert (await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'n1')['id']}/accept",
                              headers=coordinator)).status_code == 200
    over = assert_problem(await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'tuesday')['id']}/accept",
                                            headers=coordinator), 409)
    assert over["rule"] == "C2" and over["type"].endswith("volunteer-busy"), over
    assert monday.isoformat() in str(over) or tuesday.isoformat() in str(over), over


@pytest.mark.parametrize("solver", [rule_breaking])
async def test_a_placement_already_at_risk_does_not_stop_an_unrelated_accept(client, loaded, coordinator, db_url):
    """v3's course for n2 expires mid-horizon (at risk); taking the Wednesday walk beside it is fine."""
    await _place(db_url, "v3", "n2")
    r = await client.patch("/api/v1/volunteers/v3", json={"trainings": [
        {"training": "demens", "completed": "2026-09-01", "expires": "2027-01-20"}]}, headers=coordinator)
    assert r.status_code == 200, r.text
    risky = (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json()
    assert [(p["volunteer"], p["need"]) for p in risky] == [("v3", "n2")]
    plan = await run(client, coordinator)
    ok = await client.post(f"/api/v1/proposals/{proposal(plan, 'v3', 'n3')['id']}/accept", headers=coordinator)
    assert ok.status_code == 200, ok.text


async def test_need_retimed_or_course_expiring_shows_at_risk(client, loaded, coordinator, tokens, db_url):
    await _place(db_url, "v1", "n1")
    await _place(db_url, "v2", "n2")  # aktivitetsvenn: needs demensopplæring
    assert (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json() == []

    dawn = {"weekly": [{"weekday": 1, "start": "05:00", "end": "06:00"}]}  # v1 is available 08–22
    refused = assert_problem(await client.patch("/api/v1/needs/n1", json=dawn, headers=coordinator), 409)
    assert refused["rule"] == "E6" and refused["volunteer"] == "v1", refused
    r = await client.patch("/api/v1/needs/n1", params={"keep_at_risk": "true"}, json=dawn, headers=coordinator)
    assert r.status_code == 200, r.text
    assert [(e["volunteer"], e["rule"]) for e in r.json()["at_risk"]] == [("v1", "E6")]

    expiring = [expiring_in_period()]
    r = await client.patch("/api/v1/volunteers/v2", json={"trainings": expiring}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert [(e["need"], e["rule"], e["code"]) for e in r.json()["at_risk"]] == [("n2", "E3", "training-expires")]
    r = await client.patch("/api/v1/volunteers/v2", json={"phone": "40000099"}, headers=coordinator)
    assert r.json()["at_risk"] == []  # already at risk: nothing new

    risky = (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json()
    found = {(p["volunteer"], p["need"]): p["at_risk"] for p in risky}
    assert set(found) == {("v1", "n1"), ("v2", "n2")}
    assert {e["rule"] for e in found[("v1", "n1")]} == {"E6"}
    e3 = next(e for e in found[("v2", "n2")] if e["rule"] == "E3")
    assert e3["code"] and e3["message"] and e3["placement"] == "pl-v2-n2"
    assert expiring[0]["expires"] in str(e3), e3  # the expiry date is named
    calm = (await client.get("/api/v1/placements", params={"at_risk": "false"}, headers=coordinator)).json()
    assert all(p["at_risk"] == [] for p in calm)
    # nothing was changed: both placements are still in force
    assert {("v1", "n1"), ("v2", "n2")} <= await in_force(client, coordinator)

    eik = await tokens.headers("site", site="eik")
    seen = (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=eik)).json()
    assert {p["need"] for p in seen} == {"n1", "n2"} and all(e["data"] is None for p in seen for e in p["at_risk"])
    rk = await tokens.headers("site", site="rodekors")
    assert (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=rk)).json() == []

    plan = await run(client, coordinator)  # the plan keeps them, lists them, and proposes neither again
    assert {(e["volunteer"], e["need"]) for e in plan["at_risk"]} == {("v1", "n1"), ("v2", "n2")}
    assert {("v1", "n1"), ("v2", "n2")} <= {(c["volunteer"], c["need"]) for c in plan["committed"]}
    assert not {(p["volunteer"], p["need"]) for p in plan["proposals"]} & {("v1", "n1"), ("v2", "n2")}
    again = (await client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator)).json()
    assert again["at_risk"] == plan["at_risk"]
    assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=eik)).status_code == 404  # a draft
    assert (await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)).status_code == 200
    as_site = (await client.get(f"/api/v1/plans/{plan['id']}", headers=eik)).json()
    assert {e["need"] for e in as_site["at_risk"]} == {"n1", "n2"}
    assert all(e["data"] is None for e in as_site["at_risk"])
    assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=rk)).json()["at_risk"] == []


async def test_course_expiring_as_time_passes(client, loaded, coordinator, db_url):
    """A register without a horizon plans 90 days from today: a course expiring 100 days after
    the need starts is fine today and at risk 40 days later."""
    expires = (START + dt.timedelta(days=100)).isoformat()
    assert (await client.patch("/api/v1/volunteers/v2", json={"trainings": [
        {"training": "demens", "completed": "2026-09-01",
         "expires": expires}]}, headers=coordinator)).status_code == 200
    await _place(db_url, "v2", "n2")
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(sa.update(RegisterRow).values(horizon_start=None, horizon_end=None))
            now = await at_risk_placements(session, START)
            later = await at_risk_placements(session, START + dt.timedelta(days=40))
    finally:
        await engine.dispose()
    assert now == []
    assert [(e["placement"], e["rule"]) for e in later] == [("pl-v2-n2", "E3")], later


async def test_imported_committed_pairs_become_placements_in_force(client, coordinator):
    """A register brought in with its placements in force: they are placed (once), exported as
    committed, kept by the next plan, and those that break a rule are listed at risk."""
    from matcher import at_risk

    scenario = generate(40, 30, seed=4, start=START, weeks=4, committed=0.4)
    assert scenario.committed
    doc = msgspec.to_builtins(scenario)
    r = await client.post("/api/v1/scenario", json=doc, headers=coordinator)
    assert r.status_code == 200 and r.json()["placements"] == len(scenario.committed), r.text
    pairs = {(p.volunteer, p.need) for p in scenario.committed}
    assert await in_force(client, coordinator) == pairs
    assert (await client.post("/api/v1/scenario", json=doc, headers=coordinator)).json()["placements"] == 0
    exported = (await client.get("/api/v1/scenario", headers=coordinator)).json()
    assert {(p["volunteer"], p["need"]) for p in exported["committed"]} == pairs

    expected = {(e.volunteer, e.need, e.rule) for e in at_risk(scenario)}
    assert expected  # the generator puts one need in twenty wrong
    risky = (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json()
    assert {(p["volunteer"], p["need"], e["rule"]) for p in risky for e in p["at_risk"]} == expected

    plan = await run(client, coordinator)
    assert {(c["volunteer"], c["need"]) for c in plan["committed"]} == pairs
    assert not {(p["volunteer"], p["need"]) for p in plan["proposals"]} & pairs
    assert {(e["volunteer"], e["need"], e["rule"]) for e in plan["at_risk"]} == expected
    results = await accept_all(client, coordinator, plan)
    assert all(r.status_code == 200 for r in results), [r.text for r in results if r.status_code != 200]


@pytest.mark.parametrize("solver", [rule_breaking])
async def test_release_rechecks_what_changed_since_the_accept(client, loaded, coordinator):
    """v1 accepted for n1; then n1 moves to 05:00 (kept at risk): release refuses naming E6 and
    creates nothing; with keep_at_risk it releases, names the pair, and the placement is listed at risk."""
    plan = await run(client, coordinator)
    ok = await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'n1')['id']}/accept", headers=coordinator)
    assert ok.status_code == 200, ok.text
    dawn = {"weekly": [{"weekday": 1, "start": "05:00", "end": "06:00"}]}  # v1 is available 08–22
    r = await client.patch("/api/v1/needs/n1", params={"keep_at_risk": "true"}, json=dawn, headers=coordinator)
    assert [(e["volunteer"], e["rule"]) for e in r.json()["at_risk"]] == [("v1", "E6")], r.text

    refused = assert_problem(await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator), 409)
    assert refused["rule"] == "E6" and (refused["volunteer"], refused["need"]) == ("v1", "n1"), refused
    assert "keep_at_risk" in refused["detail"], refused
    assert await in_force(client, coordinator) == set()  # nothing half-released
    assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator)).json()["status"] == "draft"

    kept = await client.post(f"/api/v1/plans/{plan['id']}/release", params={"keep_at_risk": "true"},
                             headers=coordinator)
    assert kept.status_code == 200, kept.text
    body = kept.json()
    assert body["status"] == "released" and body["summary"]["placements_created"] == 1
    assert [(e["volunteer"], e["need"], e["rule"]) for e in body["summary"]["released_at_risk"]] == [
        ("v1", "n1", "E6")]
    assert await in_force(client, coordinator) == {("v1", "n1")}
    risky = (await client.get("/api/v1/placements", params={"at_risk": "true"}, headers=coordinator)).json()
    assert [(p["volunteer"], p["need"]) for p in risky] == [("v1", "n1")]


@pytest.mark.parametrize("solver", [rule_breaking])
async def test_release_does_not_blame_new_pairs_for_what_was_at_risk_before(client, loaded, coordinator, db_url):
    """v1 is placed on n3 and n3 then moves to 05:00 (at risk, kept); releasing v1 on n1 beside it is fine:
    the broken rule is the placement in force's, not the new pair's."""
    await _place(db_url, "v1", "n3")
    dawn = {"weekly": [{"weekday": 3, "start": "05:00", "end": "06:00"}]}
    r = await client.patch("/api/v1/needs/n3", params={"keep_at_risk": "true"}, json=dawn, headers=coordinator)
    assert [(e["volunteer"], e["rule"]) for e in r.json()["at_risk"]] == [("v1", "E6")], r.text
    plan = await run(client, coordinator)
    ok = await client.post(f"/api/v1/proposals/{proposal(plan, 'v1', 'n1')['id']}/accept", headers=coordinator)
    assert ok.status_code == 200, ok.text
    released = await client.post(f"/api/v1/plans/{plan['id']}/release", headers=coordinator)
    assert released.status_code == 200, released.text
    assert "released_at_risk" not in released.json()["summary"]
    assert await in_force(client, coordinator) == {("v1", "n1"), ("v1", "n3")}


async def test_an_ended_planning_period_gives_way_to_one_from_today(client, loaded, coordinator, monkeypatch):
    """The small scenario's period, 4-31 January 2027, fixed by its import. While it lasts the register plans
    in it; once it has ended the register plans from today for the default 90 days, as a register that never
    had a period does: no page sets the period, and an ended one left every need without an occurrence."""
    monkeypatch.setattr(clock, "_offset", clock.offset())  # put back as it was, --clock-at or not
    clock.shift_to(dt.datetime.combine(START - dt.timedelta(days=10), dt.time(12), tzinfo=clock.OSLO))
    during = (await client.get("/api/v1/scenario", headers=coordinator)).json()["horizon"]
    assert during == {"start": "2027-01-04", "end": "2027-01-31"}

    later = START + dt.timedelta(days=75)  # 20 March 2027
    clock.shift_to(dt.datetime.combine(later, dt.time(12), tzinfo=clock.OSLO))
    after = (await client.get("/api/v1/scenario", headers=coordinator)).json()["horizon"]
    assert after == {"start": later.isoformat(), "end": (later + dt.timedelta(days=90)).isoformat()}
    plan = await run(client, coordinator)
    proposed = {p["need"] for p in plan["proposals"]}
    assert {"n1", "n2", "n3"} <= proposed, plan
    assert not [u for u in plan.get("unfilled", []) if "no-occurrence" in str(u)], plan
