"""The optimisation instance: the free candidate pairs beside the fixed ones, with their rows.

Committed pairs (placements in force) are fixed whatever the rules say; pins (C4) are
settled next, in the order given: a pin that breaks a rule, or that cannot hold together
with the committed pairs and the pins before it, becomes a conflict naming the rule.
What remains is a pure choice over free candidate pairs under C1 (`need_cap`), C2 per
ISO week (`week_rows`, see `WeekRows`) and C3 (`cliques`), which every engine reads:
the CP-SAT model, the MIP and the benchmark baselines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from matcher import rules
from matcher.candidates import Candidates
from matcher.codes import ConflictCode
from matcher.constraints import blocking, classes_overlap_many, need_is_full
from matcher.problem import Problem
from matcher.schema import Conflict


@dataclass
class WeekRows:
    """C2 per ISO week as linear rows over an instance's free pairs: the one definition that
    the CP-SAT model (`model.WeeklyCapacity`), the solver's checks (`solve._violators`) and any
    other engine (the MIP) read. Built by `week_rows` from `Problem.n_week_minutes`.

    Row r belongs to volunteer `vol[r]` and ISO week `week[r]` (`Problem.monday(week)` is its
    Monday). Its entries `pair[ptr[r]:ptr[r+1]]` are the volunteer's free pairs whose need has
    an occurrence starting that week, `minutes[ptr[r]:ptr[r+1]]` those occurrences' minutes
    that week. For x_p = 1 when pair p is chosen:

        sum x_p            <= count_cap[r]      where count_binds[r]
        sum minutes_p x_p  <= minutes_cap[r]    where minutes_binds[r]

    `count_cap` is max_assignments less the volunteer's fixed (committed or pinned) needs
    with an occurrence that week; `minutes_cap` is max_hours_per_week in minutes less their
    minutes that week (−1: no limit); both at least 0. Only rows where one of the two can
    bind (more entries than `count_cap`, or more minutes than `minutes_cap`) are kept, and
    of a volunteer's identical rows (the same pairs, minutes and caps: typically every full
    week of the same weekly needs) only the first week's — weeks in which every need has the
    same minutes are not even built twice (`representative_weeks`). A pair that alone exceeds what is
    left in one of its weeks is not a free pair at all (`build_instance` drops it).
    """

    vol: np.ndarray  # int64 (R,)
    week: np.ndarray  # int64 (R,)
    count_cap: np.ndarray  # int64 (R,)
    minutes_cap: np.ndarray  # int64 (R,), -1 = no limit
    count_binds: np.ndarray  # bool (R,)
    minutes_binds: np.ndarray  # bool (R,)
    ptr: np.ndarray  # int64 (R + 1,)
    pair: np.ndarray  # int64 (entries,): index into the instance's pairs
    minutes: np.ndarray  # int64 (entries,)

    def __len__(self) -> int:
        return len(self.vol)

    def rows(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(row, pairs, minutes) per row, for consumers that build one constraint per row."""
        return [
            (r, self.pair[self.ptr[r] : self.ptr[r + 1]], self.minutes[self.ptr[r] : self.ptr[r + 1]])
            for r in range(len(self.vol))
        ]

    def violated(self, chosen: np.ndarray) -> np.ndarray:
        """Bool per row: the chosen pairs (bool per instance pair) break it."""
        if len(self.vol) == 0:
            return np.zeros(0, dtype=bool)
        on = chosen[self.pair]
        starts = self.ptr[:-1]
        count = np.add.reduceat(on.astype(np.int64), starts)
        mins = np.add.reduceat(np.where(on, self.minutes, 0), starts)
        return (self.count_binds & (count > self.count_cap)) | (self.minutes_binds & (mins > self.minutes_cap))


