"""Reasons: why a match was made and why a need stays unfilled."""

from __future__ import annotations

from builders import TONSBERG, D, held, need, north_of, once, scenario, slot, volunteer

from matcher.schema import Plan, Scenario, Unfilled
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan


def solved(sc: Scenario) -> Plan:
    plan = solve(sc, SolveOptions(time_limit=5))
    assert check_plan(sc, plan) == []
    return plan


def unfilled(plan: Plan, need_id: str = "n1") -> Unfilled:
    (u,) = [u for u in plan.unfilled if u.need == need_id]
    return u


# ---------------------------------------------------------------- unfilled needs


def test_unfilled_untrained_nearest_miss_names_training_with_count() -> None:
    vols = [
        volunteer("v1", activities=["aktivitetsvenn"]),
        volunteer("v2", activities=["aktivitetsvenn"], trainings=[held("intro")]),
        volunteer("v3", activities=["aktivitetsvenn"], trainings=[held("demens", expires=D(2025, 12, 31))]),
        volunteer("v4", activities=["turvenn"]),  # not willing: two rules broken, no near miss
    ]
    plan = solved(scenario(vols, [need(activity="aktivitetsvenn")]))
    u = unfilled(plan)
    assert u.open == 1
    assert u.reasons.eligible == 0
    misses = [m for m in u.reasons.nearest_misses if m.rule == "E3"]
    assert len(misses) == 1
    (miss,) = misses
    assert "would qualify with a valid Demensopplæring" in miss.text
    assert miss.count == 3
    assert sorted(miss.volunteers) == ["v1", "v2", "v3"]
    assert {rc.rule: rc.excluded for rc in u.reasons.excluded} == {"E1": 1, "E3": 4}


def test_unfilled_untrained_names_the_missing_training_of_the_need() -> None:
    plan = solved(scenario([volunteer("v1"), volunteer("v2")], [need(requires_training=["vakekurs"])]))
    (miss,) = unfilled(plan).reasons.nearest_misses
    assert miss.rule == "E3"
    assert miss.count == 2
    assert "would qualify with a valid Våkekurs" in miss.text


def test_unfilled_summary_mentions_nearest_miss() -> None:
    plan = solved(scenario([volunteer(activities=["aktivitetsvenn"])], [need(activity="aktivitetsvenn")]))
    assert "Demensopplæring" in unfilled(plan).reasons.summary


def test_unfilled_availability_near_miss_weekday_and_until() -> None:
    v = volunteer(availability=[slot(1, "08:00", "20:00")])
    plan = solved(scenario([v], [need(weekly=[slot(1, "18:00", "21:00")])]))
    (miss,) = unfilled(plan).reasons.nearest_misses
    assert miss.rule == "E6"
    assert miss.count == 1
    assert miss.volunteers == ["v1"]
    assert "Monday" in miss.text
    assert "only until 20:00" in miss.text


def test_unfilled_availability_near_miss_groups_same_window() -> None:
    vols = [volunteer(f"v{i}", availability=[slot(4, "09:00", "17:30")]) for i in range(1, 4)]
    plan = solved(scenario(vols, [need(weekly=[slot(4, "16:00", "19:00")])]))
    (miss,) = unfilled(plan).reasons.nearest_misses
    assert miss.count == 3
    assert "Thursday" in miss.text and "only until 17:30" in miss.text


def test_unfilled_availability_near_miss_only_from() -> None:
    v = volunteer(availability=[slot(2, "12:00", "20:00")])
    plan = solved(scenario([v], [need(weekly=[slot(2, "10:00", "13:00")])]))
    (miss,) = unfilled(plan).reasons.nearest_misses
    assert "Tuesday" in miss.text and "only from 12:00" in miss.text


def test_unfilled_need_without_occurrence_summary_says_so() -> None:
    plan = solved(scenario([volunteer()], [need(once=once(D(2026, 3, 2), "10:00", "12:00"))]))
    u = unfilled(plan)
    assert "no occurrence" in u.reasons.summary
    assert u.open == 1


def test_unfilled_weekly_need_after_horizon_summary_says_so() -> None:
    plan = solved(scenario([volunteer()], [need(from_=D(2026, 2, 1))]))
    assert "no occurrence" in unfilled(plan).reasons.summary


