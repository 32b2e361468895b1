"""`/api/v1/volunteers`: the volunteer register (personal data; every access audited)."""

from __future__ import annotations

import builtins
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import (
    RetentionOut,
    VolunteerExport,
    VolunteerForSite,
    VolunteerIn,
    VolunteerOut,
    VolunteerPatch,
)
from service.register import volunteers


async def own_calendar_url(request: Request[Any, Any, Any], session: AsyncSession, volunteer_id: str) -> str:
    from service.volunteer.calendar import calendar_key, calendar_url

    return calendar_url(request.app.state.settings.public_url, await calendar_key(session, volunteer_id))


class VolunteerController(Controller):
    path = "/api/v1/volunteers"
    tags = ("volunteers",)

    @get("/", summary="List volunteers (a site sees those on its needs, in part; a volunteer sees self)",
         responses=PROBLEMS)
    async def list(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> builtins.list[VolunteerOut | VolunteerForSite]:  # `list` is this handler's own name here
        who = principal(request)
        out = await volunteers.list_volunteers(db_session, who, request.url.path)
        if who.role == "volunteer" and who.volunteer_id:
            url = await own_calendar_url(request, db_session, who.volunteer_id)
            out = [msgspec.structs.replace(d, calendar_url=url) if isinstance(d, VolunteerOut) else d for d in out]
        return out

    @post("/", summary="Register a volunteer (coordinator)", responses=PROBLEMS)
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: VolunteerIn
    ) -> VolunteerOut:
        return await volunteers.create_volunteer(
            db_session, principal(request), msgspec.to_builtins(data), request.url.path
        )

    @get("/{volunteer_id:str}", summary="One volunteer", responses=PROBLEMS)
    async def get_one(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, volunteer_id: str
    ) -> VolunteerOut | VolunteerForSite:
        who = principal(request)
        doc = await volunteers.get_volunteer(db_session, who, volunteer_id, request.url.path)
        if who.role == "volunteer" and isinstance(doc, VolunteerOut):
            doc = msgspec.structs.replace(doc, calendar_url=await own_calendar_url(request, db_session, volunteer_id))
        return doc

    @patch("/{volunteer_id:str}", summary="Change a volunteer (coordinator; the person for their own contact data); "
           "`at_risk` lists the placements the change puts at risk", responses=PROBLEMS)
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, volunteer_id: str, data: VolunteerPatch
    ) -> VolunteerOut:
        return await volunteers.patch_volunteer(
            db_session, principal(request), volunteer_id, msgspec.to_builtins(data), request.url.path,
            default_horizon_days=request.app.state.settings.default_horizon_days,
        )

    @delete("/{volunteer_id:str}", summary="Anonymise a volunteer: the data is gone, anonymous counts stay",
            responses=PROBLEMS)
    async def remove(self, request: Request[Any, Any, Any], db_session: AsyncSession, volunteer_id: str) -> None:
        await volunteers.anonymise_volunteer(db_session, principal(request), volunteer_id, request.url.path)

    @get("/{volunteer_id:str}/export", summary="Everything held about the person", responses=PROBLEMS)
    async def export(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, volunteer_id: str
    ) -> VolunteerExport:
        return await volunteers.export_volunteer(db_session, principal(request), volunteer_id, request.url.path)


class RetentionController(Controller):
    path = "/api/v1/retention"
    tags = ("volunteers",)

    @get("/", summary="Volunteers without a placement or contact for the retention period, for the coordinator "
         "to confirm erasure (coordinator)", responses=PROBLEMS)
    async def due(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> RetentionOut:
        return await volunteers.retention_due(
            db_session, principal(request), request.app.state.settings.retention_months)
