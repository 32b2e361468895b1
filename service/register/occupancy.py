"""The scarce resources: a need's open places and a volunteer's week.

Accepting a proposal locks the need row, then the volunteer row (always in that
order, so two accepts cannot deadlock), and re-checks here, inside the same short
transaction (pretix-style), everything the matcher would: the pair's E1–E9 on the
register as it is now, and C1–C3 (places, assignments and hours per week, overlaps)
beside the placements in force and the proposals already accepted. On SQLite the
transaction began with BEGIN IMMEDIATE, which serialises writers the same way.

The rules themselves are the matcher's (`matcher.at_risk`, through
`service.register.commitments`); nothing here re-states one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Horizon
from service.db.models import NeedRow, VolunteerRow
from service.problems import conflict
from service.register.commitments import commitments, holders, refusal, risks_added
from service.register.queries import IN_FORCE

__all__ = ["IN_FORCE", "check_can_take", "holders"]


async def check_can_take(
    session: AsyncSession, need_row: NeedRow, volunteer_row: VolunteerRow, horizon: Horizon
) -> None:
    """Raise 409 naming the rule unless the volunteer can take one of the need's places now.

    Both rows must be locked. The question asked of the matcher: with the pair added to
    the volunteer's commitments and the need's holders, does anything break that did not
    break before? A commitment already at risk (a course that expired) does not stop
    another, unrelated accept; it is listed at `GET /api/v1/placements?at_risk=true`.
    """
    if volunteer_row.data is None:
        raise conflict(f"volunteer {volunteer_row.id!r} has been anonymised", "volunteer-gone")
    taken = await holders(session, need_row.id)
    if volunteer_row.id in taken:
        return  # already holds a place on this need: nothing new is taken
    before = sorted(await commitments(session, [volunteer_row.id]) | {(v, need_row.id) for v in taken})
    after = [*before, (volunteer_row.id, need_row.id)]  # last: the one a full need has no room for
    broken = await risks_added(session, horizon, before, after)
    if broken:
        mine = [e for e in broken if (e["volunteer"], e["need"]) == (volunteer_row.id, need_row.id)]
        raise refusal(mine + [e for e in broken if e not in mine],
                      f"volunteer {volunteer_row.id!r} cannot take need {need_row.id!r}")
