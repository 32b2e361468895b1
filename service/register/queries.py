"""The questions the register asks in many places, asked one way: which placements are in force,
which needs are matched, which plans are drafts, the coordinator's current draft (or the last released
plan), how many places each need has filled, and the volunteers' and needs' documents the pages name and list."""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from service.db.models import NeedRow, PlacementRow, PlanRow, VolunteerRow

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


async def current_plan(session: AsyncSession) -> PlanRow | None:
    """The plan the pages show: the current draft, else the plan released last."""
    draft = await current_draft(session)
    if draft is not None:
        return draft
    return await session.scalar(
        sa.select(PlanRow).where(PlanRow.status == "released").order_by(PlanRow.released_at.desc()))


async def placed_per_need(session: AsyncSession) -> dict[str, int]:
    """How many placements in force each need has (needs with none are left out)."""
    return {need_id: count for need_id, count in (await session.execute(
        sa.select(PlacementRow.need_id, sa.func.count()).where(in_force())
        .group_by(PlacementRow.need_id)
    )).all()}


async def volunteer_documents(session: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    """Every volunteer still in the register (not anonymised), as (id, document), oldest first."""
    rows = (await session.execute(
        sa.select(VolunteerRow.id, VolunteerRow.data).where(VolunteerRow.data.is_not(None))
        .order_by(VolunteerRow.created_at, VolunteerRow.id)
    )).all()
    return [(vid, doc) for vid, doc in rows]


async def volunteer_documents_of(session: AsyncSession, ids: set[str]) -> dict[str, dict[str, Any] | None]:
    """These volunteers' documents by id (None for one anonymised); unknown ids are left out."""
    if not ids:
        return {}
    rows = (await session.execute(
        sa.select(VolunteerRow.id, VolunteerRow.data).where(VolunteerRow.id.in_(ids)))).all()
    return {vid: data for vid, data in rows}


async def need_documents(session: AsyncSession, ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """The needs' documents by id: all of them, or those in `ids`."""
    stmt = sa.select(NeedRow)
    if ids is not None:
        stmt = stmt.where(NeedRow.id.in_(ids))
    return {r.id: r.data for r in (await session.scalars(stmt)).all()}
