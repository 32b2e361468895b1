"""`/api/v1/placements`: released matches, answers, follow-up and the end."""

from __future__ import annotations

import builtins
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import (
    ClosingRequest,
    EndRequest,
    FollowupRequest,
    PlacementOut,
    RespondRequest,
    SiteReportOut,
    SiteReportRequest,
)
from service.register import placements, site_reports


class PlacementController(Controller):
    path = "/api/v1/placements"
    tags = ("placements",)

    @get("/", summary="List placements; `followup_due=true` lists those with a follow-up conversation due; "
         "`at_risk=true` those in force that break a matching rule now, with the rule and what to do",
         responses=PROBLEMS)
    async def list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        followup_due: bool | None = None,
        state_: Annotated[str | None, Parameter(query="state")] = None,
        need: str | None = None,
        at_risk: bool | None = None,
    ) -> builtins.list[PlacementOut]:  # `list` is this method here
        return await placements.list_placements(
            db_session, request.app.state.settings, principal(request),
            followup_due=followup_due, state=state_, need=need, at_risk=at_risk,
        )

    @get("/{placement_id:str}", summary="One placement", responses=PROBLEMS)
    async def get_one(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                      placement_id: str) -> PlacementOut:
        return await placements.get_placement(
            db_session, request.app.state.settings, principal(request), placement_id
        )

    @post("/{placement_id:str}/respond", summary="The volunteer answers yes or no", status_code=200, responses=PROBLEMS)
    async def respond(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: RespondRequest
    ) -> PlacementOut:
        return await placements.respond(
            db_session, request.app.state.settings, principal(request), placement_id, data.answer, data.reason
        )

    @post("/{placement_id:str}/end", summary="End after the closing conversation", status_code=200, responses=PROBLEMS)
    async def end(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: EndRequest
    ) -> PlacementOut:
        return await placements.end(
            db_session, request.app.state.settings, principal(request), placement_id, data.closing_conversation,
            reason=data.reason, closing_held=data.closing_held,
        )

    @post("/{placement_id:str}/report", summary="A site reports that the placement should end (reaches the "
          "coordinator's at-risk list; that the volunteer did not come is attendance)",
          status_code=201, responses=PROBLEMS)
    async def report(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: SiteReportRequest
    ) -> SiteReportOut:
        return await site_reports.report(db_session, principal(request), placement_id, data.kind, data.on)

    @post("/{placement_id:str}/followup", summary="Record a follow-up conversation held", status_code=200,
          responses=PROBLEMS)
    async def followup(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: FollowupRequest
    ) -> PlacementOut:
        return await placements.record_followup(
            db_session, request.app.state.settings, principal(request), placement_id, data.held
        )

    @post("/{placement_id:str}/closing", summary="Record the closing conversation held (after the end)",
          status_code=200, responses=PROBLEMS)
    async def closing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, placement_id: str, data: ClosingRequest
    ) -> PlacementOut:
        return await placements.record_closing(
            db_session, request.app.state.settings, principal(request), placement_id, data.held
        )
