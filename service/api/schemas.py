"""Request and response shapes: the scenario structs, plus server ids and timestamps."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct, field

from matcher.schema import Activity, HeldTraining, Id, Need, Site, Training, Volunteer
from service.problems import ErrorCode


class TrainingOut(Training, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityOut(Activity, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    created_at: dt.datetime
    updated_at: dt.datetime


class SiteOut(Site, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    created_at: dt.datetime
    updated_at: dt.datetime


class NeedIn(Need, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    """A need as posted: without `id` the server assigns one."""

    id: Id | None = None  # type: ignore[assignment]  # optional on input only


class NeedOut(Need, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    created_at: dt.datetime
    updated_at: dt.datetime
    posted_by: str | None = None  # the token's or user's name and role; None for imported needs
    state: Literal["open", "paused", "closed"] = "open"  # paused and closed needs are not matched
    # Only after a change made with keep_at_risk=true: the placements it put at risk.
    at_risk: list[AtRiskOut] | None = None


class VolunteerIn(Volunteer, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    """A volunteer as registered: without `id` the server assigns one."""

    id: Id | None = None  # type: ignore[assignment]  # optional on input only


class VolunteerOut(Volunteer, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    created_at: dt.datetime
    updated_at: dt.datetime
    # The volunteer's private calendar feed (iCalendar); only in their own record, when they read it.
    calendar_url: str | None = None
    # Only in the answer to a PATCH: the placements the change newly put at risk.
    at_risk: list[AtRiskOut] | None = None


class VolunteerForSite(Struct, kw_only=True):
    """What a site sees of a volunteer proposed or placed on its needs: nothing more."""

    view: Literal["site"]
    id: str
    name: str
    phone: str | None = None
    languages: list[str] = field(default_factory=list)
    trainings: list[HeldTraining] = field(default_factory=list)


class VolunteerExport(Struct, kw_only=True):
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


class RetentionEntry(Struct, kw_only=True):
    id: str
    name: str
    last_contact: dt.date


class RetentionOut(Struct, kw_only=True):
    """Volunteers due for erasure: no placement in force and no contact since `cutoff`."""

    months: int
    cutoff: dt.date
    volunteers: list[RetentionEntry]


class ProposalOut(Struct, kw_only=True):
    id: str
    plan: str
    volunteer: str
    need: str
    score: int
    reasons: list[dict[str, Any]]
    state: Literal["proposed", "accepted", "rejected"]
    pinned: bool = False
    reject_reason: str | None = None


class PlanProgress(Struct, kw_only=True):
    """A queued or running plan: seconds so far against the solver's limit, and which try this is."""

    state: Literal["queued", "running", "failed"]
    elapsed: float
    limit: float
    attempt: int = 0


class CommittedOut(Struct, kw_only=True):
    volunteer: str
    need: str


class PlanOut(Struct, kw_only=True):
    id: str
    status: Literal["queued", "running", "failed", "draft", "released", "superseded"]
    solver_status: str
    created_at: dt.datetime
    released_at: dt.datetime | None = None
    proposals: list[ProposalOut]
    unfilled: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)
    progress: PlanProgress | None = None  # while queued or running (and when failed)
    error: str | None = None  # why a failed run failed
    # Placements in force when the plan ran, kept as they are (never proposals to accept again).
    committed: list[CommittedOut] = field(default_factory=list)
    # Committed pairs that broke a rule when the plan ran, with what to do.
    at_risk: list[AtRiskOut] = field(default_factory=list)


class PlanRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """Options for a matcher run; all optional."""

    time_limit: Annotated[float, Meta(gt=0, le=600, description="seconds for the solver")] | None = None


class RejectRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=2000, description="Why; the volunteer can read it in "
                                "their export (GDPR art. 15), so write it as you would say it to them")]


class RespondRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    answer: Literal["yes", "no"]
    # Why not, if the volunteer wants to say (optional; only kept with a "no").
    reason: Annotated[str, Meta(max_length=1000)] | None = None


class EndRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """The date of the closing conversation (avslutningssamtale)."""

    closing_conversation: dt.date
    # one of service.register.placements.END_REASONS
    reason: str | None = None
    # the date the closing conversation (avslutning) was held, if it was
    closing_held: dt.date | None = None


class SiteReportRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """A site's report on a placement at the site (service.register.site_reports)."""

    kind: Literal["should_end"]
    on: dt.date


class NeedStateRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """open, paused (kept, not matched for now) or closed (no longer wanted)."""

    state: Literal["open", "paused", "closed"]


class FollowupRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """The date a follow-up conversation (oppfølgingssamtale) was held."""

    held: dt.date


class AtRiskOut(Struct, kw_only=True):
    """A commitment that breaks a matching rule now: the rule (E1–E9, C1–C3), a stable code with its
    facts in `data`, and a sentence saying what to do. Nothing is ended by the service."""

    volunteer: str
    need: str
    rule: str
    code: str | None = None
    message: str
    date: dt.date | None = None
    data: dict[str, Any] | None = None
    placement: str | None = None


class PlacementOut(Struct, kw_only=True):
    id: str
    volunteer: str
    need: str
    site: str
    activity: str
    plan: str | None
    state: Literal["offered", "confirmed", "declined", "ended"]
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
    at_risk: list[AtRiskOut] | None = None
    decline_reason: str | None = None


class AuditOut(Struct, kw_only=True):
    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    volunteer: str
    path: str


class ImportResult(Struct, kw_only=True):
    trainings: int
    activities: int
    sites: int
    volunteers: int
    needs: int
    locks: int
    placements: int = 0  # committed pairs that became placements in force

class FieldError(Struct, kw_only=True):
    """One invalid field: the stable `code` and its facts (`data`) for programs and pages, the English
    `message` rendered from them for people (docs/matching.md lists the codes)."""

    field: str
    message: str
    code: ErrorCode
    data: dict[str, Any] | None = None


class ProblemDetails(Struct, kw_only=True):
    """RFC 9457 problem details; `errors` names each invalid field. A change refused because it
    would break a matching rule also names the rule, its code, the pair and the facts (`data`),
    and lists in `at_risk` every commitment it would break."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    rule: str | None = None
    code: str | None = None
    volunteer: str | None = None
    need: str | None = None
    date: dt.date | None = None
    data: dict[str, Any] | None = None
    at_risk: list[AtRiskOut] | None = None


def _patch_of(base: type[Struct], name: str) -> type[Struct]:
    """A PATCH body for `base`: every field optional (absent = unchanged), same names and checks."""
    fields = []
    for f in msgspec.structs.fields(base):
        fields.append((f.name, f.type | msgspec.UnsetType, msgspec.field(default=msgspec.UNSET, name=f.encode_name)))
    patch: type[Struct] = msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=True, module=__name__)
    return patch


if TYPE_CHECKING:  # the real classes are built from the scenario structs below; mypy sees stand-ins

    class NeedPatch(Struct): ...

    class VolunteerPatch(Struct): ...

    class SitePatch(Struct): ...

else:
    NeedPatch = _patch_of(Need, "NeedPatch")
    NeedPatch.__doc__ = "Fields to change on a need; absent fields keep their value. Validated as a whole need."
    VolunteerPatch = _patch_of(Volunteer, "VolunteerPatch")
    VolunteerPatch.__doc__ = "Fields to change on a volunteer; absent fields keep their value."
    SitePatch = _patch_of(Site, "SitePatch")
    SitePatch.__doc__ = "Fields to change on a site; absent fields keep their value."


class AttendanceIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """One occurrence of a placement, by its local start (Europe/Oslo wall clock, `2027-01-04T10:00`)."""

    starts_at: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:00)?$",
                                   description="local start, YYYY-MM-DDTHH:MM")]
    took_place: bool


class AttendanceOut(Struct, kw_only=True):
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


class OccurrenceOut(Struct, kw_only=True):
    placement: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    took_place: bool | None = None
    recorded_by: str | None = None


class HoursOut(Struct, kw_only=True):
    volunteer: str
    site: str
    month: str
    occurrences: int
    minutes: int
    hours: float


class MissedFlagOut(Struct, kw_only=True):
    code: Literal["missed_in_a_row"]
    placement: str
    volunteer: str
    site: str
    need: str
    missed: int
    first_missed: dt.datetime
    last_missed: dt.datetime
