"""When a placement happens: its need's occurrences as Oslo wall-clock times, by the matcher's own rule.

The matcher counts minutes from the horizon's start on the wall clock (a 22:00–06:00 night is
eight hours, a Monday 10:00 stays 10:00 across the change to summer time); these helpers turn
that into naive local datetimes, the way a person and the calendar feed read them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from matcher.problem import occurrences
from matcher.schema import Horizon, Need, Period, Scenario
from service.register.common import from_doc


def need_occurrences(
    need: Need | dict[str, Any], first: dt.date, last: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each occurrence starting between `first` and `last` (inclusive), local and naive."""
    if isinstance(need, dict):
        need = from_doc(need, Need)
    if last < first:
        return []
    scenario = Scenario(format="samspill.scenario/1", horizon=Horizon(start=first, end=last))
    origin = dt.datetime.combine(first, dt.time())
    return [
        (origin + dt.timedelta(minutes=s), origin + dt.timedelta(minutes=e))
        for s, e in occurrences(scenario, need)
    ]


def away(periods: list[Period] | list[dict[str, Any]], day: dt.date) -> bool:
    """The matcher's rule (E6): away when the occurrence starts on a day inside an unavailable period."""
    for p in periods:
        start, end = (p.from_, p.to) if isinstance(p, Period) else (_date(p["from"]), _date(p["to"]))
        if start <= day <= end:
            return True
    return False


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def placement_occurrences(
    need: dict[str, Any],
    start: dt.date,
    first: dt.date,
    last: dt.date,
    ended_on: dt.date | None = None,
    unavailable: list[Period] | list[dict[str, Any]] | None = None,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """A placement's occurrences in [first, last]: from its start, up to its end, less the days away."""
    lo = max(first, start)
    hi = min(last, ended_on) if ended_on else last
    return [(s, e) for s, e in need_occurrences(need, lo, hi) if not away(unavailable or [], s.date())]
