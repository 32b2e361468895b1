"""Request bodies for `/api/v1/events`, built from the `events.schema` structs so the OpenAPI
document shows their fields and Litestar checks them at the edge (400 naming the field).

The server makes the id when a body has none. Agreements and catalogue entries are taken as
raw JSON instead: `events.schema` must see them before decoding, to refuse money by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import msgspec
from msgspec import Meta, Struct

from events.schema import ExchangeEvent, FollowUpStatus, Id, Participant, Text


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
