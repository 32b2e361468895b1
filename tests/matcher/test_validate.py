"""The independent plan validation: each rule flagged when broken, valid plans pass."""

from __future__ import annotations

import datetime as dt

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
    plan_for,
    scenario,
    slot,
    volunteer,
)

from matcher.schema import Conflict, Coverage, Horizon, Weights
from matcher.validate import (
    Violation,
    add_months,
    check_plan,
    occurrences,
    pair_fit,
    pair_violations,
)

T = dt.datetime
# noon-to-noon windows every day: any occurrence of up to 24 hours not crossing noon fits one
ROUND_THE_CLOCK = [slot(d, "12:00", "12:00") for d in range(1, 8)]


def rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def pair_rules(sc, v_index: int = 0, n_index: int = 0) -> set[str]:
    return rules(pair_violations(sc, sc.volunteers[v_index], sc.needs[n_index]))


def plan_rules(sc, matched: list[tuple[str, str]], **overrides) -> set[str]:
    return rules(check_plan(sc, plan_for(sc, matched, **overrides)))


# ---------------------------------------------------------------- valid plans


def test_plan_valid_passes():
    sc = scenario(
        volunteers=[volunteer("v1"), volunteer("v2"), volunteer("v3", activities=["turvenn"])],
        needs=[
            need("n1", headcount=2, priority=5, tags=["sjakk"]),
            need("n2", weekly=[slot(1, "12:00", "14:00")]),
            need("n3", once=once(D(2026, 1, 10), "10:00", "15:00"), priority=1),
            need("n4", activity="turvenn", weekly=[slot(3, "09:00", "10:00")]),
        ],
        previous=[("v1", "n1")],
    )
    plan = plan_for(sc, [("v1", "n1"), ("v2", "n1"), ("v1", "n2"), ("v2", "n3")])
    assert check_plan(sc, plan) == []
    assert plan.objective is not None and plan.objective.spread_penalty == 30  # two volunteers with 2 matches


def test_plan_empty_passes_with_all_needs_unfilled():
    sc = scenario(needs=[need("n1", headcount=2), need("n2")])
    plan = plan_for(sc, [])
    assert [(u.need, u.open) for u in plan.unfilled] == [("n1", 2), ("n2", 1)]
    assert check_plan(sc, plan) == []


def test_pair_default_is_eligible():
    assert pair_violations(scenario(), volunteer(), need()) == []


# ---------------------------------------------------------------- occurrences


def test_occurrences_weekly_every_matching_weekday_in_horizon():
    sc = scenario(needs=[need(weekly=[slot(1, "10:00", "12:00"), slot(3, "18:00", "19:30")])])
    assert occurrences(sc, sc.needs[0]) == [
        (T(2026, 1, 5, 10), T(2026, 1, 5, 12)),
        (T(2026, 1, 7, 18), T(2026, 1, 7, 19, 30)),
        (T(2026, 1, 12, 10), T(2026, 1, 12, 12)),
        (T(2026, 1, 14, 18), T(2026, 1, 14, 19, 30)),
    ]


def test_occurrences_weekly_limited_by_from_and_until():
    sc = scenario(needs=[need(weekly=[slot(1, "10:00", "12:00")], from_=D(2026, 1, 6), until=D(2026, 3, 1))])
    assert occurrences(sc, sc.needs[0]) == [(T(2026, 1, 12, 10), T(2026, 1, 12, 12))]
    sc = scenario(needs=[need(weekly=[slot(1, "10:00", "12:00")], from_=D(2025, 1, 1), until=D(2026, 1, 5))])
    assert occurrences(sc, sc.needs[0]) == [(T(2026, 1, 5, 10), T(2026, 1, 5, 12))]


def test_occurrences_past_midnight_slot_ends_next_day():
    sc = scenario(needs=[need(weekly=[slot(7, "22:00", "06:00")])])
    assert occurrences(sc, sc.needs[0]) == [
        (T(2026, 1, 11, 22), T(2026, 1, 12, 6)),
        (T(2026, 1, 18, 22), T(2026, 1, 19, 6)),  # starts inside the horizon, ends after it
    ]


