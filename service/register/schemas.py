"""What the register's services return: the scenario structs plus the server's ids, timestamps and state.

The API answers with these unchanged (service/api re-exports them with its request shapes), and the
pages read them by attribute. Frozen: an answer is built once and never edited on its way out. A field
a service leaves out of some answers is `UNSET` there (never encoded), not null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from msgspec import UNSET, Struct, UnsetType, field

from matcher.schema import Activity, HeldTraining, Need, Site, Training, Volunteer

PlacementState = Literal["offered", "confirmed", "declined", "ended"]


class TrainingOut(Training, frozen=True, kw_only=True):
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityOut(Activity, frozen=True, kw_only=True):
    created_at: dt.datetime
    updated_at: dt.datetime


class SiteOut(Site, frozen=True, kw_only=True):
    created_at: dt.datetime
    updated_at: dt.datetime


class NeedOut(Need, frozen=True, kw_only=True):
    created_at: dt.datetime
    updated_at: dt.datetime
    posted_by: str | None = None  # the token's or user's name and role; None for imported needs
    state: Literal["open", "paused", "closed"] = "open"  # paused and closed needs are not matched
    # Only after a change made with keep_at_risk=true: the placements it put at risk.
    at_risk: list[AtRiskOut] | UnsetType | None = UNSET


class VolunteerOut(Volunteer, frozen=True, kw_only=True):
    created_at: dt.datetime
    updated_at: dt.datetime
    # The volunteer's private calendar feed (iCalendar); only in their own record, when they read it.
    calendar_url: str | UnsetType | None = UNSET
    # Only in the answer to a PATCH: the placements the change newly put at risk.
    at_risk: list[AtRiskOut] | UnsetType | None = UNSET


class VolunteerForSite(Struct, frozen=True, kw_only=True):
    """What a site sees of a volunteer proposed or placed on its needs: nothing more."""

    view: Literal["site"]
    id: str
    name: str
    phone: str | None = None
    languages: list[str] = field(default_factory=list)
    trainings: list[HeldTraining] = field(default_factory=list)


class VolunteerExport(Struct, frozen=True, kw_only=True):
    volunteer: VolunteerOut
    proposals: list[dict[str, Any]]
    placements: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    tokens: list[dict[str, Any]]
    access_log: list[dict[str, Any]]
    messages: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)
    account: dict[str, Any] | None = None
    onboarding: list[dict[str, Any]] = field(default_factory=list)  # the first conversation (førstegangssamtale)
    event_signups: list[dict[str, Any]] = field(default_factory=list)  # Frivilligtorg sign-ups


class RetentionEntry(Struct, frozen=True, kw_only=True):
    id: str
    name: str
    last_contact: dt.date


class RetentionOut(Struct, frozen=True, kw_only=True):
    """Volunteers due for erasure: no placement in force and no contact since `cutoff`."""

    months: int
    cutoff: dt.date
    volunteers: list[RetentionEntry]


ProposalState = Literal["proposed", "accepted", "rejected"]
RunState = Literal["queued", "running", "failed"]
PlanStatus = Literal["queued", "running", "failed", "draft", "released", "superseded"]


class ProposalOut(Struct, frozen=True, kw_only=True):
    id: str
    plan: str
    volunteer: str
    need: str
    score: int
    reasons: list[dict[str, Any]]
    state: ProposalState
    pinned: bool = False
    reject_reason: str | None = None


class PlanProgress(Struct, frozen=True, kw_only=True):
    """A queued or running plan: seconds so far against the solver's limit, and which try this is."""

    state: RunState
    elapsed: float
    limit: float
    attempt: int = 0


class CommittedOut(Struct, frozen=True, kw_only=True):
    volunteer: str
    need: str


class PlanOut(Struct, frozen=True, kw_only=True):
    id: str
    status: PlanStatus
    solver_status: str
    created_at: dt.datetime
    released_at: dt.datetime | None = None
    proposals: list[ProposalOut]
    unfilled: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)
    progress: PlanProgress | UnsetType | None = UNSET  # while queued or running (and when failed)
    error: str | UnsetType | None = UNSET  # why a failed run failed (with `progress`; null if it did not)
    # Placements in force when the plan ran, kept as they are (never proposals to accept again).
    committed: list[CommittedOut] = field(default_factory=list)
    # Committed pairs that broke a rule when the plan ran, with what to do.
    at_risk: list[AtRiskOut] = field(default_factory=list)


