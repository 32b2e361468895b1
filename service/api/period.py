"""`/api/v1/planning-period`: the dates the next plan is made for."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Horizon
from service.api.deps import PROBLEMS, principal
from service.register.period import clear_planning_period, planning_period, set_planning_period
from service.register.schemas import PlanningPeriodOut


class PlanningPeriodController(Controller):
    path = "/api/v1/planning-period"
    tags = ("plans",)

    @get("/", summary="The planning period the next plan is made for", responses=PROBLEMS)
    async def read(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> PlanningPeriodOut:
        principal(request)
        return await planning_period(db_session, request.app.state.settings.default_horizon_days)

    @put("/", summary="Set the planning period, both dates inclusive (coordinator)", responses=PROBLEMS)
    async def set_(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Horizon) -> PlanningPeriodOut:
        return await set_planning_period(db_session, principal(request), data.start, data.end,
                                         request.app.state.settings.default_horizon_days)  # fmt: skip

    @delete("/", summary="Back to the rolling period from today (coordinator)", status_code=200, responses=PROBLEMS)
    async def clear(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> PlanningPeriodOut:
        return await clear_planning_period(db_session, principal(request),
                                           request.app.state.settings.default_horizon_days)  # fmt: skip
