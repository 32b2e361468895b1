"""The register's planning period: the dates the next plan is made for, read, set and cleared.

A set period holds until its end has passed; a register without one (or whose period has ended)
plans from today for `SAMSPILL_DEFAULT_HORIZON_DAYS` (`commitments.horizon_of`). Setting one is the
coordinator's: the spring term, a summer with its own needs.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from matcher.scenario import MAX_HORIZON_DAYS
from service import clock
from service.auth import Principal
from service.problems import Problem, fault
from service.register.commitments import horizon_of
from service.register.common import register_row
from service.register.schemas import PlanningPeriodOut


async def planning_period(session: AsyncSession, default_days: int, today: dt.date | None = None) -> PlanningPeriodOut:
    today = today or clock.today()
    reg = await register_row(session)
    h = horizon_of(reg.horizon_start, reg.horizon_end, default_days, today)
    fixed = reg.horizon_start is not None and reg.horizon_end is not None and reg.horizon_end >= today
    return PlanningPeriodOut(start=h.start, end=h.end, fixed=fixed, default_days=default_days)


def period_faults(start: dt.date, end: dt.date, today: dt.date) -> list[dict[str, object]]:
    """What is wrong with a period to set, per field (the same limits as an imported scenario's, and no date
    more than a century from today, as everywhere: the API's edge says so for a JSON body, this for a form)."""
    far = [fault(name, "far-date", date=day.isoformat())
           for name, day in (("start", start), ("end", end)) if not clock.within_a_century(day, today)]
    if far:
        return far
    if end < start:
        return [fault("end", "before-start", start=start.isoformat())]
    if end < today:
        return [fault("end", "in-the-past", today=today.isoformat())]
    if (end - start).days > MAX_HORIZON_DAYS:
        return [fault("end", "too-long-period", max_days=MAX_HORIZON_DAYS)]
    return []


async def set_planning_period(session: AsyncSession, who: Principal, start: dt.date, end: dt.date,
                              default_days: int) -> PlanningPeriodOut:
    """Fix the period (coordinator); 422 naming `end` where it ends before it starts, has passed or is
    longer than an imported scenario's may be. Nothing is written then."""
    who.require_coordinator()
    today = clock.today()
    errors = period_faults(start, end, today)
    if errors:
        raise Problem(422, "the planning period cannot be set so", slug="validation", errors=errors)
    reg = await register_row(session, for_update=True)
    reg.horizon_start, reg.horizon_end = start, end
    await session.flush()
    return await planning_period(session, default_days, today)


async def clear_planning_period(session: AsyncSession, who: Principal, default_days: int) -> PlanningPeriodOut:
    """Back to the rolling period: from today for `default_days` days (coordinator)."""
    who.require_coordinator()
    reg = await register_row(session, for_update=True)
    reg.horizon_start = reg.horizon_end = None
    await session.flush()
    return await planning_period(session, default_days)
