"""The service's calendar day: the municipality's, in Europe/Oslo.

Every "today" in the service (a placement's start, a follow-up's default and its checks, reminders,
erasure deadlines) is the date in Oslo, never the server's own: a server on UTC is an hour or two
behind, and between midnight and 01:00 (02:00 in summer) Oslo time a page's default date and the
service's checks would otherwise disagree about which day it is."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
YEAR = dt.timedelta(days=365.25)
CENTURY = 100 * YEAR  # how far from today a date the service takes may lie (birth dates aside)


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored moment, aware: the database keeps moments in UTC, and SQLite hands some back naive."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Europe/Oslo (at `now`, an aware datetime, if given)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(OSLO).date()


def within_a_century(day: dt.date, of: dt.date | None = None) -> bool:
    """Whether `day` lies within a century of `of` (today in Oslo if not given): the dates the service
    takes, in a JSON body or a query (birth dates have their own rule)."""
    ref = of or today()
    return ref - CENTURY <= day <= ref + CENTURY
