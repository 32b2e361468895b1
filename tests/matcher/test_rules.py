"""The eligibility rules E1–E9 and the plan constraints C1–C4, end to end through `solve`.

Each rule is shown on the smallest scenario: the pair is matched when the rule holds;
when it is broken the pair is not matched and the unfilled need's reasons count the
rule. Every plan is also checked with the independent `check_plan`.

Builders' defaults: horizon Monday 2026-01-05 .. Sunday 2026-01-18, so the default
need `n1` (Mondays 10:00–12:00) starts on 2026-01-05.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import (
    TONSBERG,
    D,
    certificate,
    held,
    need,
    north_of,
    once,
    period,
    scenario,
    slot,
    volunteer,
)

from matcher.schema import Horizon, Plan, Scenario
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan

START = D(2026, 1, 5)  # the default need's first occurrence


def solved(sc: Scenario) -> Plan:
    plan = solve(sc, SolveOptions(time_limit=5))
    assert check_plan(sc, plan) == []
    return plan


def pairs_of(plan: Plan) -> set[tuple[str, str]]:
    return {(m.volunteer, m.need) for m in plan.matches}


def excluded(plan: Plan, need_id: str = "n1") -> dict[str, int]:
    (u,) = [u for u in plan.unfilled if u.need == need_id]
    return {rc.rule: rc.excluded for rc in u.reasons.excluded}


def assert_matched(sc: Scenario, pair: tuple[str, str] = ("v1", "n1")) -> Plan:
    plan = solved(sc)
    assert pair in pairs_of(plan)
    assert all(u.need != pair[1] for u in plan.unfilled)
    return plan


def assert_excluded_by(sc: Scenario, rule: str, pair: tuple[str, str] = ("v1", "n1")) -> Plan:
    """The pair is not matched, and the need's reasons count exactly this one rule (for v1)."""
    plan = solved(sc)
    assert pair not in pairs_of(plan)
    assert excluded(plan, pair[1]) == {rule: 1}
    return plan


# ---------------------------------------------------------------- E1 willing


def test_e1_willing_matched() -> None:
    assert_matched(scenario([volunteer(activities=["besoksvenn"])]))


def test_e1_activity_not_chosen_excluded() -> None:
    assert_excluded_by(scenario([volunteer(activities=["turvenn"])]), "E1")


# ---------------------------------------------------------------- E2 agreements


def test_e2_signed_on_start_date_matched() -> None:
    assert_matched(scenario([volunteer(agreement_signed=START, confidentiality_signed=START)]))


def test_e2_agreement_signed_day_after_start_excluded() -> None:
    assert_excluded_by(scenario([volunteer(agreement_signed=D(2026, 1, 6))]), "E2")


def test_e2_confidentiality_missing_excluded() -> None:
    assert_excluded_by(scenario([volunteer(confidentiality_signed=None)]), "E2")


def test_e2_horizon_starting_midweek_start_is_next_monday() -> None:
    # horizon from Wednesday 7 January: the Monday need first occurs on the 12th
    sc = scenario(
        [volunteer(agreement_signed=D(2026, 1, 12))], horizon=Horizon(start=D(2026, 1, 7), end=D(2026, 1, 20))
    )
    assert_matched(sc)
    sc = scenario(
        [volunteer(agreement_signed=D(2026, 1, 13))], horizon=Horizon(start=D(2026, 1, 7), end=D(2026, 1, 20))
    )
    assert_excluded_by(sc, "E2")


def test_e2_start_is_first_occurrence_not_horizon_start() -> None:
    # the need starts on Monday 12 January (from), so signing on the 8th is in time
    sc = scenario([volunteer(agreement_signed=D(2026, 1, 8))], [need(from_=D(2026, 1, 12))])
    assert_matched(sc)


# ---------------------------------------------------------------- E3 training


def test_e3_activity_training_held_matched() -> None:
    sc = scenario(
        [volunteer(activities=["aktivitetsvenn"], trainings=[held("demens")])],
        [need(activity="aktivitetsvenn")],
    )
    assert_matched(sc)


