"""`/api/v1/plans` and `/api/v1/proposals`: matcher runs and the coordinator's review."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import PlanListOut, PlanOut, PlanRequest, ProposalOut, RejectRequest
from service.register import plans

_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d{1,4})")
MAX_WAIT = 600
# `Prefer: wait`: a run ended by a worker in another process is seen by polling, every 0.1 s at first,
# then less often (each poll takes the event loop, and the GIL, from a solve running here).
POLL_FIRST = 0.1
POLL_MAX = 0.25


def _prefer_wait(prefer: str) -> int:
    """Seconds from RFC 7240 `Prefer: wait=N` (0 without it), at most MAX_WAIT."""
    m = _WAIT.search(prefer)
    return min(int(m.group(1)), MAX_WAIT) if m else 0


class PlanController(Controller):
    path = "/api/v1/plans"
    tags = ("plans",)

    @post("/", summary="Queue a matcher run on the register (coordinator): 202 with the plan `queued` or "
          "`running` and its progress; follow it with GET /api/v1/plans/{id}. `Prefer: wait=N` waits up to N "
          "seconds and answers 201 with the finished plan.", status_code=202, responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], data: PlanRequest | None = None) -> Response[PlanOut]:
        state = request.app.state
        who = principal(request)
        queued = await plans.queue_plan(state.sessionmaker, state.settings, state.jobs, who,
                                        data.time_limit if data else None)
        wait = _prefer_wait(request.headers.get("prefer", ""))
        deadline = time.monotonic() + wait
        plan = queued
        poll = POLL_FIRST
        while wait and plan.status in plans.RUNNING and (left := deadline - time.monotonic()) > 0:
            # woken as soon as a job of this process ends the plan; a worker elsewhere is polled for
            await state.jobs.finished.wait(queued.id, min(poll, left))
            poll = min(poll * 2, POLL_MAX)
            async with state.read_sessionmaker() as session:  # on SQLite, no write lock to wait for
                plan = await plans.get_plan(session, who, queued.id)
        done = plan.status not in plans.RUNNING
        headers = {"Location": f"/api/v1/plans/{plan.id}"}
        if done and wait:
            headers["Preference-Applied"] = f"wait={wait}"
        return Response(plan, status_code=201 if done and wait else 202, headers=headers)

    @get("/", summary="List plans (coordinator)", responses=PROBLEMS)
    async def list(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[PlanListOut]:
        return await plans.list_plans(db_session, principal(request))

    @get("/{plan_id:str}", summary="A plan with its proposals, reasons and unfilled needs", responses=PROBLEMS)
    async def get_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, plan_id: str) -> PlanOut:
        return await plans.get_plan(db_session, principal(request), plan_id)

    @post("/{plan_id:str}/release", summary="Turn accepted proposals into placements (coordinator)",
          description="409 naming the rule if an accepted proposal breaks one as the register stands today"
                      " (it changed since the accept), unless keep_at_risk=true: then all are released and"
                      " those at risk listed in summary.released_at_risk", status_code=200, responses=PROBLEMS)
    async def release(self, request: Request[Any, Any, Any], db_session: AsyncSession, plan_id: str,
                      keep_at_risk: bool = False) -> PlanOut:
        settings = request.app.state.settings
        return await plans.release(db_session, principal(request), plan_id, settings.public_url,
                                   default_horizon_days=settings.default_horizon_days, keep_at_risk=keep_at_risk)


class ProposalController(Controller):
    path = "/api/v1/proposals"
    tags = ("plans",)

    @get("/", summary="List proposals (a site sees its needs', a volunteer their own)", responses=PROBLEMS)
    async def list(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, plan: str | None = None,
        state_: Annotated[str | None, Parameter(query="state")] = None,
    ) -> list[ProposalOut]:
        return await plans.list_proposals(db_session, principal(request), plan=plan, state=state_)

    @post("/{proposal_id:str}/accept", summary="Accept a proposal if its place and hours are free (409 if taken)",
          status_code=200, responses=PROBLEMS,
    )
    async def accept(self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str) -> ProposalOut:
        return await plans.accept(db_session, request.app.state.settings, principal(request), proposal_id)

    @post("/{proposal_id:str}/pin", summary="Accept and keep the pair in later runs", status_code=200,
          responses=PROBLEMS)
    async def pin(self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str) -> ProposalOut:
        return await plans.accept(
            db_session, request.app.state.settings, principal(request), proposal_id, pin=True
        )

    @post("/{proposal_id:str}/reject", summary="Reject with a reason; the pair is forbidden in later runs",
          status_code=200, responses=PROBLEMS,
    )
    async def reject(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, proposal_id: str, data: RejectRequest
    ) -> ProposalOut:
        return await plans.reject(db_session, principal(request), proposal_id, data.reason)
