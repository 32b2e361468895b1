"""Committed placements (`Scenario.committed`): in the plan, never moved, taking their place and
capacity, and listed in `at_risk` (the same list `matcher.at_risk` gives) when they break a rule.

Builders' defaults: horizon Monday 2026-01-05 .. Sunday 2026-01-18 (ISO weeks 2 and 3);
need `n1` on Mondays 10:00–12:00, so its occurrences are 5 and 12 January.
"""

from __future__ import annotations

import msgspec
import pytest
from builders import D, certificate, held, need, once, period, plan_for, scenario, slot, volunteer
from hypothesis import HealthCheck, given, settings
from strategies import scenarios_st

from matcher import AT_RISK_CODES, AtRisk, at_risk
from matcher.scenario import ScenarioError, decode_scenario
from matcher.schema import HistoryEntry, Pair, Plan, Scenario
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan

OPTIONS = SolveOptions(time_limit=5)


def solved(sc: Scenario) -> Plan:
    plan = solve(sc, OPTIONS)
    assert check_plan(sc, plan) == []
    return plan


def pairs_of(plan: Plan) -> set[tuple[str, str]]:
    return {(m.volunteer, m.need) for m in plan.matches}


def free_pairs(plan: Plan) -> set[tuple[str, str]]:
    return {(m.volunteer, m.need) for m in plan.matches if not m.committed}


def risks(entries: list[AtRisk]) -> set[tuple[str, str, str, str]]:
    return {(r.volunteer, r.need, r.rule, r.code) for r in entries}


def as_committed(sc: Scenario, plan: Plan) -> Scenario:
    """The scenario with every match of the plan in force."""
    return msgspec.structs.replace(sc, committed=[Pair(volunteer=m.volunteer, need=m.need) for m in plan.matches])


# ---------------------------------------------------------------- in the plan, fixed


def test_committed_pair_in_plan_flagged_and_takes_the_place() -> None:
    # v2 would fit n1 better (same site and activity before), but v1 holds its only place
    sc = scenario(
        [volunteer("v1"), volunteer("v2", history=[HistoryEntry(site="s1", activity="besoksvenn")])],
        [need("n1")],
        committed=[("v1", "n1")],
    )
    plan = solved(sc)
    (m,) = plan.matches
    assert (m.volunteer, m.need, m.committed, m.pinned) == ("v1", "n1", True, False)
    assert "committed" in {r.code for r in m.reasons}
    assert plan.at_risk == []
    assert plan.unfilled == []


def test_committed_pair_never_moved_for_a_higher_priority() -> None:
    # without the commitment v1 (max 1 a week) would go to the priority-5 need n2
    v1 = volunteer("v1", max_assignments=1)
    needs = [need("n1", priority=1), need("n2", priority=5, weekly=[slot(3, "10:00", "12:00")])]
    assert pairs_of(solved(scenario([v1], needs))) == {("v1", "n2")}
    plan = solved(scenario([v1], needs, committed=[("v1", "n1")]))
    assert pairs_of(plan) == {("v1", "n1")}
    (u,) = plan.unfilled
    assert u.need == "n2"
    (elsewhere,) = u.reasons.placed_elsewhere
    assert elsewhere.volunteer == "v1" and "week of 5 January" in elsewhere.text


def test_committed_pair_uses_the_weekly_hours() -> None:
    # 2 h committed; 3 h a week allowed: a second 2-hour need in the same weeks does not fit
    v1 = volunteer("v1", max_assignments=3, max_hours_per_week=3)
    sc = scenario([v1], [need("n1"), need("n2", weekly=[slot(3, "10:00", "12:00")])], committed=[("v1", "n1")])
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    (u,) = plan.unfilled
    assert "would exceed 3 hours a week" in u.reasons.placed_elsewhere[0].text


def test_committed_pair_blocks_overlapping_proposals() -> None:
    sc = scenario(
        [volunteer("v1", max_assignments=3)],
        [need("n1"), need("n2", weekly=[slot(1, "11:00", "13:00")])],
        committed=[("v1", "n1")],
    )
    assert pairs_of(solved(sc)) == {("v1", "n1")}


def test_duplicate_committed_pairs_count_once() -> None:
    sc = scenario([volunteer("v1")], [need("n1")], committed=[("v1", "n1"), ("v1", "n1")])
    plan = solved(sc)
    assert len(plan.matches) == 1 and plan.at_risk == []


def test_pin_equal_to_committed_pair_is_both_and_no_conflict() -> None:
    sc = scenario([volunteer("v1")], [need("n1")], committed=[("v1", "n1")], pinned=[("v1", "n1")])
    plan = solved(sc)
    (m,) = plan.matches
    assert m.committed and m.pinned and plan.conflicts == []