def test_occurrences_equal_start_and_end_is_24_hours():
    sc = scenario(needs=[need(once=once(D(2026, 1, 8), "10:00", "10:00"))])
    assert occurrences(sc, sc.needs[0]) == [(T(2026, 1, 8, 10), T(2026, 1, 9, 10))]


def test_occurrences_once_outside_horizon_is_empty():
    sc = scenario(needs=[need(once=once(D(2026, 1, 19), "10:00", "12:00"))])
    assert occurrences(sc, sc.needs[0]) == []
    sc = scenario(needs=[need(once=once(D(2026, 1, 18), "10:00", "12:00"))])
    assert len(occurrences(sc, sc.needs[0])) == 1


def test_occurrences_start_date_is_earliest_occurrence():
    # slots listed Friday first; the start date for the rules is still Monday the 5th
    sc = scenario(
        volunteers=[volunteer(agreement_signed=D(2026, 1, 6))],
        needs=[need(weekly=[slot(5, "10:00", "11:00"), slot(1, "10:00", "11:00")])],
    )
    assert occurrences(sc, sc.needs[0])[0][0] == T(2026, 1, 5, 10)
    assert pair_rules(sc) == {"E2"}


# ---------------------------------------------------------------- E1 willing


def test_e1_volunteer_without_activity_flagged():
    sc = scenario(volunteers=[volunteer(activities=["turvenn"])])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E1"}
    assert violations[0].volunteer == "v1" and violations[0].need == "n1"
    assert "besoksvenn" in violations[0].message


# ---------------------------------------------------------------- E2 agreements


def test_e2_agreement_unsigned_flagged():
    sc = scenario(volunteers=[volunteer(agreement_signed=None)])
    assert plan_rules(sc, [("v1", "n1")]) == {"E2"}


def test_e2_confidentiality_signed_after_start_flagged():
    sc = scenario(volunteers=[volunteer(confidentiality_signed=D(2026, 1, 6))])
    assert plan_rules(sc, [("v1", "n1")]) == {"E2"}


def test_e2_signed_on_start_date_passes():
    sc = scenario(volunteers=[volunteer(agreement_signed=D(2026, 1, 5), confidentiality_signed=D(2026, 1, 5))])
    assert plan_rules(sc, [("v1", "n1")]) == set()


# ---------------------------------------------------------------- E3 training


def test_e3_missing_activity_training_flagged():
    sc = scenario(needs=[need(activity="aktivitetsvenn")],
                  volunteers=[volunteer(activities=["aktivitetsvenn"])])
    assert plan_rules(sc, [("v1", "n1")]) == {"E3"}


def test_e3_missing_need_training_flagged():
    sc = scenario(needs=[need(requires_training=["intro"])])
    assert pair_rules(sc) == {"E3"}
    sc = scenario(needs=[need(requires_training=["intro"])], volunteers=[volunteer(trainings=[held("intro")])])
    assert pair_rules(sc) == set()


def test_e3_training_expiring_on_the_only_date_passes():
    sc = scenario(volunteers=[volunteer(trainings=[held("intro", expires=D(2026, 1, 5))])],
                  needs=[need(requires_training=["intro"], once=once(D(2026, 1, 5), "10:00", "12:00"))])
    assert pair_rules(sc) == set()


def test_e3_training_expiring_before_the_last_occurrence_flagged():
    # valid on the start 2026-01-05, not on the last Monday 2026-01-12
    sc = scenario(volunteers=[volunteer(trainings=[held("intro", expires=D(2026, 1, 5))])],
                  needs=[need(requires_training=["intro"])])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E3"}
    assert "last occurrence 2026-01-12" in violations[0].message


def test_e3_training_expired_day_before_start_flagged():
    sc = scenario(volunteers=[volunteer(trainings=[held("intro", expires=D(2026, 1, 4))])],
                  needs=[need(requires_training=["intro"])])
    assert pair_rules(sc) == {"E3"}


