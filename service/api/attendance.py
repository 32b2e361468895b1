"""`/api/v1/placements/{id}/attendance`, `/api/v1/attendance/…`: confirmed, hours, missed in a row."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import AttendanceIn, AttendanceOut, HoursOut, MissedFlagOut, OccurrenceOut
from service.problems import Problem, fault
from service.register import attendance


class AttendanceController(Controller):
    path = "/api/v1"
    tags = ("attendance",)

    @get(
        "/placements/{placement_id:str}/attendance",
        summary="The placement's recent occurrences and what was recorded",
        responses=PROBLEMS,
    )
    async def occurrences(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        placement_id: str,
        weeks: Annotated[int, Parameter(ge=1, le=52)] = 4,
    ) -> list[OccurrenceOut]:
        return await attendance.occurrences_of(
            db_session,
            principal(request),
            placement_id,
            weeks=weeks,
        )

    @post(
        "/placements/{placement_id:str}/attendance",
        status_code=200,
        responses=PROBLEMS,
        summary="Confirm an occurrence took place or did not (the site, the volunteer or the coordinator)",
    )
    async def record(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: AttendanceIn
    ) -> AttendanceOut:
        try:
            starts_at = dt.datetime.fromisoformat(data.starts_at)
        except ValueError:
            raise Problem(
                400,
                "starts_at is not a date and time",
                slug="validation",
                errors=[fault("starts_at", "not-a-datetime")],
            ) from None
        return await attendance.record_attendance(
            db_session, principal(request), placement_id, starts_at, data.took_place, request.url.path
        )

    @get("/attendance/hours", summary="Hours given per volunteer, site and month", responses=PROBLEMS)
    async def hours(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        volunteer: str | None = None,
        site: str | None = None,
        month: Annotated[str | None, Parameter(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = None,
        year: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> list[HoursOut]:
        return await attendance.hours_given(
            db_session,
            principal(request),
            volunteer=volunteer,
            site=site,
            month=month,
            year=year,
        )

    @get(
        "/attendance/missed",
        summary="Placements whose last three occurrences were missed (for the at-risk list)",
        responses=PROBLEMS,
    )
    async def missed(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[MissedFlagOut]:
        return await attendance.missed_in_a_row(db_session, principal(request))
