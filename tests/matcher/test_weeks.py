"""The week as a coordinator means it: E6 on the union of the weekly windows, C2 per ISO week,
the away dates of a weekly need named, and the week rows (`Instance.week_rows`) that every
engine reads agreeing with the independent validator.

Builders' defaults: horizon Monday 2026-01-05 .. Sunday 2026-01-18, ISO weeks starting 5 and
12 January; need `n1` on Mondays 10:00–12:00.
"""

from __future__ import annotations

import numpy as np
from builders import D, held, need, once, period, scenario, slot, volunteer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios_st

from matcher.candidates import build_candidates
from matcher.instance import build_instance
from matcher.problem import compile_problem
from matcher.schema import Horizon, Plan, Scenario
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan, occurrences, week_loads, week_over

OPTIONS = SolveOptions(time_limit=5)
NIGHT = [slot(1, "22:00", "06:00")]  # Monday night into Tuesday: a våketjeneste


def solved(sc: Scenario) -> Plan:
    plan = solve(sc, OPTIONS)
    assert check_plan(sc, plan) == []
    return plan


def pairs_of(plan: Plan) -> set[tuple[str, str]]:
    return {(m.volunteer, m.need) for m in plan.matches}


# ---------------------------------------------------------------- E6: the union of the windows


def test_vaketjeneste_across_midnight_taken_by_someone_available_on_both_sides() -> None:
    v = volunteer(activities=["vaketjeneste"], trainings=[held("vakekurs")],
                  availability=[slot(1, "18:00", "00:00"), slot(2, "00:00", "08:00")])
    sc = scenario([v], [need(activity="vaketjeneste", weekly=NIGHT)])
    assert pairs_of(solved(sc)) == {("v1", "n1")}


def test_vaketjeneste_taken_by_someone_available_every_day_all_day() -> None:
    all_days = [slot(d, "00:00", "00:00") for d in range(1, 8)]
    sc = scenario([volunteer(availability=all_days)], [need(weekly=NIGHT), need("n2", once=once(D(2026, 1, 18),
                                                                                                 "22:00", "06:00"))])
    # Sunday 18 January 22:00 into Monday: across the week's end too
    assert pairs_of(solved(sc)) == {("v1", "n1"), ("v1", "n2")}


def test_night_from_sunday_into_monday_over_windows_joined_across_the_week_end() -> None:
    sc = scenario([volunteer(availability=[slot(7, "21:00", "00:00"), slot(1, "00:00", "07:00")])],
                  [need(weekly=[slot(7, "22:00", "06:00")])])
    assert pairs_of(solved(sc)) == {("v1", "n1")}


def test_union_with_a_gap_does_not_hold_the_night() -> None:
    sc = scenario([volunteer(availability=[slot(1, "18:00", "23:00"), slot(2, "00:00", "08:00")])],
                  [need(weekly=NIGHT)])
    plan = solved(sc)
    assert plan.matches == []
    assert {rc.rule for rc in plan.unfilled[0].reasons.excluded} == {"E6"}


def test_overlapping_windows_join() -> None:
    sc = scenario([volunteer(availability=[slot(1, "08:00", "11:00"), slot(1, "09:00", "12:00")])], [need()])
    assert pairs_of(solved(sc)) == {("v1", "n1")}


def test_away_on_the_start_still_excludes() -> None:
    sc = scenario([volunteer(unavailable=[period(D(2026, 1, 5), D(2026, 1, 5))])], [need()])
    plan = solved(sc)
    assert plan.matches == [] and {rc.rule for rc in plan.unfilled[0].reasons.excluded} == {"E6"}


def test_away_dates_of_a_weekly_need_are_named_in_the_reasons() -> None:
    long = scenario([volunteer(unavailable=[period(D(2026, 1, 12), D(2026, 1, 12))])],
                    [need(weekly=[slot(1, "10:00", "12:00"), slot(3, "10:00", "12:00")])])
    (m,) = solved(long).matches
    (away,) = [r for r in m.reasons if r.code == "away"]
    assert away.text == "away 1 of 4 dates: 12 January; the site may need cover"
    assert away.data == {"away": 1, "dates": ["2026-01-12"], "of": 4}
    two = scenario([volunteer(unavailable=[period(D(2026, 1, 12), D(2026, 1, 14))])],
                   [need(weekly=[slot(1, "10:00", "12:00"), slot(3, "10:00", "12:00")])])
    (m,) = solved(two).matches
    assert [r.text for r in m.reasons if r.code == "away"] == [
        "away 2 of 4 dates: 12 and 14 January; the site may need cover"]


# ---------------------------------------------------------------- C2 per ISO week


