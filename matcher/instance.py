"""The optimisation instance: candidate pairs after pins, with capacities and overlap groups.

Pins (C4) are settled first, in the order given: a pin that breaks a rule, or that
cannot hold together with the pins before it, becomes a conflict naming the rule.
What remains is a pure choice over candidate pairs, which both the solver and the
benchmark baselines (greedy, HiGHS) read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher import rules
from matcher.candidates import Candidates
from matcher.constraints import blocking_rule, need_is_full, needs_overlap
from matcher.problem import Problem
from matcher.schema import Conflict


@dataclass
class Instance:
    n_volunteers: int
    n_needs: int
    pair_vol: np.ndarray  # int32
    pair_need: np.ndarray  # int32
    pair_priority: np.ndarray  # int64
    pair_fit: np.ndarray  # int64
    pair_cand: np.ndarray  # index into Candidates
    need_cap: np.ndarray  # open places per need after pins
    vol_cap: np.ndarray  # assignments left per volunteer after pins
    vol_minutes_cap: np.ndarray  # weekly minutes left, -1 = no limit
    pair_minutes: np.ndarray
    spread: int
    vol_fixed: np.ndarray  # assignments fixed by pins
    fixed: list[tuple[int, int, int]] = field(default_factory=list)  # (volunteer, need, candidate index)
    conflicts: list[Conflict] = field(default_factory=list)
    _cliques: list[np.ndarray] | None = None
    problem: Problem | None = None

    @property
    def n_pairs(self) -> int:
        return len(self.pair_vol)

    @property
    def cliques(self) -> list[np.ndarray]:
        """At-most-one groups of pair indices (C3) for every volunteer who may take two or more."""
        if self._cliques is None:
            assert self.problem is not None
            self._cliques = overlap_cliques(self.problem, self, np.arange(self.n_volunteers))
        return self._cliques


def settle_pins(p: Problem) -> tuple[list[tuple[int, int]], list[Conflict]]:
    """C4: keep the pins that are eligible and hold together, in order; the rest are conflicts."""
    kept: list[tuple[int, int]] = []
    conflicts: list[Conflict] = []
    by_need: dict[int, int] = {}
    by_vol: dict[int, list[int]] = {}
    for v, j in p.pinned:
        vid, nid = p.scenario.volunteers[v].id, p.scenario.needs[j].id
        failed = rules.failed_rules(p, v, j)
        if failed:
            names = "; ".join(f"{r} ({rules.RULE_NAMES[r]})" for r in failed)
            if not rules.has_occurrence(p, j):
                names = "E6 (the need has no occurrence in the planning period)"
            conflicts.append(Conflict(volunteer=vid, need=nid, rule=failed[0], message=f"pinned pair breaks {names}"))
            continue
        mine = by_vol.get(v, [])
        broken = need_is_full(p, j, by_need.get(j, 0)) or blocking_rule(p, v, mine, j)
        if broken:
            rule, message = broken
            if rule == "C1":
                message += ", all pinned already"
            conflicts.append(
                Conflict(volunteer=vid, need=nid, rule=rule, message=f"pins cannot all hold: volunteer {vid} {message}"
                         if rule != "C1" else f"pins cannot all hold: {message}")
            )
            continue
        kept.append((v, j))
        by_need[j] = by_need.get(j, 0) + 1
        by_vol.setdefault(v, []).append(j)
    return kept, conflicts


def build_instance(p: Problem, c: Candidates) -> Instance:
    pins, conflicts = settle_pins(p)
    need_cap = p.n_headcount.copy()
    vol_cap = p.v_cap.copy()
    minutes_cap = p.v_minutes_cap.copy()
    vol_fixed = np.zeros(p.n_volunteers, dtype=np.int64)
    pinned_needs: dict[int, list[int]] = {}
    fixed: list[tuple[int, int, int]] = []
    key = c.vol * max(1, p.n_needs) + c.need  # candidates are grouped by need: look pins up by key
    order = np.argsort(key, kind="stable") if pins else np.zeros(0, dtype=np.int64)
    for v, j in pins:
        need_cap[j] -= 1
        vol_cap[v] -= 1
        vol_fixed[v] += 1
        if minutes_cap[v] >= 0:
            minutes_cap[v] -= p.n_minutes[j]
        pinned_needs.setdefault(v, []).append(j)
        at = order[np.searchsorted(key[order], v * max(1, p.n_needs) + j)]
        fixed.append((v, j, int(at)))

    keep = (need_cap[c.need] > 0) & (vol_cap[c.vol] > 0)
    keep &= (minutes_cap[c.vol] < 0) | (p.n_minutes[c.need] <= minutes_cap[c.vol])
    if pinned_needs:
        pinned_pairs = {(v, j) for v, j in pins}
        for k in np.flatnonzero(np.isin(c.vol, np.fromiter(pinned_needs, dtype=np.int64))):
            v, j = int(c.vol[k]), int(c.need[k])
            if (v, j) in pinned_pairs or any(needs_overlap(p, j, q) for q in pinned_needs[v]):
                keep[k] = False
    idx = np.flatnonzero(keep)
    return Instance(
        n_volunteers=p.n_volunteers,
        n_needs=p.n_needs,
        pair_vol=c.vol[idx].astype(np.int32),
        pair_need=c.need[idx].astype(np.int32),
        pair_priority=p.n_priority[c.need[idx]].astype(np.int64),
        pair_fit=c.fit[idx].astype(np.int64),
        pair_cand=idx,
        need_cap=need_cap,
        vol_cap=vol_cap,
        vol_minutes_cap=minutes_cap,
        pair_minutes=p.n_minutes[c.need[idx]].astype(np.int64),
        spread=p.weights.spread,
        vol_fixed=vol_fixed,
        fixed=fixed,
        conflicts=conflicts,
        problem=p,
    )


def overlap_cliques(p: Problem, inst: Instance, vols: np.ndarray) -> list[np.ndarray]:
    """C3 as at-most-one groups: for each volunteer who may take two or more assignments,
    the maximal sets of their candidate needs active at one instant (a sweep over
    occurrence start and end points), not one constraint per conflicting pair."""
    out: list[np.ndarray] = []
    multi = np.zeros(p.n_volunteers, dtype=bool)
    multi[vols] = True
    multi &= inst.vol_cap >= 2
    pv = inst.pair_vol.astype(np.int64)
    sel = np.flatnonzero(multi[pv])
    if len(sel) == 0:
        return out
    order = sel[np.argsort(pv[sel], kind="stable")]
    bounds = np.flatnonzero(np.diff(pv[order])) + 1
    for group in np.split(order, bounds):
        if len(group) < 2:
            continue
        out.extend(_sweep(p, group, inst.pair_need[group].astype(np.int64)))
    return out


def _sweep(p: Problem, pairs: np.ndarray, needs: np.ndarray) -> list[np.ndarray]:
    classes = p.n_time_class[needs]
    by_class: dict[int, list[int]] = {}
    for k, cls in enumerate(classes.tolist()):
        by_class.setdefault(cls, []).append(k)
    events: list[tuple[int, int, int]] = []
    for cls in by_class:
        for s, e in p.class_occ[cls].tolist():
            events.append((s, 1, cls))
            events.append((e, 0, cls))  # ends sort before starts at the same minute: half-open
    events.sort()
    found: set[tuple[int, ...]] = set()
    active: dict[int, int] = {}
    last_was_start = False
    for _t, kind, cls in events:
        if kind == 1:
            active[cls] = active.get(cls, 0) + 1
            last_was_start = True
        else:
            if last_was_start:
                members = tuple(sorted(k for c2 in active for k in by_class[c2]))
                if len(members) >= 2:
                    found.add(members)
            last_was_start = False
            active[cls] -= 1
            if active[cls] == 0:
                del active[cls]
    return [pairs[list(m)] for m in found]
