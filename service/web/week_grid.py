"""Availability as a week grid: weekly windows ↔ marked cells, both ways, pure.

The grid is 7 days × cells of `step` minutes (half an hour on the pages), Monday 00:00 to Sunday
24:00, and it wraps: the cell after Sunday 23:30 is Monday 00:00. A window is the register's
weekly slot (`matcher.schema.Slot`): weekday 1–7 and HH:MM start and end; an end not after the start
runs past midnight into the next day (Friday 22:00–02:00 ends Saturday 02:00, Sunday 23:00–01:00
ends Monday 01:00), and 00:00–00:00 is the whole day. A window lasts at most 24 hours.

From the grid, each run of marked cells (in week order, around the week's end) becomes:
- one window when it is shorter than a day — also across midnight (the overnight window), or exactly
  a day from midnight (00:00–00:00);
- otherwise windows cut at each midnight it crosses (18:00–00:00, 00:00–00:00, 00:00–02:00).
So a set of windows the grid can show (`on_grid`), none touching or overlapping another, comes back
unchanged from windows → cells → windows; and any marked cells come back unchanged from
cells → windows → cells. Windows off the grid (10:15–11:40) are not drawn; `split` keeps them apart
so a page shows them as rows of their own, and nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DAY = 24 * 60
WEEK = 7 * DAY
STEP = 30  # minutes per cell on the pages

Window = dict[str, Any]  # {"weekday": 1..7, "start": "HH:MM", "end": "HH:MM"}


def plain(window: Any) -> Window:
    """A window as a dict, from a dict or from a struct with the same fields (`matcher.schema.Slot`)."""
    if isinstance(window, Mapping):
        return dict(window)
    return {"weekday": window.weekday, "start": window.start, "end": window.end}


def minutes(hhmm: str) -> int:
    h, m = str(hhmm).split(":")
    return int(h) * 60 + int(m)


def hhmm(minute: int) -> str:
    minute %= DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def cells_per_day(step: int = STEP) -> int:
    if step <= 0 or DAY % step:
        raise ValueError(f"a cell of {step} minutes does not divide the day")
    return DAY // step


def duration(start: str, end: str) -> int:
    """Minutes of a window: an end not after the start runs past midnight (00:00–00:00 is 24 hours)."""
    a, b = minutes(start), minutes(end)
    return b - a if b > a else b - a + DAY


def on_grid(window: Any, step: int = STEP) -> bool:
    """Whether the grid can show the window exactly: both times on a cell boundary, a valid weekday and
    times, and not a zero-length window other than the whole day."""
    try:
        w = plain(window)
        day, a, b = int(w["weekday"]), minutes(w["start"]), minutes(w["end"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    if not 1 <= day <= 7 or not (0 <= a < DAY and 0 <= b < DAY):
        return False
    if a == b and a != 0:
        return False
    return a % step == 0 and b % step == 0


def split(windows: Iterable[Any], step: int = STEP) -> tuple[list[Window], list[Window]]:
    """(windows the grid shows, windows it cannot), each in the order given, as dicts."""
    shown: list[Window] = []
    apart: list[Window] = []
    for w in windows:
        (shown if on_grid(w, step) else apart).append(plain(w))
    return shown, apart


def cells_of(windows: Iterable[Any], step: int = STEP) -> frozenset[int]:
    """The cells (0 = Monday 00:00, counting in steps through the week) the on-grid windows cover."""
    per_day = cells_per_day(step)
    total = 7 * per_day
    out: set[int] = set()
    for window in windows:
        if not on_grid(window, step):
            raise ValueError(f"window {window!r} is not on a {step}-minute grid")
        w = plain(window)
        first = (int(w["weekday"]) - 1) * per_day + minutes(w["start"]) // step
        for k in range(duration(w["start"], w["end"]) // step):
            out.add((first + k) % total)
    return frozenset(out)


def windows_of(cells: Iterable[int], step: int = STEP) -> list[Window]:
    """Marked cells as windows, one per run (cut at midnights when a run is a day or longer), sorted by
    weekday and start."""
    per_day = cells_per_day(step)
    total = 7 * per_day
    marked = {c % total for c in cells}
    if not marked:
        return []
    if len(marked) == total:
        return [{"weekday": d, "start": "00:00", "end": "00:00"} for d in range(1, 8)]
    out: list[Window] = []
    for c in sorted(marked):
        if (c - 1) % total in marked:
            continue  # not the first cell of its run
        length = 1
        while (c + length) % total in marked:
            length += 1
        out.extend(_run(c, length, per_day, step))
    return sorted(out, key=lambda w: (w["weekday"], minutes(w["start"])))


def _run(first: int, length: int, per_day: int, step: int) -> list[Window]:
    total = 7 * per_day
    if length < per_day or (length == per_day and first % per_day == 0):
        return [_window(first, length, per_day, step)]
    out = []
    at, left = first, length
    while left:
        piece = min(left, per_day - at % per_day)  # up to the next midnight
        out.append(_window(at, piece, per_day, step))
        at, left = (at + piece) % total, left - piece
    return out


def _window(first: int, length: int, per_day: int, step: int) -> Window:
    start = (first % per_day) * step
    return {"weekday": first // per_day % 7 + 1, "start": hhmm(start), "end": hhmm(start + length * step)}


# ------------------------------------------------------------------ the form's cells


def cell_key(cell: int, step: int = STEP) -> str:
    """A cell as the form posts it: '2-18:00' is Tuesday 18:00 (to 18:30 on a half-hour grid)."""
    per_day = cells_per_day(step)
    return f"{cell // per_day + 1}-{hhmm((cell % per_day) * step)}"


def cell_of(key: str, step: int = STEP) -> int | None:
    """The cell a posted key names, or None for anything that is not a cell of this grid."""
    try:
        day_s, time_s = str(key).split("-", 1)
        day, minute = int(day_s), minutes(time_s)
    except ValueError:
        return None
    if not 1 <= day <= 7 or not 0 <= minute < DAY or minute % step or len(time_s) != 5:
        return None
    return (day - 1) * cells_per_day(step) + minute // step


def cells_from_keys(keys: Iterable[str], step: int = STEP) -> frozenset[int]:
    return frozenset(c for c in (cell_of(k, step) for k in keys) if c is not None)


def windows_from_grid(cells: Iterable[int], before: Iterable[Any], step: int = STEP) -> list[Window]:
    """The windows a saved grid stands for. When the marked cells are those the stored on-grid windows
    already cover, the stored windows are kept as they were (two touching windows stay two); otherwise
    the cells' own windows."""
    marked = frozenset(cells)
    shown, _ = split(before, step)
    if marked == cells_of(shown, step):
        return shown
    return windows_of(marked, step)


def keep_order(new: list[Window], before: Iterable[Any]) -> list[Window]:
    """The stored list itself when the new one holds the same windows (in whatever order)."""
    old = [plain(w) for w in before]

    def key(w: Mapping[str, Any]) -> tuple[int, str, str]:
        return int(w["weekday"]), str(w["start"]), str(w["end"])

    try:
        same = sorted(map(key, new)) == sorted(map(key, old))
    except (AttributeError, KeyError, TypeError, ValueError):
        return new
    return old if same else new


def grid_rows(step: int = STEP) -> list[dict[str, Any]]:
    """The grid's rows for a template: the time, and each day's cell key."""
    per_day = cells_per_day(step)
    return [{"start": hhmm(k * step), "end": hhmm((k + 1) * step), "hour": k * step % 60 == 0,
             "cells": [cell_key(d * per_day + k, step) for d in range(7)]} for k in range(per_day)]


def view(cells: Iterable[int], step: int = STEP) -> dict[str, Any]:
    """What templates/_week_grid.html draws: the rows, the marked cells' keys and the windows they make."""
    marked = frozenset(cells)
    return {"rows": grid_rows(step), "step": step, "marked": {cell_key(c, step) for c in marked},
            "windows": windows_of(marked, step)}
