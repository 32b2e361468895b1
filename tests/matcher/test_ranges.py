"""The format's ranges (docs/scenario-format.md): refused with the field named, by decoding and by `solve`."""

from __future__ import annotations

import json

import msgspec
import pytest

from matcher.scenario import ScenarioError, decode_scenario
from matcher.schema import Need, Slot
from matcher.solve import SolveOptions, solve
from tests.service.factories import small_scenario


def _doc() -> dict[str, object]:
    return msgspec.to_builtins(small_scenario())  # type: ignore[no-any-return]


def _errors(doc: dict[str, object]) -> str:
    with pytest.raises(ScenarioError) as caught:
        decode_scenario(json.dumps(doc))
    return "\n".join(caught.value.errors)


def test_scenario_file_out_of_range_values_name_the_field() -> None:
    doc = _doc()
    doc["needs"][0]["headcount"] = 9223372036854775808  # type: ignore[index]
    assert "needs[0].headcount" in _errors(doc)
    doc = _doc()
    doc["volunteers"][1]["max_hours_per_week"] = 1e300  # type: ignore[index]
    assert "volunteers[1].max_hours_per_week" in _errors(doc)
    doc = _doc()
    doc["needs"][0]["id"] = "a/b"  # type: ignore[index]
    assert "needs[0].id" in _errors(doc)


def test_scenario_file_dates_outside_the_fixed_range_name_the_field() -> None:
    doc = _doc()
    doc["volunteers"][0]["birth_date"] = "0001-01-01"  # type: ignore[index]
    doc["needs"][0]["until"] = "9999-12-31"  # type: ignore[index]
    text = _errors(doc)
    assert "volunteers[0].birth_date: 0001-01-01 is outside" in text and "needs[0].until" in text
    doc = _doc()
    doc["horizon"] = {"start": "2027-01-01", "end": "2199-01-01"}
    assert "horizon.end: the horizon is longer than" in _errors(doc)


def test_slot_start_equal_to_end_is_refused() -> None:
    doc = _doc()
    doc["needs"][0]["weekly"] = [{"weekday": 1, "start": "10:00", "end": "10:00"}]  # type: ignore[index]
    assert "needs[0].weekly[0].end: the end equals the start" in _errors(doc)


def test_availability_from_midnight_to_midnight_is_the_whole_day_other_equal_ends_are_refused() -> None:
    doc = _doc()
    doc["volunteers"][0]["availability"] = [  # type: ignore[index]
        {"weekday": d, "start": "00:00", "end": "00:00"} for d in range(1, 8)]
    whole = decode_scenario(json.dumps(doc)).volunteers[0].availability
    assert [(a.start, a.end) for a in whole] == [("00:00", "00:00")] * 7
    doc["volunteers"][0]["availability"] = [{"weekday": 1, "start": "09:00", "end": "09:00"}]  # type: ignore[index]
    assert "volunteers[0].availability[0].end: the end equals the start" in _errors(doc)


def test_solve_refuses_a_scenario_built_in_code_out_of_range() -> None:
    """A scenario made in code is not decoded: `solve` checks the ranges itself rather than overflow."""
    s = small_scenario()
    bad = msgspec.structs.replace(s.needs[0], headcount=9223372036854775808)
    s = msgspec.structs.replace(s, needs=[bad, *s.needs[1:]])
    with pytest.raises(ScenarioError) as caught:
        solve(s, SolveOptions(time_limit=1))
    assert "needs[0].headcount" in str(caught.value)
    once = Need(id="n9", site="eik", activity="besoksvenn", title="x", weekly=[Slot(weekday=1, start="09:00",
                                                                                    end="09:00")])
    s2 = msgspec.structs.replace(small_scenario(), needs=[once])
    with pytest.raises(ScenarioError, match=r"needs\[0\]\.weekly\[0\]\.end"):
        solve(s2, SolveOptions(time_limit=1))
