"""Request bodies and answers for `/api/v1/events`, built from the `events.schema` structs so the OpenAPI
document shows their fields and Litestar checks them at the edge (400 naming the field).

The server makes the id when a body has none. Agreements and catalogue entries are taken as
raw JSON instead: `events.schema` must see them before decoding, to refuse money by name.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.lifecycle import Action, Transition
from events.schema import Agreement, EventState, ExchangeEvent, FollowUpStatus, Id, Participant, Text
from events.suggestions import SuggestionResult
from matcher.schema import Volunteer


def _optional_id(base: type[Struct], name: str) -> type[Struct]:
    """`base` as a request body: the same fields, checks and docs, with `id` optional (the server
    makes one). Built at run time: a subclass that widens `id` to `str | None` is no subtype of
    `base`, and the type checker rightly refuses it as a class statement."""
    body: type[Struct] = msgspec.defstruct(name, [("id", Id | None, None)], bases=(base,), kw_only=True,
                                           frozen=True, module=__name__)
    body.__doc__ = base.__doc__
    return body


if TYPE_CHECKING:  # the real classes are built below; mypy sees stand-ins

    class EventIn(Struct): ...

    class ParticipantIn(Struct): ...

else:
    EventIn = _optional_id(ExchangeEvent, "EventIn")
    ParticipantIn = _optional_id(Participant, "ParticipantIn")


class FollowUpIn(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A party's report on an agreement: was it carried out?"""

    status: FollowUpStatus
    reported_by: Annotated[str, Meta(min_length=1, max_length=200, description="The reporting party's participant id.")]
    note: Text = ""


# --- Answers: what the exchange services return and the controllers hand on unchanged -----------


class EventOut(ExchangeEvent, frozen=True, kw_only=True):
    """An event as staff see it: the document, its state and history, and its read-only pages."""

    state: EventState
    allowed_actions: list[Action]
    transitions: list[Transition]
    screen_key: str
    board_page: str
    catalogue_page: str
    report_page: str
    created_at: dt.datetime


class EstimatedValue(Struct, frozen=True, kw_only=True):
    """What an agreement would have cost (an estimate, never money changing hands)."""

    nok: int
    unvalued_gives: int
    label: str


class AgreementOut(Agreement, frozen=True, kw_only=True):
    """An agreement as staff see it; `follow_up_page` (the parties' link) when the agreement has one."""

    two_way: bool
    estimated_value: EstimatedValue
    follow_up_page: str | UnsetType = UNSET


class FloorLinkOut(Struct, frozen=True, kw_only=True):
    """A floor sign-in link, never its URL (stored only as a hash)."""

    id: str
    event: str
    role: str
    name: str
    created_at: dt.datetime
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: Literal["unused", "used", "revoked"]


class NewFloorLinkOut(FloorLinkOut, frozen=True, kw_only=True):
    """A link just made: its URL, shown this once."""

    url: str


class SignedUpOut(Struct, frozen=True, kw_only=True):
    """Someone from the Frivilligtorg: no more personal data than a broker needs."""

    volunteer: str
    name: str | None
    participant: str | None
    signed_up_at: dt.datetime
    onboarding: Literal["pending", "done"]
    pending: list[str]


class SignUpOut(Volunteer, frozen=True, kw_only=True):
    """The volunteer just signed up at the Frivilligtorg, as the register stored them, onboarding pending."""

    created_at: dt.datetime
    updated_at: dt.datetime
    event: str
    onboarding: Literal["pending"]
    pending: list[str]


class SuggestionsOut(SuggestionResult, frozen=True, kw_only=True):
    """The latest meeting suggestions (and speed-meeting schedule) of an event, with when they were made."""

    created_at: dt.datetime
