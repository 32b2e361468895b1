"""The stable codes of every explanation in a plan: what programs and pages read instead of sentences.

Each explanation in a plan (a match's reason, a near miss, a placed-elsewhere note, an unfilled
need's summary, a conflict, an at-risk entry) carries one of these codes and its parameters in
`data`; the English `text`/`message`/`summary` beside it is for the CLI and logs. Pages render
their own language from code + data (service/locale, keys `<kind>.<code>`), never from the text.
The codes are part of the JSON Schema (enums) and documented in docs/matching.md.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

ReasonCode: TypeAlias = Literal[
    "priority",  # data: priority
    "committed",
    "at_risk",  # data: rules, codes (the AtRisk codes of this pair)
    "eligible",
    "pinned",
    "away",  # data: away, of, dates
    "interests",  # data: shared
    "continuity",  # data: same_activity, site, activity
    "travel",  # data: km
    "previous",
]

NearMissCode: TypeAlias = Literal[
    "not-willing",  # E1; data: activity
    "agreements-missing",  # E2
    "training-missing",  # E3; data: training
    "training-expires",  # E3; data: training, until
    "under-age",  # E4; data: min_age
    "police-certificate",  # E5
    "away-at-start",  # E6; data: from, to
    "not-available-on-day",  # E6; data: weekday, start, end
    "available-until",  # E6; data: weekday, time (their window ends), start, end (the need)
    "available-from",  # E6; data: weekday, time (their window starts), start, end (the need)
    "not-available",  # E6
    "language",  # E7; data: languages
    "too-far",  # E8
    "forbidden",  # E9
    "over-hours",  # C2; data: hours
]

ElsewhereCode: TypeAlias = Literal[
    "not-placed",  # eligible, free, but not in the plan (time limit or a pin in the way)
    "over-assignments",  # C2; data: need, priority, max_assignments, week
    "over-hours",  # C2; data: need, priority, max_hours, week
    "overlap",  # C3; data: need, priority, other_need, date
    "plan-prefers",  # data: need, priority
]

SummaryCode: TypeAlias = Literal[
    "no-occurrence",
    "unwilling",  # data: activity
    "none-eligible",  # data: willing, obstacle (rule or null), obstacle_count
    "placed-here",  # data: here, willing, obstacle, obstacle_count
    "eligible-elsewhere",  # data: eligible
]

ConflictCode: TypeAlias = Literal[
    "rule-broken",  # data: rules (E1–E9)
    "no-occurrence",  # E6: the need has no occurrence in the planning period
    "over-headcount",  # C1; data: headcount
    "over-assignments",  # C2; data: max_assignments, assignments, week
    "over-hours",  # C2; data: max_hours, hours, week
    "overlap",  # C3; data: other_need, date
]

AtRiskCode: TypeAlias = Literal[
    "not-willing",  # E1; data: activity, activity_name
    "agreements-missing",  # E2; data: start
    "training-missing",  # E3; data: training, training_name, start
    "training-expires",  # E3; data: training, training_name, expires, last
    "under-age",  # E4; data: min_age, start
    "police-certificate",  # E5; data: start
    "away-at-start",  # E6; data: from, to, start
    "not-available",  # E6; data: outside, occurrences, first
    "language",  # E7; data: languages
    "too-far",  # E8; data: km, max_km
    "forbidden",  # E9
    "over-headcount",  # C1; data: headcount, holders
    "over-assignments",  # C2; data: week, assignments, max_assignments
    "over-hours",  # C2; data: week, hours, max_hours
    "overlap",  # C3; data: other_need, date
]

# The codes by kind, as the catalogue keys name the kinds (`reason.priority`, `miss.too-far`, …).
CODES: dict[str, tuple[str, ...]] = {
    "reason": get_args(ReasonCode),
    "miss": get_args(NearMissCode),
    "elsewhere": get_args(ElsewhereCode),
    "summary": get_args(SummaryCode),
    "conflict": get_args(ConflictCode),
    "risk": get_args(AtRiskCode),
}