def test_e3_training_completed_on_start_date_passes():
    sc = scenario(volunteers=[volunteer(trainings=[held("intro", completed=D(2026, 1, 5))])],
                  needs=[need(requires_training=["intro"])])
    assert pair_rules(sc) == set()


def test_e3_training_completed_after_start_flagged():
    sc = scenario(volunteers=[volunteer(trainings=[held("intro", completed=D(2026, 1, 6))])],
                  needs=[need(requires_training=["intro"])])
    assert pair_rules(sc) == {"E3"}


def test_e3_any_valid_entry_counts():
    sc = scenario(
        volunteers=[volunteer(trainings=[held("intro", expires=D(2025, 6, 1)), held("intro", D(2025, 7, 1))])],
        needs=[need(requires_training=["intro"])],
    )
    assert pair_rules(sc) == set()


# ---------------------------------------------------------------- E4 age


def _vake(birth: dt.date | None):
    return scenario(
        volunteers=[volunteer(activities=["vaketjeneste"], birth_date=birth, trainings=[held("vakekurs")])],
        needs=[need(activity="vaketjeneste")],
    )


def test_e4_under_activity_minimum_age_flagged():
    sc = _vake(D(2001, 6, 1))  # 24 on 2026-01-05
    assert plan_rules(sc, [("v1", "n1")]) == {"E4"}


def test_e4_birthday_on_start_date_passes():
    assert pair_rules(_vake(D(2001, 1, 5))) == set()
    assert pair_rules(_vake(D(2001, 1, 6))) == {"E4"}


def test_e4_unknown_birth_date_flagged_only_with_minimum_age():
    assert pair_rules(_vake(None)) == {"E4"}
    assert pair_rules(scenario(volunteers=[volunteer(birth_date=None)])) == set()


def test_e4_need_minimum_age_above_activity_applies():
    sc = scenario(volunteers=[volunteer(birth_date=D(2008, 1, 6))], needs=[need(min_age=18)])
    assert pair_rules(sc) == {"E4"}
    sc = scenario(volunteers=[volunteer(birth_date=D(2008, 1, 5))], needs=[need(min_age=18)])
    assert pair_rules(sc) == set()


def test_e4_leap_day_birth_counts_from_first_of_march():
    # born 29 Feb 2008: 18 on 1 March 2026, still 17 on 28 February 2026
    def at(day: dt.date):
        return scenario(volunteers=[volunteer(birth_date=D(2008, 2, 29))],
                        needs=[need(min_age=18, once=once(day, "10:00", "12:00"))],
                        horizon=Horizon(start=D(2026, 2, 1), end=D(2026, 3, 31)))
    assert pair_rules(at(D(2026, 2, 28))) == {"E4"}
    assert pair_rules(at(D(2026, 3, 1))) == set()


# ---------------------------------------------------------------- E5 police certificate


def _fritid(cert=None, **need_fields):
    return scenario(
        volunteers=[volunteer(activities=["fritidsvenn", "besoksvenn"], police_certificate=cert)],
        needs=[need(activity=need_fields.pop("activity", "fritidsvenn"), **need_fields)],
    )


def test_e5_no_certificate_flagged():
    sc = _fritid(None)
    assert plan_rules(sc, [("v1", "n1")]) == {"E5"}


def test_e5_need_requiring_certificate_flagged():
    assert pair_rules(_fritid(None, activity="besoksvenn", police_certificate=True)) == {"E5"}
    assert pair_rules(_fritid(None, activity="besoksvenn")) == set()


def test_e5_shown_after_start_flagged():
    assert pair_rules(_fritid(certificate(D(2025, 12, 20), D(2026, 1, 6)))) == {"E5"}


def test_e5_shown_exactly_three_months_after_issue_passes():
    assert pair_rules(_fritid(certificate(D(2025, 9, 15), D(2025, 12, 15)))) == set()