def test_pin_on_a_need_full_of_committed_pairs_is_a_c1_conflict() -> None:
    sc = scenario([volunteer("v1"), volunteer("v2")], [need("n1")], committed=[("v1", "n1")], pinned=[("v2", "n1")])
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    (c,) = plan.conflicts
    assert (c.volunteer, c.rule) == ("v2", "C1")


def test_pin_overlapping_a_committed_pair_is_a_c3_conflict() -> None:
    sc = scenario(
        [volunteer("v1")],
        [need("n1"), need("n2", weekly=[slot(1, "11:00", "13:00")])],
        committed=[("v1", "n1")],
        pinned=[("v1", "n2")],
    )
    plan = solved(sc)
    (c,) = plan.conflicts
    assert (c.need, c.rule) == ("n2", "C3")


def test_committed_need_without_occurrence_stays_and_is_not_at_risk() -> None:
    sc = scenario([volunteer("v1")], [need("n1", until=D(2026, 1, 1))], committed=[("v1", "n1")])
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")} and plan.at_risk == []


def test_unknown_committed_volunteer_is_a_scenario_error() -> None:
    sc = scenario([volunteer("v1")], [need("n1")], committed=[("v9", "n1")])
    with pytest.raises(ScenarioError) as err:
        decode_scenario(msgspec.json.encode(sc))
    assert err.value.errors == ["committed[0].volunteer: 'v9' is not a known volunteer"]


def test_scenario_without_committed_field_reads_as_none_committed() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(scenario()))
    del raw["committed"]
    assert decode_scenario(msgspec.json.encode(raw)).committed == []


# ---------------------------------------------------------------- at risk, rule by rule


def only_risk(sc: Scenario) -> AtRisk:
    """The one at-risk entry, the same from `at_risk` and from the solved plan."""
    plan = solved(sc)
    assert plan.at_risk == at_risk(sc)
    (r,) = plan.at_risk
    assert (r.volunteer, r.need) in {(p.volunteer, p.need) for p in sc.committed}
    m = next(m for m in plan.matches if (m.volunteer, m.need) == (r.volunteer, r.need))
    assert m.committed and "at_risk" in {x.code for x in m.reasons}
    return r


def test_at_risk_training_expiring_before_the_last_occurrence() -> None:
    sc = scenario(
        [volunteer("v1", activities=["vaketjeneste"], trainings=[held("vakekurs", expires=D(2026, 1, 9))])],
        [need("n1", activity="vaketjeneste")],
        committed=[("v1", "n1")],
    )
    r = only_risk(sc)
    assert (r.rule, r.code, r.date) == ("E3", "training-expires", D(2026, 1, 9))
    assert r.data == {"training": "vakekurs", "training_name": "Våkekurs", "expires": "2026-01-09",
                      "last": "2026-01-12"}
    assert r.message == ("Våkekurs expires 2026-01-09, before the last occurrence on 2026-01-12:"
                         " renew it or end the placement")


def test_at_risk_training_missing_on_the_start() -> None:
    sc = scenario(
        [volunteer("v1", activities=["vaketjeneste"], trainings=[held("vakekurs", expires=D(2026, 1, 1))])],
        [need("n1", activity="vaketjeneste")],
        committed=[("v1", "n1")],
    )
    r = only_risk(sc)
    assert (r.rule, r.code, r.data["start"]) == ("E3", "training-missing", "2026-01-05")


def test_at_risk_need_moved_to_times_the_volunteer_is_not_available() -> None:
    sc = scenario(
        [volunteer("v1", availability=[slot(1, "08:00", "12:00")])],
        [need("n1", weekly=[slot(1, "11:00", "13:00")])],
        committed=[("v1", "n1")],
    )
    r = only_risk(sc)
    assert (r.rule, r.code, r.date) == ("E6", "not-available", D(2026, 1, 5))
    assert r.data == {"outside": 2, "occurrences": 2, "first": "2026-01-05"}


def test_at_risk_away_when_the_need_starts() -> None:
    sc = scenario(
        [volunteer("v1", unavailable=[period(D(2026, 1, 4), D(2026, 1, 6))])], [need("n1")], committed=[("v1", "n1")]
    )
    r = only_risk(sc)
    assert (r.rule, r.code) == ("E6", "away-at-start")
    assert r.data == {"from": "2026-01-04", "to": "2026-01-06", "start": "2026-01-05"}


def test_at_risk_police_certificate_now_required() -> None:
    sc = scenario([volunteer("v1")], [need("n1", police_certificate=True)], committed=[("v1", "n1")])
    r = only_risk(sc)
    assert (r.rule, r.code) == ("E5", "police-certificate")


