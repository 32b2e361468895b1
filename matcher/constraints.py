"""The plan constraints C1–C3, stated once for the questions asked outside the model.

"May this volunteer also take that need?" — asked when settling pins, repairing the
relaxation, checking it, explaining why an eligible volunteer went elsewhere, and
checking committed placements (`matcher.commitments`) — is answered here. The
optimisation encodes the same constraints as rows (`matcher.instance.WeekRows` for C2,
`Instance.cliques` for C3), built from the same per-week minutes
(`Problem.n_week_minutes`), and `matcher.validate` re-states them independently as the
spec.

C2 is per ISO week (Monday–Sunday, an occurrence belongs to the week of its start): in
every week a volunteer has occurrences of at most `max_assignments` different needs, and
their minutes that week add up to at most `max_hours_per_week`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.problem import DAY, Problem

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def day_text(d: dt.date) -> str:
    """'9 February' (English, for the plan's sentences; pages render `data` themselves)."""
    return f"{d.day} {MONTHS[d.month - 1]}"


@dataclass(frozen=True)
class Break:
    """One broken plan constraint: the rule, a stable code, an English sentence and its facts."""

    rule: str  # C1, C2 or C3
    code: str
    message: str
    date: dt.date | None = None
    data: dict[str, Any] = field(default_factory=dict)


def classes_overlap(p: Problem, a: int, b: int) -> bool:
    """C3 between two time classes: some occurrences overlap (half-open intervals)."""
    if a == b:
        return len(p.class_occ[a]) > 0

    def build() -> np.ndarray:
        A, B = p.class_occ[a], p.class_occ[b]
        if len(A) == 0 or len(B) == 0:
            return np.array(False)
        # some B starts before an A ends and ends after that A starts
        idx = np.searchsorted(B[:, 0], A[:, 1], side="left")
        max_end = np.maximum.accumulate(B[:, 1])
        has = idx > 0
        return np.array(np.any(max_end[np.maximum(idx - 1, 0)][has] > A[has, 0]))

    return bool(p.column(("overlap", min(a, b), max(a, b)), build))


def classes_overlap_many(p: Problem, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`classes_overlap` for many pairs of time classes at once (bool per pair), vectorised:
    each pair's occurrences are shifted into a time segment of its own, so one sorted sweep
    answers them all (an end in an earlier segment is before every start in a later one)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    lens = np.array([len(x) for x in p.class_occ], dtype=np.int64)
    ptr = np.r_[0, np.cumsum(lens)]
    flat = np.concatenate(p.class_occ).reshape(-1, 2) if len(p.class_occ) else np.zeros((0, 2), dtype=np.int64)
    span = int(flat[:, 1].max(initial=0)) + DAY + 1

    def gather(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = lens[cls]
        owner = np.repeat(np.arange(len(cls), dtype=np.int64), n)
        at = np.repeat(ptr[cls], n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
        return flat[at] + (owner * span)[:, None], owner

    A, owner = gather(a)
    B, _ = gather(b)
    out = np.zeros(len(a), dtype=bool)
    if len(A) and len(B):
        idx = np.searchsorted(B[:, 0], A[:, 1], side="left")
        max_end = np.maximum.accumulate(B[:, 1])
        has = idx > 0
        hit = np.zeros(len(A), dtype=bool)
        hit[has] = max_end[idx[has] - 1] > A[has, 0]
        out[owner[hit]] = True
    return out


def needs_overlap(p: Problem, j: int, k: int) -> bool:
    return classes_overlap(p, int(p.n_time_class[j]), int(p.n_time_class[k]))


def first_overlap(p: Problem, j: int, k: int) -> dt.date | None:
    """The date of the first occurrence of need j that overlaps one of need k, if any."""
    A, B = p.n_occ[j], p.n_occ[k]
    if len(A) == 0 or len(B) == 0:
        return None
    hit = (A[:, None, 0] < B[None, :, 1]) & (B[None, :, 0] < A[:, None, 1])
    rows = np.flatnonzero(hit.any(axis=1))
    if len(rows) == 0:
        return None
    return dt.date.fromordinal(p.scenario.horizon.start.toordinal() + int(A[rows[0], 0]) // DAY)


def week_load(p: Problem, needs: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per ISO week of the horizon: how many of `needs` have an occurrence, and their minutes."""
    m = p.n_week_minutes[np.asarray(list(needs), dtype=np.int64)]
    return (m > 0).sum(axis=0), m.sum(axis=0)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def week_break(p: Problem, v: int, needs: Sequence[int], weeks: np.ndarray | None = None) -> Break | None:
    """C2: the first ISO week (among `weeks`, a bool mask; default all) in which volunteer v,
    holding all of `needs`, has occurrences of more needs than max_assignments or more
    minutes than max_hours_per_week. Assignments are reported before hours."""
    counts, mins = week_load(p, needs)
    mask = np.ones(p.n_weeks, dtype=bool) if weeks is None else weeks
    cap, mcap = int(p.v_cap[v]), int(p.v_minutes_cap[v])
    over = np.flatnonzero(mask & (counts > cap))
    if len(over):
        w = int(over[0])
        monday = p.monday(w)
        return Break(
            "C2", "over-assignments",
            f"takes at most {cap} assignment(s) a week and would have {int(counts[w])} in the week of"
            f" {day_text(monday)}",
            monday, {"week": monday.isoformat(), "assignments": int(counts[w]), "max_assignments": cap},
        )
    if mcap >= 0:
        over = np.flatnonzero(mask & (mins > mcap))
        if len(over):
            w = int(over[0])
            monday = p.monday(w)
            return Break(
                "C2", "over-hours",
                f"would exceed {mcap / 60:g} hours a week ({_hours(int(mins[w])):g} h in the week of"
                f" {day_text(monday)})",
                monday, {"week": monday.isoformat(), "hours": _hours(int(mins[w])), "max_hours": _hours(mcap)},
            )
    return None


def blocking(p: Problem, v: int, held: Sequence[int], j: int) -> Break | None:
    """Why volunteer v cannot also take need j beside all the needs they hold (`held`, their
    committed and pinned needs included): the C2 week or the C3 clash j would cause, or None.
    Only the weeks in which j has an occurrence are looked at: j is no obstacle elsewhere."""
    broken = week_break(p, v, [*held, j], p.n_week_minutes[j] > 0)
    if broken is not None:
        return broken
    clash = next((k for k in held if needs_overlap(p, j, k)), None)
    if clash is not None:
        day = first_overlap(p, j, clash)
        other = p.need(clash).id
        return Break(
            "C3", "overlap", f"would overlap need {other}" + (f" on {day.isoformat()}" if day else ""),
            day, {"other_need": other, **({"date": day.isoformat()} if day else {})},
        )
    return None


def blocking_rule(p: Problem, v: int, held: Sequence[int], j: int) -> tuple[str, str] | None:
    """`blocking` as (rule, reason), for messages."""
    b = blocking(p, v, held, j)
    return None if b is None else (b.rule, b.message)


def need_is_full(p: Problem, j: int, taken: int) -> tuple[str, str] | None:
    """C1: no place left in need j once `taken` are placed."""
    if taken + 1 > int(p.n_headcount[j]):
        return "C1", f"need {p.need(j).id} has only {int(p.n_headcount[j])} place(s)"
    return None
