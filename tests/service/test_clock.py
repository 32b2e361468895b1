"""The service's day is Oslo's (`service.clock`), and nothing in the service asks the server's own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service import clock

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