def test_e3_activity_training_missing_excluded() -> None:
    sc = scenario(
        [volunteer(activities=["aktivitetsvenn"], trainings=[held("intro")])],
        [need(activity="aktivitetsvenn")],
    )
    assert_excluded_by(sc, "E3")


def test_e3_need_training_missing_excluded() -> None:
    sc = scenario([volunteer()], [need(requires_training=["intro"])])
    assert_excluded_by(sc, "E3")


def test_e3_training_expiring_on_the_last_occurrence_matched() -> None:
    # the default need's last Monday in the horizon is 2026-01-12: valid up to and including it
    sc = scenario([volunteer(trainings=[held("intro", expires=D(2026, 1, 12))])], [need(requires_training=["intro"])])
    assert_matched(sc)


def test_e3_training_expiring_before_the_last_occurrence_excluded() -> None:
    # valid on the start 2026-01-05, expired before the last Monday 2026-01-12: E3 checks both
    sc = scenario([volunteer(trainings=[held("intro", expires=D(2026, 1, 11))])], [need(requires_training=["intro"])])
    assert_excluded_by(sc, "E3")


def test_e3_training_expired_day_before_start_excluded() -> None:
    sc = scenario(
        [volunteer(trainings=[held("intro", expires=D(2026, 1, 4))])], [need(requires_training=["intro"])]
    )
    assert_excluded_by(sc, "E3")


def test_e3_training_completed_on_start_date_matched() -> None:
    sc = scenario(
        [volunteer(trainings=[held("intro", completed=START)])], [need(requires_training=["intro"])]
    )
    assert_matched(sc)


def test_e3_training_completed_after_start_excluded() -> None:
    sc = scenario(
        [volunteer(trainings=[held("intro", completed=D(2026, 1, 6))])], [need(requires_training=["intro"])]
    )
    assert_excluded_by(sc, "E3")


def test_e3_activity_and_need_trainings_both_required() -> None:
    sc = scenario(
        [volunteer(activities=["aktivitetsvenn"], trainings=[held("demens")])],
        [need(activity="aktivitetsvenn", requires_training=["intro"])],
    )
    assert_excluded_by(sc, "E3")


# ---------------------------------------------------------------- E4 age


def test_e4_age_reached_on_start_date_matched() -> None:
    assert_matched(scenario([volunteer(birth_date=D(2008, 1, 5))], [need(min_age=18)]))


def test_e4_age_reached_day_after_start_excluded() -> None:
    assert_excluded_by(scenario([volunteer(birth_date=D(2008, 1, 6))], [need(min_age=18)]), "E4")


def test_e4_unknown_birth_date_excluded() -> None:
    assert_excluded_by(scenario([volunteer(birth_date=None)], [need(min_age=18)]), "E4")


def test_e4_unknown_birth_date_without_minimum_matched() -> None:
    assert_matched(scenario([volunteer(birth_date=None)]))


def test_e4_activity_minimum_beats_lower_need_minimum() -> None:
    # våketjeneste has min_age 25; the need's own 18 does not lower it
    v = volunteer(activities=["vaketjeneste"], trainings=[held("vakekurs")], birth_date=D(2001, 1, 6))
    assert_excluded_by(scenario([v], [need(activity="vaketjeneste", min_age=18)]), "E4")


def test_e4_need_minimum_beats_lower_activity_minimum() -> None:
    v = volunteer(activities=["vaketjeneste"], trainings=[held("vakekurs")], birth_date=D(1996, 1, 6))
    assert_excluded_by(scenario([v], [need(activity="vaketjeneste", min_age=30)]), "E4")


# ---------------------------------------------------------------- E5 police certificate


def fritid(**overrides: Any) -> Scenario:
    return scenario([volunteer(activities=["fritidsvenn"], **overrides)], [need(activity="fritidsvenn")])


def test_e5_certificate_shown_exactly_three_months_after_issue_matched() -> None:
    assert_matched(fritid(police_certificate=certificate(D(2025, 9, 30), D(2025, 12, 30))))