@dataclass
class Instance:
    n_volunteers: int
    n_needs: int
    pair_vol: np.ndarray  # int32
    pair_need: np.ndarray  # int32
    pair_priority: np.ndarray  # int64
    pair_fit: np.ndarray  # int64
    pair_cand: np.ndarray  # index into Candidates
    need_cap: np.ndarray  # open places per need after committed pairs and pins (≥ 0)
    vol_cap: np.ndarray  # an upper bound on the free pairs a volunteer can take in the horizon (from the week rows)
    vol_minutes_cap: np.ndarray  # weekly minutes left in the volunteer's busiest fixed week, -1 = no limit (aggregate)
    pair_minutes: np.ndarray  # the pair's need's minutes in its busiest week (aggregate; C2 is `week_rows`)
    spread: int
    vol_fixed: np.ndarray  # assignments fixed by committed pairs and pins
    fixed: list[tuple[int, int, int]] = field(default_factory=list)  # (volunteer, need, candidate index)
    committed: set[tuple[int, int]] = field(default_factory=set)  # the fixed pairs that are committed
    fixed_by_vol: dict[int, list[int]] = field(default_factory=dict)  # volunteer -> fixed needs
    conflicts: list[Conflict] = field(default_factory=list)
    _cliques: list[np.ndarray] | None = None
    _groups: tuple[np.ndarray, np.ndarray] | None = None
    _week_rows: WeekRows | None = None
    problem: Problem | None = None

    @property
    def n_pairs(self) -> int:
        return len(self.pair_vol)

    @property
    def cliques(self) -> list[np.ndarray]:
        """At-most-one groups of pair indices (C3) for every volunteer who may take two or more."""
        if self._cliques is None:
            members, ptr = self.groups
            self._cliques = np.split(members, ptr[1:-1]) if len(members) else []
        return self._cliques

    @property
    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        """The same groups as `cliques`, flat: (members, ptr), group g is members[ptr[g]:ptr[g + 1]]."""
        if self._groups is None:
            if self._cliques is not None:  # set by hand (a restricted view's carried-over groups)
                sizes = np.array([len(c) for c in self._cliques], dtype=np.int64)
                members = np.concatenate(self._cliques).astype(np.int64) if len(sizes) else np.zeros(0, np.int64)
                self._groups = (members, np.r_[0, np.cumsum(sizes)].astype(np.int64))
            else:
                assert self.problem is not None
                self._groups = overlap_groups(self.problem, self, np.arange(self.n_volunteers))
        return self._groups

    @property
    def week_rows(self) -> WeekRows:
        """C2 per ISO week over this instance's pairs (see `WeekRows`); built once."""
        if self._week_rows is None:
            assert self.problem is not None
            self._week_rows = week_rows(self.problem, self.pair_vol, self.pair_need, self.fixed_by_vol)
        return self._week_rows


def restrict(inst: Instance, pairs: np.ndarray, need_cap: np.ndarray | None = None) -> Instance:
    """A view of the instance holding only some pairs (and, optionally, other need capacities);
    its week rows and cliques are built afresh, over those pairs only, when first read."""
    d = dict(inst.__dict__)
    if need_cap is not None:
        d["need_cap"] = need_cap
    for k in ("pair_vol", "pair_need", "pair_priority", "pair_fit", "pair_cand", "pair_minutes"):
        d[k] = d[k][pairs]
    d["_cliques"] = None
    d["_groups"] = None
    d["_week_rows"] = None
    return Instance(**d)


