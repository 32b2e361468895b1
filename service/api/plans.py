"""`/api/v1/plans` and `/api/v1/proposals`: matcher runs and the coordinator's review."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import PlanOut, PlanRequest, ProposalOut, RejectRequest
from service.jobs import matcher_solver
from service.register import plans


class PlanController(Controller):
    path = "/api/v1/plans"
    tags = ("plans",)

    @post("/", summary="Run the matcher on the register and store a draft plan (coordinator)", status_code=201, responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], data: PlanRequest | None = None) -> PlanOut:
        state = request.app.state
        who = principal(request)
        return await plans.run_plan(  # type: ignore[return-value]
            state.sessionmaker, state.settings, state.solver or matcher_solver, who,
            data.time_limit if data else None,
        )

    @get("/", summary="List plans (coordinator)", responses=PROBLEMS)
    async def list(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[dict[str, Any]]:
        return await plans.list_plans(db_session, principal(request))

    @get("/{plan_id:str}", summary="A plan with its proposals, reasons and unfilled needs", responses=PROBLEMS)
    async def get_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, plan_id: str) -> PlanOut:
        return await plans.get_plan(db_session, principal(request), plan_id)  # type: ignore[return-value]

    @post("/{plan_id:str}/release", summary="Turn accepted proposals into placements (coordinator)", status_code=200, responses=PROBLEMS)
    async def release(self, request: Request[Any, Any, Any], db_session: AsyncSession, plan_id: str) -> PlanOut:
        return await plans.release(db_session, principal(request), plan_id,  # type: ignore[return-value]
                                   request.app.state.settings.public_url)


class ProposalController(Controller):
    path = "/api/v1/proposals"
    tags = ("plans",)

    @get("/", summary="List proposals (a site sees its needs', a volunteer their own)", responses=PROBLEMS)
    async def list(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, plan: str | None = None,
        state_: Annotated[str | None, Parameter(query="state")] = None,
    ) -> list[ProposalOut]:
        return await plans.list_proposals(db_session, principal(request), plan=plan, state=state_)  # type: ignore[return-value]

    @post("/{proposal_id:str}/accept", summary="Accept a proposal if its place and hours are free (409 if taken)",
          status_code=200, responses=PROBLEMS,
    )
    async def accept(self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str) -> ProposalOut:
        return await plans.accept(db_session, request.app.state.settings, principal(request), proposal_id)  # type: ignore[return-value]

    @post("/{proposal_id:str}/pin", summary="Accept and keep the pair in later runs", status_code=200, responses=PROBLEMS)
    async def pin(self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str) -> ProposalOut:
        return await plans.accept(  # type: ignore[return-value]
            db_session, request.app.state.settings, principal(request), proposal_id, pin=True
        )

    @post("/{proposal_id:str}/reject", summary="Reject with a reason; the pair is forbidden in later runs",
          status_code=200, responses=PROBLEMS,
    )
    async def reject(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str, data: RejectRequest
    ) -> ProposalOut:
        return await plans.reject(db_session, principal(request), proposal_id, data.reason)  # type: ignore[return-value]