def test_e5_certificate_shown_three_months_and_one_day_after_issue_excluded() -> None:
    assert_excluded_by(fritid(police_certificate=certificate(D(2025, 9, 30), D(2025, 12, 31))), "E5")


def test_e5_month_end_issue_clamps_to_shorter_month() -> None:
    # 31 August + 3 calendar months = 30 November (clamped)
    assert_matched(fritid(police_certificate=certificate(D(2025, 8, 31), D(2025, 11, 30))))
    assert_excluded_by(fritid(police_certificate=certificate(D(2025, 8, 31), D(2025, 12, 1))), "E5")


def test_e5_three_months_across_new_year_clamps_to_february() -> None:
    # 30 November + 3 months = 28 February 2026; the need starts Monday 2 March
    march = {"horizon": Horizon(start=D(2026, 3, 2), end=D(2026, 3, 15))}
    v = volunteer(activities=["fritidsvenn"], police_certificate=certificate(D(2025, 11, 30), D(2026, 2, 28)))
    assert_matched(scenario([v], [need(activity="fritidsvenn")], **march))
    v = volunteer(activities=["fritidsvenn"], police_certificate=certificate(D(2025, 11, 30), D(2026, 3, 1)))
    assert_excluded_by(scenario([v], [need(activity="fritidsvenn")], **march), "E5")


def test_e5_certificate_shown_after_start_excluded() -> None:
    assert_excluded_by(fritid(police_certificate=certificate(D(2026, 1, 2), D(2026, 1, 6))), "E5")


def test_e5_certificate_shown_on_start_date_matched() -> None:
    assert_matched(fritid(police_certificate=certificate(D(2026, 1, 2), START)))


def test_e5_no_certificate_excluded() -> None:
    assert_excluded_by(fritid(), "E5")


def test_e5_need_requires_certificate_for_plain_activity() -> None:
    assert_excluded_by(scenario([volunteer()], [need(police_certificate=True)]), "E5")
    v = volunteer(police_certificate=certificate(D(2025, 12, 1), D(2025, 12, 2)))
    assert_matched(scenario([v], [need(police_certificate=True)]))


def test_e5_old_certificate_irrelevant_where_not_required() -> None:
    assert_matched(scenario([volunteer(police_certificate=certificate(D(2020, 1, 1), D(2021, 1, 1)))]))


# ---------------------------------------------------------------- E6 availability


def test_e6_night_need_inside_night_window_matched() -> None:
    sc = scenario(
        [volunteer(availability=[slot(3, "21:00", "07:00")])], [need(weekly=[slot(3, "22:00", "06:00")])]
    )
    assert_matched(sc)


def test_e6_night_need_past_window_end_excluded() -> None:
    sc = scenario(
        [volunteer(availability=[slot(3, "21:00", "05:00")])], [need(weekly=[slot(3, "22:00", "06:00")])]
    )
    assert_excluded_by(sc, "E6")


def test_e6_night_need_over_two_touching_windows_matched() -> None:
    # 21:00–00:00 Wednesday and 00:00–07:00 Thursday touch: together they hold the night
    sc = scenario(
        [volunteer(availability=[slot(3, "21:00", "00:00"), slot(4, "00:00", "07:00")])],
        [need(weekly=[slot(3, "22:00", "06:00")])],
    )
    assert_matched(sc)


def test_e6_night_need_over_two_windows_with_a_gap_excluded() -> None:
    # 21:00–23:59 Wednesday and 00:00–07:00 Thursday leave one minute uncovered
    sc = scenario(
        [volunteer(availability=[slot(3, "21:00", "23:59"), slot(4, "00:00", "07:00")])],
        [need(weekly=[slot(3, "22:00", "06:00")])],
    )
    assert_excluded_by(sc, "E6")


def test_e6_sunday_night_window_covers_monday_morning_matched() -> None:
    # the window starts Sunday 4 January, before the horizon, and runs into Monday
    sc = scenario(
        [volunteer(availability=[slot(7, "22:00", "06:00")])], [need(weekly=[slot(1, "01:00", "03:00")])]
    )
    assert_matched(sc)


