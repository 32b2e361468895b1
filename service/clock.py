"""The service's clock: the current moment (`now`) and the calendar day, the municipality's, in Europe/Oslo.

`now()` is the one place the service reads the wall clock (ruff's banned-api rule, TID251 in
pyproject.toml, refuses `datetime.now`, `datetime.utcnow` and `date.today` everywhere else in service/),
so a test can run the service at a chosen moment: `shift_to`, or pytest's `--clock-at` (tests/conftest.py).
Durations (time.monotonic, time.perf_counter) are not "what time is it" and stay as they are.

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

_offset = dt.timedelta(0)  # tests only: how far the service's clock is ahead of the real one (shift_to)


def now() -> dt.datetime:
    """The current moment, aware, in UTC: the service's one reading of the wall clock."""
    return dt.datetime.now(dt.UTC) + _offset


def oslo_wall_clock(at: dt.datetime | None = None) -> dt.datetime:
    """Oslo's wall-clock time now (or at `at`, aware), naive: what the occurrences of a weekly schedule
    are written in (a placement's `Monday 10:00` is 10:00 in Oslo, summer or winter)."""
    return (at or now()).astimezone(OSLO).replace(tzinfo=None)


def shift_to(at: dt.datetime | None) -> None:
    """For tests only: make `now()` read `at` (aware) from this moment on, moving with real time from
    there (an offset, not a frozen clock: the service's timeouts and expiries still run); None puts the
    clock back. The service itself never calls this."""
    global _offset
    if at is not None and at.tzinfo is None:
        raise ValueError("shift_to needs an aware datetime")
    _offset = dt.timedelta(0) if at is None else at - dt.datetime.now(dt.UTC)


def offset() -> dt.timedelta:
    """How far `now()` is from the real clock: zero except in a test that called `shift_to`."""
    return _offset


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored moment, aware: the database keeps moments in UTC, and SQLite hands some back naive."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def today(at: dt.datetime | None = None) -> dt.date:
    """Today's date in Europe/Oslo (at `at`, an aware datetime, if given)."""
    return (at or now()).astimezone(OSLO).date()


def is_birth_date(day: dt.date, of: dt.date | None = None) -> bool:
    """Whether `day` can be a living person's birth date: not after `of` (today in Oslo if not given) and at
    most 120 years before it."""
    ref = of or today()
    return ref - 120 * YEAR <= day <= ref


def within_a_century(day: dt.date, of: dt.date | None = None) -> bool:
    """Whether `day` lies within a century of `of` (today in Oslo if not given): the dates the service
    takes, in a JSON body or a query (birth dates have their own rule)."""
    ref = of or today()
    return ref - CENTURY <= day <= ref + CENTURY