def test_e5_shown_a_day_after_three_months_flagged():
    assert pair_rules(_fritid(certificate(D(2025, 9, 15), D(2025, 12, 16)))) == {"E5"}


def test_e5_issued_31_january_valid_until_30_april():
    assert add_months(D(2025, 1, 31), 3) == D(2025, 4, 30)
    assert add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2025, 3, 29), 1) == D(2025, 4, 29)
    assert add_months(D(2025, 10, 31), 3) == D(2026, 1, 31)
    assert pair_rules(_fritid(certificate(D(2025, 1, 31), D(2025, 4, 30)))) == set()
    assert pair_rules(_fritid(certificate(D(2025, 1, 31), D(2025, 5, 1)))) == {"E5"}


# ---------------------------------------------------------------- E6 availability


def test_e6_occurrence_outside_windows_flagged():
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "10:00", "11:59")])])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E6"}
    assert "2 of 2" in violations[0].message


def test_e6_exact_window_passes():
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "10:00", "12:00")])])
    assert pair_rules(sc) == set()


def test_e6_occurrence_spanning_two_touching_windows_passes():
    # 10–12 is covered by 09–11 and 11–13 together: touching windows join
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "09:00", "11:00"), slot(1, "11:00", "13:00")])])
    assert pair_rules(sc) == set()


def test_e6_occurrence_over_a_gap_between_windows_flagged():
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "09:00", "11:00"), slot(1, "11:01", "13:00")])])
    assert pair_rules(sc) == {"E6"}


def test_e6_only_some_weeks_available_flagged():
    # available on Mondays, but the need also runs on Wednesdays
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "08:00", "20:00")])],
                  needs=[need(weekly=[slot(1, "10:00", "12:00"), slot(3, "10:00", "12:00")])])
    assert pair_rules(sc) == {"E6"}


def test_e6_night_need_inside_night_window_passes():
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "21:00", "07:00")])],
                  needs=[need(weekly=[slot(1, "22:00", "06:00")])])
    assert pair_rules(sc) == set()


def test_e6_night_need_in_window_ending_before_midnight_flagged():
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "22:00", "23:59")])],
                  needs=[need(weekly=[slot(1, "22:00", "06:00")])])
    assert pair_rules(sc) == {"E6"}


def test_e6_early_morning_need_inside_previous_night_window_passes():
    # Monday 01:00–02:00 lies inside the window starting Sunday 22:00
    sc = scenario(volunteers=[volunteer(availability=[slot(7, "22:00", "06:00")])],
                  needs=[need(weekly=[slot(1, "01:00", "02:00")])])
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(availability=[slot(1, "22:00", "06:00")])],
                  needs=[need(weekly=[slot(1, "01:00", "02:00")])])
    assert pair_rules(sc) == {"E6"}


def test_e6_24_hour_window_contains_24_hour_need():
    sc = scenario(volunteers=[volunteer(availability=[slot(4, "10:00", "10:00")])],
                  needs=[need(once=once(D(2026, 1, 8), "10:00", "10:00"))])
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(availability=[slot(4, "11:00", "11:00")])],
                  needs=[need(once=once(D(2026, 1, 8), "10:00", "10:00"))])
    assert pair_rules(sc) == {"E6"}


def test_e6_away_on_start_date_flagged():
    sc = scenario(volunteers=[volunteer(unavailable=[period(D(2025, 12, 20), D(2026, 1, 5))])])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E6"}
    assert "away" in violations[0].message


def test_e6_away_from_start_date_flagged():
    sc = scenario(volunteers=[volunteer(unavailable=[period(D(2026, 1, 5), D(2026, 1, 5))])])
    assert pair_rules(sc) == {"E6"}


def test_e6_away_after_start_date_passes():
    # the rule looks at the start date only
    sc = scenario(volunteers=[volunteer(unavailable=[period(D(2026, 1, 6), D(2026, 1, 31))])])
    assert pair_rules(sc) == set()