def test_one_off_need_is_no_obstacle_in_another_week() -> None:
    # max one need a week: an escort on Wednesday 7 January, and a weekly need from 12 January
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("escort", once=once(D(2026, 1, 7), "09:00", "12:00")), need("n2", from_=D(2026, 1, 12))],
    )
    assert pairs_of(solved(sc)) == {("v1", "escort"), ("v1", "n2")}


def test_one_off_need_hours_count_only_in_its_own_week() -> None:
    # 3 h a week: a 3-hour one-off in week 1 and a 2-hour weekly need in week 2 both fit
    sc = scenario(
        [volunteer(max_assignments=2, max_hours_per_week=3)],
        [need("escort", once=once(D(2026, 1, 7), "09:00", "12:00")), need("n2", from_=D(2026, 1, 12))],
    )
    assert pairs_of(solved(sc)) == {("v1", "escort"), ("v1", "n2")}


def test_one_off_need_counts_in_its_own_week() -> None:
    # the weekly need runs both weeks: with one need a week, the escort in week 1 cannot join
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("n1", priority=5), need("escort", priority=1, once=once(D(2026, 1, 7), "09:00", "12:00"))],
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    (elsewhere,) = plan.unfilled[0].reasons.placed_elsewhere
    assert "1 assignment(s) a week and would have 2 in the week of 5 January" in elsewhere.text


def test_needs_that_follow_each_other_do_not_count_as_two_at_once() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("jan", until=D(2026, 1, 11)), need("feb", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
    )
    assert pairs_of(solved(sc)) == {("v1", "jan"), ("v1", "feb")}