class PlanListOut(Struct, frozen=True, kw_only=True):
    """A plan in the coordinator's list: its state and how many proposals it holds and needs it left unfilled."""

    id: str
    status: PlanStatus
    solver_status: str
    created_at: dt.datetime
    released_at: dt.datetime | None
    proposals: int
    unfilled: int


class SiteReportOut(Struct, frozen=True, kw_only=True):
    """A site's report on a placement (should_end); answered (resolved) when the coordinator decides."""

    id: str
    placement: str
    site: str
    kind: str
    on: dt.date
    reported_by: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None  # ended | kept, once answered


class AtRiskOut(Struct, frozen=True, kw_only=True):
    """A commitment that breaks a matching rule now: the rule (E1–E9, C1–C3), a stable code with its
    facts in `data`, and a sentence saying what to do. Nothing is ended by the service."""

    volunteer: str
    need: str
    rule: str
    code: str | None = None
    message: str
    date: dt.date | None = None
    data: dict[str, Any] | None = None
    placement: str | UnsetType | None = UNSET  # in the list of placements at risk only


class PlacementOut(Struct, frozen=True, kw_only=True):
    id: str
    volunteer: str
    need: str
    site: str
    activity: str
    plan: str | None
    state: PlacementState
    start: dt.date
    responded_at: dt.datetime | None = None
    ended_on: dt.date | None = None
    followups: list[dt.date] = field(default_factory=list)
    followups_done: list[dt.date] = field(default_factory=list)
    next_followup: dt.date | None = None
    followup_due: bool = False
    end_reason: str | None = None
    closing_held: dt.date | None = None
    # Only with ?at_risk=: the rules this placement breaks now (empty if none); null when not asked.
    at_risk: list[AtRiskOut] | UnsetType | None = UNSET
    decline_reason: str | None = None


class AuditOut(Struct, frozen=True, kw_only=True):
    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    volunteer: str
    path: str


class ImportResult(Struct, frozen=True, kw_only=True):
    trainings: int
    activities: int
    sites: int
    volunteers: int
    needs: int
    locks: int
    placements: int = 0  # committed pairs that became placements in force

class AttendanceOut(Struct, frozen=True, kw_only=True):
    placement: str
    volunteer: str
    site: str
    need: str
    starts_at: dt.datetime
    minutes: int
    took_place: bool
    recorded_by: str
    recorded_role: str
    recorded_at: dt.datetime


class OccurrenceOut(Struct, frozen=True, kw_only=True):
    placement: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    took_place: bool | None = None
    recorded_by: str | None = None


class HoursOut(Struct, frozen=True, kw_only=True):
    volunteer: str
    site: str
    month: str
    occurrences: int
    minutes: int
    hours: float


class MissedFlagOut(Struct, frozen=True, kw_only=True):
    code: Literal["missed_in_a_row"]
    placement: str
    volunteer: str
    site: str
    need: str
    missed: int
    first_missed: dt.datetime
    last_missed: dt.datetime


class StatisticsRow(Struct, frozen=True, kw_only=True):
    """Counts for one site, one activity or the total (group "total", id and name empty): no names of people."""

    group: Literal["site", "activity", "total"]
    id: str
    name: str
    needs: int
    places: int
    filled: int
    volunteers_active: int
    new_volunteers: int  # only in the total: a volunteer has no site
    hours: dict[str, float]  # per month (YYYY-MM): hours given, attendance confirmed
    planned: dict[str, float]  # per month: the needs' times between the placements' start and end
    ended: dict[str, int]  # placements ended in the period, by reason (and "unknown")
    hours_total: float
    planned_total: float
    ended_total: int


class StatisticsOut(Struct, frozen=True, kw_only=True):
    """The annual report's counts for a period (service/register/statistics.py says what each counts)."""

    from_: dt.date = field(name="from")
    to: dt.date
    months: list[str]
    sites: list[StatisticsRow]
    activities: list[StatisticsRow]
    total: StatisticsRow
    new_by_month: dict[str, int]


class PlanningPeriodOut(Struct, frozen=True, kw_only=True):
    """The period the next plan is made for, both dates inclusive. `fixed`: set by the coordinator (or an
    imported scenario) and not yet ended; otherwise it runs from today for `default_days` days."""

    start: dt.date
    end: dt.date
    fixed: bool
    default_days: int