def test_e6_need_without_occurrence_flagged():
    sc = scenario(needs=[need(weekly=[slot(1, "10:00", "12:00")], from_=D(2026, 2, 1))])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E6"}
    assert "no occurrence in the horizon" in violations[0].message


def test_e6_need_without_occurrence_skips_start_date_rules():
    sc = scenario(volunteers=[volunteer(agreement_signed=None, activities=[])],
                  needs=[need(once=once(D(2027, 1, 1), "10:00", "11:00"))])
    assert pair_rules(sc) == {"E1", "E6"}


# ---------------------------------------------------------------- E7 language


def test_e7_no_shared_language_flagged():
    sc = scenario(volunteers=[volunteer(languages=["no", "en"])], needs=[need(languages=["ar", "so"])])
    assert plan_rules(sc, [("v1", "n1")]) == {"E7"}


def test_e7_one_shared_language_passes():
    sc = scenario(volunteers=[volunteer(languages=["no", "so"])], needs=[need(languages=["ar", "so"])])
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(languages=[])], needs=[need(languages=[])])
    assert pair_rules(sc) == set()


# ---------------------------------------------------------------- E8 distance


def test_e8_site_beyond_travel_limit_flagged():
    sc = scenario(volunteers=[volunteer(location=north_of(TONSBERG, 12), max_travel_km=10)])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1")]))
    assert rules(violations) == {"E8"}
    assert "12.0 km" in violations[0].message


def test_e8_site_within_limit_or_unknown_passes():
    sc = scenario(volunteers=[volunteer(location=north_of(TONSBERG, 9.9), max_travel_km=10)])
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(location=north_of(TONSBERG, 500), max_travel_km=10)],
                  needs=[need(site="s2")])  # s2 has no location
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(location=None, max_travel_km=1)])
    assert pair_rules(sc) == set()


# ---------------------------------------------------------------- E9 forbidden


def test_e9_forbidden_pair_flagged():
    sc = scenario(volunteers=[volunteer("v1"), volunteer("v2")], forbidden=[("v1", "n1")])
    assert plan_rules(sc, [("v1", "n1")]) == {"E9"}
    assert plan_rules(sc, [("v2", "n1")]) == set()


# ---------------------------------------------------------------- C1 headcount


def test_c1_more_matches_than_headcount_flagged():
    sc = scenario(volunteers=[volunteer("v1"), volunteer("v2")], needs=[need(headcount=1)])
    assert plan_rules(sc, [("v1", "n1"), ("v2", "n1")]) == {"C1"}


def test_c1_duplicate_pair_flagged():
    sc = scenario(needs=[need(headcount=2)])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1"), ("v1", "n1")]))
    assert rules(violations) == {"C1"}
    assert any("2 times" in v.message for v in violations if v.rule == "C1")


# ---------------------------------------------------------------- C2 capacity


def test_c2_more_than_max_assignments_flagged():
    sc = scenario(volunteers=[volunteer(max_assignments=1)],
                  needs=[need("n1"), need("n2", weekly=[slot(2, "10:00", "12:00")])])
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == {"C2"}


def test_c2_more_than_max_hours_flagged():
    # n1: 2 h/week, n2: 2 × 1.5 h/week = 5 h
    sc = scenario(volunteers=[volunteer(max_hours_per_week=4.5)],
                  needs=[need("n1"), need("n2", weekly=[slot(2, "10:00", "11:30"), slot(4, "10:00", "11:30")])])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1"), ("v1", "n2")]))
    assert rules(violations) == {"C2"}
    assert "5 hours" in violations[0].message


def test_c2_exactly_max_hours_passes():
    sc = scenario(volunteers=[volunteer(max_hours_per_week=5)],
                  needs=[need("n1"), need("n2", weekly=[slot(2, "10:00", "11:30"), slot(4, "10:00", "11:30")])])
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == set()


