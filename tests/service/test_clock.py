"""The service's day is Oslo's (`service.clock`), and nothing in the service asks the server's own."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from service import clock
from tests.conftest import CLOCK_AT, parse_moment

UTC = dt.UTC


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (dt.datetime(2026, 11, 29, 22, 59, tzinfo=UTC), dt.date(2026, 11, 29)),  # 23:59 in Oslo (CET)
        (dt.datetime(2026, 11, 29, 23, 0, tzinfo=UTC), dt.date(2026, 11, 30)),  # midnight in Oslo, not yet in UTC
        (dt.datetime(2026, 6, 30, 21, 59, tzinfo=UTC), dt.date(2026, 6, 30)),  # 23:59 (CEST)
        (dt.datetime(2026, 6, 30, 22, 0, tzinfo=UTC), dt.date(2026, 7, 1)),
    ],
)
def test_the_day_turns_at_midnight_in_oslo(instant: dt.datetime, day: dt.date) -> None:
    assert clock.today(instant) == day


def test_no_server_local_dates_in_the_service() -> None:
    """`date.today()` is the server's day (UTC on most servers): between midnight and 01:00 in Oslo the
    pages' default dates and the service's checks disagreed (a follow-up dated the day a placement began
    refused as before it). The service asks `service.clock.today()`."""
    root = Path(__file__).resolve().parents[2] / "service"
    offenders = [f"{p.relative_to(root.parent)}:{n}" for p in sorted(root.rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if "date.today()" in line]  # fmt: skip
    assert offenders == []


def test_as_utc_reads_a_naive_stored_moment_as_utc_and_keeps_an_aware_one() -> None:
    naive = dt.datetime(2026, 11, 29, 23, 30)
    assert clock.as_utc(naive) == dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    oslo = dt.datetime(2026, 11, 30, 0, 30, tzinfo=clock.OSLO)
    assert clock.as_utc(oslo) is oslo
    assert clock.today(clock.as_utc(naive)) == dt.date(2026, 11, 30)


def test_shift_to_sets_the_moment_and_the_clock_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' hook (pytest --clock-at): now() starts at the moment given and moves with real time."""
    monkeypatch.setattr(clock, "_offset", clock.offset())  # put back as it was, --clock-at or not
    at = dt.datetime(2027, 3, 28, 1, 59, 59, 990000, tzinfo=clock.OSLO)  # 10 ms before summer time
    clock.shift_to(at)
    first = clock.now()
    assert first.tzinfo is dt.UTC and dt.timedelta(0) <= first - at < dt.timedelta(seconds=1)
    assert clock.today() == dt.date(2027, 3, 28)
    time.sleep(0.02)
    assert clock.now() > first
    assert clock.oslo_wall_clock() >= dt.datetime(2027, 3, 28, 3, 0)  # 02:00 in Oslo never comes that night
    clock.shift_to(None)
    assert clock.offset() == dt.timedelta(0)
    with pytest.raises(ValueError, match="aware"):
        clock.shift_to(dt.datetime(2027, 3, 28, 0, 30))


def test_a_test_begins_at_the_moment_of_clock_at(request: pytest.FixtureRequest) -> None:
    at = request.config.stash[CLOCK_AT]
    if at is None:
        assert clock.offset() == dt.timedelta(0)
    else:
        assert dt.timedelta(0) <= clock.now() - at < dt.timedelta(seconds=30)


@pytest.mark.parametrize(("text", "moment"), [
    ("2027-03-28T00:30:00+01:00", dt.datetime(2027, 3, 27, 23, 30, tzinfo=UTC)),
    ("2027-12-31T23:30:00Z", dt.datetime(2027, 12, 31, 23, 30, tzinfo=UTC)),
])
def test_clock_at_takes_iso_8601_with_an_offset(text: str, moment: dt.datetime) -> None:
    assert parse_moment(text) == moment


@pytest.mark.parametrize("text", ["2027-03-28T02:30:00", "tomorrow"])
def test_clock_at_refuses_a_wall_clock_time_alone_or_no_time(text: str) -> None:
    with pytest.raises(pytest.UsageError):
        parse_moment(text)
