"""The questions the register asks in many places, asked one way: which placements are in force,
which needs are matched, which plans are drafts, and the coordinator's current draft."""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from service.db.models import NeedRow, PlacementRow, PlanRow

IN_FORCE: Final = ("offered", "confirmed")
"""Placement states that hold a place (offered and not yet answered, or confirmed)."""
DRAFT: Final = "draft"


def in_force() -> ColumnElement[bool]:
    """`WHERE` the placement is in force."""
    return PlacementRow.state.in_(IN_FORCE)


def is_matched() -> ColumnElement[bool]:
    """`WHERE` the need is open: paused and closed needs (needs.set_need_state) are left out of the
    scenario the matcher sees — the plan runs and `GET /api/v1/scenario` alike (scenario_io.build_scenario)."""
    return NeedRow.state == "open"


def is_draft() -> ColumnElement[bool]:
    """`WHERE` the plan is a draft (not yet released, not superseded)."""
    return PlanRow.status == DRAFT


def draft_plan_ids() -> sa.Select[Any]:
    """The ids of the draft plans, for `IN (…)`."""
    return sa.select(PlanRow.id).where(is_draft())


async def current_draft(session: AsyncSession) -> PlanRow | None:
    """The newest draft plan: the one the matching page shows and the coordinator decides on."""
    return await session.scalar(sa.select(PlanRow).where(is_draft()).order_by(PlanRow.created_at.desc()))