def test_c2_hours_count_night_and_once_slots():
    # night slot 22:00–06:00 is 8 h; once slot 14:00–17:00 is 3 h
    sc = scenario(
        volunteers=[volunteer(max_hours_per_week=10.99, availability=ROUND_THE_CLOCK)],
        needs=[need("n1", weekly=[slot(1, "22:00", "06:00")]), need("n2", once=once(D(2026, 1, 7), "14:00", "17:00"))],
    )
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == {"C2"}


# ---------------------------------------------------------------- C3 overlap


def test_c3_overlapping_needs_flagged():
    sc = scenario(needs=[need("n1"), need("n2", once=once(D(2026, 1, 12), "11:30", "13:00"))])
    violations = check_plan(sc, plan_for(sc, [("v1", "n1"), ("v1", "n2")]))
    assert rules(violations) == {"C3"}
    assert "n1" in violations[0].message and "n2" in violations[0].message


def test_c3_touching_occurrences_do_not_overlap():
    sc = scenario(needs=[need("n1"), need("n2", weekly=[slot(1, "12:00", "14:00")])])
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == set()


def test_c3_night_need_overlaps_next_morning():
    sc = scenario(
        volunteers=[volunteer(availability=ROUND_THE_CLOCK)],
        needs=[need("n1", weekly=[slot(7, "22:00", "06:00")]), need("n2", weekly=[slot(1, "05:00", "07:00")])],
    )
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == {"C3"}


def test_c3_same_slot_in_different_weeks_passes():
    sc = scenario(needs=[need("n1", until=D(2026, 1, 11)), need("n2", from_=D(2026, 1, 12))])
    assert plan_rules(sc, [("v1", "n1"), ("v1", "n2")]) == set()


# ---------------------------------------------------------------- C4 pins


def test_c4_eligible_pin_not_matched_flagged():
    sc = scenario(volunteers=[volunteer("v1"), volunteer("v2")], pinned=[("v1", "n1")])
    assert plan_rules(sc, [("v2", "n1")]) == {"C4"}
    assert plan_rules(sc, [("v1", "n1")]) == set()


def test_c4_eligible_pin_reported_as_conflict_passes():
    sc = scenario(volunteers=[volunteer("v1"), volunteer("v2")], pinned=[("v1", "n1")])
    conflict = Conflict(volunteer="v1", need="n1", rule="C3", message="pins overlap")
    assert plan_rules(sc, [("v2", "n1")], conflicts=[conflict]) == set()


def test_c4_ineligible_pin_not_reported_flagged():
    sc = scenario(volunteers=[volunteer(agreement_signed=None)], pinned=[("v1", "n1")])
    violations = check_plan(sc, plan_for(sc, []))
    assert rules(violations) == {"C4"}
    assert "E2" in violations[0].message


def test_c4_ineligible_pin_reported_with_its_rule_passes():
    sc = scenario(volunteers=[volunteer(agreement_signed=None)], pinned=[("v1", "n1")])
    right = Conflict(volunteer="v1", need="n1", rule="E2", message="no agreement")
    wrong = Conflict(volunteer="v1", need="n1", rule="E7", message="language")
    assert plan_rules(sc, [], conflicts=[right]) == set()
    assert plan_rules(sc, [], conflicts=[wrong]) == {"C4"}


def test_c4_matched_ineligible_pin_flagged_with_its_rule():
    sc = scenario(volunteers=[volunteer(agreement_signed=None)], pinned=[("v1", "n1")])
    assert plan_rules(sc, [("v1", "n1")]) == {"E2"}


def test_c4_match_flagged_pinned_without_pin_flagged():
    sc = scenario()
    plan = plan_for(sc, [("v1", "n1")])
    plan.matches[0].pinned = True
    assert rules(check_plan(sc, plan)) == {"C4"}


# ---------------------------------------------------------------- REF, FORMAT


def test_ref_unknown_volunteer_flagged():
    sc = scenario()
    violations = check_plan(sc, plan_for(sc, [("ghost", "n1")]))
    assert rules(violations) == {"REF"}
    assert "ghost" in violations[0].message


