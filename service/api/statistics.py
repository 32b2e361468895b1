"""`/api/v1/statistics`: counts for the annual report, per site and per activity (coordinator only).

The same service as the page `/statistics` and its CSV (service/register/statistics.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.register import statistics
from service.register.schemas import StatisticsOut


class StatisticsController(Controller):
    path = "/api/v1/statistics"
    tags = ("statistics",)

    @get("/", summary="Needs, places, filled, active and new volunteers, hours per month, placements ended and why",
         responses=PROBLEMS)
    async def get_stats(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        from_: Annotated[dt.date, Parameter(query="from")],
        to: dt.date,
    ) -> StatisticsOut:
        return await statistics.statistics(db_session, principal(request), from_, to)
