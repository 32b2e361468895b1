"""What releasing a draft plan would change against the placements in force, before it is confirmed.

Mirrors `plans.release`: accepted proposals whose pair is not in force become new
placements; release itself ends nothing (a placement ends after the closing
conversation), so placements in force that the plan does not accept are listed apart.
`at_risk` lists what the new placements would break as the register stands today (release
refuses them unless the coordinator keeps them at risk).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.db.models import NeedRow, PlacementRow, PlanRow, ProposalRow
from service.problems import conflict, not_found
from service.register.commitments import release_risks
from service.register.queries import in_force as placements_in_force


def to_place(
    accepted: Iterable[ProposalRow], placed: Container[tuple[str, str]], live_needs: Container[str]
) -> list[ProposalRow]:
    """The accepted proposals a release turns into placements: their pair not in force, their need still
    in the register. `plans.release` and its preview both take them from here."""
    return [p for p in accepted if (p.volunteer_id, p.need_id) not in placed and p.need_id in live_needs]


async def release_preview(session: AsyncSession, who: Principal, plan_id: str,
                          default_horizon_days: int = 90) -> dict[str, Any]:
    who.require_coordinator()
    plan = await session.get(PlanRow, plan_id)
    if plan is None:
        raise not_found("plan", plan_id)
    if plan.status != "draft":
        raise conflict(f"plan {plan_id!r} is {plan.status}; only a draft can be released", "plan-not-draft")
    proposals = (await session.scalars(sa.select(ProposalRow).where(ProposalRow.plan_id == plan_id))).all()
    accepted = [p for p in proposals if p.state == "accepted"]
    in_force = (await session.scalars(
        sa.select(PlacementRow).where(placements_in_force()).order_by(PlacementRow.start)
    )).all()
    live_needs = set(await session.scalars(sa.select(NeedRow.id).where(NeedRow.id.in_([p.need_id for p in accepted]))))
    placed = {(p.volunteer_id, p.need_id) for p in in_force}
    # the plan keeps the placements that were in force when it ran (committed) as they are
    kept = {(p.volunteer_id, p.need_id) for p in accepted} | {
        (c["volunteer"], c["need"]) for c in (plan.summary or {}).get("committed", [])}
    new = to_place(accepted, placed, live_needs)
    return {
        "plan": plan_id,
        "new": new,
        "at_risk": await release_risks(session, default_horizon_days, [(p.volunteer_id, p.need_id) for p in new]),
        "unchanged": [p for p in in_force if (p.volunteer_id, p.need_id) in kept],
        "not_in_plan": [p for p in in_force if (p.volunteer_id, p.need_id) not in kept],
        "ended": [],
        "waiting": sum(1 for p in proposals if p.state == "proposed"),
    }