def test_format_wrong_flagged():
    sc = scenario()
    plan = plan_for(sc, [])
    plan.format = "samspill.plan/2"  # type: ignore[assignment]
    assert rules(check_plan(sc, plan)) == {"FORMAT"}


# ---------------------------------------------------------------- SCORE and the fit terms


def test_pair_fit_terms_by_hand():
    sc = scenario(
        volunteers=[volunteer(interests=["Sjakk", "musikk", "hagearbeid", "turer", "strikking"],
                              location=north_of(TONSBERG, 10))],
        needs=[need(tags=["sjakk", "Musikk", "Hagearbeid", "turer", "kaffe"])],
        previous=[("v1", "n1")],
    )
    terms = pair_fit(sc, sc.volunteers[0], sc.needs[0])
    # 4 shared interests (case-insensitive), capped at 3; 10 km of a 20 km scale: 10 × 0.5 rounded = 5
    assert {k: p for k, p in terms.items() if p} == {"interests": 30, "travel": 5, "previous": 30}


def test_pair_fit_continuity_same_activity_beats_same_site():
    from matcher.schema import HistoryEntry

    def fit(history):
        sc = scenario(volunteers=[volunteer(history=history, location=None)])
        return pair_fit(sc, sc.volunteers[0], sc.needs[0])

    same = HistoryEntry(site="s1", activity="besoksvenn")
    site_only = HistoryEntry(site="s1", activity="turvenn")
    elsewhere = HistoryEntry(site="s2", activity="besoksvenn")
    assert sum(fit([site_only, same]).values()) == 20
    assert sum(fit([site_only]).values()) == 10
    assert sum(fit([elsewhere]).values()) == 0


def test_pair_fit_uses_scenario_weights_and_far_sites_score_zero():
    sc = scenario(volunteers=[volunteer(location=north_of(TONSBERG, 30))],
                  weights=Weights(travel=7, travel_scale_km=50.0))
    # 1 - 30/50 = 0.4, 7 × 0.4 + 0.5 = 3.3 → 3
    assert sum(pair_fit(sc, sc.volunteers[0], sc.needs[0]).values()) == 3
    sc = scenario(volunteers=[volunteer(location=north_of(TONSBERG, 25))])
    assert sum(pair_fit(sc, sc.volunteers[0], sc.needs[0]).values()) == 0


def test_score_wrong_flagged():
    sc = scenario(volunteers=[volunteer(interests=["sjakk"])], needs=[need(tags=["SJAKK"])])
    plan = plan_for(sc, [("v1", "n1")])
    assert plan.matches[0].score == 20  # interests 10 + travel 10 (at the site)
    plan.matches[0].score = 19
    violations = check_plan(sc, plan)
    assert "SCORE" in rules(violations)
    assert any("expected 20" in v.message for v in violations)


def test_score_priority_differs_from_need_flagged():
    sc = scenario(needs=[need(priority=4)])
    plan = plan_for(sc, [("v1", "n1")])
    plan.matches[0].priority = 3
    assert "SCORE" in rules(check_plan(sc, plan))


# ---------------------------------------------------------------- COVERAGE


def test_coverage_wrong_totals_flagged():
    sc = scenario(needs=[need(headcount=3)])
    plan = plan_for(sc, [("v1", "n1")])
    plan.coverage = Coverage(places=2, filled=1, priority_filled=3, priority_bound=3)
    assert rules(check_plan(sc, plan)) == {"COVERAGE"}


def test_coverage_missing_flagged():
    sc = scenario()
    assert plan_rules(sc, [], coverage=None) == {"COVERAGE"}


def test_coverage_optimal_with_loose_bound_flagged_feasible_passes():
    sc = scenario()
    plan = plan_for(sc, [("v1", "n1")])
    assert plan.coverage is not None and plan.objective is not None
    plan.coverage.priority_bound += 3
    plan.objective.priority_bound += 3
    plan.objective.fit_bound += 7
    assert rules(check_plan(sc, plan)) == {"COVERAGE"}
    plan.status = "feasible"
    assert check_plan(sc, plan) == []


