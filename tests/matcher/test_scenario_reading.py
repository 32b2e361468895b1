"""Reading a scenario once: a decoded and checked scenario is not checked again by `solve`, unless
its lists were changed in place; the date walk skips only fields that cannot hold a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

import matcher.scenario as reading
from matcher.generate import generate
from matcher.scenario import ScenarioError, date_errors, dates_in, decode_scenario, ensure_valid
from matcher.schema import HeldTraining, Pair
from matcher.solve import SolveOptions, solve
from tests.service.factories import small_scenario


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = reading.check_scenario

    def counted(s: Any) -> Any:
        calls.append(1)
        return real(s)

    monkeypatch.setattr(reading, "check_scenario", counted)
    return calls


def test_a_decoded_scenario_is_not_checked_again_by_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    s = decode_scenario(msgspec.json.encode(small_scenario()))
    calls = _counting(monkeypatch)
    ensure_valid(s)
    solve(s, SolveOptions(time_limit=5))
    assert calls == []
    made = msgspec.structs.replace(s, pinned=[])  # a new scenario: checked once, then trusted
    ensure_valid(made)
    ensure_valid(made)
    assert calls == [1]


def test_a_list_changed_in_place_after_decoding_is_checked_again() -> None:
    s = decode_scenario(msgspec.json.encode(small_scenario()))
    s.pinned.append(Pair(volunteer="nobody", need=s.needs[0].id))
    with pytest.raises(ScenarioError, match=r"pinned\[0\]\.volunteer: 'nobody' is not a known volunteer"):
        solve(s, SolveOptions(time_limit=5))
    s.pinned.clear()
    bad = msgspec.structs.replace(s.needs[0], headcount=9223372036854775808)
    s.needs[0] = bad  # same list, same length: another item
    with pytest.raises(ScenarioError, match=r"needs\[0\]\.headcount"):
        ensure_valid(s)


def _every_date(value: object, where: str = "") -> Iterator[tuple[str, dt.date]]:
    """The walk over every field (what dates_in did before it skipped fields without dates)."""
    if isinstance(value, dt.date):
        yield where, value
    elif isinstance(value, msgspec.Struct):
        for f in msgspec.structs.fields(type(value)):
            yield from _every_date(getattr(value, f.name), f"{where}.{f.encode_name}" if where else f.encode_name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _every_date(item, f"{where}[{i}]")


def test_dates_in_finds_every_date_a_full_walk_finds() -> None:
    s = generate(60, 20, seed=4, committed=0.3)
    expected = list(_every_date(s))
    assert len(expected) > 100
    assert list(dates_in(s)) == expected


def test_a_date_out_of_range_deep_in_a_record_is_named() -> None:
    s = small_scenario()
    v = s.volunteers[1]
    held = HeldTraining(training=s.trainings[0].id, completed=dt.date(1850, 1, 1))
    s = msgspec.structs.replace(s, volunteers=[s.volunteers[0], msgspec.structs.replace(v, trainings=[held]),
                                               *s.volunteers[2:]])
    assert [e.path for e in date_errors(s)] == ["volunteers[1].trainings[0].completed"]
    assert date_errors(small_scenario()) == []
