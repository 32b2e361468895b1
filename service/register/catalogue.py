"""The catalogue (trainings and activities) and the sites: coordinator writes, everyone reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Activity, Site, Training
from service.auth import Principal
from service.db.models import ActivityRow, NeedRow, PlacementRow, SiteRow, TrainingRow, VolunteerRow
from service.problems import Problem, conflict, fault, not_found
from service.register.common import (
    audit_change,
    decode_as,
    from_doc,
    load_catalogue,
    raise_if,
    scenario_errors,
    stamped,
    to_doc,
)
from service.register.schemas import ActivityOut, SiteOut, TrainingOut

CatalogueRow = TrainingRow | ActivityRow | SiteRow
Out = TypeVar("Out", TrainingOut, ActivityOut, SiteOut)
Row = TypeVar("Row", TrainingRow, ActivityRow, SiteRow)


async def _all(session: AsyncSession, model: type[CatalogueRow], out: type[Out]) -> list[Out]:
    rows = cast(Sequence[CatalogueRow], (await session.scalars(sa.select(model).order_by(model.id))).all())
    return [stamped(r.data, r, out) for r in rows]


async def _one(session: AsyncSession, model: type[CatalogueRow], out: type[Out], kind: str, ident: str) -> Out:
    row: CatalogueRow | None = await session.get(model, ident)
    if row is None:
        raise not_found(kind, ident)
    return stamped(row.data, row, out)


async def _locked(session: AsyncSession, model: type[Row], kind: str, ident: str) -> Row:
    """The entry to change, locked for the change (404 when there is none)."""
    row = await session.get(model, ident, with_for_update=True)
    if row is None:
        raise not_found(kind, ident)
    return row


def _keeps_id(patch: dict[str, Any], ident: str, noun: str) -> None:
    """An entry's id stays: needs, placements and volunteers' records refer to it (422 otherwise)."""
    if "id" in patch and patch["id"] != ident:
        raise Problem(422, f"{noun}'s id cannot change", slug="validation", errors=[fault("id", "cannot-change")])


async def _add(session: AsyncSession, who: Principal, model: type[CatalogueRow], out: type[Out], kind: str,
               obj: Any) -> Out:
    """A new catalogue entry or site, by the coordinator, under an id not yet taken."""
    who.require_coordinator()
    if await session.get(model, obj.id) is not None:
        raise conflict(f"{kind} {obj.id!r} already exists")
    row = model(id=obj.id, data=to_doc(obj))
    session.add(row)
    await session.flush()
    return stamped(row.data, row, out)



async def list_trainings(session: AsyncSession) -> list[TrainingOut]:
    return await _all(session, TrainingRow, TrainingOut)


async def create_training(session: AsyncSession, who: Principal, training: Training) -> TrainingOut:
    return await _add(session, who, TrainingRow, TrainingOut, "training", training)


async def patch_training(session: AsyncSession, who: Principal, training_id: str, patch: dict[str, Any],
                         path: str = "") -> TrainingOut:
    """Rename a course (coordinator). Its id stays: activities, needs and volunteers' courses refer to it."""
    who.require_coordinator()
    row = await _locked(session, TrainingRow, "training", training_id)
    _keeps_id(patch, training_id, "a training")
    row.data = to_doc(decode_as({**row.data, **patch}, Training))
    await session.flush()
    await audit_change(session, who, "update", f"training:{training_id}", path or f"/api/v1/trainings/{training_id}")
    return stamped(row.data, row, TrainingOut)


async def list_activities(session: AsyncSession) -> list[ActivityOut]:
    return await _all(session, ActivityRow, ActivityOut)


async def get_activity(session: AsyncSession, activity_id: str) -> ActivityOut:
    return await _one(session, ActivityRow, ActivityOut, "activity", activity_id)