def test_weekly_hours_counted_in_each_week_not_summed_over_needs_that_never_meet() -> None:
    sc = scenario(
        [volunteer(max_assignments=2, max_hours_per_week=2)],
        [need("jan", until=D(2026, 1, 11)), need("feb", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
    )
    assert pairs_of(solved(sc)) == {("v1", "jan"), ("v1", "feb")}


def test_weekly_hours_over_in_one_week_excludes_the_second_need() -> None:
    sc = scenario(
        [volunteer(max_assignments=2, max_hours_per_week=3)],
        [need("n1", priority=5), need("n2", priority=1, weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    (elsewhere,) = plan.unfilled[0].reasons.placed_elsewhere
    assert "would exceed 3 hours a week (4 h in the week of 12 January)" in elsewhere.text


def test_a_partial_week_counts_only_its_occurrences() -> None:
    # horizon from Wednesday 7 January: a Monday-and-Thursday need (2 h each) until 11 January has
    # only Thursday 8 January in the horizon, 2 h in its one week, though its pattern is 4 h a week
    short = Horizon(start=D(2026, 1, 7), end=D(2026, 1, 18))
    twice = [slot(1, "10:00", "12:00"), slot(4, "10:00", "12:00")]
    sc = scenario([volunteer(max_hours_per_week=2)], [need(weekly=twice, until=D(2026, 1, 11))], horizon=short)
    assert pairs_of(solved(sc)) == {("v1", "n1")}
    # running on into the full week of 12 January it has 4 h there
    sc = scenario([volunteer(max_hours_per_week=2)], [need(weekly=twice)], horizon=short)
    assert solved(sc).matches == []


# ---------------------------------------------------------------- the week rows


def test_week_rows_per_volunteer_and_week_with_caps_left_beside_committed() -> None:
    sc = scenario(
        [volunteer("v1", max_assignments=2, max_hours_per_week=5), volunteer("v2", max_assignments=1)],
        [
            need("c", weekly=[slot(5, "10:00", "11:00")], until=D(2026, 1, 11)),  # committed, week 0 only
            need("a", weekly=[slot(2, "10:00", "12:00")]),
            need("b", weekly=[slot(3, "10:00", "12:00")]),
            need("d", weekly=[slot(4, "10:00", "12:00")]),
        ],
        committed=[("v1", "c")],
    )
    p = compile_problem(sc)
    inst = build_instance(p, build_candidates(p))
    rows = inst.week_rows
    got = []
    for r, pairs, minutes in rows.rows():
        needs = sorted(p.need(int(inst.pair_need[k])).id for k in pairs)
        got.append((p.volunteer(int(rows.vol[r])).id, int(rows.week[r]), needs, minutes.tolist(),
                    int(rows.count_cap[r]), int(rows.minutes_cap[r]), bool(rows.count_binds[r]),
                    bool(rows.minutes_binds[r])))
    assert sorted(got) == [
        # v1 week 0: one assignment and 4 h left beside the committed hour
        ("v1", 0, ["a", "b", "d"], [120, 120, 120], 1, 240, True, True),
        # v1 week 1: the whole caps
        ("v1", 1, ["a", "b", "d"], [120, 120, 120], 2, 300, True, True),
        # v2: both weeks are the same row, kept once
        ("v2", 0, ["a", "b", "d"], [120, 120, 120], 1, -1, True, False),
    ]
    assert rows.ptr.tolist() == [0, 3, 6, 9]
    assert int(p.monday(1).toordinal()) == D(2026, 1, 12).toordinal()


def test_week_rows_leave_out_rows_that_cannot_bind() -> None:
    sc = scenario([volunteer(max_assignments=3)], [need("a"), need("b", weekly=[slot(3, "10:00", "12:00")])])
    p = compile_problem(sc)
    assert len(build_instance(p, build_candidates(p)).week_rows) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(committed=True), st.randoms(use_true_random=False))
def test_week_rows_agree_with_the_validator(sc: Scenario, rnd: object) -> None:
    """For random sets of free pairs: a row is broken exactly when validate's per-week C2 says
    the volunteer's committed, pinned and chosen needs break a week the chosen ones are in."""
    p = compile_problem(sc)
    inst = build_instance(p, build_candidates(p))
    rows = inst.week_rows
    occ = {n.id: occurrences(sc, n) for n in sc.needs}
    vols = {v.id: v for v in sc.volunteers}
    for _ in range(5):
        chosen = np.array([rnd.random() < 0.5 for _ in range(inst.n_pairs)], dtype=bool)  # type: ignore[attr-defined]
        broken_rows = set(rows.vol[rows.violated(chosen)].tolist())
        for v in set(inst.pair_vol.tolist()):
            mine = [p.need(int(inst.pair_need[k])).id for k in np.flatnonzero(chosen & (inst.pair_vol == v))]
            fixed = [p.need(j).id for j in inst.fixed_by_vol.get(v, [])]
            weeks_mine = {o[0].date().isocalendar()[:2] for n in mine for o in occ[n]}
            over = {w for w, _ in week_over(vols[p.volunteer(v).id], week_loads(occ, fixed + mine))}
            assert (v in broken_rows) == bool(over & weeks_mine), (p.volunteer(v).id, mine, fixed)


def test_instance_pairs_each_fit_alone_beside_the_fixed_ones() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("c", until=D(2026, 1, 11)), need("a", weekly=[slot(3, "10:00", "12:00")]),
         need("b", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
        committed=[("v1", "c")],
    )
    p = compile_problem(sc)
    inst = build_instance(p, build_candidates(p))
    # a runs in week 0 beside the committed c: gone; b only in week 1: a free pair
    assert [p.need(int(j)).id for j in inst.pair_need] == ["b"]
    assert inst.vol_cap.tolist() == [1]


def test_vectorised_overlap_agrees_with_the_pairwise_check() -> None:
    from matcher.constraints import classes_overlap, classes_overlap_many
    from matcher.generate import generate

    p = compile_problem(generate(300, 200, seed=4))
    n = len(p.class_occ)
    pairs = np.array([(a, b) for a in range(n) for b in range(n)], dtype=np.int64)
    many = classes_overlap_many(p, pairs[:, 0], pairs[:, 1])
    one = np.array([classes_overlap(p, int(a), int(b)) for a, b in pairs], dtype=bool)
    assert (many == one).all()
    assert 0 < one.sum() < len(one)


def test_cpsat_model_holds_the_week_rows() -> None:
    """The CP-SAT model alone (not the flow): with one need a week, of four candidate needs two
    in each week, the most it can take is one per week — the week rows are in the model."""
    from ortools.sat.python import cp_model

    from matcher.model import SubInstance, build_model

    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("a", until=D(2026, 1, 11)), need("b", weekly=[slot(3, "10:00", "12:00")], until=D(2026, 1, 11)),
         need("c", from_=D(2026, 1, 12)), need("d", weekly=[slot(3, "10:00", "12:00")], from_=D(2026, 1, 12))],
    )
    p = compile_problem(sc)
    inst = build_instance(p, build_candidates(p))
    assert inst.n_pairs == 4 and inst.vol_cap.tolist()[0] >= 2  # a bound for the flow, not the answer
    sub = SubInstance(inst, np.arange(inst.n_pairs), inst.cliques, inst.need_cap)
    built = build_model(sub)
    built.model.maximize(built.coverage)
    solver = cp_model.CpSolver()
    assert solver.solve(built.model) == cp_model.OPTIMAL
    chosen = np.array([solver.boolean_value(x) for x in built.x], dtype=bool)
    assert chosen.sum() == 2
    assert not inst.week_rows.violated(chosen).any()
    weeks = {p.need(int(j)).id for j in inst.pair_need[chosen]}
    assert len(weeks & {"a", "b"}) == 1 and len(weeks & {"c", "d"}) == 1