def test_unfilled_placed_elsewhere_names_higher_priority_overlapping_need() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)],
        [need("low", priority=1, weekly=[slot(1, "11:00", "13:00")]), need("high", priority=5)],
    )
    plan = solved(sc)
    assert {(m.volunteer, m.need) for m in plan.matches} == {("v1", "high")}
    u = unfilled(plan, "low")
    assert u.reasons.eligible == 1
    (pe,) = u.reasons.placed_elsewhere
    assert pe.volunteer == "v1"
    assert pe.need == "high"
    assert "high" in pe.text
    assert "overlap" in pe.text


def test_unfilled_placed_elsewhere_max_assignments() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("low", priority=2, weekly=[slot(3, "10:00", "12:00")]), need("high", priority=4)],
    )
    (pe,) = unfilled(solved(sc), "low").reasons.placed_elsewhere
    assert pe.need == "high"
    assert "at most 1 assignment" in pe.text


def test_unfilled_no_willing_volunteer_summary() -> None:
    plan = solved(scenario([volunteer(activities=["besoksvenn"])], [need(activity="turvenn")]))
    u = unfilled(plan)
    assert "willing" in u.reasons.summary
    assert "Turvenn" in u.reasons.summary
    assert u.reasons.placed_elsewhere == []


def test_unfilled_near_misses_only_for_single_rule_failures() -> None:
    # v1 fails E7 only; v2 fails E7 and E8: only v1 is a near miss
    vols = [
        volunteer("v1", languages=["no"]),
        volunteer("v2", languages=["no"], location=north_of(TONSBERG, 30), max_travel_km=10),
    ]
    plan = solved(scenario(vols, [need(languages=["ar"])]))
    u = unfilled(plan)
    (miss,) = u.reasons.nearest_misses
    assert miss.rule == "E7"
    assert miss.count == 1
    assert miss.volunteers == ["v1"]
    assert {rc.rule: rc.excluded for rc in u.reasons.excluded} == {"E7": 2, "E8": 1}


def test_unfilled_every_unfilled_need_has_reasons() -> None:
    sc = scenario(
        [volunteer("v1", max_assignments=1), volunteer("v2", activities=["turvenn"])],
        [
            need("a", priority=5),
            need("b", weekly=[slot(2, "10:00", "12:00")]),
            need("c", activity="fritidsvenn"),
        ],
    )
    plan = solved(sc)
    assert {u.need for u in plan.unfilled} == {"b", "c"}
    for u in plan.unfilled:
        assert u.reasons.summary
        assert u.reasons.excluded or u.reasons.placed_elsewhere


# ---------------------------------------------------------------- matches


def test_match_reasons_interests_shared_tags_and_points_sum_to_score() -> None:
    v = volunteer(interests=["Musikk", "hage", "sjakk"], location=north_of(TONSBERG, 4), history=[])
    sc = scenario([v], [need(tags=["musikk", "hage", "turer"])])
    plan = solved(sc)
    (m,) = plan.matches
    by_code = {r.code: r for r in m.reasons}
    interests = by_code["interests"]
    assert interests.data is not None
    assert interests.data["shared"] == ["hage", "musikk"]
    assert interests.points == 20
    assert "hage" in interests.text and "musikk" in interests.text
    assert by_code["travel"].points == 8  # 10 × (1 − 4/20)
    assert sum(r.points or 0 for r in m.reasons) == m.score == 28


def test_match_reasons_continuity_and_previous_points_sum_to_score() -> None:
    from matcher.schema import HistoryEntry

    v = volunteer(interests=["turer"], history=[HistoryEntry(site="s1", activity="besoksvenn")])
    sc = scenario([v], [need(tags=["turer"])], previous=[("v1", "n1")])
    (m,) = solved(sc).matches
    codes = {r.code: r.points for r in m.reasons if r.points}
    assert codes == {"interests": 10, "continuity": 20, "travel": 10, "previous": 30}
    assert sum(r.points or 0 for r in m.reasons) == m.score == 70


def test_match_reasons_interests_capped() -> None:
    tags = ["a", "b", "c", "d", "e"]
    sc = scenario([volunteer(interests=tags)], [need(tags=tags)])
    (m,) = solved(sc).matches
    (r,) = [r for r in m.reasons if r.code == "interests"]
    assert r.points == 30
    assert sum(x.points or 0 for x in m.reasons) == m.score


def test_match_reasons_pinned_flagged() -> None:
    (m,) = solved(scenario([volunteer()], pinned=[("v1", "n1")])).matches
    assert m.pinned
    assert "pinned" in {r.code for r in m.reasons}
    assert sum(r.points or 0 for r in m.reasons) == m.score
