"""Availability as a week grid ↔ the register's weekly windows (service.web.week_grid), pure."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.schema import Slot
from service.web import week_grid as wg

HALF = 30
PER_DAY = wg.cells_per_day(HALF)
TOTAL = 7 * PER_DAY


def w(day: int, start: str, end: str) -> dict[str, Any]:
    return {"weekday": day, "start": start, "end": end}


def valid(window: dict[str, Any]) -> bool:
    """The register's rules: a Slot (weekday 1–7, HH:MM) whose end is not its start, but for 00:00–00:00."""
    msgspec.convert(window, Slot)
    return window["start"] != window["end"] or window["start"] == "00:00"


@pytest.mark.parametrize(("windows", "cells"), [
    ([w(2, "18:00", "22:00")], {f"2-{h:02d}:{m:02d}" for h in range(18, 22) for m in (0, 30)}),
    ([w(5, "22:00", "02:00")], {"5-22:00", "5-22:30", "5-23:00", "5-23:30", "6-00:00", "6-00:30", "6-01:00",
                                "6-01:30"}),
    ([w(7, "23:00", "01:00")], {"7-23:00", "7-23:30", "1-00:00", "1-00:30"}),  # Sunday into Monday
    ([w(3, "00:00", "00:00")], {f"3-{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)}),  # the whole day
])
def test_windows_to_cells_and_back(windows, cells):
    got = wg.cells_of(windows, HALF)
    assert {wg.cell_key(c, HALF) for c in got} == cells
    assert wg.windows_of(got, HALF) == windows
    assert wg.cells_from_keys(cells, HALF) == got


def test_long_runs_are_cut_at_midnight_and_the_full_week_is_seven_days():
    # Monday 18:00 to Wednesday 02:00: longer than a day, so cut at each midnight.
    run = wg.cells_of([w(1, "18:00", "00:00"), w(2, "00:00", "00:00"), w(3, "00:00", "02:00")], HALF)
    assert wg.windows_of(run, HALF) == [w(1, "18:00", "00:00"), w(2, "00:00", "00:00"), w(3, "00:00", "02:00")]
    # Exactly 24 hours from 10:00: 10:00–10:00 would be refused (end equals start), so two windows.
    assert wg.windows_of(wg.cells_of([w(4, "10:00", "00:00"), w(5, "00:00", "10:00")], HALF), HALF) == [
        w(4, "10:00", "00:00"), w(5, "00:00", "10:00")]
    assert wg.windows_of(range(TOTAL), HALF) == [w(d, "00:00", "00:00") for d in range(1, 8)]
    # A run from Sunday evening through Monday into Tuesday morning, around the week's end.
    sunday = wg.cells_of([w(7, "20:00", "00:00"), w(1, "00:00", "00:00"), w(2, "00:00", "03:00")], HALF)
    assert wg.windows_of(sunday, HALF) == [w(1, "00:00", "00:00"), w(2, "00:00", "03:00"), w(7, "20:00", "00:00")]


def test_off_grid_windows_stay_apart_and_posted_keys_are_checked():
    shown, apart = wg.split([w(2, "10:15", "11:40"), w(2, "18:00", "22:00"), w(4, "09:00", "09:00"),
                             w(8, "10:00", "11:00"), {"weekday": "x"}], HALF)
    assert shown == [w(2, "18:00", "22:00")]
    assert apart == [w(2, "10:15", "11:40"), w(4, "09:00", "09:00"), w(8, "10:00", "11:00"), {"weekday": "x"}]
    with pytest.raises(ValueError):
        wg.cells_of([w(2, "10:15", "11:40")], HALF)
    assert wg.cells_from_keys(["2-18:00", "8-10:00", "2-18:15", "2-1:00", "x", "2-24:00", "0-00:00"], HALF) == {
        wg.cell_of("2-18:00", HALF)}
    assert [r["start"] for r in wg.grid_rows(60)][:3] == ["00:00", "01:00", "02:00"]
    assert wg.grid_rows(HALF)[-1]["cells"][6] == "7-23:30" and wg.grid_rows(HALF)[-1]["end"] == "00:00"
    shown = wg.view(wg.cells_of([w(5, "22:00", "02:00")], HALF), HALF)
    assert len(shown["rows"]) == 48 and "6-01:30" in shown["marked"] and len(shown["marked"]) == 8
    assert shown["windows"] == [w(5, "22:00", "02:00")]


def test_stored_windows_may_be_structs():
    stored = [Slot(weekday=5, start="22:00", end="02:00"), Slot(weekday=3, start="10:15", end="11:40")]
    shown, apart = wg.split(stored, HALF)
    assert shown == [w(5, "22:00", "02:00")] and apart == [w(3, "10:15", "11:40")]
    assert wg.windows_from_grid(wg.cells_of(stored[:1], HALF), stored, HALF) == [w(5, "22:00", "02:00")]
    assert wg.keep_order([w(3, "10:15", "11:40"), w(5, "22:00", "02:00")], stored) == [
        w(5, "22:00", "02:00"), w(3, "10:15", "11:40")]


def test_an_unchanged_grid_keeps_the_stored_windows_and_their_order():
    stored = [w(2, "12:00", "14:00"), w(2, "10:00", "12:00"), w(5, "10:15", "11:40")]  # touching, kept as two
    cells = wg.cells_of(wg.split(stored, HALF)[0], HALF)
    assert wg.windows_from_grid(cells, stored, HALF) == [w(2, "12:00", "14:00"), w(2, "10:00", "12:00")]
    assert wg.windows_from_grid(cells | {0}, stored, HALF) == [w(1, "00:00", "00:30"), w(2, "10:00", "14:00")]
    new = [w(5, "10:15", "11:40"), w(2, "12:00", "14:00"), w(2, "10:00", "12:00")]
    assert wg.keep_order(new, stored) == stored
    assert wg.keep_order(new[:2], stored) == new[:2]


# ------------------------------------------------------------------ properties


@st.composite
def separate_windows(draw: st.DrawFn, step: int) -> list[dict[str, Any]]:
    """Grid-aligned windows none of which touches or overlaps another: runs shorter than a day, a gap
    of at least one cell between them, anywhere in the week (overnight, Sunday into Monday) — and whole
    days from midnight."""
    per_day = wg.cells_per_day(step)
    total = 7 * per_day
    offset = draw(st.integers(0, total - 1))
    out, at = [], 0
    for _ in range(draw(st.integers(0, 10))):
        at += draw(st.integers(1, per_day))  # the gap before the run
        whole = draw(st.booleans()) and draw(st.booleans())
        start = offset + at
        if whole:
            start = -(-start // per_day) * per_day  # up to the next midnight
            length = per_day
        else:
            length = draw(st.integers(1, per_day - 1))
        if start - offset + length + 1 > total:  # the run and a gap before the first one must fit
            break
        out.append(wg._window(start % total, length, per_day, step))
        at = start - offset + length
    return sorted(out, key=lambda x: (x["weekday"], wg.minutes(x["start"])))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([30, 60, 15]).flatmap(lambda step: st.tuples(st.just(step), separate_windows(step))))
def test_windows_grid_windows_is_the_identity_on_grid_aligned_windows(case):
    step, windows = case
    assert all(valid(x) and wg.on_grid(x, step) for x in windows)
    assert wg.windows_of(wg.cells_of(windows, step), step) == windows


@settings(max_examples=400, deadline=None)
@given(st.sets(st.integers(0, TOTAL - 1)))
def test_grid_windows_grid_is_the_identity_and_every_window_is_valid(cells):
    windows = wg.windows_of(cells, HALF)
    assert all(valid(x) for x in windows)
    assert wg.cells_of(windows, HALF) == frozenset(cells)
    keys = {wg.cell_key(c, HALF) for c in cells}
    assert wg.cells_from_keys(keys, HALF) == frozenset(cells)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 7), st.integers(0, PER_DAY - 1), st.integers(0, PER_DAY - 1)),
                max_size=12))
def test_any_aligned_windows_keep_their_time(raw):
    """Overlapping or touching windows may be joined, but the time they cover stays the same."""
    windows = [w(d, wg.hhmm(a * HALF), wg.hhmm(b * HALF)) for d, a, b in raw if a != b or a == 0]
    cells = wg.cells_of(windows, HALF)
    assert wg.cells_of(wg.windows_of(cells, HALF), HALF) == cells
