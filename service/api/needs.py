"""`/api/v1/needs`: needs (behov) posted by sites for themselves."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import NeedIn, NeedOut, NeedPatch, NeedStateRequest
from service.register import needs


class NeedController(Controller):
    path = "/api/v1/needs"
    tags = ("needs",)

    @get("/", summary="List needs (a site sees its own)", responses=PROBLEMS)
    async def list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        site: str | None = None,
        activity: str | None = None,
    ) -> list[NeedOut]:
        return await needs.list_needs(db_session, principal(request), site=site, activity=activity)

    @post(
        "/",
        summary="Post a need",
        description="A site token posts for its own site only. The same `Idempotency-Key` and body "
        "return the first result; the same key with another body is a 409.",
        responses=PROBLEMS,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: NeedIn,
        idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key", required=False)] = None,
    ) -> Response[NeedOut]:
        status, body = await needs.create_need(
            db_session, principal(request), msgspec.to_builtins(data), idempotency_key=idempotency_key
        )
        return Response(body, status_code=status)

    @get("/{need_id:str}", summary="One need", responses=PROBLEMS)
    async def get_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, need_id: str) -> NeedOut:
        return await needs.get_need(db_session, principal(request), need_id)

    @patch("/{need_id:str}", summary="Change a need (fields as in the scenario format); 409 naming the rule if it "
           "would put a placement at risk, unless keep_at_risk=true", responses=PROBLEMS)
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, need_id: str, data: NeedPatch,
        keep_at_risk: bool = False,
    ) -> NeedOut:
        return await needs.patch_need(
            db_session, principal(request), need_id, msgspec.to_builtins(data), keep_at_risk=keep_at_risk,
            default_horizon_days=request.app.state.settings.default_horizon_days,
        )

    @post("/{need_id:str}/state", summary="Pause, close or reopen a need", status_code=200, responses=PROBLEMS)
    async def set_state(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, need_id: str, data: NeedStateRequest
    ) -> NeedOut:
        return await needs.set_need_state(db_session, principal(request), need_id, data.state)

    @delete("/{need_id:str}", summary="Withdraw a need without placements in force", responses=PROBLEMS)
    async def remove(self, request: Request[Any, Any, Any], db_session: AsyncSession, need_id: str) -> None:
        await needs.delete_need(db_session, principal(request), need_id)
