"""The scarce resources: a need's open places and a volunteer's hours.

Accepting a proposal locks the need row, then the volunteer row (always in that
order, so two accepts cannot deadlock), and re-checks both here inside the same
short transaction (pretix-style). On SQLite the transaction began with BEGIN
IMMEDIATE, which serialises writers the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Horizon, Need, Scenario, Volunteer
from matcher.validate import occurrences, overlaps
from service.db.models import NeedRow, PlacementRow, PlanRow, ProposalRow, VolunteerRow
from service.problems import conflict
from service.register.common import from_doc

IN_FORCE = ("offered", "confirmed")


async def holders(session: AsyncSession, need_id: str) -> set[str]:
    """Volunteers holding one of the need's places: placed (in force) or accepted in a draft plan."""
    placed = await session.scalars(
        sa.select(PlacementRow.volunteer_id).where(PlacementRow.need_id == need_id, PlacementRow.state.in_(IN_FORCE))
    )
    accepted = await session.scalars(
        sa.select(ProposalRow.volunteer_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(PlanRow.status == "draft", ProposalRow.need_id == need_id, ProposalRow.state == "accepted")
    )
    return set(placed) | set(accepted)


async def commitments(session: AsyncSession, volunteer_id: str) -> set[str]:
    """Needs the volunteer is placed on (in force) or accepted for in a draft plan."""
    placed = await session.scalars(
        sa.select(PlacementRow.need_id).where(
            PlacementRow.volunteer_id == volunteer_id, PlacementRow.state.in_(IN_FORCE)
        )
    )
    accepted = await session.scalars(
        sa.select(ProposalRow.need_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(PlanRow.status == "draft", ProposalRow.volunteer_id == volunteer_id, ProposalRow.state == "accepted")
    )
    return set(placed) | set(accepted)


def needs_clash(horizon: Horizon, a: Need, b: Need) -> bool:
    frame = Scenario(format="samspill.scenario/1", horizon=horizon)
    occ_b = occurrences(frame, b)
    return any(overlaps(x, y) for x in occurrences(frame, a) for y in occ_b)


async def check_can_take(
    session: AsyncSession, need_row: NeedRow, volunteer_row: VolunteerRow, horizon: Horizon
) -> None:
    """Raise 409 unless the volunteer can take one of the need's places now. Rows must be locked."""
    need = from_doc(need_row.data, Need)
    if volunteer_row.data is None:
        raise conflict(f"volunteer {volunteer_row.id!r} has been anonymised", "volunteer-gone")
    volunteer = from_doc(volunteer_row.data, Volunteer)
    taken = await holders(session, need.id)
    if volunteer.id in taken:
        return  # already holds a place on this need: nothing new is taken
    if len(taken) >= need.headcount:
        raise conflict(f"need {need.id!r} has no open place left ({len(taken)} of {need.headcount} taken)", "need-full")
    await check_fits_beside(session, need, volunteer, horizon)


async def check_fits_beside(session: AsyncSession, need: Need, volunteer: Volunteer, horizon: Horizon) -> None:
    """Raise 409 unless the volunteer can hold `need` beside their other commitments (count, hours)."""
    others = await commitments(session, volunteer.id) - {need.id}
    if len(others) + 1 > volunteer.max_assignments:
        raise conflict(
            f"volunteer {volunteer.id!r} already has {len(others)} assignment(s), "
            f"their limit is {volunteer.max_assignments}",
            "volunteer-busy",
        )
    if others:
        rows = (await session.scalars(sa.select(NeedRow).where(NeedRow.id.in_(others)))).all()
        for row in rows:
            if needs_clash(horizon, need, from_doc(row.data, Need)):
                raise conflict(
                    f"volunteer {volunteer.id!r} is already committed to need {row.id!r} at overlapping hours",
                    "volunteer-busy",
                )