def test_e6_sunday_night_window_with_horizon_starting_sunday() -> None:
    sc = scenario(
        [volunteer(availability=[slot(7, "23:00", "02:00")])],
        [need(weekly=[slot(7, "23:30", "01:30")])],
        horizon=Horizon(start=D(2026, 1, 4), end=D(2026, 1, 17)),
    )
    assert_matched(sc)
    sc = scenario(
        [volunteer(availability=[slot(7, "23:00", "01:00")])],
        [need(weekly=[slot(7, "23:30", "01:30")])],
        horizon=Horizon(start=D(2026, 1, 4), end=D(2026, 1, 17)),
    )
    assert_excluded_by(sc, "E6")


def test_e6_one_slot_of_need_uncovered_excluded() -> None:
    sc = scenario(
        [volunteer(availability=[slot(1, "08:00", "20:00")])],
        [need(weekly=[slot(1, "10:00", "12:00"), slot(2, "10:00", "12:00")])],
    )
    assert_excluded_by(sc, "E6")


def test_e6_window_exactly_the_need_matched() -> None:
    sc = scenario([volunteer(availability=[slot(1, "10:00", "12:00")])])
    assert_matched(sc)


def test_e6_once_need_on_weekday_without_window_excluded() -> None:
    sc = scenario(
        [volunteer(availability=[slot(1, "08:00", "20:00")])],
        [need(once=once(D(2026, 1, 7), "10:00", "12:00"))],
    )
    assert_excluded_by(sc, "E6")


def test_e6_unavailable_period_covering_start_excluded() -> None:
    sc = scenario([volunteer(unavailable=[period(D(2026, 1, 1), START)])])
    assert_excluded_by(sc, "E6")


def test_e6_unavailable_period_ending_day_before_start_matched() -> None:
    assert_matched(scenario([volunteer(unavailable=[period(D(2025, 12, 20), D(2026, 1, 4))])]))


def test_e6_unavailable_period_after_start_date_matched() -> None:
    # the rule looks at the start date only
    assert_matched(scenario([volunteer(unavailable=[period(D(2026, 1, 6), D(2026, 1, 18))])]))


def test_e6_need_without_occurrence_is_unfilled_not_an_error() -> None:
    sc = scenario([volunteer()], [need(once=once(D(2026, 2, 2), "10:00", "12:00")), need("n2")])
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n2")}
    (u,) = plan.unfilled
    assert u.need == "n1" and u.open == 1


def test_e6_weekly_need_ending_before_horizon_is_unfilled() -> None:
    sc = scenario([volunteer()], [need(from_=D(2025, 12, 1), until=D(2026, 1, 4))])
    plan = solved(sc)
    assert plan.matches == []
    assert [u.need for u in plan.unfilled] == ["n1"]


# ---------------------------------------------------------------- E7 languages


def test_e7_speaks_one_of_the_languages_matched() -> None:
    assert_matched(scenario([volunteer(languages=["no", "ar"])], [need(languages=["so", "ar"])]))


def test_e7_language_compared_case_insensitively_matched() -> None:
    assert_matched(scenario([volunteer(languages=["AR"])], [need(languages=["ar"])]))


def test_e7_speaks_none_of_the_languages_excluded() -> None:
    assert_excluded_by(scenario([volunteer(languages=["no", "pl"])], [need(languages=["so", "ar"])]), "E7")


def test_e7_need_without_languages_matched() -> None:
    assert_matched(scenario([volunteer(languages=[])]))


# ---------------------------------------------------------------- E8 distance


def test_e8_distance_just_inside_limit_matched() -> None:
    assert_matched(scenario([volunteer(location=north_of(TONSBERG, 9.99), max_travel_km=10)]))


def test_e8_distance_just_outside_limit_excluded() -> None:
    assert_excluded_by(scenario([volunteer(location=north_of(TONSBERG, 10.01), max_travel_km=10)]), "E8")


