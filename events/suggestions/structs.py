"""The meeting suggestions' settings and results (the structs the API and pages read)."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from msgspec import Struct, field

# --- Settings and results -------------------------------------------------------------------


class SuggestionSettings(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    top_k: int = 5
    """How many counterparts each participant is shown."""
    tag_points: int = 10
    word_points: int = 4
    max_words: int = 4
    """Shared words beyond this add nothing: long descriptions should not win by length."""
    category_points: int = 5
    amount_points: int = 6
    """For an offer that covers the need in full; half of it when it covers at least half."""
    two_way_bonus: int = 25
    candidates_per_participant: int = 12
    """When the event has many compatible pairs, the schedule considers only each
    participant's best this-many counterparts (all pairs when there are at most `all_pairs_below`)."""
    all_pairs_below: int = 1500
    score_gap: float = 0.01
    """The solver stops once the plan's score is provably within this share of the best;
    the number of people seated is always the best (see `_weights`)."""
    time_limit_s: float = 0.3
    """On 150 participants the plan after 0.2 s scores as the plan after 0.5 s, and 2 s adds
    about 0.2 %; seating is proven maximal long before (see `SuggestionResult.seating_optimal`)."""
    workers: int = 2
    seed: int = 0


class Link(Struct, frozen=True, kw_only=True):
    """One offer that answers one need, across two participants."""

    offer: str
    need: str
    giver: str
    receiver: str
    score: int
    same_category: bool
    shared_tags: list[str]
    shared_words: list[str]
    amount_fit: Literal["covers", "half", "partial", "other_unit", "unknown"]


class Suggestion(Struct, frozen=True, kw_only=True):
    """A suggested counterpart for `participant`, with the links behind it and a plain-English why."""

    participant: str
    counterpart: str
    score: int
    two_way: bool
    links: list[Link]
    why: str


class Meeting(Struct, frozen=True, kw_only=True):
    round: int
    """1-based."""
    table: int
    """1-based."""
    participants: tuple[str, str]
    score: int
    two_way: bool
    why: str


UnscheduledCode: TypeAlias = Literal[
    "no-entries",  # nothing in the catalogue
    "no-counterpart",  # no offer or need shares a tag or a word with another participant's
    "no-table",  # data: rounds, tables, time_limit
    "counterparts-busy",  # data: counterparts (ids), rounds, time_limit
]


class Unscheduled(Struct, frozen=True, kw_only=True):
    """A participant left without a meeting: the stable `code` and its facts (`data`) for programs
    and pages, `reason` in English for the API's readers and logs. `time_limit` in `data` is true when
    the solver stopped at its limit (a plan seating more people may exist). Suggestions stored before
    codes existed have `code: null`."""

    participant: str
    reason: str
    code: UnscheduledCode | None = None
    data: dict[str, Any] = field(default_factory=dict)


class ParticipantSuggestions(Struct, frozen=True, kw_only=True):
    participant: str
    counterparts: list[Suggestion]


class SuggestionResult(Struct, frozen=True, kw_only=True):
    suggestions: list[ParticipantSuggestions]
    """Per participant (in input order), its best counterparts, best first."""
    schedule: list[Meeting] | None
    """The speed-meeting plan by round and table; None when the event has no rounds/tables."""
    unscheduled: list[Unscheduled]
    """Participants with a compatible counterpart who got no meeting, and why."""
    without_counterpart: list[Unscheduled]
    """Participants none of whose offers or needs match another participant's."""
    status: Literal["optimal", "feasible", "greedy", "no_schedule"]
    """`optimal`: proven best; `feasible`: time limit hit, best found; `greedy`: solver found
    nothing in time, the greedy plan stands."""
    seating_optimal: bool
    """True when no plan could give more participants a meeting (proven by the solver's
    bound, or because everyone with a counterpart is seated), whatever `status` says."""
    compatible_pairs: int
    solve_seconds: float
