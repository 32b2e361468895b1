"""Provisional proposals for volunteers who signed up at an exchange event's Frivilligtorg.

The matcher never places someone whose volunteer agreement and confidentiality declaration
are unsigned (rule E2), and that is right: they are not onboarded. But the coordinator wants
to see where such a newcomer would fit, to steer the first conversation. So after the main
run, the plan solves once more on a copy of the register: only the Frivilligtorg volunteers
whose onboarding is pending, with those two dates treated as signed on the horizon's first
day (nothing else relaxed: trainings, police certificate, age, hours still apply), and only
the places the main plan left open. Each result is listed in the plan's
`summary.provisional` with `provisional: true` and what is pending. They are not proposals
the coordinator can accept: once the agreement and declaration are recorded, the next run
proposes the volunteer in the ordinary way.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matcher.schema import Plan, Scenario
from service.db.models import EventVolunteerRow, VolunteerRow
from service.jobs import Solver, solve_in_thread

log = logging.getLogger("samspill.exchange")

PENDING_FIELDS = ("agreement_signed", "confidentiality_signed")


async def pending_volunteers(session: AsyncSession) -> dict[str, list[str]]:
    """Frivilligtorg volunteers still in the register → the onboarding dates they lack."""
    rows = (await session.execute(
        sa.select(VolunteerRow.id, VolunteerRow.data)
        .join(EventVolunteerRow, EventVolunteerRow.volunteer_id == VolunteerRow.id)
        .where(VolunteerRow.data.is_not(None))
    )).all()
    out: dict[str, list[str]] = {}
    for vid, data in rows:
        missing = [f for f in PENDING_FIELDS if not (data or {}).get(f)]
        if missing:
            out[vid] = missing
    return out


def provisional_scenario(scenario: Scenario, plan: Plan, pending: dict[str, list[str]]) -> Scenario | None:
    """The copy to solve: pending volunteers as if signed, needs cut to the places still open."""
    signed_on = scenario.horizon.start
    volunteers = [
        msgspec.structs.replace(v, agreement_signed=v.agreement_signed or signed_on,
                                confidentiality_signed=v.confidentiality_signed or signed_on)
        for v in scenario.volunteers if v.id in pending
    ]
    taken = Counter(m.need for m in plan.matches)
    needs = [msgspec.structs.replace(n, headcount=n.headcount - taken[n.id])
             for n in scenario.needs if n.headcount - taken[n.id] > 0]
    if not volunteers or not needs:
        return None
    return msgspec.structs.replace(
        scenario, volunteers=volunteers, needs=needs, pinned=[], previous=[], committed=[],
        forbidden=[p for p in scenario.forbidden if p.volunteer in pending],
    )


async def provisional_proposals(
    maker: async_sessionmaker[AsyncSession], solver: Solver, scenario: Scenario, plan: Plan, time_limit: float
) -> list[dict[str, Any]]:
    async with maker() as session, session.begin():
        pending = await pending_volunteers(session)
    copy = provisional_scenario(scenario, plan, pending)
    if copy is None:
        return []
    result = await solve_in_thread(solver, copy, time_limit)
    return [
        {"volunteer": m.volunteer, "need": m.need, "score": m.score,
         "reasons": msgspec.to_builtins(m.reasons), "provisional": True, "pending": pending[m.volunteer]}
        for m in result.matches
    ]
