"""The interchange formats: `samspill.scenario/1` (input) and `samspill.plan/1` (output).

Input structs are frozen, keyword-only and reject unknown fields; msgspec validates
types and ranges while decoding, and `matcher.scenario.load_scenario` adds the checks
that need the whole document (ids, references). Field names are a public contract:
add fields, never rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta, Struct, field

from matcher.codes import AtRiskCode, ConflictCode, ElsewhereCode, NearMissCode, ReasonCode, SummaryCode

SCENARIO_FORMAT: Final = "samspill.scenario/1"
PLAN_FORMAT: Final = "samspill.plan/1"

# The ranges below are part of the format (docs/scenario-format.md, "Ranges"): what a municipality can
# mean, so no value can overflow the solver or fill a page. Dates are checked in matcher.scenario
# (msgspec has no date bounds).
Id = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="An identifier, unique within its list: ASCII letters, digits and . _ : - (no / or spaces).",
        examples=["vol-3f9a2c", "eik-sykehjem"],
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=200, description="A name or title, 1–200 characters.")]
Word = Annotated[str, Meta(min_length=1, max_length=100, description="An interest, language or tag, 1–100 characters.")]
LongText = Annotated[str, Meta(max_length=2000, description="Free text, at most 2000 characters.")]
Phone = Annotated[str, Meta(max_length=40)]
Email = Annotated[str, Meta(max_length=320)]
Time = Annotated[
    str,
    Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Local time of day, HH:MM (Europe/Oslo wall clock).",
        examples=["09:30"],
    ),
]
Weekday = Annotated[int, Meta(ge=1, le=7, description="ISO weekday: Monday=1 … Sunday=7.")]
Priority = Annotated[int, Meta(ge=1, le=5, description="1 (low) … 5 (high).")]
NonNegInt = Annotated[int, Meta(ge=0)]
NonNegFloat = Annotated[float, Meta(ge=0)]
Age = Annotated[int, Meta(ge=0, le=120, description="Years, 0–120.")]
Headcount = Annotated[int, Meta(ge=1, le=1000, description="Places on one need, 1–1000.")]
Assignments = Annotated[int, Meta(ge=0, le=50, description="Needs one volunteer may hold at once, 0–50.")]
WeekHours = Annotated[float, Meta(ge=0, le=168, description="Hours a week, 0–168.")]
Km = Annotated[float, Meta(ge=0, le=1000, description="Kilometres, 0–1000.")]
Weight = Annotated[int, Meta(ge=0, le=100_000, description="A fit term's weight, 0–100000.")]


class _In(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every input struct."""


class Horizon(_In, frozen=True):
    """The planning period, both dates inclusive."""

    start: dt.date
    end: dt.date


class Training(_In, frozen=True):
    """A course or training (kurs), e.g. demensopplæring."""

    id: Id
    name: Name
    # How long a completed course counts, in months; a volunteer's course recorded without an
    # expiry date then expires this long after completion (the register fills it in). None: no expiry.
    valid_months: Annotated[int, Meta(ge=1, le=600)] | None = None


class Activity(_In, frozen=True):
    """A volunteer activity from the catalogue (besøksvenn, turvenn, våketjeneste, …).

    Needs are always one of these, never free text that could hide a care task.
    """

    id: Id
    name: Name
    min_age: Age = 0
    requires_training: Annotated[list[Id], Meta(max_length=50)] = field(default_factory=list)
    police_certificate: bool = False
    description: LongText | None = None


class Location(_In, frozen=True):
    lat: Annotated[float, Meta(ge=-90, le=90)]
    lon: Annotated[float, Meta(ge=-180, le=180)]


class Site(_In, frozen=True):
    """A service site (tjenestested) or an organisation that posts needs."""

    id: Id
    name: Name
    kind: Literal["service_site", "organisation"]
    location: Location | None = None


class Slot(_In, frozen=True):
    """A weekly time window. An end not after the start runs past midnight."""

    weekday: Weekday
    start: Time
    end: Time


class Period(_In, frozen=True):
    """A closed date range, e.g. a holiday the volunteer is away."""

    from_: dt.date = field(name="from")
    to: dt.date


