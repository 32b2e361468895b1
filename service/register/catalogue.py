"""The catalogue (trainings and activities) and the sites: coordinator writes, everyone reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Activity, Site, Training
from service.auth import Principal
from service.db.models import ActivityRow, NeedRow, SiteRow, TrainingRow
from service.problems import Problem, conflict, fault, not_found
from service.register.common import (
    decode_as,
    from_doc,
    load_catalogue,
    raise_if,
    scenario_errors,
    stamped,
    to_doc,
)

CatalogueRow = TrainingRow | ActivityRow | SiteRow


async def _all(session: AsyncSession, model: type[CatalogueRow]) -> list[dict[str, Any]]:
    rows = cast(Sequence[CatalogueRow], (await session.scalars(sa.select(model).order_by(model.id))).all())
    return [stamped(r.data, r) for r in rows]


async def _one(session: AsyncSession, model: type[CatalogueRow], kind: str, ident: str) -> dict[str, Any]:
    row: CatalogueRow | None = await session.get(model, ident)
    if row is None:
        raise not_found(kind, ident)
    return stamped(row.data, row)


async def _add(session: AsyncSession, who: Principal, model: type[CatalogueRow], kind: str, obj: Any) -> dict[str, Any]:
    """A new catalogue entry or site, by the coordinator, under an id not yet taken."""
    who.require_coordinator()
    if await session.get(model, obj.id) is not None:
        raise conflict(f"{kind} {obj.id!r} already exists")
    row = model(id=obj.id, data=to_doc(obj))
    session.add(row)
    await session.flush()
    return stamped(row.data, row)



async def list_trainings(session: AsyncSession) -> list[dict[str, Any]]:
    return await _all(session, TrainingRow)


async def create_training(session: AsyncSession, who: Principal, training: Training) -> dict[str, Any]:
    return await _add(session, who, TrainingRow, "training", training)


async def list_activities(session: AsyncSession) -> list[dict[str, Any]]:
    return await _all(session, ActivityRow)


async def get_activity(session: AsyncSession, activity_id: str) -> dict[str, Any]:
    return await _one(session, ActivityRow, "activity", activity_id)


async def create_activity(session: AsyncSession, who: Principal, activity: Activity) -> dict[str, Any]:
    who.require_coordinator()
    cat = await load_catalogue(session)
    raise_if(scenario_errors(cat.scenario(activities=[activity]), "activities[0]"))
    return await _add(session, who, ActivityRow, "activity", activity)


async def patch_activity(session: AsyncSession, who: Principal, activity_id: str,
                         patch: dict[str, Any]) -> dict[str, Any]:
    """Change an activity's name, description, minimum age, courses or police-certificate rule (coordinator).

    Needs keep pointing at it by id; the next matching run applies the new rules.
    """
    who.require_coordinator()
    row = await session.get(ActivityRow, activity_id, with_for_update=True)
    if row is None:
        raise not_found("activity", activity_id)
    if "id" in patch and patch["id"] != activity_id:
        raise Problem(422, "an activity's id cannot change", slug="validation",
                      errors=[fault("id", "cannot-change")])
    activity = decode_as({**row.data, **patch}, Activity)
    cat = await load_catalogue(session)
    others = [a for a in cat.activities if a.id != activity_id]
    raise_if(scenario_errors(cat.scenario(activities=[*others, activity]), f"activities[{len(others)}]"))
    row.data = to_doc(activity)
    await session.flush()
    return stamped(row.data, row)


async def delete_activity(session: AsyncSession, who: Principal, activity_id: str) -> None:
    who.require_coordinator()
    row = await session.get(ActivityRow, activity_id, with_for_update=True)
    if row is None:
        raise not_found("activity", activity_id)
    used = await session.scalar(
        sa.select(sa.func.count()).select_from(NeedRow).where(NeedRow.activity_id == activity_id)
    )
    if used:
        raise conflict(
            f"activity {activity_id!r} is used by {used} need(s); delete or change them first", "in-use"
        )
    await session.delete(row)
    await session.flush()


async def list_sites(session: AsyncSession) -> list[dict[str, Any]]:
    return await _all(session, SiteRow)


async def get_site(session: AsyncSession, site_id: str) -> dict[str, Any]:
    return await _one(session, SiteRow, "site", site_id)


async def create_site(session: AsyncSession, who: Principal, site: Site) -> dict[str, Any]:
    return await _add(session, who, SiteRow, "site", site)


async def patch_site(
    session: AsyncSession, who: Principal, site_id: str, patch: dict[str, Any]
) -> dict[str, Any]:
    row = await session.get(SiteRow, site_id, with_for_update=True)
    if row is None:
        raise not_found("site", site_id)
    if not who.is_coordinator and not (who.role == "site" and who.site_id == site_id):
        raise Problem(403, "only the coordinator or the site itself may change a site", slug="forbidden")
    if "id" in patch and patch["id"] != site_id:
        raise Problem(
            422,
            "a site's id cannot change",
            slug="validation",
            errors=[fault("id", "cannot-change")],
        )
    site = decode_as({**row.data, **patch}, Site)
    if who.role == "site" and site.kind != from_doc(row.data, Site).kind:
        raise Problem(403, "only the coordinator may change a site's kind", slug="forbidden")
    row.data = msgspec.to_builtins(site)
    await session.flush()
    return stamped(row.data, row)