def test_e8_unknown_site_location_matched() -> None:
    # site s2 has no location
    assert_matched(
        scenario([volunteer(location=north_of(TONSBERG, 500), max_travel_km=1)], [need(site="s2")])
    )


def test_e8_unknown_volunteer_location_matched() -> None:
    assert_matched(scenario([volunteer(location=None, max_travel_km=1)]))


def test_e8_far_without_limit_matched() -> None:
    assert_matched(scenario([volunteer(location=north_of(TONSBERG, 300), max_travel_km=None)]))


# ---------------------------------------------------------------- E9 forbidden


def test_e9_forbidden_pair_excluded() -> None:
    assert_excluded_by(scenario([volunteer()], forbidden=[("v1", "n1")]), "E9")


def test_e9_forbidden_other_need_still_matched() -> None:
    sc = scenario(
        [volunteer()], [need("n1"), need("n2", weekly=[slot(2, "10:00", "12:00")])], forbidden=[("v1", "n2")]
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    assert excluded(plan, "n2") == {"E9": 1}


def test_e_rules_counts_per_rule_over_volunteers() -> None:
    vols = [
        volunteer("a", activities=["turvenn"]),
        volunteer("b", agreement_signed=None),
        volunteer("c", languages=["pl"]),
        volunteer("d", languages=["pl"]),
        volunteer("e", languages=["pl"], agreement_signed=None),
    ]
    plan = solved(scenario(vols, [need(languages=["ar"])]))
    assert plan.matches == []
    # a breaks E1 and E7; b E2 and E7; c, d E7; e E2 and E7
    assert excluded(plan) == {"E1": 1, "E2": 2, "E7": 5}


# ---------------------------------------------------------------- C1 headcount


def test_c1_headcount_limits_matches() -> None:
    vols = [volunteer(f"v{i}") for i in range(1, 5)]
    plan = solved(scenario(vols, [need(headcount=2)]))
    assert len(plan.matches) == 2
    assert plan.unfilled == []
    assert plan.coverage is not None and plan.coverage.filled == 2 and plan.coverage.places == 2


def test_c1_headcount_partly_filled_reports_open_places() -> None:
    plan = solved(scenario([volunteer("v1"), volunteer("v2")], [need(headcount=3)]))
    assert len(plan.matches) == 2
    (u,) = plan.unfilled
    assert u.open == 1


# ---------------------------------------------------------------- C2 capacity


TUESDAY = [slot(2, "10:00", "12:00")]
WEDNESDAY = [slot(3, "10:00", "12:00")]


def test_c2_max_assignments_one() -> None:
    sc = scenario([volunteer(max_assignments=1)], [need("n1"), need("n2", weekly=TUESDAY)])
    plan = solved(sc)
    assert len(plan.matches) == 1


def test_c2_max_assignments_two_takes_both() -> None:
    sc = scenario(
        [volunteer(max_assignments=2)], [need("n1"), need("n2", weekly=TUESDAY), need("n3", weekly=WEDNESDAY)]
    )
    plan = solved(sc)
    assert len(plan.matches) == 2


def test_c2_max_assignments_zero_takes_none() -> None:
    plan = solved(scenario([volunteer(max_assignments=0)]))
    assert plan.matches == []


def test_c2_max_assignments_prefers_higher_priority() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)], [need("n1", priority=2), need("n2", weekly=TUESDAY, priority=4)]
    )
    assert pairs_of(solved(sc)) == {("v1", "n2")}


def test_c2_weekly_hours_limit_one_of_two() -> None:
    # two needs of 2 hours a week each; 3 hours allow only one
    sc = scenario([volunteer(max_hours_per_week=3)], [need("n1"), need("n2", weekly=TUESDAY)])
    assert len(solved(sc).matches) == 1


def test_c2_weekly_hours_exactly_enough_for_both() -> None:
    sc = scenario([volunteer(max_hours_per_week=4)], [need("n1"), need("n2", weekly=TUESDAY)])
    assert len(solved(sc).matches) == 2


