"""The fit level's bound by volunteer patterns: a Dantzig–Wolfe decomposition of `fit_level`'s model.

The fit LP (coverage held by a row) leaves a gap that no pricing closes: at 2 700 x 700 with everyone
available (90 000 pairs) its optimum is 18 147.6 where the best plan is 18 044, 0.57 % below, and the
gap is the volunteers' own rows (weeks, overlaps, hours) meeting the spread and the coverage row: with
only C1, the spread and the coverage row the LP is within 2 of the plan. So the volunteers' rows are
kept whole here. A *pattern* is a set of one volunteer's pairs that keeps every row of theirs; the
master LP chooses at most one pattern per volunteer (convexity), with each need's places (C1) and the
coverage row p* as its only other rows:

    max Σ_q c_q z_q   s.t.   Σ_q (places of need j in q) z_q ≤ open places of j,
                             Σ_q (priority of q) z_q ≥ p*,   Σ_{q of v} z_q ≤ 1 per volunteer,  z ≥ 0

with c_q its pairs' fit less the spread they add. Its columns come from pricing: under duals μ ≥ 0 (C1)
and λ ≥ 0 (coverage; the ≥ row's dual is −λ), each volunteer's best pattern by
Σ (fit − μ_j + λ·priority) − spread is found exactly
(`price`: every subset of the pairs worth anything, at most `ENUM_MAX` of them, in numpy, the runner-up
joining too; a volunteer with more: a greedy pattern, the LP of their rows over it, and a branch and bound
where the LP is above the greedy). Any such duals bound the level (Lagrangian, the C1 and coverage rows
relaxed, every volunteer's rows kept):

    fit ≤ Σ_j μ_j · places_j − λ·p* + Σ_v max(0, best pattern of v)

which is valid whatever the duals, so every round's bound holds and the best is kept. The rounds price at
a point between the best bound's duals and the master's (Wentges' smoothing), which keeps the master's
first, wild duals from throwing the bound away (without it the second round's bound was 123 867), and
the large volunteers by the greedy alone until it finds nothing new, then one round exactly (the first round
is exact: the centre's bound). Measured at that register: the fit LP's duals give 18 109.8 at once, then
21 rounds (5 of them exact for the large volunteers) reach 18 062, within 0.1 % of the plan of 18 044
that a branch and bound over the patterns found (the fit level's own was 18 040), in 7-8 s when first
built; 3.3 s by December (a faster machine), 2.4 s since the greedy steps through every volunteer at once
and the exact rounds' LP goes to highspy without presolve (each exact round now about 0.2 s, its branch
and bound most of it). Too slow for the fit level's 1.2 s, so it runs only when asked
(`MipOptions.fit_patterns_time`).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from matcher.flow import fit_of, spread_cost
from matcher.instance import Instance
from matcher.mip import Rows, _floor, _Highs, _quiet, highs_lp

ENUM_MAX = 12  # a volunteer with up to this many pairs worth anything: every subset, in numpy
CHUNK = 4_000_000  # entries of one block of subset loads (volunteers × rows × subsets), at most


@dataclass
class Blocks:
    """Each volunteer's own rows, over the view's pairs: every row of the fit model but C1 and the spread
    rows (the spread is counted per pattern), all of them rows of one volunteer."""

    entry_row: np.ndarray
    entry_pair: np.ndarray
    entry_coef: np.ndarray
    upper: np.ndarray  # per row
    sub: Rows  # the same rows with the spread rows and their units (the branch and bound's, for big volunteers)
    sub_row_vol: np.ndarray  # per row of `sub`: its volunteer
    _by_pair: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def by_pair(self, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
        """(the entries in order of their pair, each of the `n_pairs` pairs' first place in that order and
        one past the last pair's), made once."""
        if self._by_pair is None:
            order = np.argsort(self.entry_pair, kind="stable")
            self._by_pair = order, np.r_[0, np.cumsum(np.bincount(self.entry_pair, minlength=n_pairs))]
        return self._by_pair


def volunteer_blocks(view: Instance, rows: Rows) -> Blocks | None:
    """The blocks of `rows` (`build_rows(view, spread=True)`), or None where a row other than C1 holds
    two volunteers' pairs or has a lower bound (no decomposition by volunteer then)."""
    n_rows = rows.n_rows
    c1 = rows.need_rows()
    spread_row = np.zeros(n_rows, dtype=bool)
    spread_row[rows.unit_row] = True
    if np.isfinite(rows.lower[~c1]).any() or (rows.entry_coef[~c1[rows.entry_row]] < 0).any():
        return None  # (pricing drops the pairs worth nothing: sound only where no row has a floor or a minus)
    pv = view.pair_vol.astype(np.int64)
    er, ep = rows.entry_row, rows.entry_pair
    lo = np.full(n_rows, np.iinfo(np.int64).max)
    hi = np.full(n_rows, -1, dtype=np.int64)
    np.minimum.at(lo, er, pv[ep])
    np.maximum.at(hi, er, pv[ep])
    if np.any((lo != hi)[~c1 & (hi >= 0)]):
        return None
    own = ~c1 & ~spread_row
    e = own[er]
    keep = ~c1
    new_id = np.cumsum(keep) - 1
    es = keep[er]
    sub = Rows(new_id[er[es]], ep[es], rows.entry_coef[es], rows.lower[keep], rows.upper[keep],
               new_id[rows.unit_row], rows.unit_cost, None)  # fmt: skip
    sub_row_vol = np.zeros(sub.n_rows, dtype=np.int64)
    sub_row_vol[sub.entry_row] = pv[sub.entry_pair]
    return Blocks(er[e], ep[e], rows.entry_coef[e], rows.upper.copy(), sub, sub_row_vol)


def _places(view: Instance, rows: Rows) -> np.ndarray:
    """Each need's places as the rows have them (their C1 row's room, where it has one), else the view's."""
    cap = view.need_cap.astype(np.float64)
    if rows.need_row is not None:
        has = rows.need_row >= 0
        cap[has] = rows.upper[rows.need_row[has]]
    return cap


def _worth(view: Instance, w: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Per volunteer, the worth of their pairs in `chosen` under weights `w`, less the spread they add."""
    pv = view.pair_vol.astype(np.int64)
    k = np.bincount(pv[chosen], minlength=view.n_volunteers).astype(np.float64)
    worth = np.bincount(pv[chosen], weights=w[chosen], minlength=view.n_volunteers)
    return np.asarray(worth - spread_cost(view.spread, view.vol_fixed.astype(np.float64), k))



@dataclass
class Priced:
    value: np.ndarray  # per volunteer: their best pattern's worth (≥ 0: the empty one; 0 for the overflow)
    chosen: np.ndarray  # bool per pair: the best patterns' pairs
    overflow: np.ndarray  # volunteers not priced: more than ENUM_MAX pairs worth something
    second: np.ndarray  # bool per pair: each volunteer's second best pattern, where it is worth something


def price(view: Instance, blocks: Blocks, w: np.ndarray) -> Priced:
    """Each volunteer's best pattern under pair weights `w` (spread counted), exactly, by every subset of
    their pairs worth something; those with more than ENUM_MAX such pairs are returned as `overflow`
    instead."""
    nv = view.n_volunteers
    pv = view.pair_vol.astype(np.int64)
    value = np.zeros(nv)
    chosen = np.zeros(view.n_pairs, dtype=bool)
    # a pair worth nothing never helps: dropping one breaks no row (all are ≤ rows with coefficients ≥ 0)
    pos = np.flatnonzero(w > 1e-9)
    m_all = np.bincount(pv[pos], minlength=nv)
    overflow = np.flatnonzero(m_all > ENUM_MAX)
    pos = pos[m_all[pv[pos]] <= ENUM_MAX]
    second = np.zeros(view.n_pairs, dtype=bool)
    if len(pos) == 0:
        return Priced(value, chosen, overflow, second)
    pos = pos[np.argsort(pv[pos], kind="stable")]
    vol = pv[pos]
    m_of = np.bincount(vol, minlength=nv)
    first = np.r_[0, np.cumsum(m_of)][:-1]
    local = np.arange(len(pos)) - first[vol]  # the pair's place among its volunteer's
    at = np.full(view.n_pairs, -1, dtype=np.int64)
    at[pos] = np.arange(len(pos))
    # the rows that can bind among the pairs worth something
    sel = at[blocks.entry_pair] >= 0
    r_all, p_all, c_all = blocks.entry_row[sel], at[blocks.entry_pair[sel]], blocks.entry_coef[sel]
    load = np.bincount(r_all, weights=c_all, minlength=len(blocks.upper))
    b = (load > blocks.upper + 1e-9)[r_all]
    r_b, p_b, c_b = r_all[b], p_all[b], c_all[b]
    # a row that takes any one of its pairs but no two (the overlap groups, most rows: up to 445 of them for
    # one volunteer's 12 pairs at 2 700 x 700 everyone) is kept as conflicts, a bit mask per pair of the
    # volunteer's others it excludes; the other rows by their loads
    n_all = len(blocks.upper)
    c_min = np.full(n_all, np.inf)
    c_max = np.zeros(n_all)
    np.minimum.at(c_min, r_b, c_b)
    np.maximum.at(c_max, r_b, c_b)
    clique = (2 * c_min > blocks.upper + 1e-9) & (c_max <= blocks.upper + 1e-9)
    on_c = clique[r_b]
    if on_c.any():  # a pair twice in one row (loads add up: alone it may be over the room) is read by loads
        key = r_b[on_c] * len(pos) + p_b[on_c]
        u, seen = np.unique(key, return_counts=True)
        if (seen > 1).any():
            clique[u[seen > 1] // len(pos)] = False
            on_c = clique[r_b]
    conf = np.zeros(len(pos), dtype=np.int64)  # per pair worth something: the bits of the pairs it excludes
    if on_c.any():
        r_c, p_c = r_b[on_c], p_b[on_c]
        bit = np.left_shift(1, local[p_c])
        row_mask = np.zeros(n_all, dtype=np.int64)
        np.bitwise_or.at(row_mask, r_c, bit)
        np.bitwise_or.at(conf, p_c, row_mask[r_c] & ~bit)
    r_b, p_b, c_b = r_b[~on_c], p_b[~on_c], c_b[~on_c]
    rows_b = np.unique(r_b)
    row_vol = np.zeros(len(blocks.upper), dtype=np.int64)
    row_vol[r_b] = vol[p_b]
    n_rows_v = np.bincount(row_vol[rows_b], minlength=nv)
    row_first = np.r_[0, np.cumsum(n_rows_v)][:-1]
    by_vol = rows_b[np.argsort(row_vol[rows_b], kind="stable")]
    row_local = np.zeros(len(blocks.upper), dtype=np.int64)
    row_local[by_vol] = np.arange(len(by_vol)) - row_first[row_vol[by_vol]]
    fixed = view.vol_fixed.astype(np.float64)
    for m in np.unique(m_of[m_of > 0]):
        vs_all = np.flatnonzero(m_of == m)
        s_int = np.arange(1 << m, dtype=np.int64)
        s_bits = ((s_int[:, None] >> np.arange(m)[None, :]) & 1).astype(bool)  # S × m
        subsets = s_bits.astype(np.float64)
        k = subsets.sum(axis=1)
        r_max = int(n_rows_v[vs_all].max())
        per = max(1, CHUNK // (max(1, r_max) * len(subsets)))
        for s in range(0, len(vs_all), per):
            vs = vs_all[s : s + per]
            idx = first[vs][:, None] + np.arange(m)[None, :]  # V × m positions in `pos`
            vals = w[pos[idx]] @ subsets.T - spread_cost(view.spread, fixed[vs][:, None], k[None, :])
            if r_max:
                slot = np.full(nv, -1, dtype=np.int64)
                slot[vs] = np.arange(len(vs))
                mine = slot[vol[p_b]] >= 0
                a = np.zeros((len(vs), r_max, m))
                np.add.at(a, (slot[vol[p_b[mine]]], row_local[r_b[mine]], local[p_b[mine]]), c_b[mine])  # twice: 2c
                up = np.full((len(vs), r_max), np.inf)
                rb = rows_b[slot[row_vol[rows_b]] >= 0]
                up[slot[row_vol[rb]], row_local[rb]] = blocks.upper[rb]
                ok: np.ndarray = np.asarray((a @ subsets.T <= up[:, :, None] + 1e-9).all(axis=1))
                ok[:, 0] = True  # the empty pattern: no pair, so whatever a row's room, nothing added to it
                vals = np.where(ok, vals, -np.inf)
            conf_v = conf[idx]  # V × m
            if conf_v.any():
                bad = np.zeros(vals.shape, dtype=bool)
                for j in range(m):  # a subset with pair j and a pair j excludes
                    bad |= s_bits[None, :, j] & ((conf_v[:, j, None] & s_int[None, :]) != 0)
                vals[bad] = -np.inf
            rows_v = np.arange(len(vs))
            best = np.argmax(vals, axis=1)  # the empty subset (0) is always there, worth 0
            value[vs] = vals[rows_v, best]
            chosen[pos[idx][subsets[best] > 0.5]] = True
            vals[rows_v, best] = -np.inf  # and the runner-up, a second column where worth something
            nxt = np.argmax(vals, axis=1)
            worth = vals[rows_v, nxt] > 1e-9
            second[pos[idx[worth]][subsets[nxt[worth]] > 0.5]] = True
    return Priced(value, chosen, overflow, second)


@dataclass
class PatternResult:
    bound: float  # the best bound of the rounds (inf: none)
    plan: np.ndarray | None  # the best plan over the master's columns, where it beat the plan given
    rounds: int
    stats: dict[str, object] = field(default_factory=dict)


class _Master:
    """The master LP in one highspy model: rows C1 (per need), coverage, convexity (per volunteer)."""

    def __init__(self, view: Instance, p_star: int, places: np.ndarray) -> None:
        import highspy

        self.view = view
        self.nn, self.nv = view.n_needs, view.n_volunteers
        self.h = _quiet(highspy.Highs)
        for key, val in (("output_flag", False), ("random_seed", 0)):
            self.h.setOptionValue(key, val)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        n_r = self.nn + 1 + self.nv
        lower = np.r_[np.full(self.nn, -np.inf), [float(p_star)], np.full(self.nv, -np.inf)]
        upper = np.r_[places, [np.inf], np.ones(self.nv)]
        self.h.addRows(n_r, lower, upper, 0, np.zeros(n_r, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        self.seen: set[tuple[int, ...]] = set()
        self.patterns: list[np.ndarray] = []  # per column: its pairs

    def add(self, chosen: np.ndarray, vols: np.ndarray) -> int:
        """The patterns of `chosen` (bool per pair) of the volunteers `vols`, those not in yet; how many."""
        view = self.view
        pv = view.pair_vol.astype(np.int64)
        on = np.zeros(self.nv, dtype=bool)
        on[vols] = True
        pairs = np.flatnonzero(chosen & on[pv])
        if len(pairs) == 0:
            return 0
        pairs = pairs[np.argsort(pv[pairs], kind="stable")]
        starts = np.r_[0, np.flatnonzero(np.diff(pv[pairs])) + 1, len(pairs)]
        fixed = view.vol_fixed.astype(np.float64)
        added = 0
        for a, b in itertools.pairwise(starts):
            q = pairs[a:b]
            key = tuple(q.tolist())
            if key in self.seen:
                continue
            self.seen.add(key)
            v = int(pv[q[0]])
            cost = float(view.pair_fit[q].sum()) - float(spread_cost(view.spread, fixed[v], np.float64(len(q))))
            idx = np.r_[view.pair_need[q].astype(np.int64), [self.nn], [self.nn + 1 + v]].astype(np.int32)
            val = np.r_[np.ones(len(q)), [float(view.pair_priority[q].sum())], [1.0]]
            self.h.addCol(cost, 0.0, np.inf, len(idx), idx, val)
            self.patterns.append(q)
            added += 1
        return added

    def solve(self) -> tuple[float, np.ndarray, float, np.ndarray] | None:
        """(value, μ per need, λ, the convexity rows' duals per volunteer), or None if not optimal."""
        import highspy

        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        y = np.asarray(self.h.getSolution().row_dual, dtype=np.float64)
        nn = self.nn
        return float(self.h.getInfo().objective_function_value), y[:nn], float(y[nn]), y[nn + 1 :]

    def integer_plan(self, hint: np.ndarray, time_limit: float) -> np.ndarray | None:
        """A branch and bound over the patterns found (each 0 or 1), from the plan `hint`: a plan, since a
        pattern keeps its volunteer's rows and the master the rest (C1, coverage)."""
        import highspy

        view = self.view
        pv = view.pair_vol.astype(np.int64)
        k = len(self.patterns)
        self.h.changeColsIntegrality(k, np.arange(k, dtype=np.int32), np.ones(k, dtype=np.uint8))
        for key, val in (("time_limit", float(self.h.getRunTime() + max(0.01, time_limit))), ("mip_rel_gap", 0.0),
                         ("mip_abs_gap", 0.999)):  # fmt: skip
            self.h.setOptionValue(key, val)
        per_vol = np.bincount(pv[hint], minlength=self.nv)
        sol = highspy.HighsSolution()
        sol.col_value = [float(hint[q].all() and per_vol[pv[q[0]]] == len(q)) for q in self.patterns]
        sol.value_valid = True
        self.h.setSolution(sol)
        self.h.run()
        found = self.h.getInfo().primal_solution_status == 2
        z = np.asarray(self.h.getSolution().col_value)
        # the master an LP again, for rounds after this one
        self.h.changeColsIntegrality(k, np.arange(k, dtype=np.int32), np.zeros(k, dtype=np.uint8))
        self.h.setOptionValue("time_limit", math.inf)
        if not found:
            return None
        plan = np.zeros(view.n_pairs, dtype=bool)
        for q, zq in zip(self.patterns, z, strict=True):
            if zq > 0.5:
                plan[q] = True
        return plan


def _price_big(
    view: Instance, blocks: Blocks, w: np.ndarray, vols: np.ndarray, h: _Highs, deadline: float
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The best patterns of the volunteers `vols` (too many pairs to enumerate): (value per volunteer,
    chosen per pair, what the bound must add above the values' sum), or None out of time. A greedy
    pattern each, the LP of their rows (one for them all) above it; a branch and bound over the pairs of
    those whose LP is above their greedy pattern, the rest's greedy patterns being their best."""
    nv = view.n_volunteers
    pv = view.pair_vol.astype(np.int64)
    on, cols = _worth_something(view, w, vols)
    value, chosen = _greedy_big(view, blocks, w, vols, cols)
    if len(cols) == 0:
        return value, chosen, 0.0
    sub = blocks.sub
    lp = _screen_lp(sub, w, cols, deadline - time.perf_counter())
    if lp is None:
        return None
    xs, units = lp
    lp_v = np.bincount(pv[cols], weights=w[cols] * xs, minlength=nv).astype(np.float64)
    if len(sub.unit_row):
        lp_v += np.bincount(blocks.sub_row_vol[sub.unit_row], weights=sub.unit_cost * units, minlength=nv)
    gap = on & (lp_v > value + 1e-6)
    # the greedy's pattern is taken as the best where the LP is not above it; what the LP says beyond it (up
    # to 1e-6 each) and 1e-6 more each for the LP's own tolerance go into the bound, so that it stays a bound
    slack = float((np.maximum(lp_v - value, 0.0) + 1e-6)[on & ~gap].sum())
    if not gap.any():
        return value, chosen, slack
    cols = cols[gap[pv[cols]]]
    res, xs, _u, _y = h.solve(sub, w, cols, integer=True, time_limit=deadline - time.perf_counter(),
                              abs_gap=1e-6, rel_gap=0.0, hint=chosen)  # fmt: skip
    if not len(res.solutions):
        return None
    found = np.zeros(view.n_pairs, dtype=bool)
    found[cols[xs > 0.5]] = True
    v_found = _worth(view, w, found)
    better = gap & (v_found > value)
    value[better] = v_found[better]
    chosen[better[pv]] = found[better[pv]]
    dual = float(res.termination.objective_bounds.dual_bound)
    return value, chosen, slack + (max(0.0, dual - float(value[gap].sum())) if math.isfinite(dual) else math.inf)


def _screen_lp(sub: Rows, w: np.ndarray, cols: np.ndarray, time_limit: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The LP of the volunteers' own rows `sub` over the pairs `cols` under weights `w`: (x per col, the
    spread units per unit of `sub`), or None out of time. By the dual simplex without presolve, passed to
    highspy whole: 0.02 s at 2 700 x 700 everyone's 6 800 pairs of 200 volunteers, where MathOpt with
    HiGHS's presolve took 0.15 s (presolve off there: 0.07 s)."""
    import highspy

    h, a = highs_lp(sub, w, cols, {"presolve": "off", "solver": "simplex"}, time_limit)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    vals = np.asarray(h.getSolution().col_value, dtype=np.float64)
    units = np.zeros(len(sub.unit_row))
    units[a.u_idx] = vals[len(cols) :]
    return vals[: len(cols)], units


def _worth_something(view: Instance, w: np.ndarray, vols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a mask of the volunteers `vols`, their pairs worth something under `w`)."""
    on = np.zeros(view.n_volunteers, dtype=bool)
    on[vols] = True
    return on, np.flatnonzero((w > 1e-9) & on[view.pair_vol.astype(np.int64)])


def _greedy_big(
    view: Instance, blocks: Blocks, w: np.ndarray, vols: np.ndarray, cols: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A good pattern per volunteer of `vols` (not the best: for columns, not for the bound): their pairs
    worth something by worth (`cols`, if the caller has them), each taken where it keeps their rows and adds
    more than its spread. All the volunteers at once, one step per place in their order (each row is one
    volunteer's, so no two pairs of a step share a row): 0.006 s a round where one volunteer at a time
    took 0.027 s (2 700 x 700 everyone, 200 volunteers, 6 500 pairs)."""
    nv = view.n_volunteers
    pv = view.pair_vol.astype(np.int64)
    if cols is None:
        cols = _worth_something(view, w, vols)[1]
    chosen = np.zeros(view.n_pairs, dtype=bool)
    value = np.zeros(nv)
    if len(cols) == 0:
        return value, chosen
    cols = cols[np.lexsort((-w[cols], pv[cols]))]
    vol = pv[cols]
    starts = np.r_[0, np.flatnonzero(np.diff(vol)) + 1]
    rank = np.arange(len(cols)) - np.repeat(starts, np.diff(np.r_[starts, len(cols)]))
    by_rank = np.argsort(rank, kind="stable")
    step_ptr = np.r_[0, np.cumsum(np.bincount(rank))]
    order, ptr = blocks.by_pair(view.n_pairs)
    load = np.zeros(len(blocks.upper))
    need = np.zeros(len(blocks.upper))  # one step's pairs' loads per row (a pair twice in a row: twice)
    k = np.zeros(nv)
    done = np.zeros(nv, dtype=bool)
    fixed = view.vol_fixed.astype(np.float64)
    for a, b in itertools.pairwise(step_ptr.tolist()):
        at = by_rank[a:b]
        at = at[~done[vol[at]]]
        p, v = cols[at], vol[at]
        cost = view.spread * (fixed[v] + k[v])
        stop = w[p] <= cost  # by worth: every later pair of theirs is worth no more, and costs more
        done[v[stop]] = True
        p, v, cost = p[~stop], v[~stop], cost[~stop]
        n_e = ptr[p + 1] - ptr[p]
        e = order[np.repeat(ptr[p] - np.r_[0, np.cumsum(n_e)[:-1]], n_e) + np.arange(int(n_e.sum()))]
        r, owner = blocks.entry_row[e], np.repeat(np.arange(len(p)), n_e)
        np.add.at(need, r, blocks.entry_coef[e])
        over = load[r] + need[r] > blocks.upper[r] + 1e-9
        take = np.bincount(owner[over], minlength=len(p)) == 0
        taken = take[owner]
        load[r[taken]] += need[r[taken]]  # (a row twice: the same sum written twice)
        need[r] = 0.0
        chosen[p[take]] = True
        value[v[take]] += w[p[take]] - cost[take]  # (one pair of each volunteer a step)
        k[v[take]] += 1
    return value, chosen


def _lp_patterns(view: Instance, blocks: Blocks, x: np.ndarray) -> list[np.ndarray]:
    """Patterns read off an LP's solution `x` (per pair): per volunteer the pairs at 1, above one half, and
    above 0, each where it keeps the volunteer's rows."""
    got = []
    for cut in (1 - 1e-6, 0.5, 1e-6):
        on = x >= cut
        load = np.bincount(blocks.entry_row, weights=on[blocks.entry_pair] * blocks.entry_coef,
                           minlength=len(blocks.upper))  # fmt: skip
        bad_vol = np.zeros(view.n_volunteers, dtype=bool)
        over = load > blocks.upper + 1e-9
        bad_vol[view.pair_vol[blocks.entry_pair[over[blocks.entry_row]]]] = True
        got.append(on & ~bad_vol[view.pair_vol])
    return got


def _better(
    master: _Master, view: Instance, plan: np.ndarray, better: np.ndarray | None, incumbent: float, deadline: float
) -> tuple[np.ndarray | None, float]:
    """The master's branch and bound from the best plan known (`better`, else `plan`, of fit `incumbent`):
    (the best plan better than `plan` now known, or None; its fit, or `incumbent`)."""
    found = master.integer_plan(plan if better is None else better, deadline - time.perf_counter())
    fit = fit_of(view, found) if found is not None else -math.inf
    return (found, float(fit)) if fit > incumbent else (better, incumbent)


def pattern_bound(
    view: Instance, rows: Rows, plan: np.ndarray, p_star: int, mu: np.ndarray, lam: float, deadline: float,
    h: _Highs, *, incumbent: float, tol: float, x: np.ndarray | None = None, smooth: float = 0.5,
    search_plan: bool = True,
) -> PatternResult | None:
    """The fit level's bound by patterns (module docstring) for the view whose fit rows (`build_rows(view,
    spread=True)`) are `rows`, coverage held at p* (the plan's), from duals `mu` (per need) and `lam` (the
    coverage row's, ≤ 0) and the patterns of that LP's solution `x`, until the bound is within `tol` of
    `incumbent` (the plan's fit) or of the master's LP (the bound these patterns give), or the deadline.
    With `search_plan`, a branch and bound over the patterns found then looks for a better plan; where that
    plan is still further than `tol` below the bound, the rounds go on against it alone, and where they end
    short of it, the branch and bound runs again over the patterns they added (not where the plan is within
    `tol` of the bound already). None where the rows do not split by volunteer."""
    blocks = volunteer_blocks(view, rows)
    if blocks is None:
        return None
    pn = view.pair_need.astype(np.int64)
    fit_f = view.pair_fit.astype(np.float64)
    prio = view.pair_priority.astype(np.float64)
    cap = _places(view, rows)
    every = np.arange(view.n_volunteers)
    master = _Master(view, p_star, cap)
    master.add(plan, every)  # the plan's patterns: the master is feasible from the start
    if x is not None:
        for on in _lp_patterns(view, blocks, x):
            master.add(on, every)
    center = (np.maximum(mu, 0.0), min(lam, 0.0))
    duals = center
    best = math.inf
    rounds = 0
    m_val = -math.inf
    mu_m: np.ndarray | None = None
    lam_m = 0.0
    sigma = np.zeros(view.n_volunteers)
    t_price = t_big = t_master = 0.0
    # the first round exact, at the LP's duals: the smoothing's centre then starts with its own bound
    # (18 109.8 at 2 700 x 700 everyone); priced first by the greedy, the first exact round came at a mixed
    # point (19 167) and made that the centre: 29 rounds to 0.1 %, 21 this way (9.6 -> 7.2 s there)
    greedy = False
    n_exact = 0
    searched = False  # a branch and bound over the patterns has run
    better: np.ndarray | None = None  # the best plan it found, where better than `plan`
    while time.perf_counter() < deadline:
        mu_r, lam_r = duals
        w = fit_f - mu_r[pn] - lam_r * prio
        t = time.perf_counter()
        got = price(view, blocks, w)
        t_price += time.perf_counter() - t
        value, chosen, exact, extra = got.value, got.chosen, True, 0.0
        second = got.second
        if len(got.overflow):
            t = time.perf_counter()
            if greedy:  # the big volunteers' patterns by a greedy first: no bound from this round
                g_val, g_chosen = _greedy_big(view, blocks, w, got.overflow)
                value, chosen, exact = value + g_val, chosen | g_chosen, False
            else:
                big = _price_big(view, blocks, w, got.overflow, h, deadline)
                if big is None:
                    break
                value, chosen, extra = value + big[0], chosen | big[1], big[2]
            t_big += time.perf_counter() - t
        rounds += 1
        n_exact += exact
        if exact:
            bound = float((mu_r * cap).sum()) + lam_r * p_star + float(value.sum()) + extra
            if bound < best:
                best, center = bound, duals
        if best - (incumbent if searched else max(incumbent, m_val)) <= max(tol, 1e-6):
            if searched or not search_plan or m_val <= incumbent + 0.5:
                break
            # within `tol` of the master's LP, not of the plan: the plan the patterns hold, then, where it
            # is still further than `tol` below the bound, the rounds go on against it alone (the bound can
            # still come down towards the master's LP). 2 700 x 700 everyone seed 2: the master at 16 549,
            # the bound 16 562, the plan 16 542 (0.12 %); 7 rounds more, 0.6-1.4 s: 16 555 (within 0.1 %)
            better, incumbent = _better(master, view, plan, better, incumbent, deadline)
            searched = True
            if _floor(best) - incumbent <= tol:
                break
        # the patterns of positive reduced cost under the master's own duals (before its first solve, the
        # LP's: every improving one); each volunteer's best and the runner-up
        w_m = fit_f - mu_m[pn] - lam_m * prio if mu_m is not None else w
        added = 0
        for mask in (chosen, second):
            added += master.add(mask, np.flatnonzero(_worth(view, w_m, mask) - sigma > 1e-6))
        if added == 0 and greedy:  # the greedy found nothing more: this round again, exactly
            greedy = False
            continue
        greedy = True
        if added == 0:
            if mu_m is None or duals[0] is mu_m:
                break  # at the master's own duals, nothing to add: its LP is the bound these rows give
            duals = (mu_m, lam_m)  # a mispriced round: the master's own duals next
            continue
        t = time.perf_counter()
        solved = master.solve()
        t_master += time.perf_counter() - t
        if solved is None:
            break
        m_val, mu_m, lam_m, sigma = solved
        mu_m, lam_m = np.maximum(mu_m, 0.0), min(lam_m, 0.0)
        c_mu, c_lam = center
        duals = (smooth * c_mu + (1 - smooth) * mu_m, smooth * c_lam + (1 - smooth) * lam_m)
    stats: dict[str, object] = {"pattern_rounds": (rounds, n_exact), "patterns": len(master.patterns),
                                "pattern_master": round(m_val, 3) if math.isfinite(m_val) else None,
                                "pattern_bound": round(best, 3) if math.isfinite(best) else None,
                                "pattern_seconds": [round(t, 3) for t in (t_price, t_big, t_master)]}  # fmt: skip
    if (search_plan and time.perf_counter() < deadline and m_val > incumbent + 0.5
            and _floor(best) - incumbent > tol):  # fmt: skip
        better, incumbent = _better(master, view, plan, better, incumbent, deadline)
    return PatternResult(float(_floor(best)) if math.isfinite(best) else math.inf, better, rounds, stats)
