"""`/api/v1/scenario`: the register as `samspill.scenario/1`, out and in."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Scenario
from service.api.deps import PROBLEMS, principal
from service.api.schemas import ImportResult
from service.register import scenario_io


class ScenarioController(Controller):
    path = "/api/v1/scenario"
    tags = ("scenario",)

    @get("/", summary="Export the register as samspill.scenario/1 (coordinator)", responses=PROBLEMS)
    async def export(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Scenario:
        days = request.app.state.settings.default_horizon_days
        return await scenario_io.export_scenario(db_session, principal(request), request.url.path, days)

    @post("/", summary="Import a scenario, all or nothing (coordinator)", status_code=200, responses=PROBLEMS)
    async def import_(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: Scenario) -> ImportResult:
        counts = await scenario_io.import_scenario(db_session, principal(request), data, request.url.path)
        return ImportResult(**counts)