def test_c2_weekly_hours_count_every_slot_of_a_need() -> None:
    # one need with two 2-hour slots a week is 4 hours: too many for 3.5
    sc = scenario(
        [volunteer(max_hours_per_week=3.5)],
        [need(weekly=[slot(1, "10:00", "12:00"), slot(2, "10:00", "12:00")])],
    )
    plan = solved(sc)
    assert plan.matches == []


def test_c2_weekly_hours_night_need_counts_across_midnight() -> None:
    # 22:00–06:00 is 8 hours
    v = volunteer(availability=[slot(3, "21:00", "07:00")], max_hours_per_week=7.5)
    assert solved(scenario([v], [need(weekly=[slot(3, "22:00", "06:00")])])).matches == []
    v = volunteer(availability=[slot(3, "21:00", "07:00")], max_hours_per_week=8)
    assert len(solved(scenario([v], [need(weekly=[slot(3, "22:00", "06:00")])])).matches) == 1


def test_c2_capacity_frees_second_volunteer() -> None:
    # v1 can take one; v2 only n2: both places filled
    sc = scenario(
        [volunteer("v1", max_assignments=1), volunteer("v2", availability=[slot(2, "08:00", "20:00")])],
        [need("n1"), need("n2", weekly=TUESDAY)],
    )
    assert pairs_of(solved(sc)) == {("v1", "n1"), ("v2", "n2")}


# ---------------------------------------------------------------- C3 overlap


def test_c3_overlapping_needs_one_volunteer_takes_one() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)],
        [need("n1", weekly=[slot(1, "10:00", "12:00")]), need("n2", weekly=[slot(1, "11:00", "13:00")])],
    )
    assert len(solved(sc).matches) == 1


def test_c3_touching_needs_both_taken() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)],
        [need("n1", weekly=[slot(1, "10:00", "12:00")]), need("n2", weekly=[slot(1, "12:00", "14:00")])],
    )
    assert pairs_of(solved(sc)) == {("v1", "n1"), ("v1", "n2")}


def test_c3_overlap_in_second_week_only() -> None:
    # a once need on Monday 12 January overlaps the weekly need's second occurrence
    sc = scenario(
        [volunteer(max_assignments=3)], [need("n1"), need("n2", once=once(D(2026, 1, 12), "11:30", "12:30"))]
    )
    assert len(solved(sc).matches) == 1


def test_c3_night_need_overlaps_next_morning() -> None:
    v = volunteer(max_assignments=3, availability=[slot(1, "21:00", "07:00"), slot(2, "05:00", "20:00")])
    sc = scenario(
        [v], [need("n1", weekly=[slot(1, "22:00", "06:00")]), need("n2", weekly=[slot(2, "05:30", "08:00")])]
    )
    assert len(solved(sc).matches) == 1


def test_c3_same_time_different_weeks_no_overlap() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)], [need("n1", until=D(2026, 1, 11)), need("n2", from_=D(2026, 1, 12))]
    )
    assert len(solved(sc).matches) == 2


def test_c3_overlap_second_volunteer_takes_other() -> None:
    sc = scenario(
        [volunteer("v1", max_assignments=3), volunteer("v2", max_assignments=3)],
        [need("n1", weekly=[slot(1, "10:00", "12:00")]), need("n2", weekly=[slot(1, "11:00", "13:00")])],
    )
    plan = solved(sc)
    assert len(plan.matches) == 2
    assert len({m.volunteer for m in plan.matches}) == 2


# ---------------------------------------------------------------- C4 pins


def test_c4_eligible_pin_kept_over_better_scoring_alternative() -> None:
    near = volunteer("near", interests=["musikk"])
    far = volunteer("far", location=north_of(TONSBERG, 15))
    sc = scenario([near, far], [need(tags=["musikk"])], pinned=[("far", "n1")])
    plan = solved(sc)
    assert pairs_of(plan) == {("far", "n1")}
    (m,) = plan.matches
    assert m.pinned
    assert plan.conflicts == []
    # without the pin the better-scoring volunteer gets it
    assert pairs_of(solved(scenario([near, far], [need(tags=["musikk"])]))) == {("near", "n1")}