def test_coverage_bound_below_value_flagged_even_when_feasible():
    sc = scenario()
    plan = plan_for(sc, [("v1", "n1")], status="feasible")
    assert plan.objective is not None
    plan.objective.fit_bound -= 1
    assert rules(check_plan(sc, plan)) == {"COVERAGE"}


def test_coverage_spread_penalty_wrong_flagged():
    sc = scenario(needs=[need("n1"), need("n2", weekly=[slot(2, "10:00", "12:00")]),
                         need("n3", weekly=[slot(3, "10:00", "12:00")])])
    plan = plan_for(sc, [("v1", "n1"), ("v1", "n2"), ("v1", "n3")])
    assert plan.objective is not None
    assert plan.objective.spread_penalty == 45  # 15 × 3·2/2
    assert plan.objective.fit == 3 * 10 - 45
    plan.objective.spread_penalty = 30
    assert rules(check_plan(sc, plan)) == {"COVERAGE"}


def test_coverage_without_objective_passes():
    sc = scenario()
    assert plan_rules(sc, [("v1", "n1")], objective=None) == set()


# ---------------------------------------------------------------- UNFILLED


def test_unfilled_missing_need_flagged():
    sc = scenario(needs=[need("n1", headcount=2)])
    plan = plan_for(sc, [("v1", "n1")])
    plan.unfilled = []
    assert rules(check_plan(sc, plan)) == {"UNFILLED"}


def test_unfilled_wrong_open_flagged():
    sc = scenario(needs=[need("n1", headcount=3)])
    plan = plan_for(sc, [("v1", "n1")])
    plan.unfilled[0].open = 3
    violations = check_plan(sc, plan)
    assert rules(violations) == {"UNFILLED"}
    assert "it has 2" in violations[0].message


def test_unfilled_full_need_listed_flagged():
    sc = scenario()
    full = plan_for(sc, [("v1", "n1")])
    full.unfilled = plan_for(sc, []).unfilled
    assert rules(check_plan(sc, full)) == {"UNFILLED"}


def test_unfilled_need_listed_twice_flagged():
    sc = scenario()
    plan = plan_for(sc, [])
    plan.unfilled = plan.unfilled * 2
    assert rules(check_plan(sc, plan)) == {"UNFILLED"}


# ---------------------------------------------------------------- scale


@pytest.mark.slow
def test_check_plan_large_plan_is_clean():
    """A 6 000 × 1 500 plan that breaks nothing checks clean (bench/solve_scale.py prints how long plan
    check takes on each size)."""
    needs = [need(f"n{i}", headcount=2, weekly=[slot(i % 7 + 1, "10:00", "12:00")], tags=["sjakk"])
             for i in range(1500)]
    volunteers = [volunteer(f"v{i}", max_assignments=1, interests=["Sjakk"]) for i in range(6000)]
    sc = scenario(volunteers=volunteers, needs=needs)
    matched = [(f"v{j}", f"n{j // 2}") for j in range(3000)]
    plan = plan_for(sc, matched)
    assert check_plan(sc, plan) == []


def test_e6_midnight_to_midnight_windows_cover_a_night_shift():
    # 24-hour days from midnight join into the whole week: a night shift straddling two is inside
    sc = scenario(volunteers=[volunteer(availability=[slot(d, "00:00", "00:00") for d in range(1, 8)])],
                  needs=[need(weekly=[slot(1, "22:00", "06:00")])])
    assert pair_rules(sc) == set()
    # Sunday night into Monday morning joins across the week's end
    sc = scenario(volunteers=[volunteer(availability=[slot(7, "20:00", "00:00"), slot(1, "00:00", "07:00")])],
                  needs=[need(weekly=[slot(7, "22:00", "06:00")])])
    assert pair_rules(sc) == set()
    sc = scenario(volunteers=[volunteer(availability=ROUND_THE_CLOCK)], needs=[need(weekly=[slot(1, "22:00",
                                                                                                 "06:00")])])
    assert pair_rules(sc) == set()
