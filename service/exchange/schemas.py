"""Request bodies for `/api/v1/events`, built from the `events.schema` structs so the OpenAPI
document shows their fields and Litestar checks them at the edge (400 naming the field).

The server makes the id when a body has none. Agreements and catalogue entries are taken as
raw JSON instead: `events.schema` must see them before decoding, to refuse money by name.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from events.schema import ExchangeEvent, FollowUpStatus, Id, Participant, Text


class EventIn(ExchangeEvent, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    id: Id | None = None  # type: ignore[assignment]  # optional on input: the server makes one


class ParticipantIn(Participant, kw_only=True):  # type: ignore[misc]  # mypy misreads msgspec frozen inheritance
    id: Id | None = None  # type: ignore[assignment]  # optional on input: the server makes one


class FollowUpIn(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A party's report on an agreement: was it carried out?"""

    status: FollowUpStatus
    reported_by: Annotated[str, Meta(min_length=1, max_length=200, description="The reporting party's participant id.")]
    note: Text = ""