def test_c4_eligible_pin_kept_even_if_priority_is_lost() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("n1", priority=1), need("n2", weekly=TUESDAY, priority=5)],
        pinned=[("v1", "n1")],
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}
    assert [u.need for u in plan.unfilled] == ["n2"]


def test_c4_ineligible_pin_is_conflict_naming_rule() -> None:
    sc = scenario([volunteer("v1", activities=["turvenn"]), volunteer("v2")], pinned=[("v1", "n1")])
    plan = solved(sc)
    assert ("v1", "n1") not in pairs_of(plan)
    assert pairs_of(plan) == {("v2", "n1")}
    (c,) = plan.conflicts
    assert (c.volunteer, c.need, c.rule) == ("v1", "n1", "E1")


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"agreement_signed": None}, "E2"),
        ({"birth_date": None}, "E4"),
        ({"unavailable": [period(D(2026, 1, 5), D(2026, 1, 5))]}, "E6"),
        ({"location": north_of(TONSBERG, 12), "max_travel_km": 10}, "E8"),
    ],
)
def test_c4_ineligible_pin_conflict_rule(overrides: dict[str, Any], rule: str) -> None:
    sc = scenario([volunteer(**overrides)], [need(min_age=18)], pinned=[("v1", "n1")])
    plan = solved(sc)
    assert plan.matches == []
    assert [(c.volunteer, c.need, c.rule) for c in plan.conflicts] == [("v1", "n1", rule)]


def test_c4_forbidden_pin_is_conflict_e9() -> None:
    plan = solved(scenario([volunteer()], pinned=[("v1", "n1")], forbidden=[("v1", "n1")]))
    assert plan.matches == []
    assert [c.rule for c in plan.conflicts] == ["E9"]


def test_c4_two_pins_on_headcount_one_need_one_c1_conflict() -> None:
    sc = scenario(
        [volunteer("v1"), volunteer("v2")], [need(headcount=1)], pinned=[("v1", "n1"), ("v2", "n1")]
    )
    plan = solved(sc)
    assert len(plan.matches) == 1
    (m,) = plan.matches
    assert m.pinned
    (c,) = plan.conflicts
    assert c.rule == "C1"
    assert {c.volunteer, m.volunteer} == {"v1", "v2"}
    assert c.need == "n1"


def test_c4_overlapping_pins_one_c3_conflict() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)],
        [need("n1"), need("n2", weekly=[slot(1, "11:00", "13:00")])],
        pinned=[("v1", "n1"), ("v1", "n2")],
    )
    plan = solved(sc)
    assert len(plan.matches) == 1
    assert [c.rule for c in plan.conflicts] == ["C3"]


def test_c4_pins_beyond_max_assignments_one_c2_conflict() -> None:
    sc = scenario(
        [volunteer(max_assignments=1)],
        [need("n1"), need("n2", weekly=TUESDAY)],
        pinned=[("v1", "n1"), ("v1", "n2")],
    )
    plan = solved(sc)
    assert len(plan.matches) == 1
    assert [c.rule for c in plan.conflicts] == ["C2"]


def test_c4_pin_counts_against_capacity_of_free_choices() -> None:
    # v1 pinned to n1 with max 1 assignment: the solver must not also give v1 n2
    sc = scenario(
        [volunteer("v1", max_assignments=1), volunteer("v2", activities=["turvenn"])],
        [need("n1", priority=1), need("n2", weekly=TUESDAY, priority=5)],
        pinned=[("v1", "n1")],
    )
    plan = solved(sc)
    assert pairs_of(plan) == {("v1", "n1")}


def test_c4_pin_blocks_overlapping_free_choice() -> None:
    sc = scenario(
        [volunteer(max_assignments=3)],
        [need("n1", priority=1), need("n2", weekly=[slot(1, "11:00", "13:00")], priority=5)],
        pinned=[("v1", "n1")],
    )
    assert pairs_of(solved(sc)) == {("v1", "n1")}