class HeldTraining(_In, frozen=True):
    training: Id
    completed: dt.date
    expires: dt.date | None = None


class PoliceCertificate(_In, frozen=True):
    """Only that a police certificate (politiattest) was shown: never the certificate itself."""

    issued: dt.date
    shown: dt.date
    purpose: Annotated[str, Meta(max_length=300)] | None = None


class HistoryEntry(_In, frozen=True):
    """An earlier placement: where and what the volunteer has done before."""

    site: Id
    activity: Id


class Volunteer(_In, frozen=True):
    """A volunteer (frivillig)."""

    id: Id
    name: Name
    birth_date: dt.date | None = None
    activities: Annotated[list[Id], Meta(max_length=200)] = field(default_factory=list)
    interests: Annotated[list[Word], Meta(max_length=50)] = field(default_factory=list)
    languages: Annotated[list[Word], Meta(max_length=20)] = field(default_factory=list)
    location: Location | None = None
    max_travel_km: Km | None = None
    availability: Annotated[list[Slot], Meta(max_length=200)] = field(default_factory=list)
    unavailable: Annotated[list[Period], Meta(max_length=200)] = field(default_factory=list)
    max_hours_per_week: WeekHours | None = None
    max_assignments: Assignments = 1
    trainings: Annotated[list[HeldTraining], Meta(max_length=200)] = field(default_factory=list)
    agreement_signed: dt.date | None = None
    confidentiality_signed: dt.date | None = None
    police_certificate: PoliceCertificate | None = None
    history: Annotated[list[HistoryEntry], Meta(max_length=1000)] = field(default_factory=list)
    phone: Phone | None = None
    email: Email | None = None


class OnceSlot(_In, frozen=True):
    date: dt.date
    start: Time
    end: Time


class Need(_In, frozen=True):
    """A need (behov) posted by a site: an activity at given times."""

    id: Id
    site: Id
    activity: Id
    title: Name
    headcount: Headcount = 1
    priority: Priority = 3
    weekly: Annotated[list[Slot], Meta(max_length=100)] | None = None
    from_: dt.date | None = field(default=None, name="from")
    until: dt.date | None = None
    once: OnceSlot | None = None
    languages: Annotated[list[Word], Meta(max_length=20)] = field(default_factory=list)
    requires_training: Annotated[list[Id], Meta(max_length=50)] = field(default_factory=list)
    police_certificate: bool = False
    min_age: Age = 0
    tags: Annotated[list[Word], Meta(max_length=50)] = field(default_factory=list)


class Pair(_In, frozen=True):
    volunteer: Id
    need: Id


class Weights(_In, frozen=True):
    """The fit terms' weights (level two of the objective); see docs/matching.md."""

    interests: Weight = 10
    interests_cap: Annotated[int, Meta(ge=0, le=50)] = 3
    continuity: Weight = 20
    continuity_site: Weight = 10
    travel: Weight = 10
    travel_scale_km: Annotated[float, Meta(gt=0, le=1000)] = 20.0
    spread: Weight = 15
    previous: Weight = 30


class Scenario(_In, frozen=True, weakref=True):
    """A municipality's register at one moment: the matcher's whole input. (Weak references: the
    reader remembers which scenarios it has checked, `matcher.scenario.ensure_valid`.)"""

    format: Literal["samspill.scenario/1"]
    horizon: Horizon
    trainings: Annotated[list[Training], Meta(max_length=10_000)] = field(default_factory=list)
    activities: Annotated[list[Activity], Meta(max_length=10_000)] = field(default_factory=list)
    sites: Annotated[list[Site], Meta(max_length=10_000)] = field(default_factory=list)
    volunteers: Annotated[list[Volunteer], Meta(max_length=100_000)] = field(default_factory=list)
    needs: Annotated[list[Need], Meta(max_length=100_000)] = field(default_factory=list)
    pinned: Annotated[list[Pair], Meta(max_length=1_000_000)] = field(default_factory=list)
    forbidden: Annotated[list[Pair], Meta(max_length=1_000_000)] = field(default_factory=list)
    previous: Annotated[list[Pair], Meta(max_length=1_000_000)] = field(default_factory=list)
    committed: Annotated[list[Pair], Meta(max_length=1_000_000)] = field(default_factory=list)
    weights: Weights | None = None