def settle_pins(p: Problem) -> tuple[list[tuple[int, int]], list[Conflict]]:
    """C4: keep the pins that are eligible and hold together, in order, beside the committed
    pairs (which always hold); the rest are conflicts. A pin that is committed is kept as such."""
    kept: list[tuple[int, int]] = []
    conflicts: list[Conflict] = []
    by_need: dict[int, int] = {}
    by_vol: dict[int, list[int]] = {}
    committed = set(p.committed)
    for v, j in p.committed:
        by_need[j] = by_need.get(j, 0) + 1
        by_vol.setdefault(v, []).append(j)
    for v, j in p.pinned:
        if (v, j) in committed:
            continue
        vid, nid = p.scenario.volunteers[v].id, p.scenario.needs[j].id
        failed = rules.failed_rules(p, v, j)
        if failed:
            names = "; ".join(f"{r} ({rules.RULE_NAMES[r]})" for r in failed)
            code: ConflictCode = "rule-broken"
            if not rules.has_occurrence(p, j):
                names = "E6 (the need has no occurrence in the planning period)"
                code = "no-occurrence"
            conflicts.append(Conflict(volunteer=vid, need=nid, rule=failed[0], message=f"pinned pair breaks {names}",
                                      code=code, data={"rules": list(failed)}))
            continue
        mine = by_vol.get(v, [])
        full = need_is_full(p, j, by_need.get(j, 0))
        if full:
            conflicts.append(Conflict(
                volunteer=vid, need=nid, rule="C1",
                message=f"pins cannot all hold: {full[1]}, all taken already by committed or pinned pairs",
                code="over-headcount", data={"headcount": int(p.n_headcount[j])}))
            continue
        broken = blocking(p, v, mine, j)
        if broken:
            conflicts.append(Conflict(
                volunteer=vid, need=nid, rule=broken.rule,
                message=f"pins cannot all hold: volunteer {vid} {broken.message}",
                code=cast(ConflictCode, broken.code), data=dict(broken.data)))
            continue
        kept.append((v, j))
        by_need[j] = by_need.get(j, 0) + 1
        by_vol.setdefault(v, []).append(j)
    return kept, conflicts


def representative_weeks(p: Problem) -> np.ndarray:
    """The first of each set of ISO weeks in which every need has the same minutes: rows of such
    weeks are identical for every volunteer (their fixed needs' load included), so only the
    first is built. On a long horizon of needs that run throughout, a handful of weeks."""

    def build() -> np.ndarray:
        _, first = np.unique(p.n_week_minutes, axis=1, return_index=True)
        return np.sort(first).astype(np.int64)

    return p.column(("representative_weeks",), build)


