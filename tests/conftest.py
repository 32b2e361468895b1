"""For the whole suite: `--clock-at MOMENT` runs every test with the service's clock at that moment.

    ./run-tests -q -n 2 --clock-at 2027-03-28T01:30:00+01:00 tests/service/test_register.py

Each test begins with `service.clock.now()` at MOMENT (an ISO 8601 time with its UTC offset, or Z) and
the clock moving on with real time from there (`clock.shift_to`: an offset, not a frozen clock, so
timeouts and expiries still run). The tests themselves read the time from service.clock too (ruff's
TID251 holds them to it), so they agree with the service about what day it is. A service started in
another process (a `samspill` subprocess, a server, a worker) is started by `service_command()`, which
gives it the same clock (tests/clock_child.py)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

import pytest

from service import clock

CLOCK_AT = pytest.StashKey[dt.datetime | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("samspill").addoption(
        "--clock-at", metavar="MOMENT", default=None,
        help="run each test with the service's clock (service.clock.now) starting at MOMENT, an ISO 8601 time "
             "with its offset, e.g. 2027-03-28T00:30:00+01:00 or 2027-12-31T23:30:00Z; it moves on with real time")


def parse_moment(text: str) -> dt.datetime:
    """An aware moment from ISO 8601 (`Z` or an offset required: a wall-clock time alone is ambiguous
    in Oslo's autumn night and missing in its spring night)."""
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--clock-at {text!r}: not an ISO 8601 time, e.g. 2027-03-28T00:30:00+01:00") \
            from None
    if at.tzinfo is None:
        raise pytest.UsageError(f"--clock-at {text!r}: give the UTC offset (+01:00, +02:00 or Z)")
    return at


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("clock_at")
    config.stash[CLOCK_AT] = parse_moment(text) if text else None


def pytest_report_header(config: pytest.Config) -> str | None:
    at = config.stash.get(CLOCK_AT, None)
    if at is None:
        return None
    oslo = at.astimezone(clock.OSLO)
    return (f"clock at: {at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC, {oslo:%A %Y-%m-%d %H:%M:%S %Z} in Oslo, "
            "at the start of each test")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """The clock is set before the test's fixtures and put back after their teardown."""
    at = item.config.stash.get(CLOCK_AT, None)
    if at is None:
        return (yield)
    clock.shift_to(at)
    try:
        return (yield)
    finally:
        clock.shift_to(None)


def service_command() -> list[str]:
    """The command line of `python -m service.cli` in another process, at this test's clock: under
    --clock-at through tests/clock_child.py with the same offset, so both processes agree what time it is."""
    off = clock.offset()
    if not off:
        return [sys.executable, "-m", "service.cli"]
    return [sys.executable, "-m", "tests.clock_child", repr(off.total_seconds()), "service.cli"]