# ---------------------------------------------------------------- the plan (output)


class _Out(Struct, kw_only=True, omit_defaults=False):
    """Base of every output struct."""


class Reason(_Out):
    """One term behind a decision: a code for programs (matcher/codes.py), points, and an English
    sentence; pages render their own words from `code` and `data`."""

    code: ReasonCode
    text: str
    points: int | None = None
    data: dict[str, Any] | None = None


class Match(_Out):
    volunteer: str
    need: str
    score: int
    priority: int
    pinned: bool = False
    committed: bool = False
    reasons: list[Reason] = field(default_factory=list)


class RuleCount(_Out):
    rule: str
    excluded: int
    text: str


class NearMiss(_Out):
    """Volunteers who fail exactly one rule for a need, grouped by what is missing."""

    rule: str
    count: int
    text: str
    code: NearMissCode | None = None  # None only in plans written before codes existed
    data: dict[str, Any] = field(default_factory=dict)
    volunteers: list[str] = field(default_factory=list)


class PlacedElsewhere(_Out):
    volunteer: str
    text: str
    need: str | None = None
    code: ElsewhereCode | None = None
    data: dict[str, Any] = field(default_factory=dict)


class UnfilledReasons(_Out):
    summary: str
    code: SummaryCode | None = None  # what `summary` says, for pages
    data: dict[str, Any] = field(default_factory=dict)
    eligible: int = 0
    excluded: list[RuleCount] = field(default_factory=list)
    nearest_misses: list[NearMiss] = field(default_factory=list)
    placed_elsewhere: list[PlacedElsewhere] = field(default_factory=list)


class Unfilled(_Out):
    need: str
    open: int
    priority: int
    reasons: UnfilledReasons


class Conflict(_Out):
    """A pin that could not be honoured, naming the rule it breaks."""

    volunteer: str
    need: str
    rule: str
    message: str
    code: ConflictCode | None = None
    data: dict[str, Any] = field(default_factory=dict)


class AtRisk(_Out):
    """A committed placement (in force) that now breaks a rule, and what to do about it.

    `rule` is E1–E9 or C1–C3; `code` is stable for programs and pages (which render it in
    their own language from `data`); `message` is the English sentence; `date` is the day
    it concerns (the start, the last occurrence, the Monday of the week), where there is one.
    """

    volunteer: str
    need: str
    rule: str
    code: AtRiskCode
    message: str
    date: dt.date | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Coverage(_Out):
    places: int
    filled: int
    priority_filled: int
    priority_bound: int


FIT_REL_GAP = 0.001
"""`optimal` holds the fit level within this share of its proven bound (0.1 %); coverage is always exact."""


class Objective(_Out):
    priority: int
    priority_bound: int
    fit: int
    fit_bound: int
    spread_penalty: int


class Timings(_Out):
    read: float = 0.0
    eligibility: float = 0.0
    model: float = 0.0
    solve: float = 0.0
    explain: float = 0.0
    write: float = 0.0
    total: float = 0.0


class Plan(_Out):
    format: Literal["samspill.plan/1"] = PLAN_FORMAT
    status: Literal["optimal", "feasible"] = "optimal"
    gap: float = 0.0
    matches: list[Match] = field(default_factory=list)
    unfilled: list[Unfilled] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    at_risk: list[AtRisk] = field(default_factory=list)
    coverage: Coverage | None = None
    objective: Objective | None = None
    weights: Weights | None = None
    timings: Timings = field(default_factory=Timings)
    stats: dict[str, Any] = field(default_factory=dict)


def scenario_json_schema() -> dict[str, object]:
    """The JSON Schema of `samspill.scenario/1`, generated from the structs above."""
    return msgspec.json.schema(Scenario)


def plan_json_schema() -> dict[str, object]:
    return msgspec.json.schema(Plan)
