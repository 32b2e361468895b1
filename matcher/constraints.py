"""The plan constraints C1–C3, stated once for the questions asked outside the model.

"May this volunteer also take that need?" — asked when settling pins, repairing the
relaxation, checking it, and explaining why an eligible volunteer went elsewhere — is
answered here. The CP-SAT model (`matcher.model`) encodes the same constraints as
linear ones, and `matcher.validate` re-states them independently as the spec.
"""

from __future__ import annotations

import numpy as np

from matcher.problem import Problem


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


def needs_overlap(p: Problem, j: int, k: int) -> bool:
    return classes_overlap(p, int(p.n_time_class[j]), int(p.n_time_class[k]))


def blocking_rule(
    p: Problem, v: int, held: list[int], j: int, *, cap: int | None = None, minutes_cap: int | None = None
) -> tuple[str, str] | None:
    """Why volunteer v cannot also take need j beside the needs `held`: (rule, reason), or None.

    `cap` and `minutes_cap` default to the volunteer's own limits (C2); -1 minutes = no limit.
    """
    cap = int(p.v_cap[v]) if cap is None else cap
    minutes_cap = int(p.v_minutes_cap[v]) if minutes_cap is None else minutes_cap
    if len(held) + 1 > cap:
        return "C2", f"takes at most {cap} assignment(s)"
    if minutes_cap >= 0 and sum(int(p.n_minutes[k]) for k in held) + int(p.n_minutes[j]) > minutes_cap:
        return "C2", f"would exceed {minutes_cap / 60:g} hours a week"
    clash = next((k for k in held if needs_overlap(p, j, k)), None)
    if clash is not None:
        return "C3", f"would overlap need {p.need(clash).id}"
    return None


def set_breaks(p: Problem, needs: list[int], *, cap: int, minutes_cap: int) -> bool:
    """Whether a volunteer holding all of `needs` breaks C2 or C3."""
    held: list[int] = []
    for j in needs:
        if blocking_rule(p, -1, held, j, cap=cap, minutes_cap=minutes_cap) is not None:
            return True
        held.append(j)
    return False


def need_is_full(p: Problem, j: int, taken: int) -> tuple[str, str] | None:
    """C1: no place left in need j once `taken` are placed."""
    if taken + 1 > int(p.n_headcount[j]):
        return "C1", f"need {p.need(j).id} has only {int(p.n_headcount[j])} place(s)"
    return None