def test_police_certificate_shown_clears_the_risk() -> None:
    sc = scenario(
        [volunteer("v1", police_certificate=certificate(D(2025, 12, 1), D(2025, 12, 10)))],
        [need("n1", police_certificate=True)],
        committed=[("v1", "n1")],
    )
    assert solved(sc).at_risk == [] == at_risk(sc)


def test_at_risk_forbidden_and_unwilling_each_named() -> None:
    sc = scenario([volunteer("v1", activities=["turvenn"])], [need("n1")], committed=[("v1", "n1")],
                  forbidden=[("v1", "n1")])
    assert risks(at_risk(sc)) == {("v1", "n1", "E1", "not-willing"), ("v1", "n1", "E9", "forbidden")}
    assert check_plan(sc, solve(sc, OPTIONS)) == []


def test_at_risk_headcount_lowered_below_holders() -> None:
    sc = scenario(
        [volunteer("v1"), volunteer("v2"), volunteer("v3")],
        [need("n1", headcount=1)],
        committed=[("v1", "n1"), ("v2", "n1")],
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1"), ("v2", "n1")}  # v3 is not proposed
    assert risks(plan.at_risk) == {("v1", "n1", "C1", "over-headcount"), ("v2", "n1", "C1", "over-headcount")}
    assert plan.at_risk[0].data == {"headcount": 1, "holders": 2}


def test_at_risk_committed_pairs_over_the_weekly_hours_name_the_week() -> None:
    # n1 Mondays 2 h, n2 only in the second week (from 12 January) 2 h: 4 h > 3 h in that week only
    sc = scenario(
        [volunteer("v1", max_hours_per_week=3)],
        [need("n1"), need("n2", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
        committed=[("v1", "n1"), ("v1", "n2")],
    )
    found = at_risk(sc)
    assert risks(found) == {("v1", "n1", "C2", "over-hours"), ("v1", "n2", "C2", "over-hours")}
    assert {r.date for r in found} == {D(2026, 1, 12)}
    assert found[0].data == {"week": "2026-01-12", "hours": 4.0, "max_hours": 3.0}
    assert solved(sc).at_risk == found


def test_at_risk_committed_pairs_over_max_assignments() -> None:
    sc = scenario(
        [volunteer("v1", max_assignments=1)],
        [need("n1"), need("n2", weekly=[slot(3, "10:00", "12:00")])],
        committed=[("v1", "n1"), ("v1", "n2")],
    )
    found = at_risk(sc)
    assert risks(found) == {("v1", "n1", "C2", "over-assignments"), ("v1", "n2", "C2", "over-assignments")}
    assert found[0].data == {"week": "2026-01-05", "assignments": 2, "max_assignments": 1}


def test_at_risk_committed_pairs_overlapping() -> None:
    sc = scenario(
        [volunteer("v1")],
        [need("n1"), need("n2", once=once(D(2026, 1, 12), "11:00", "12:30"))],
        committed=[("v1", "n1"), ("v1", "n2")],
    )
    found = at_risk(sc)
    assert risks(found) == {("v1", "n1", "C3", "overlap"), ("v1", "n2", "C3", "overlap")}
    assert {r.date for r in found} == {D(2026, 1, 12)}
    assert {r.data["other_need"] for r in found} == {"n1", "n2"}
    assert solved(sc).at_risk == found


def test_at_risk_committed_pairs_in_different_weeks_are_fine() -> None:
    # max 1 a week: a need ending in week 2 and one starting in week 3 do not count together
    sc = scenario(
        [volunteer("v1", max_assignments=1)],
        [need("n1", until=D(2026, 1, 11)), need("n2", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
        committed=[("v1", "n1"), ("v1", "n2")],
    )
    assert at_risk(sc) == []


# ---------------------------------------------------------------- plan check


def test_plan_check_flags_a_missing_committed_pair() -> None:
    sc = scenario([volunteer("v1")], [need("n1")], committed=[("v1", "n1")])
    assert {v.rule for v in check_plan(sc, plan_for(sc, []))} == {"COMMITTED"}


def test_plan_check_flags_a_committed_match_not_flagged() -> None:
    sc = scenario([volunteer("v1")], [need("n1")], committed=[("v1", "n1")])
    assert {v.rule for v in check_plan(sc, plan_for(sc, [("v1", "n1")]))} == {"COMMITTED"}


def test_plan_check_flags_at_risk_missing_and_extra() -> None:
    sc = scenario([volunteer("v1"), volunteer("v2")], [need("n1", police_certificate=True), need("n2")],
                  committed=[("v1", "n1")])
    plan = solved(sc)
    missing = msgspec.structs.replace(plan, at_risk=[])
    assert [v.rule for v in check_plan(sc, missing)] == ["AT_RISK"]
    extra = msgspec.structs.replace(plan, at_risk=[*plan.at_risk, AtRisk(
        volunteer="v1", need="n1", rule="E7", code="language", message="speaks none")])
    assert [v.rule for v in check_plan(sc, extra)] == ["AT_RISK"]


def test_plan_check_still_flags_a_free_match_that_breaks_a_rule_beside_committed() -> None:
    # the committed pair is excused (at risk); a proposal on the same need is not
    sc = scenario([volunteer("v1"), volunteer("v2")], [need("n1", police_certificate=True, headcount=2)],
                  committed=[("v1", "n1")])
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    bad = plan_for(sc, [("v1", "n1"), ("v2", "n1")])
    bad = msgspec.structs.replace(
        bad, at_risk=plan.at_risk,
        matches=[msgspec.structs.replace(m, committed=m.volunteer == "v1") for m in bad.matches],
    )
    assert {(v.rule, v.volunteer) for v in check_plan(sc, bad)} == {("E5", "v2")}


# ---------------------------------------------------------------- re-solving


def test_resolve_with_everything_committed_proposes_nothing_new() -> None:
    from matcher.generate import generate

    sc = generate(200, 60, seed=11)
    first = solve(sc, OPTIONS)
    assert first.status == "optimal"
    again = solve(as_committed(sc, first), OPTIONS)
    assert free_pairs(again) == set()
    assert pairs_of(again) == pairs_of(first)
    assert check_plan(as_committed(sc, first), again) == []


def test_adding_one_volunteer_with_everything_committed_only_places_them() -> None:
    from matcher.generate import generate

    sc = generate(200, 60, seed=11)
    first = solve(sc, OPTIONS)
    before = as_committed(sc, first)
    open_needs = {u.need for u in first.unfilled}
    for clone_of in range(0, 200, 20):
        newcomer = msgspec.structs.replace(sc.volunteers[clone_of], id="newcomer", name="Ny", history=[])
        after = msgspec.structs.replace(before, volunteers=[*before.volunteers, newcomer])
        plan = solve(after, OPTIONS)
        assert check_plan(after, plan) == []
        new = free_pairs(plan)
        assert {v for v, _ in new} <= {"newcomer"}
        assert {n for _, n in new} <= open_needs


# ---------------------------------------------------------------- the property


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios_st(committed=True))
def test_property_committed_kept_proposals_acceptable_plan_valid(sc: Scenario) -> None:
    plan = solve(sc, OPTIONS)
    assert check_plan(sc, plan) == []
    committed = {(p.volunteer, p.need) for p in sc.committed}
    assert committed <= pairs_of(plan)
    assert {(m.volunteer, m.need) for m in plan.matches if m.committed} == committed
    assert plan.at_risk == at_risk(sc)
    assert all(AT_RISK_CODES[r.code] == r.rule for r in plan.at_risk)
    # accept everything: nothing that was proposed is at risk, nothing at risk is new
    accepted = as_committed(sc, plan)
    before = {(r.volunteer, r.need, r.rule) for r in plan.at_risk}
    after = {(r.volunteer, r.need, r.rule) for r in at_risk(accepted)}
    assert after <= before, after - before
    # and re-solving then proposes nothing new when the first plan was optimal
    if plan.status == "optimal":
        again = solve(accepted, OPTIONS)
        assert free_pairs(again) == set()


def test_at_risk_codes_are_the_documented_list() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    table = doc[doc.index("| code | rule | `data` |"):]
    table = table[: table.index("\n\n")]
    documented = {row.split("|")[1].strip().strip("`"): row.split("|")[2].strip() for row in table.splitlines()[2:]}
    assert documented == AT_RISK_CODES


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_register_with_placements_in_force(seed: int) -> None:
    """A municipality a third in force, some of it gone wrong: the plan keeps every placement,
    is valid, and accepting all its proposals puts nothing new at risk."""
    from matcher.generate import generate

    sc = generate(400, 150, seed=seed, committed=0.35)
    plan = solve(sc, SolveOptions(time_limit=10))
    assert check_plan(sc, plan) == []
    assert {(p.volunteer, p.need) for p in sc.committed} <= pairs_of(plan)
    assert plan.at_risk and plan.at_risk == at_risk(sc)
    assert free_pairs(plan)  # it does propose around them
    before = {(r.volunteer, r.need, r.rule) for r in plan.at_risk}
    after = {(r.volunteer, r.need, r.rule) for r in at_risk(as_committed(sc, plan))}
    assert after == before