async def create_activity(session: AsyncSession, who: Principal, activity: Activity) -> ActivityOut:
    who.require_coordinator()
    cat = await load_catalogue(session)
    raise_if(scenario_errors(cat.scenario(activities=[activity]), "activities[0]"))
    return await _add(session, who, ActivityRow, ActivityOut, "activity", activity)


async def patch_activity(session: AsyncSession, who: Principal, activity_id: str,
                         patch: dict[str, Any]) -> ActivityOut:
    """Change an activity's name, description, minimum age, courses or police-certificate rule (coordinator).

    Needs keep pointing at it by id; the next matching run applies the new rules.
    """
    who.require_coordinator()
    row = await _locked(session, ActivityRow, "activity", activity_id)
    _keeps_id(patch, activity_id, "an activity")
    activity = decode_as({**row.data, **patch}, Activity)
    cat = await load_catalogue(session)
    others = [a for a in cat.activities if a.id != activity_id]
    raise_if(scenario_errors(cat.scenario(activities=[*others, activity]), f"activities[{len(others)}]"))
    row.data = to_doc(activity)
    await session.flush()
    return stamped(row.data, row, ActivityOut)


async def activity_use(session: AsyncSession, activity_id: str) -> dict[str, int]:
    """What refers to an activity: needs (any state), placements (ended ones too: the statistics count
    them per activity) and volunteers who chose it."""
    needs = await session.scalar(
        sa.select(sa.func.count()).select_from(NeedRow).where(NeedRow.activity_id == activity_id))
    placements = await session.scalar(
        sa.select(sa.func.count()).select_from(PlacementRow).where(PlacementRow.activity_id == activity_id))
    chosen = sum(1 for data in await session.scalars(sa.select(VolunteerRow.data).where(VolunteerRow.data.is_not(None)))
                 if activity_id in ((data or {}).get("activities") or []))
    return {"needs": int(needs or 0), "placements": int(placements or 0), "volunteers": chosen}


async def delete_activity(session: AsyncSession, who: Principal, activity_id: str, path: str = "") -> None:
    """Delete an activity nothing refers to — one added by mistake (coordinator).

    One that needs, placements or volunteers refer to stays (409 `in-use`, with the counts): its history
    counts in the statistics, and a volunteer's choice must not point at nothing. Rename it or change its
    rules instead, and close its needs.
    """
    who.require_coordinator()
    row = await _locked(session, ActivityRow, "activity", activity_id)
    use = await activity_use(session, activity_id)
    if any(use.values()):
        said = ", ".join(f"{n} {what}" for what, n in use.items() if n)
        raise Problem(409, f"activity {activity_id!r} is used by {said}; it stays (rename it or close its needs)",
                      slug="in-use", extra={"use": use})
    await session.delete(row)
    await session.flush()
    await audit_change(session, who, "delete", f"activity:{activity_id}", path or f"/api/v1/activities/{activity_id}")


async def list_sites(session: AsyncSession) -> list[SiteOut]:
    return await _all(session, SiteRow, SiteOut)


async def get_site(session: AsyncSession, site_id: str) -> SiteOut:
    return await _one(session, SiteRow, SiteOut, "site", site_id)


async def create_site(session: AsyncSession, who: Principal, site: Site) -> SiteOut:
    return await _add(session, who, SiteRow, SiteOut, "site", site)


async def patch_site(
    session: AsyncSession, who: Principal, site_id: str, patch: dict[str, Any]
) -> SiteOut:
    row = await _locked(session, SiteRow, "site", site_id)
    if not who.is_coordinator and not (who.role == "site" and who.site_id == site_id):
        raise Problem(403, "only the coordinator or the site itself may change a site", slug="forbidden")
    _keeps_id(patch, site_id, "a site")
    site = decode_as({**row.data, **patch}, Site)
    if who.role == "site" and site.kind != from_doc(row.data, Site).kind:
        raise Problem(403, "only the coordinator may change a site's kind", slug="forbidden")
    row.data = msgspec.to_builtins(site)
    await session.flush()
    return stamped(row.data, row, SiteOut)
