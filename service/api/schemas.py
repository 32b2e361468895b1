"""Request and response shapes: the scenario structs, plus server ids and timestamps.

The answers (`*Out`) are the register services' own structs (service/register/schemas.py), re-exported here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from matcher.schema import Id, Need, Site, Training, Volunteer
from service.problems import ErrorCode
from service.register.schemas import (
    ActivityOut,
    AtRiskOut,
    AttendanceOut,
    AuditOut,
    CommittedOut,
    HoursOut,
    ImportResult,
    MissedFlagOut,
    NeedOut,
    OccurrenceOut,
    PlacementOut,
    PlanListOut,
    PlanOut,
    PlanProgress,
    ProposalOut,
    RetentionEntry,
    RetentionOut,
    SiteOut,
    SiteReportOut,
    TrainingOut,
    VolunteerExport,
    VolunteerForSite,
    VolunteerOut,
)

__all__ = [
    "ActivityOut",
    "AtRiskOut",
    "AttendanceIn",
    "AttendanceOut",
    "AuditOut",
    "CommittedOut",
    "EndRequest",
    "FieldError",
    "FollowupRequest",
    "HoursOut",
    "ImportResult",
    "MissedFlagOut",
    "NeedIn",
    "NeedOut",
    "NeedPatch",
    "NeedStateRequest",
    "OccurrenceOut",
    "PlacementOut",
    "PlanListOut",
    "PlanOut",
    "PlanProgress",
    "PlanRequest",
    "ProblemDetails",
    "ProposalOut",
    "RejectRequest",
    "RespondRequest",
    "RetentionEntry",
    "RetentionOut",
    "SiteOut",
    "SitePatch",
    "SiteReportOut",
    "SiteReportRequest",
    "TrainingOut",
    "VolunteerExport",
    "VolunteerForSite",
    "VolunteerIn",
    "VolunteerOut",
    "VolunteerPatch",
]


if TYPE_CHECKING:  # a subclass that loosens `id` is beyond mypy; the handlers only pass these bodies on

    class NeedIn(Struct): ...

    class VolunteerIn(Struct): ...

else:

    class NeedIn(Need, kw_only=True):
        """A need as posted: without `id` the server assigns one."""

        id: Id | None = None  # optional on input only

    class VolunteerIn(Volunteer, kw_only=True):
        """A volunteer as registered: without `id` the server assigns one."""

        id: Id | None = None  # optional on input only


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


class ClosingRequest(Struct, kw_only=True, forbid_unknown_fields=True):
    """The date the closing conversation (avslutningssamtale) was held, after the placement ended."""

    held: dt.date


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

    class TrainingPatch(Struct): ...

else:
    NeedPatch = _patch_of(Need, "NeedPatch")
    NeedPatch.__doc__ = "Fields to change on a need; absent fields keep their value. Validated as a whole need."
    VolunteerPatch = _patch_of(Volunteer, "VolunteerPatch")
    VolunteerPatch.__doc__ = "Fields to change on a volunteer; absent fields keep their value."
    SitePatch = _patch_of(Site, "SitePatch")
    SitePatch.__doc__ = "Fields to change on a site; absent fields keep their value."
    TrainingPatch = _patch_of(Training, "TrainingPatch")
    TrainingPatch.__doc__ = "A course's new name (its id stays)."


class UserOut(Struct, kw_only=True):
    """A web sign-in account: the coordinator or a site contact (frivilligkontakt); never its password hash."""

    id: str
    email: str
    name: str
    role: str
    site: str | None = None
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None
    disabled_at: dt.datetime | None = None


class AttendanceIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """One occurrence of a placement, by its local start (Europe/Oslo wall clock, `2027-01-04T10:00`)."""

    starts_at: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:00)?$",
                                   description="local start, YYYY-MM-DDTHH:MM")]
    took_place: bool