def _week_entries(p: Problem, pair_vol: np.ndarray, pair_need: np.ndarray) -> tuple[np.ndarray, ...]:
    """(pair, week, minutes) for every pair and every representative ISO week in which its need
    has an occurrence."""
    reps = representative_weeks(p)
    act_need, act_rep = np.nonzero(p.n_week_minutes[:, reps] > 0)  # sorted by need, then week
    act_week = reps[act_rep]
    need_ptr = np.searchsorted(act_need, np.arange(p.n_needs + 1))
    pn = pair_need.astype(np.int64)
    cnt = need_ptr[pn + 1] - need_ptr[pn]
    e_pair = np.repeat(np.arange(len(pn), dtype=np.int64), cnt)
    within = np.arange(len(e_pair)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    e_week = act_week[need_ptr[pn][e_pair] + within].astype(np.int64)
    e_min = p.n_week_minutes[pn[e_pair], e_week]
    return e_pair, e_week, e_min


def _fixed_load(p: Problem, fixed_by_vol: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted keys volunteer * weeks + week of the fixed needs' weeks, with their count and minutes."""
    vs = [v for v, js in fixed_by_vol.items() for _ in js]
    js = [j for _, jl in fixed_by_vol.items() for j in jl]
    if not vs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fv, fj = np.array(vs, dtype=np.int64), np.array(js, dtype=np.int64)
    e_pair, e_week, e_min = _week_entries(p, fv, fj)
    keys, inv = np.unique(fv[e_pair] * p.n_weeks + e_week, return_inverse=True)
    return keys, np.bincount(inv, minlength=len(keys)), np.bincount(inv, weights=e_min, minlength=len(keys)).astype(
        np.int64
    )


def _left(p: Problem, vols: np.ndarray, keys: np.ndarray, load: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Assignments and minutes (−1 = no limit) left for volunteer `vols` in the weeks of `keys`."""
    fkeys, fcount, fmin = load
    count = p.v_cap[vols].copy()
    mcap = p.v_minutes_cap[vols]
    mins = mcap.copy()
    if len(fkeys):
        at = np.minimum(np.searchsorted(fkeys, keys), len(fkeys) - 1)
        hit = fkeys[at] == keys
        count[hit] -= fcount[at[hit]]
        mins[hit] -= fmin[at[hit]]
    return np.maximum(count, 0), np.where(mcap < 0, -1, np.maximum(mins, 0))


def splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise over uint64 (wrapping arithmetic): a fixed, well-mixed hash."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


def week_rows(p: Problem, pair_vol: np.ndarray, pair_need: np.ndarray, fixed_by_vol: dict[int, list[int]]) -> WeekRows:
    """The C2 rows of `WeekRows` for these pairs, vectorised (no loop over pairs)."""
    empty = np.zeros(0, dtype=np.int64)
    e_pair, e_week, e_min = _week_entries(p, pair_vol, pair_need)
    if len(e_pair) == 0:
        return WeekRows(empty, empty, empty, empty, empty.astype(bool), empty.astype(bool), np.zeros(1, np.int64),
                        empty, empty)
    pv = pair_vol.astype(np.int64)
    key = pv[e_pair] * p.n_weeks + e_week
    order = np.argsort(key, kind="stable")
    key, e_pair, e_min = key[order], e_pair[order], e_min[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rkey = key[starts]
    rvol = rkey // p.n_weeks
    size = np.diff(np.r_[starts, len(key)])
    total = np.add.reduceat(e_min, starts)
    count_cap, minutes_cap = _left(p, rvol, rkey, _fixed_load(p, fixed_by_vol))
    count_binds = size > count_cap
    minutes_binds = (minutes_cap >= 0) & (total > minutes_cap)
    keep = count_binds | minutes_binds
    # identical rows of a volunteer (same pairs, minutes and caps) once: two 64-bit hashes of the content,
    # over two fixed pseudo-random keys per pair (splitmix64; numpy.random cost 10 ms to import)
    idx = np.arange(len(pair_vol), dtype=np.uint64)
    r1 = splitmix(idx * np.uint64(0x9E3779B97F4A7C15) + np.uint64(20261129))
    r2 = splitmix(idx * np.uint64(0xD1B54A32D192ED03) + np.uint64(1129))
    m = e_min.astype(np.uint64)
    with np.errstate(over="ignore"):
        h1 = np.add.reduceat(r1[e_pair] * (m + np.uint64(1)), starts)
        h2 = np.add.reduceat(r2[e_pair] ^ (m * np.uint64(0x9E3779B97F4A7C15)), starts)
    sig = np.stack([rvol, h1.view(np.int64), h2.view(np.int64), count_cap, minutes_cap, size], axis=1)[keep]
    kept_rows = np.flatnonzero(keep)
    if len(kept_rows):
        _, first = np.unique(sig, axis=0, return_index=True)
        kept_rows = kept_rows[np.sort(first)]
    lo, hi = starts[kept_rows], starts[kept_rows] + size[kept_rows]
    lens = hi - lo
    take = np.repeat(lo, lens) + (np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens))
    return WeekRows(
        vol=rvol[kept_rows],
        week=(rkey % p.n_weeks)[kept_rows],
        count_cap=count_cap[kept_rows],
        minutes_cap=minutes_cap[kept_rows],
        count_binds=count_binds[kept_rows],
        minutes_binds=minutes_binds[kept_rows],
        ptr=np.r_[0, np.cumsum(lens)].astype(np.int64),
        pair=e_pair[take],
        minutes=e_min[take],
    )


def _fits_left(p: Problem, c: Candidates, ks: np.ndarray, load: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per candidate in `ks`: in every week of its need, an assignment and the need's minutes are left."""
    ok = np.ones(len(ks), dtype=bool)
    if len(ks) == 0:
        return ok
    e_pair, e_week, e_min = _week_entries(p, c.vol[ks], c.need[ks])
    vols = c.vol[ks][e_pair]
    count, mins = _left(p, vols, vols * p.n_weeks + e_week, load)
    bad = (count < 1) | ((mins >= 0) & (e_min > mins))
    ok[np.unique(e_pair[bad])] = False
    return ok


def _overlaps_fixed(p: Problem, c: Candidates, ks: np.ndarray, fixed_by_vol: dict[int, list[int]]) -> np.ndarray:
    """Per candidate in `ks`: its need overlaps one of the volunteer's fixed needs (C3)."""
    fv = np.array([v for v, js in fixed_by_vol.items() for _ in js], dtype=np.int64)
    fj = np.array([j for js in fixed_by_vol.values() for j in js], dtype=np.int64)
    out = np.zeros(len(ks), dtype=bool)
    if len(ks) == 0 or len(fv) == 0:
        return out
    order = np.argsort(fv, kind="stable")
    fv, fj = fv[order], fj[order]
    lo = np.searchsorted(fv, c.vol[ks], side="left")
    hi = np.searchsorted(fv, c.vol[ks], side="right")
    n = hi - lo
    k_rep = np.repeat(np.arange(len(ks)), n)
    f_at = np.repeat(lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
    a = p.n_time_class[c.need[ks][k_rep]]
    b = p.n_time_class[fj[f_at]]
    lo_c, hi_c = np.minimum(a, b), np.maximum(a, b)
    combos, inv = np.unique(np.stack([lo_c, hi_c], axis=1), axis=0, return_inverse=True)
    hit = classes_overlap_many(p, combos[:, 0], combos[:, 1])
    if len(hit):
        out[np.unique(k_rep[hit[inv.reshape(-1)]])] = True
    return out


def build_instance(p: Problem, c: Candidates) -> Instance:
    """Committed pairs and kept pins fixed; the free pairs that still fit beside them."""
    pins, conflicts = settle_pins(p)
    fixed_pairs = [*p.committed, *pins]
    need_cap = p.n_headcount.copy()
    vol_fixed = np.zeros(p.n_volunteers, dtype=np.int64)
    fixed_by_vol: dict[int, list[int]] = {}
    fixed: list[tuple[int, int, int]] = []
    key = c.vol * max(1, p.n_needs) + c.need  # candidates are grouped by need: look fixed pairs up by key
    if fixed_pairs:
        order = np.argsort(key, kind="stable")
        fv = np.array([v for v, _ in fixed_pairs], dtype=np.int64)
        fj = np.array([j for _, j in fixed_pairs], dtype=np.int64)
        at = order[np.searchsorted(key[order], fv * max(1, p.n_needs) + fj)]
        np.subtract.at(need_cap, fj, 1)
        np.add.at(vol_fixed, fv, 1)
        for v, j, k in zip(fv.tolist(), fj.tolist(), at.tolist(), strict=True):
            fixed_by_vol.setdefault(v, []).append(j)
            fixed.append((v, j, k))
    need_cap = np.maximum(need_cap, 0)

    keep = need_cap[c.need] > 0
    if fixed_by_vol:
        ks = np.flatnonzero(keep & np.isin(c.vol, np.fromiter(fixed_by_vol, dtype=np.int64)))
        fixed_keys = np.array([v * max(1, p.n_needs) + j for v, j in fixed_pairs], dtype=np.int64)
        load = _fixed_load(p, fixed_by_vol)
        ok = ~np.isin(key[ks], fixed_keys) & _fits_left(p, c, ks, load) & ~_overlaps_fixed(p, c, ks, fixed_by_vol)
        keep[ks[~ok]] = False
    idx = np.flatnonzero(keep)
    pair_vol, pair_need = c.vol[idx].astype(np.int32), c.need[idx].astype(np.int32)
    rows_all = _vol_bound(p, pair_vol, pair_need, fixed_by_vol)
    minutes_cap = p.v_minutes_cap.copy()
    for v, js in fixed_by_vol.items():
        if minutes_cap[v] >= 0:
            minutes_cap[v] = max(0, int(minutes_cap[v]) - int(p.n_week_minutes[js].sum(axis=0).max(initial=0)))
    return Instance(
        n_volunteers=p.n_volunteers,
        n_needs=p.n_needs,
        pair_vol=pair_vol,
        pair_need=pair_need,
        pair_priority=p.n_priority[c.need[idx]].astype(np.int64),
        pair_fit=c.fit[idx].astype(np.int64),
        pair_cand=idx,
        need_cap=need_cap,
        vol_cap=rows_all,
        vol_minutes_cap=minutes_cap,
        pair_minutes=p.n_minutes[c.need[idx]].astype(np.int64),
        spread=p.weights.spread,
        vol_fixed=vol_fixed,
        fixed=fixed,
        committed=set(p.committed),
        fixed_by_vol=fixed_by_vol,
        conflicts=conflicts,
        problem=p,
    )


def _vol_bound(p: Problem, pair_vol: np.ndarray, pair_need: np.ndarray,
               fixed_by_vol: dict[int, list[int]]) -> np.ndarray:
    """An upper bound on the free pairs each volunteer can hold at once in the horizon: for any
    week w, at most what is left that week of the pairs active in w, plus every other pair."""
    nv = p.n_volunteers
    pv = pair_vol.astype(np.int64)
    n_pairs = np.bincount(pv, minlength=nv).astype(np.int64)
    e_pair, e_week, _ = _week_entries(p, pair_vol, pair_need)
    if len(e_pair) == 0:
        return n_pairs
    keys, size = np.unique(pv[e_pair] * p.n_weeks + e_week, return_counts=True)
    rvol = keys // p.n_weeks
    count_left, _ = _left(p, rvol, keys, _fixed_load(p, fixed_by_vol))
    slack = count_left - size  # ≤ 0 where the week binds
    best = np.zeros(nv, dtype=np.int64)
    np.minimum.at(best, rvol, slack)
    return np.asarray(np.clip(n_pairs + best, 0, n_pairs))


_NO_GROUPS = (np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))


def overlap_cliques(p: Problem, inst: Instance, vols: np.ndarray) -> list[np.ndarray]:
    """`overlap_groups` as one array per group."""
    members, ptr = overlap_groups(p, inst, vols)
    return np.split(members, ptr[1:-1]) if len(members) else []


def overlap_groups(p: Problem, inst: Instance, vols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """C3 as at-most-one groups: for each volunteer who may take two or more assignments,
    the maximal sets of their candidate needs active at one instant, not one constraint per
    conflicting pair. A sweep over occurrence start and end points (ends before starts at the
    same minute: occurrences are half-open), for every volunteer at once in numpy: a group is
    what is active at a start that the next event of that volunteer ends; the same group at
    another instant (a weekly need's next week) is kept once. Groups in order of volunteer,
    then of their first instant."""
    multi = np.zeros(p.n_volunteers, dtype=bool)
    multi[vols] = True
    multi &= inst.vol_cap >= 2
    pv = inst.pair_vol.astype(np.int64)
    sel = np.flatnonzero(multi[pv])
    if len(sel) < 2:
        return _NO_GROUPS
    sel = sel[np.argsort(pv[sel], kind="stable")]
    # each selected pair's occurrences (its need's time class)
    occ_len = np.array([len(o) for o in p.class_occ], dtype=np.int64)
    occ_ptr = np.r_[0, np.cumsum(occ_len)]
    occ_all = np.concatenate(p.class_occ).reshape(-1, 2) if occ_ptr[-1] else np.zeros((0, 2), dtype=np.int64)
    cls = p.n_time_class[inst.pair_need[sel].astype(np.int64)]
    reps = occ_len[cls]
    o_pair = np.repeat(sel, reps)
    o_row = ranges(occ_ptr[cls], reps)
    o_start, o_end = occ_all[o_row, 0], occ_all[o_row, 1]
    o_vol = pv[o_pair]
    m = len(o_pair)
    if m < 2:
        return _NO_GROUPS
    # events: (volunteer, time, end before start)
    ev_vol = np.r_[o_vol, o_vol]
    ev_time = np.r_[o_start, o_end]
    ev_kind = np.r_[np.ones(m, dtype=np.int64), np.zeros(m, dtype=np.int64)]
    order = np.lexsort((ev_kind, ev_time, ev_vol))
    k_sorted, v_sorted, t_sorted = ev_kind[order], ev_vol[order], ev_time[order]
    q = np.flatnonzero((k_sorted[:-1] == 1) & (k_sorted[1:] == 0) & (v_sorted[:-1] == v_sorted[1:]))
    q_vol, q_time = v_sorted[q], t_sorted[q]
    # what is active at each such start: the volunteer's occurrences with start <= t < end, found among
    # those starting in (t - longest, t]; the long ones (overnight) apart, so the short ones' window is short
    dur = o_end - o_start
    cut = int(np.percentile(dur, 90))
    parts_q: list[np.ndarray] = []
    parts_m: list[np.ndarray] = []
    for tier in (dur <= cut, dur > cut):
        idx_t = np.flatnonzero(tier)
        if len(idx_t) == 0:
            continue
        span = int(dur[idx_t].max())
        shift = int(max(o_end.max(), o_start.max()) + span + 2)
        okey = o_vol[idx_t] * shift + o_start[idx_t]
        o_ord = idx_t[np.argsort(okey, kind="stable")]
        okey_s = o_vol[o_ord] * shift + o_start[o_ord]
        hi = np.searchsorted(okey_s, q_vol * shift + q_time, side="right")
        lo = np.searchsorted(okey_s, q_vol * shift + q_time - span, side="right")
        lens = hi - lo
        flat = ranges(lo, lens)
        qid_t = np.repeat(np.arange(len(q)), lens)
        occ_i = o_ord[flat]
        on = o_end[occ_i] > q_time[qid_t]
        parts_q.append(qid_t[on])
        parts_m.append(o_pair[occ_i[on]])
    qid, mem = np.concatenate(parts_q), np.concatenate(parts_m)
    by_q = np.argsort(qid, kind="stable")
    qid, mem = qid[by_q], mem[by_q]
    if _self_overlapping(p.class_occ):  # a need whose own occurrences overlap: one entry per pair
        key2 = np.unique(qid * (inst.n_pairs + 1) + mem)
        qid, mem = key2 // (inst.n_pairs + 1), key2 % (inst.n_pairs + 1)
    # the same set at another instant (a weekly need's next week) once
    cuts = np.flatnonzero(np.diff(qid)) + 1
    return unique_groups(mem, np.r_[0, cuts, len(mem)].astype(np.int64), inst.n_pairs)


def ranges(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """start[0] … start[0] + length[0] − 1, then the next range, and so on, as one array."""
    offset = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    out: np.ndarray = np.repeat(start, length) + offset
    return out


def unique_groups(members: np.ndarray, ptr: np.ndarray, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """The groups (members, ptr) with two or more members, each set once (the first of equal ones kept,
    order kept): equal sets found by a hash of their members (a sum of well-mixed 64-bit words, one per
    pair, which wraps) and their size, as one key. (A group's sum is a difference of running sums, and
    the words come from `splitmix`: `np.add.at`, a two-row `np.unique(axis=1)` and numpy.random's import
    took 0.15-0.3 s of the 90 000-pair rows.)"""
    del n_pairs  # (the words are a function of the pair's index)
    size = np.diff(ptr)
    good = np.flatnonzero(size >= 2)
    if len(good) == 0:
        return _NO_GROUPS
    word = splitmix(members.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    run = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(word, dtype=np.uint64)])
    key = run[ptr[good + 1]] - run[ptr[good]] + splitmix(size[good].astype(np.uint64))  # wrapping
    _, first = np.unique(key, return_index=True)  # the first of each key
    kept = np.zeros(len(size), dtype=bool)
    kept[good[first]] = True
    sel = np.repeat(kept, size)
    return members[sel], np.r_[0, np.cumsum(size[kept])].astype(np.int64)


def _self_overlapping(class_occ: list[np.ndarray]) -> bool:
    """Whether some time class has two occurrences that overlap each other."""
    for occ in class_occ:
        if len(occ) >= 2:
            o = occ[np.argsort(occ[:, 0], kind="stable")]
            if (o[1:, 0] < np.maximum.accumulate(o[:-1, 1])).any():
                return True
    return False
