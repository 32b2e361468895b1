"""The exact engine: the LP relaxation with pricing, then HiGHS's branch and bound on the pairs that can matter.

Where the flow relaxation breaks an overlap (C3) or an hour limit (C2), the region is
solved as a 0-1 programme, one level at a time (coverage, then fit with coverage held):

    x_p ∈ {0, 1} per candidate pair
    C1   Σ_{p of need j} x_p ≤ open places of j
    C2   Σ_{p of volunteer v} x_p ≤ assignments left;  Σ minutes_p x_p ≤ minutes left
    C3   Σ_{p ∈ K} x_p ≤ 1 for every overlap clique K (`Instance.cliques`)
    fit  the spread penalty as convex units u_{v,k} ∈ [0, 1]:  Σ_v x − Σ_k u_{v,k} ≤ free_v

Above `direct_max_pairs` the coverage level is first reduced to its core (`coverage_core`:
the pairs no binding side row holds are fixed, exactly), and the fit level follows with
coverage held (`fit_level`). The assignment structure has a tight LP relaxation (tighter
with the hour groups of `_hour_groups`), so each level starts with the LP
over a *restricted* set of pairs (the flow's choice and the best candidates of each
need). Its duals price every other pair (reduced cost c_p − a_pᵀy, numpy over all
pairs); pairs that could improve the LP are added until none can. The duals then give
an upper bound for the whole region (Lagrangian: Σ b_i y_i + Σ_p max(0, rc_p)), and
a pair whose reduced cost is below −(bound − incumbent) cannot be in any better plan,
so HiGHS's branch and bound runs only over the pairs above that line: its optimum is
the region's optimum, proven. Everything is built in bulk from numpy into a MathOpt
`ModelProto` and solved with the HiGHS bundled in the OR-Tools wheel (no new
dependency). HiGHS is deterministic, and so is everything here: the same input gives
the same plan on every run.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.math_opt import callback_pb2, model_parameters_pb2, model_pb2, parameters_pb2, result_pb2
from ortools.math_opt.core.python import solver

from matcher.flow import fit_bound_terms, fit_of, spread_cost
from matcher.instance import Instance, ranges, restrict, splitmix

EPS = 1e-6
HighsOptions = dict[str, float | int | bool | str]  # HiGHS's own options by name
# solve_large's fills look for a plan that reaches a known bound, not for a proof: a small cut pool (HiGHS's
# default 10 000) ends the root's cut loop sooner and lets its heuristics find it (20 000 x 5 000, the fill
# that closed the last 11 points: 13.7 s at the default, 6.0-8.4 s at 20-400; a hard-needs proof: no gain), and
# cuts leave its LP after 3 rounds unused instead of 10 (`mip_lp_age_limit`): the tier 3 interior fills that
# reach the bound at 20 000 x 5 000, captured, seeds 1/2/3/5: 0.97-1.05 / 0.40-0.50 / 1.31-1.42 / 1.79-1.87 s
# against 1.95-2.00 / 0.38-0.41 / 1.67-1.76 / 4.79-4.91 s (two runs each); seed 4's, which falls short of a
# loose bound and proves its support's optimum, 13.2 s against 6.1 s (that register is not proven in 30 s
# either way)
FILL_OPTIONS: HighsOptions = {"mip_pool_soft_limit": 100, "mip_lp_age_limit": 3}
# the large coverage LP's presolve without its doubleton-equation rule: after it, postsolve left the dual
# simplex 12 000 iterations to restore the optimal basis at 20 000 x 5 000 (2 300 without: its rounds
# 1.2-1.9 s instead of 1.5-3.2 s); no gain measured on the LPs of smaller regions, so only there
LARGE_LP_OPTIONS: HighsOptions = {"presolve_rule_off": 1 << 9}
# solve_large's hard-needs proof without HiGHS's root reduced-cost heuristic (a sub-MIP over the pairs the root LP's
# reduced costs do not fix): at 20 000 x 5 000 the proof found its optimum by RINS at the end of the root all the
# same, and took 3.3-3.6 / 6.8-6.9 / 1.6-1.7 s instead of 4.0-4.6 / 7.6-7.7 / 1.8-2.1 s (seeds 1-3, this machine,
# two runs each of the captured models). No gain on the fills or the fit's RINS, so only there. And a cut pool of
# 30 (HiGHS's default 10 000; almost all of the proof is its root cut loop): over the ten hard proofs of nine
# registers (seeds 1-9, seed 7's two rounds; captured, medians of 3 alternating) 35.9 s in all against 46.0 s,
# nine faster (seed 8 7.45 -> 5.34 s, seed 2 6.45 -> 4.46, seed 6 6.01 -> 4.44), seed 9 slower (3.98 -> 5.67);
# 50 and 100 gained less, 300 nothing (1 December, fifth session)
HARD_OPTIONS: HighsOptions = {"mip_heuristic_run_root_reduced_cost": False, "mip_pool_soft_limit": 30}
# solve_large's interior RENS: the pairs the interior point uses above this value form the fill's support. Pairs
# it barely uses (below 0.05) left out, the fill's branch and bound over the rest reached the same bound in less
# time at 20 000 x 5 000 (this machine, tier 3: seeds 1, 2, 3, 5 2.8/1.2/5.0/8.9 s against 4.6/1.5/7.8/10.7 s
# with every pair above 1e-6, its supports 13-14 000 pairs instead of 17-22 000); where it falls short, the
# next tier follows as before
FILL_SUPPORT_MIN = 0.05
# solve_large's first-round probe of an interior fill (cut off at the bound): where the support cannot reach
# it, HiGHS's presolve and root LP say so in 0.1-0.35 s at 20 000 x 5 000; a fill that can reach it pays this
FILL_PROBE_SECONDS = 0.4
# `solve_large`'s fit bound by the relaxation (`flow.fit_bound_terms`) waits this long before its flow (which
# holds the GIL) so as not to hold up the coverage LP's model being built (three flows started at once made
# that phase 1.3-2 s longer at 20 000 x 5 000 seed 2)
FLOW_BOUND_PAUSE = 0.6
# `solve_level`'s bound by volunteer patterns before its last branch and bound: seconds at most, and only
# where the LP's bound, rounded down, is at most this far above the plan. Measured over whole solves (1 December): bench
# 2 000 x 500 everyone, cores of 42-44 000 pairs with the LP 1.0-1.3 above the plan, 8.6 -> 3.8-4.2 s and
# 7.9 -> 2.9-3.4 s (proven by the patterns); 10 000 x 2 500 realistic, the LP 2.4-3.0 above, the patterns
# reached 4 498.4 over a plan of 4 497 in their 2 s and cost 2-3.7 s (12.6-14.9 s against 10.7-11.1 s)
# (there the LP, rounded down, is 2 above the plan when they would start)
PATTERNS_LEVEL_MAX = 2.0
PATTERNS_LEVEL_GAP = 1


@dataclass
class MipOptions:
    time_limit: float = 30.0  # seconds for both levels together (a safety net: proofs come well before)
    fit_rel_gap: float = 0.001  # fit level: within 0.1 % (0 = proven)
    first_per_need: int = 4  # pairs per need (beyond the flow's) in the first restricted LP, × open places
    max_rounds: int = 30  # pricing rounds per level
    one_pass: bool = True  # both levels in one objective (measured faster than two passes)
    direct_max_pairs: int = 20_000  # up to this many pairs: one branch and bound, no pricing
    core_direct_max_pairs: int = 5_000  # above it the coverage core is priced (`solve_level`), not branched on
    # (1 December, bench seeds, whole solve: everyone 2 000 x 500 cores of 42-44k pairs 1.9/8.0/7.9 s priced
    # against 12.1/10.6/9.1 branched, 1 500 x 400 core 24k 1.6 against 4.7; 10 000 x 2 500 realistic cores of
    # 31-40k 12.0/12.2/16.5 against 14.1/13.7/19.1; 6 000 x 1 500 core 9 200 2.5-2.7 against 3.0-3.1, core
    # 2 400 even. Once, on older code, 10 000 x 2 500 had measured 6.1-11 s branched, 9.2-13.8 s priced)
    # the coverage core's last branch and bound (`solve_level`'s, over the pairs above the reduced-cost line): above
    # this many pairs the core goes to `solve_large`'s decomposition instead (`_core_then_fit`). Registers with two
    # volunteers per need (4 000 x 2 000, 3 000 x 1 500, 10 000 x 2 500) reached it with 15 900-39 000 pairs and
    # spent 11-29 s there (5 000 x 2 500: cut by the limit, not proven); the decomposition proved them in 3-13 s.
    # (the fit level after it as before). The registers whose core the LP settles (6 000 x 1 500, 2 700 x 700
    # everyone, 2 000 x 500 everyone) never reach it
    core_handoff_pairs: int = 10_000
    fit_time_limit: float = 1.5  # above direct_max_pairs, once coverage is proven: seconds for `fit_level`
    # `fit_level`'s time: the LP's pricing rounds (its bound, its columns), then the branch and bound with the
    # LP's whole pairs held in all the time left, then the neighbourhoods and more pricing in what it leaves
    fit_lp_share: float = 0.8  # of the fit level's seconds, at most: the LP stops where it stalls …
    fit_lp_stall: float = 1e-3  # … a round that raised its value by less than this share of it, where its bound
    # is as close to it (a stalled LP whose duals still price much above it goes on: see `_price`) …
    fit_lp_min_rounds: int = 4  # … after at least this many rounds, past fit_time_limit if need be (one round at
    # 10 000 x 2 500: fit 42 832, bound 71 601; two: 43 438, 46 901, for 1.5 s more). The rounds after the
    # first are warm and cheap (0.2-0.3 s at 10 000 x 2 500, whose first takes 2 s), and two left the bound
    # where the machine's speed put it: 2 700 x 700 everyone 18 665 (2.9 %) in one run, 18 238 (0.59 %) in the
    # next; with four and the stall rule 0.59 % each time, and 10 000 x 2 500 realistic seeds 1 and 2 1.2 % and
    # 0.88 % instead of 4.3 % and 3.6 %, the solve as long within the noise (1 December, third session)
    fit_mip_min: float = 1.0  # the branch and bound's seconds at least, past fit_time_limit if need be …
    fit_mip_lp_ratio: float = 1.0  # … and at least this many times the fit LP's seconds (a busy machine's floor)
    fit_bound_share: float = 0.4  # of what the branch and bound leaves: LP rounds for the bound (the rest: `_fit_lns`)
    fit_price_per_need: int = 16  # `fit_level`'s pricing: pairs that join per need and round (4: twice the rounds)
    fit_rc_slack: float = 1.0  # `fit_level`'s branch and bounds: pairs of reduced cost above -this join the priced ones
    fit_per_need: int = 3  # `fit_level` and solve_large's fit polish: the best pairs by fit per need to start from
    # solve_large's fit polish: its seconds once coverage is done, within the time limit …
    large_fit_time_limit: float = 3.0
    # … or this many times the coverage LP's seconds, if more: RINS took 0.35-0.42 of the LP's time at 20 000 x
    # 5 000 (2.1 s beside 5-6 s; 5.3 s beside 13.7 s on a busy machine, where the fixed 3 s left the coverage
    # plan's fit, 66 065 of 98 738); RINS gets all of the polish's time (80 % where the free branch and bound
    # follows, so 0.6 leaves it 0.48)
    large_fit_lp_ratio: float = 0.6
    large_fit_min: float = 1.0  # … and the seconds held back for it from the coverage steps, at least …
    # … or this many times the coverage LP's seconds, if more (a slow machine's polish needs more than 1 s: 20 000 x
    # 5 000 seed 4, whose coverage runs to the limit, LP 8.7 s, kept the coverage plan's fit, 71 611, in the 1 s
    # left, where RINS reaches 100 000 or so; RINS took 0.1-0.15 of the LP's seconds at the proven seeds there)
    large_fit_hold_lp_ratio: float = 0.25
    # … and, where the caller grants the free branch and bound seconds (`fit_patterns_time`), the least time
    # left after RINS for it to start: at 20 000 x 5 000 it
    # took 1.6 s to stop at a 0.7 s limit (HiGHS's presolve alone is 1.5 s there) and found nothing
    large_fit_free_min: float = 2.0
    # the polish's LP (`_fit_guide`): its rounds (at 20 000 x 5 000 seed 1, made from the plan's pairs after
    # the coverage steps, one: fit 99 145 in 0.8 s; two: 99 583 in 1.9 s; three: 99 966 in 4.6 s, the LP's
    # rounds from scratch 0.4, 1.0, 1.7 s; made beside the coverage steps, three gained 0.03-0.1 % and cost
    # their wait), the share of the polish's time they may take when made after the coverage steps, and the
    # weight of a priority point in its objective, in units of the largest a pair's fit and the spread can be
    large_fit_lp_rounds: int = 2
    large_fit_guide_share: float = 0.6
    large_fit_guide_weight: float = 20.0
    # solve_large: pricing rounds of the coverage LP (it only sorts needs: no need to finish), the first
    # over this many pairs per need (as first_per_need). 20 000 x 5 000, seeds 1 and 2, in-process total:
    # 3 rounds from 4 per need 30.6-33.1 s, 33.3 s; 2 from 6: 26.1-30.0 s, 31.2 s (fewer hard needs at seed 1)
    large_lp_rounds: int = 2
    large_first_per_need: int = 6
    # `fit_level`: seconds more for the bound by volunteer patterns (`matcher.patterns`) where the LP leaves the
    # fit further than fit_rel_gap from its bound; 0: not (at 90 000 pairs it proves in 15-25 s, not in 1.5)
    fit_patterns_time: float = 0.0


@dataclass
class Rows:
    """The region's constraint rows in coordinate form over its pairs (and the spread units)."""

    entry_row: np.ndarray  # per entry
    entry_pair: np.ndarray
    entry_coef: np.ndarray
    lower: np.ndarray  # per row
    upper: np.ndarray
    # spread units: continuous columns, each in one row, costing spread*(pinned + k)
    unit_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unit_cost: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    need_row: np.ndarray | None = None  # per need: its C1 row, −1 where it has no more candidates than places

    @property
    def n_rows(self) -> int:
        return len(self.upper)

    def need_rows(self) -> np.ndarray:
        """Per row: whether it is a need's C1 row (`need_row`)."""
        c1 = np.zeros(self.n_rows, dtype=bool)
        if self.need_row is not None:
            c1[self.need_row[self.need_row >= 0]] = True
        return c1


def build_rows(
    view: Instance, *, spread: bool, cliques: list[np.ndarray] | None = None, short_long: bool = True
) -> Rows:
    """C1, C2 (count and minutes), C3 and, with `spread`, the spread rows, over all the view's pairs;
    C3 from `cliques` where given (any at-most-one groups that hold: a restricted set's), else the view's;
    the hour groups of `_hour_groups` (without `short_long`, only the long entries' groups)."""
    n = view.n_pairs
    idx = np.arange(n, dtype=np.int64)
    pv = view.pair_vol.astype(np.int64)
    pn = view.pair_need.astype(np.int64)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    uppers: list[np.ndarray] = []
    n_rows = 0

    def group(keys: np.ndarray, members: np.ndarray, coef: np.ndarray, cap: np.ndarray) -> None:
        """One row per distinct key whose members could exceed the cap."""
        nonlocal n_rows
        if len(keys) == 0:
            return
        # keys are small non-negative ints (a need, a volunteer, a week row, a group): counted, not sorted
        size = int(keys.max()) + 1
        load = np.bincount(keys, weights=coef.astype(np.float64), minlength=size)
        binding = (np.bincount(keys, minlength=size) > 0) & (load > cap[:size])
        if not binding.any():
            return
        keep = binding[keys]
        new_id = np.cumsum(binding) - 1
        rows.append(n_rows + new_id[keys[keep]])
        cols.append(members[keep])
        coefs.append(coef[keep].astype(np.float64))
        uppers.append(cap[:size][binding].astype(np.float64))
        n_rows += int(binding.sum())

    ones = np.ones(n)
    group(pn, idx, ones, view.need_cap)  # C1
    need_row = np.full(view.n_needs, -1, dtype=np.int64)
    if n:
        has = np.unique(pn)
        has = has[np.bincount(pn, minlength=view.n_needs)[has] > view.need_cap[has]]
        need_row[has] = np.arange(len(has))
    group(pv, idx, ones, view.vol_cap)  # an upper bound on a volunteer's assignments (implied by C2)
    # C2 per ISO week: the rows of `Instance.week_rows`, the one definition every engine reads
    w = view.week_rows
    if cliques is None:
        members, ptr = view.groups
    else:
        members, ptr = _flat(cliques)
    extra = (np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    if len(w):
        r_of = np.repeat(np.arange(len(w)), np.diff(w.ptr))
        k_max = _fitting(r_of, w.minutes, w.minutes_cap, len(w))
        count_cap = np.minimum(w.count_cap, k_max)  # no more than the week's hours let fit: a tighter LP
        group(r_of, w.pair, np.ones(len(r_of)), count_cap)
        mb = w.minutes_binds[r_of]
        group(r_of[mb], w.pair[mb], w.minutes[mb].astype(np.float64), w.minutes_cap)
        extra = _hour_groups(r_of, w.pair, w.minutes, w.minutes_cap, short_long=short_long)
    if len(extra[0]):
        m2, p2 = extra
        members, ptr = np.concatenate([members, m2]), np.concatenate([ptr, ptr[-1] + p2[1:]])
    if len(members):  # C3
        sizes = np.diff(ptr)
        group(np.repeat(np.arange(len(sizes)), sizes), members.astype(np.int64),
              np.ones(len(members)), np.ones(len(sizes)))  # fmt: skip
    unit_row = np.zeros(0, dtype=np.int64)
    unit_cost = np.zeros(0, dtype=np.float64)
    if spread and view.spread > 0 and n:
        per_vol = np.bincount(pv, minlength=view.n_volunteers)
        fixed = view.vol_fixed.astype(np.int64)
        cap = np.minimum(view.vol_cap.astype(np.int64), per_vol)
        free = (fixed == 0).astype(np.int64)  # the first assignment costs nothing
        units = np.maximum(cap - free, 0)
        vs = np.flatnonzero(units > 0)
        if len(vs):
            row_of = np.full(view.n_volunteers, -1, dtype=np.int64)
            row_of[vs] = n_rows + np.arange(len(vs))
            sel = row_of[pv] >= 0
            rows.append(row_of[pv[sel]])
            cols.append(idx[sel])
            coefs.append(np.ones(int(sel.sum())))
            uppers.append(free[vs].astype(np.float64))
            n_rows += len(vs)
            reps = units[vs]
            unit_row = np.repeat(row_of[vs], reps)
            kth = np.arange(len(unit_row)) - np.repeat(np.cumsum(reps) - reps, reps)  # 0-based
            unit_cost = -float(view.spread) * (np.repeat(fixed[vs] + free[vs], reps) + kth)
    if rows:
        er, ep, ec = np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs)
        up = np.concatenate(uppers)
    else:
        er = ep = np.zeros(0, dtype=np.int64)
        ec = up = np.zeros(0)
    return Rows(er, ep, ec, np.full(len(up), -np.inf), up, unit_row, unit_cost, need_row)


def without_spread(rows: Rows) -> Rows:
    """`build_rows(view, spread=False)` from `build_rows(view, spread=True)`: the spread rows come last."""
    if len(rows.unit_row) == 0:
        return rows
    return _kept_rows(rows, np.arange(rows.n_rows) < int(rows.unit_row.min()))


def _flat(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Groups as (members, ptr)."""
    if not groups:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    sizes = np.array([len(c) for c in groups], dtype=np.int64)
    return np.concatenate(groups).astype(np.int64), np.r_[0, np.cumsum(sizes)].astype(np.int64)


def _fitting(row: np.ndarray, minutes: np.ndarray, cap: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row: how many of its entries fit its minutes at best (the smallest first); no limit: all."""
    order = np.lexsort((minutes, row))
    r = row[order]
    csum = np.cumsum(minutes[order])
    starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1] if len(r) else np.zeros(0, dtype=np.int64)
    before = np.repeat(np.r_[0, csum][starts], np.diff(np.r_[starts, len(r)]))
    limit = cap[r]
    fits = (limit < 0) | (csum - before <= limit)
    return np.bincount(r[fits], minlength=n_rows)


def _hour_groups(
    row: np.ndarray, pair: np.ndarray, minutes: np.ndarray, cap: np.ndarray, *, short_long: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """C2 hours as at-most-one groups (members, ptr), from each week row with a minutes limit C:
    the entries longer than C/2 (any two together are too long), and for each shorter entry j, j with
    every entry longer than C − m_j (each too long beside j; all longer than C/2, so they exclude each
    other too). Two entries whose minutes add up beyond C never both hold: the LP learns what the
    count row cannot (measured: at bench 6000x1500 the coverage LP's bound fell from 5975.2 to 5972.8,
    under the optimum plus one)."""
    lim = cap[row]
    on = np.flatnonzero(lim >= 0)
    if len(on) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    shift = int(max(int(minutes[on].max()), int(lim[on].max())) * 2 + 2)
    key = row[on].astype(np.int64) * shift + minutes[on]
    by_key = np.argsort(key, kind="stable")
    order, key = on[by_key], key[by_key]
    r, m, c = row[order].astype(np.int64), minutes[order].astype(np.int64), lim[order].astype(np.int64)
    end = np.searchsorted(key, r * shift + shift - 1, side="right")  # one past each entry's row
    groups_m: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    # the long entries of each row, together
    big = 2 * m > c
    heads = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    first_big = np.searchsorted(key, r[heads] * shift + c[heads] // 2, side="right")
    n_big = end[heads] - first_big
    first_big, n_big = first_big[n_big >= 2], n_big[n_big >= 2]
    if len(n_big):
        groups_m.append(order[ranges(first_big, n_big)])
        sizes.append(n_big)
    # each short entry with the entries too long beside it
    small = np.flatnonzero(~big) if short_long else np.zeros(0, dtype=np.int64)
    s_from = np.searchsorted(key, r[small] * shift + (c[small] - m[small]), side="right")
    n_long = end[small] - s_from
    keep = n_long >= 1
    small, s_from, n_long = small[keep], s_from[keep], n_long[keep]
    if len(small):
        size = n_long + 1
        starts = np.cumsum(size) - size
        members = np.empty(int(size.sum()), dtype=np.int64)
        members[starts] = order[small]
        rest = np.ones(len(members), dtype=bool)
        rest[starts] = False
        members[rest] = order[ranges(s_from, n_long)]
        groups_m.append(members)
        sizes.append(size)
    if not groups_m:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    from matcher.instance import unique_groups

    sz = np.concatenate(sizes)
    mem = pair[np.concatenate(groups_m)].astype(np.int64)
    return unique_groups(mem, np.r_[0, np.cumsum(sz)].astype(np.int64), int(pair.max()) + 1)


def with_row(rows: Rows, coef: np.ndarray, lower: float, upper: float = np.inf) -> Rows:
    """The rows plus one row lower ≤ Σ coef_p x_p ≤ upper over every pair (coverage held or capped)."""
    n = len(coef)
    r = rows.n_rows
    return Rows(
        np.concatenate([rows.entry_row, np.full(n, r, dtype=np.int64)]),
        np.concatenate([rows.entry_pair, np.arange(n, dtype=np.int64)]),
        np.concatenate([rows.entry_coef, coef.astype(np.float64)]),
        np.concatenate([rows.lower, [lower]]),
        np.concatenate([rows.upper, [upper]]),
        rows.unit_row,
        rows.unit_cost,
        rows.need_row,
    )


def _last_row_bounds(rows: Rows, lower: float, upper: float) -> Rows:
    """The same rows, sharing their entries, with other bounds on the last (the row `with_row` added)."""
    return replace(rows, lower=np.r_[rows.lower[:-1], lower], upper=np.r_[rows.upper[:-1], upper])


@dataclass
class _Lp:
    x: np.ndarray  # per pair (0 outside the restricted set)
    units: np.ndarray
    y: np.ndarray  # per row
    value: float


@dataclass
class _Assembled:
    """A model over the pairs `cols` (columns 0..k−1) and the spread units of their rows (k..): the rows
    with an entry among `cols` (`used`, renumbered in order), their entries, and the objective."""

    used: np.ndarray  # bool per row of `rows`
    row: np.ndarray  # per entry: its row among the used ones
    col: np.ndarray
    coef: np.ndarray
    obj: np.ndarray  # per column
    u_idx: np.ndarray  # the spread units kept (indices into rows.unit_row)


def _search_ended(res: Any) -> bool:
    """A branch and bound that ran to its end (an optimum, or none to find: a cutoff pruned everything), not
    one stopped by a limit or by reaching its target."""
    return res.termination.reason in (result_pb2.TERMINATION_REASON_OPTIMAL, result_pb2.TERMINATION_REASON_INFEASIBLE)


OPTIMAL = result_pb2.TERMINATION_REASON_OPTIMAL  # MathOpt's termination reason for a proven optimum
HANDED_OVER = "handed to the decomposition"  # `solve_level` stopped before its last branch and bound (`last_mip_max`)


def _ended_as(reason: int) -> str:
    """A termination reason in the stats: "optimal", else its number."""
    return "optimal" if reason == OPTIMAL else f"termination {reason}"


def _assemble(rows: Rows, cost: np.ndarray, cols: np.ndarray) -> _Assembled:
    """Only rows with an entry among `cols` enter (a restricted set touches few of the region's rows)."""
    k = len(cols)
    pos = np.full(len(cost), -1, dtype=np.int64)
    pos[cols] = np.arange(k)
    sel = pos[rows.entry_pair] >= 0
    used = np.zeros(rows.n_rows, dtype=bool)
    used[rows.entry_row[sel]] = True
    new_row = np.cumsum(used) - 1
    keep_u = used[rows.unit_row] if len(rows.unit_row) else np.zeros(0, dtype=bool)
    if len(rows.unit_row):  # a spread row needs no more units than it has pairs in the model
        in_row = np.bincount(rows.entry_row[sel], minlength=rows.n_rows)
        ur = rows.unit_row
        starts = np.r_[0, np.flatnonzero(np.diff(ur)) + 1]
        rank = np.arange(len(ur)) - np.repeat(starts, np.diff(np.r_[starts, len(ur)]))
        keep_u &= rank < in_row[ur]
    u_idx = np.flatnonzero(keep_u)
    return _Assembled(
        used=used,
        row=np.concatenate([new_row[rows.entry_row[sel]], new_row[rows.unit_row[u_idx]]]),
        col=np.concatenate([pos[rows.entry_pair[sel]], k + np.arange(len(u_idx))]),
        coef=np.concatenate([rows.entry_coef[sel], -np.ones(len(u_idx))]),
        obj=np.concatenate([cost[cols].astype(np.float64), rows.unit_cost[u_idx]]),
        u_idx=u_idx,
    )


_BANNER_LOCK = threading.Lock()
_banner_done = False


def _quiet(make: Callable[[], Any]) -> Any:
    """`make()` (a highspy.Highs) without HiGHS's banner: the process's first Highs writes it to the C-level
    standard output before any option can turn the log off, and `samspill solve` writes its plan there.
    The first one is made with file descriptor 1 pointed at /dev/null; later ones write nothing."""
    global _banner_done
    with _BANNER_LOCK:
        if _banner_done:
            return make()
        import os

        from matcher.stdio import descriptor_1_to

        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            with descriptor_1_to(devnull):
                made = make()
        finally:
            os.close(devnull)
        _banner_done = True
        return made


def quiet_highs_banner() -> None:
    """Make the process's first Highs now (`_quiet`), so that HiGHS's banner never reaches standard output
    and no later solve points file descriptor 1 away: a long-running process (the server, the plan
    worker) calls this at start-up, before other threads write there (a line written elsewhere while
    descriptor 1 pointed at /dev/null would be lost)."""
    import highspy

    _quiet(highspy.Highs)


class _Cancel:
    """Stops an `_interior` that runs in another thread: before it starts, or while it runs (highspy's
    user interrupt, polled at each interior point iteration)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._highs: Any = None

    def attach(self, highs: Any) -> bool:
        """Before the run: False if already cancelled."""
        with self._lock:
            if self._cancelled:
                return False
            highs.HandleUserInterrupt = True
            self._highs = highs
            return True

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._highs is not None:
                self._highs.cancelSolve()


def highs_lp(
    rows: Rows, cost: np.ndarray, cols: np.ndarray, options: HighsOptions, time_limit: float, *,
    lower: np.ndarray | None = None,
) -> tuple[Any, _Assembled]:
    """A highspy model of the LP maximising cost·x over the pairs `cols` (bounds `lower` per col, else 0, and
    1) and their rows' spread units, passed whole (no MathOpt protos), not yet run; with the assembly, whose
    columns after the pairs are the units `u_idx`."""
    import highspy

    a = _assemble(rows, cost, cols)
    k, n_col = len(cols), len(a.obj)
    order = np.lexsort((a.row, a.col))  # column-wise
    start = np.zeros(n_col + 1, dtype=np.int32)
    np.cumsum(np.bincount(a.col, minlength=n_col), out=start[1:])
    lo = np.zeros(n_col)
    if lower is not None:
        lo[:k] = lower
    h = _quiet(highspy.Highs)
    for key, val in (("output_flag", False), ("time_limit", float(max(0.01, time_limit))), ("random_seed", 0),
                     *options.items()):  # fmt: skip
        h.setOptionValue(key, val)
    h.passModel(n_col, int(a.used.sum()), len(a.coef), 1, -1, 0.0, a.obj, lo, np.ones(n_col),
                rows.lower[a.used].astype(np.float64), rows.upper[a.used].astype(np.float64), start[:-1],
                a.row[order].astype(np.int32), a.coef[order].astype(np.float64), np.zeros(n_col, dtype=np.int32))
    return h, a


def _interior(
    rows: Rows, cost: np.ndarray, cols: np.ndarray, *, fixed: np.ndarray, time_limit: float,
    cancel: _Cancel | None = None,
) -> tuple[np.ndarray, float] | None:
    """The LP over the pairs `cols` (`fixed` ones at 1) by HiGHS's interior point method, stopped before
    crossover: a point inside the optimal face, so its support holds the pairs that optimal LP solutions
    use, where a simplex vertex holds few (presolve's reductions may still settle some pairs at a
    vertex's values; without presolve the 20 000 x 5 000 fills' LPs took 0.1-1.2 s longer for the same
    supports). (x per column of `cols`, LP value), or None where it found none in the time. Through
    highspy: MathOpt's HiGHS reports no solution without crossover. Rows without spread units only (the
    fills' rows)."""
    import highspy

    assert len(rows.unit_row) == 0
    h, _a = highs_lp(rows, cost, cols, {"solver": "ipm", "run_crossover": "off"}, time_limit,
                     lower=fixed[cols].astype(np.float64))  # fmt: skip
    if cancel is not None and not cancel.attach(h):
        return None
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2 or h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None  # out of time, or not solved to the interior point's tolerance: no support to trust
    x = np.clip(np.asarray(h.getSolution().col_value, dtype=np.float64), 0.0, 1.0)
    return x, float(info.objective_function_value)


def _interior_over(
    view: Instance, cols: np.ndarray, cost: np.ndarray, fixed: np.ndarray, deadline: float, cancel: _Cancel
) -> tuple[np.ndarray, float] | None:
    """`_interior` over the view's pairs `cols` (cost per pair of the view, `fixed` per col) with the fills'
    rows (no spread, the long hour groups only), built on the calling thread (the worker's)."""
    rows = _mip_rows(view, cols, spread=False, short_long=False)[1]
    return _interior(rows, cost[cols], np.arange(len(cols)), fixed=fixed, time_limit=deadline - time.perf_counter(),
                     cancel=cancel)


class _Highs:
    """HiGHS through MathOpt's solver core, fed with protos built from numpy (no per-variable Python)."""

    def __init__(self) -> None:
        self.pb, self.mp, self.par = model_pb2, model_parameters_pb2, parameters_pb2
        self.cb, self.solver = callback_pb2, solver

    def solve(
        self,
        rows: Rows,
        cost: np.ndarray,
        cols: np.ndarray,
        *,
        integer: bool,
        time_limit: float,
        rel_gap: float = 0.0,
        abs_gap: float = 0.999,
        hint: np.ndarray | None = None,
        fixed: np.ndarray | None = None,
        target: float | None = None,
        cutoff: float | None = None,
        options: HighsOptions | None = None,
    ) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None]:
        """Maximise cost·x over the pairs `cols` (and the spread units of their rows); `fixed` (bool per
        pair) holds pairs at 1. Only rows with an entry among `cols` enter the model (a restricted
        set touches few of the region's rows). Returns (result, x_cols, units, duals per row or None)."""
        m = self.pb.ModelProto()
        a = _assemble(rows, cost, cols)
        k, nu = len(cols), len(a.u_idx)
        v = m.variables
        v.ids.extend(range(k + nu))
        lb = np.zeros(k + nu)
        if fixed is not None:
            lb[:k] = fixed[cols].astype(np.float64)
        v.lower_bounds.extend(lb.tolist())
        v.upper_bounds.extend(np.ones(k + nu).tolist())
        v.integers.extend([integer] * k + [False] * nu)
        order = np.lexsort((a.col, a.row))
        c = m.linear_constraints
        n_used = int(a.used.sum())
        c.ids.extend(range(n_used))
        c.lower_bounds.extend(rows.lower[a.used].tolist())
        c.upper_bounds.extend(rows.upper[a.used].tolist())
        mat = m.linear_constraint_matrix
        mat.row_ids.extend(a.row[order].tolist())
        mat.column_ids.extend(a.col[order].tolist())
        mat.coefficients.extend(a.coef[order].tolist())
        m.objective.maximize = True
        nz = np.flatnonzero(a.obj)
        m.objective.linear_coefficients.ids.extend(nz.tolist())
        m.objective.linear_coefficients.values.extend(a.obj[nz].tolist())
        p = self.par.SolveParametersProto()
        p.time_limit.FromNanoseconds(int(max(0.01, time_limit) * 1e9))
        p.enable_output = bool((options or {}).get("output_flag", False))
        if integer:
            p.relative_gap_tolerance = rel_gap
            p.absolute_gap_tolerance = abs_gap  # objectives are integral: below 1 is proven
            if target is not None:  # stop at the first plan this good (HiGHS's own option)
                p.highs.double_options["objective_target"] = target
            if cutoff is not None:  # prune what cannot pass it: a search that cannot reach it ends at once
                # (MathOpt refuses its `cutoff_limit` for HiGHS.) HiGHS takes `objective_bound` as the limit of
                # its own minimisation, unconverted (where `objective_target` is converted by the sense):
                # hence the sign. A HiGHS that converted it too would read -cutoff as no limit at all.
                p.highs.double_options["objective_bound"] = -cutoff
        else:
            p.lp_algorithm = self.par.LP_ALGORITHM_DUAL_SIMPLEX
        for key, val in (options or {}).items():  # HiGHS's own options by name
            if isinstance(val, bool):
                p.highs.bool_options[key] = val
            elif isinstance(val, int):
                p.highs.int_options[key] = val
            elif isinstance(val, float):
                p.highs.double_options[key] = val
            else:
                p.highs.string_options[key] = val
        mp = self.mp.ModelSolveParametersProto()
        if hint is not None and integer:
            h = mp.solution_hints.add()
            on = np.flatnonzero(hint[cols])
            h.variable_values.ids.extend(on.tolist())
            h.variable_values.values.extend([1.0] * len(on))
        init = self.par.SolverInitializerProto()
        res = self.solver.solve(m, self.par.SOLVER_TYPE_HIGHS, init, p, mp, None, self.cb.CallbackRegistrationProto(),
                                None, None)  # fmt: skip
        vals = np.zeros(k + nu)
        y: np.ndarray | None = None
        if len(res.solutions) and res.solutions[0].HasField("primal_solution"):
            s = res.solutions[0].primal_solution.variable_values
            vals[np.asarray(s.ids, dtype=np.int64)] = np.asarray(s.values)
        if len(res.solutions) and res.solutions[0].HasField("dual_solution"):
            d = res.solutions[0].dual_solution.dual_values
            y_used = np.zeros(n_used)
            y_used[np.asarray(d.ids, dtype=np.int64)] = np.asarray(d.values)
            y = np.zeros(rows.n_rows)
            y[a.used] = y_used
        units = np.zeros(len(rows.unit_row))
        units[a.u_idx] = vals[k:]
        return res, vals[:k], units, y


class _WarmLp:
    """The LP over a growing set of pairs (`_price`'s rounds) kept in one highspy model: a round adds its
    new pairs as columns, the rows they enter that the model lacks (and those rows' spread units), and
    re-solves by the primal simplex from the last round's optimal basis. The rows are fixed (built over
    every pair), so a row new to the model has no entry among the pairs already in it: the last optimum,
    new columns at 0, stays feasible and the primal simplex goes on from it. The first round is HiGHS's
    default (presolve, dual simplex). At 2 700 x 700 everyone the coverage LP's three rounds took 0.43,
    0.46 and 0.41 s re-solved from scratch through MathOpt, and 0.25, 0.09 and 0.05 s here (182 and 23
    primal iterations after the first round; from the same basis the dual simplex needed 1 900 and 1 600).
    Not for `solve_large`'s LP: from round 1's basis its round 2 took 12 600 primal iterations, and 15 500
    with its rows kept fixed (every overlap group built up front), slower than MathOpt's presolve and dual
    simplex from scratch; that LP is degenerate enough for the primal simplex to stall."""

    def __init__(self, rows: Rows, cost: np.ndarray) -> None:
        import highspy

        self.rows, self.cost = rows, cost
        self.h = _quiet(highspy.Highs)
        for key, val in (("output_flag", False), ("random_seed", 0)):
            self.h.setOptionValue(key, val)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.row_at = np.full(rows.n_rows, -1, dtype=np.int64)  # each row's index in the model (−1: not in it)
        self.n_rows = 0
        self.has = np.zeros(len(cost), dtype=bool)
        self.pairs = np.zeros(0, dtype=np.int64)  # the model's pair columns, in order
        self.units = np.zeros(0, dtype=np.int64)  # its unit columns (indices into rows.unit_row), in order
        self.col_kind = np.zeros(0, dtype=bool)  # per model column: a pair (True) or a unit
        self.solved = False

    def _add(self, new: np.ndarray) -> None:
        """The pairs `new` (sorted, none in the model yet) as columns, with the rows they enter."""
        rows, h = self.rows, self.h
        joins = np.zeros(len(self.cost), dtype=bool)
        joins[new] = True
        e = np.flatnonzero(joins[rows.entry_pair])  # their entries (a mask: one sort of them all costs more)
        e = e[np.argsort(rows.entry_pair[e], kind="stable")]
        starts = np.searchsorted(rows.entry_pair[e], new)
        er = rows.entry_row[e]
        fresh = np.unique(er[self.row_at[er] < 0])
        if len(fresh):
            self.row_at[fresh] = self.n_rows + np.arange(len(fresh))
            self.n_rows += len(fresh)
            h.addRows(len(fresh), rows.lower[fresh].astype(np.float64), rows.upper[fresh].astype(np.float64), 0,
                      np.zeros(len(fresh), dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))  # fmt: skip
        k = len(new)
        h.addCols(k, self.cost[new].astype(np.float64), np.zeros(k), np.ones(k), len(e),
                  starts.astype(np.int32), self.row_at[er].astype(np.int32),
                  rows.entry_coef[e].astype(np.float64))  # fmt: skip
        self.has[new] = True
        self.pairs = np.concatenate([self.pairs, new])
        self.col_kind = np.concatenate([self.col_kind, np.ones(k, dtype=bool)])
        if len(fresh) and len(rows.unit_row):  # the spread units of the rows that came in
            on = np.zeros(rows.n_rows, dtype=bool)
            on[fresh] = True
            u = np.flatnonzero(on[rows.unit_row])
            if len(u):
                m = len(u)
                h.addCols(m, rows.unit_cost[u].astype(np.float64), np.zeros(m), np.ones(m), m,
                          np.arange(m, dtype=np.int32), self.row_at[rows.unit_row[u]].astype(np.int32),
                          -np.ones(m))  # fmt: skip
                self.units = np.concatenate([self.units, u])
                self.col_kind = np.concatenate([self.col_kind, np.zeros(m, dtype=bool)])

    def solve(self, cols: np.ndarray, limit: float) -> _Lp | None:
        """The LP over the pairs `cols` (a superset of the last round's), or None if not optimal in time."""
        import highspy

        new = cols[~self.has[cols]]
        if len(new):
            self._add(new)
        h = self.h
        if self.solved:  # from the last optimum: columns were added, rows new to the model hold it
            h.setOptionValue("presolve", "off")
            h.setOptionValue("simplex_strategy", 4)  # primal
        h.setOptionValue("time_limit", float(h.getRunTime() + max(0.01, limit)))  # HiGHS's clock runs on
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        self.solved = True
        sol = h.getSolution()
        col_value = np.asarray(sol.col_value, dtype=np.float64)
        x = np.zeros(len(self.cost))
        x[self.pairs] = col_value[self.col_kind]
        units = np.zeros(len(self.rows.unit_row))
        units[self.units] = col_value[~self.col_kind]
        y = np.zeros(self.rows.n_rows)
        inside = self.row_at >= 0
        y[inside] = np.asarray(sol.row_dual, dtype=np.float64)[self.row_at[inside]]
        return _Lp(x, units, y, float(h.getInfo().objective_function_value))


def _lp(
    h: _Highs, rows: Rows, cost: np.ndarray, cols: np.ndarray, limit: float,
    options: HighsOptions | None = None,
) -> _Lp | None:
    res, xs, units, y = h.solve(rows, cost, cols, integer=False, time_limit=limit, options=options)
    # only an optimal LP's duals price and bound: a time-limited basis has duals of any sign
    if res.termination.reason != OPTIMAL or y is None:
        return None
    x = np.zeros(len(cost))
    x[cols] = xs
    return _Lp(x, units, y, float(res.solutions[0].primal_solution.objective_value))


def _best_per_key(idx: np.ndarray, key: np.ndarray, score: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    """The entries of `idx` with the highest scores (`score`, one per entry of `idx`) within each key (need):
    k of them, or k[key] where k is an array over the keys. Ties go to the entry earlier in `idx`."""
    keys = key[idx]
    order = np.lexsort((np.arange(len(idx)), -score, keys))
    sk = keys[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    top: np.ndarray = idx[order[rank < (k[sk] if isinstance(k, np.ndarray) else k)]]
    return top


def _per_need_fit_bound(view: Instance) -> int:
    """Each need's best fits per open place (positive ones), summed: no plan's fit is higher (valid, loose:
    no volunteer counted twice within a need, the spread ignored)."""
    pn = view.pair_need.astype(np.int64)
    take = _best_per_key(np.arange(view.n_pairs), pn, view.pair_fit.astype(np.float64), view.need_cap.astype(np.int64))
    return int(np.maximum(view.pair_fit[take], 0).sum())


def _both_levels(view: Instance) -> tuple[int, int, np.ndarray]:
    """(lowest fit, M, cost): both levels in one objective, priority·M + fit per pair, M above the whole
    fit range (`fit_range`), so that its optimum is the lexicographic one."""
    lo, hi = fit_range(view)
    big = hi - lo + 1
    return lo, big, view.pair_priority.astype(np.float64) * big + view.pair_fit.astype(np.float64)


def _floor(b: float) -> float:
    """The integer bound under a float bound of an integral objective, forgiving float noise only."""
    return float(math.floor(b + 1e-9 * abs(b) + 1e-6)) if math.isfinite(b) else math.inf


def _reduced(rows: Rows, cost: np.ndarray, y: np.ndarray) -> np.ndarray:
    """cost − Aᵀy per pair, over the entries of the rows whose dual is not 0 only (an LP optimum's are few: 5 400 of
    97 000 rows at 20 000 x 5 000); a zero term changes no sum, so the result is the same to the bit."""
    rc: np.ndarray = cost - _column_sums(rows, y, len(cost))
    return rc


def _column_sums(rows: Rows, y: np.ndarray, n: int) -> np.ndarray:
    """Aᵀy for the `n` pairs (the rows' entries weighted by `y` per row), from the rows where `y` is not 0."""
    e = np.flatnonzero((y != 0)[rows.entry_row])
    return np.bincount(rows.entry_pair[e], weights=rows.entry_coef[e] * y[rows.entry_row[e]], minlength=n)


def _lagrangian(rows: Rows, y: np.ndarray, rc: np.ndarray) -> tuple[float, np.ndarray]:
    """An upper bound for the whole region from any duals of the right sign (wrong signs count as 0),
    and the reduced costs under those duals."""
    y_up = np.where(np.isfinite(rows.upper), np.maximum(y, 0.0), 0.0)  # ≤ rows: y ≥ 0 in a maximisation
    y_lo = np.where(np.isfinite(rows.lower), np.minimum(y, 0.0), 0.0)  # ≥ rows: y ≤ 0
    yy = y_up + y_lo
    rc_true = rc + _column_sums(rows, y - yy, len(rc))  # (y − yy: the wrong signs, a few rows)
    unit_rc = rows.unit_cost + yy[rows.unit_row] if len(rows.unit_row) else np.zeros(0)
    b = np.where(yy > 0, rows.upper, 0.0) + np.where(yy < 0, rows.lower, 0.0)
    b = np.where(yy != 0, b, 0.0)
    return float((yy * b).sum() + np.maximum(rc_true, 0).sum() + np.maximum(unit_rc, 0).sum()), rc_true


def _need_kept(rows: Rows, y: np.ndarray, rc_true: np.ndarray, full: float) -> float:
    """The Lagrangian bound of the same duals with each need's C1 row kept instead of priced: per need,
    its best places by reduced cost (the row's dual given back) rather than every pair of positive
    reduced cost plus the row's dual times its places. Never above `full`; much below it where a
    degenerate LP leaves many pairs a little positive (the fit level's). A bound only: the
    reduced-cost line goes on using `full` and `rc_true`, whose terms are per pair."""
    if rows.need_row is None:
        return full
    nr = rows.need_row[rows.need_row >= 0]
    kept = np.zeros(rows.n_rows, dtype=bool)
    kept[nr] = ~np.isfinite(rows.lower[nr])  # ≤ rows only: their dual is y ≥ 0
    ent = kept[rows.entry_row]
    if not ent.any() or np.any(rows.entry_coef[ent] != 1.0):
        return full
    yk = np.where(kept, np.maximum(y, 0.0), 0.0)  # what `full` counted for the kept rows: y·places
    pairs, krow = rows.entry_pair[ent], rows.entry_row[ent]
    rcp = rc_true[pairs] + yk[krow]
    places = np.floor(np.where(kept, rows.upper, 0.0) + 1e-9).astype(np.int64)
    best = _best_per_key(np.arange(len(pairs)), krow, rcp, places)  # each kept row's best places
    counted = float((yk[kept] * rows.upper[kept]).sum()) + float(np.maximum(rc_true[pairs], 0).sum())
    return full - counted + float(np.maximum(rcp[best], 0).sum())


@dataclass
class _Priced:
    lp: _Lp | None  # the last round's LP (None where it did not solve in time)
    bound: float  # the best Lagrangian bound of the rounds
    ub_last: float  # the last round's bound …
    rc_true: np.ndarray  # … and its reduced costs: one dual solution's, for the reduced-cost line
    rounds: int
    warm: _WarmLp  # the model of the rounds, at the last one's optimum
    rc: np.ndarray  # the last round's reduced costs under its duals as they are (the pricing's)


def _price(
    rows: Rows, cost: np.ndarray, inset: np.ndarray, key: np.ndarray, per_key: int, max_rounds: int,
    deadline: float, stall: float = 0.0, min_rounds: int = 0, latest: float | None = None,
    warm: _WarmLp | None = None,
) -> _Priced:
    """Column generation: the LP over the pairs of `inset` (grown in place); its duals price every pair and
    the best `per_key` of positive reduced cost per key (need) join, until none can improve it, after
    `max_rounds`, past the deadline or, with `stall` > 0, once a round raised the LP's value by less than
    `stall` of it and its Lagrangian bound is within `stall` of its value too (an LP that stopped rising
    while its duals still price pairs far above it has not converged: partial pricing had left out the
    pairs that lower its duals); the first `min_rounds` rounds may run past the deadline, up to `latest`. Any round's
    duals bound the whole region (`_lagrangian`). The rounds re-solve one model (`_WarmLp`; `warm`: one
    an earlier call over the same rows and cost left, to go on from)."""
    lp: _Lp | None = None
    bound = ub_last = math.inf
    rc_true = rc = np.zeros(len(cost))
    rounds = 0  # LPs solved
    warm = _WarmLp(rows, cost) if warm is None else warm
    while rounds < max_rounds:
        until = max(deadline, latest) if rounds < min_rounds and latest is not None else deadline
        got = warm.solve(np.flatnonzero(inset), until - time.perf_counter())
        if got is None:  # out of time: the last round's LP stands
            break
        stalled = stall > 0 and lp is not None and got.value - lp.value <= stall * max(1.0, abs(lp.value))
        lp = got
        rounds += 1
        rc = _reduced(rows, cost, lp.y)
        ub_last, rc_true = _lagrangian(rows, lp.y, rc)
        bound = min(bound, ub_last, _need_kept(rows, lp.y, rc_true, ub_last))
        if stalled and ub_last - lp.value <= stall * max(1.0, abs(lp.value)):
            break
        add = np.flatnonzero(~inset & (rc > 1e-7))
        if len(add) == 0 or (time.perf_counter() > deadline and rounds >= min_rounds):
            break
        inset[_best_per_key(add, key, rc[add], per_key)] = True  # partial pricing
    return _Priced(lp, bound, ub_last, rc_true, rounds, warm, rc)


@dataclass
class LevelResult:
    chosen: np.ndarray
    bound: float  # proven upper bound of the level over the region
    proven: bool  # chosen's value equals the bound (within the level's tolerance)
    stats: dict[str, object]


def solve_level(
    h: _Highs,
    rows: Rows,
    cost: np.ndarray,
    value_of: Callable[[np.ndarray], int],
    start: np.ndarray,
    seed_cols: np.ndarray,
    *,
    deadline: float,
    rel_gap: float,
    max_rounds: int,
    abs_gap: float = 0.999,
    need_of: np.ndarray | None = None,
    price_per_need: int = 8,
    max_mip_pairs: int = 80_000,
    patterns: Instance | None = None,
    last_mip_max: int | None = None,
) -> LevelResult:
    """One lexicographic level: price to the LP optimum, bound, then branch and bound on what can matter.
    `patterns`: the view the level is over, its `pair_fit` the level's weights and no spread, where the
    bound by volunteer patterns (`matcher.patterns`) may prove the level before the last branch and bound
    (the coverage core's: `core_coverage`). `last_mip_max`: where the last branch and bound would be over more
    pairs, the level stops before it, unproven, its stats' "mip" `HANDED_OVER` (the caller proves it otherwise)."""
    n = len(cost)
    inset = np.zeros(n, dtype=bool)
    inset[seed_cols] = True
    inset |= start
    rows_key = need_of if need_of is not None else np.zeros(n, dtype=np.int64)
    stats: dict[str, object] = {}
    priced = _price(rows, cost, inset, rows_key, price_per_need, max_rounds, deadline)
    lp, bound, ub_last, rc_true, rounds = priced.lp, priced.bound, priced.ub_last, priced.rc_true, priced.rounds
    stats["lp_rounds"] = rounds
    stats["lp_pairs"] = int(inset.sum())
    best = start.copy()
    best_val = value_of(start)
    ub_int = _floor(bound)
    stats["lp_bound"] = round(bound, 4)
    if lp is not None:
        frac = (lp.x > EPS) & (lp.x < 1 - EPS)
        stats["lp_fractional"] = int(frac.sum())
        if not frac.any():
            cand = lp.x > 0.5
            if value_of(cand) > best_val:
                best, best_val = cand, value_of(cand)
    if best_val >= ub_int:
        stats["mip"] = "not needed"
        return LevelResult(best, float(ub_int), True, stats)
    # before the reduced-cost line: (1) the LP's whole pairs held, its fractional ones and the rest of the
    # priced set free, a small branch and bound that often reaches the LP's bound, which proves the level
    # (2 700 x 700 everyone: 0.1 s where (2) took 0.5 s); (2) the priced set alone, a strong incumbent so
    # that the line leaves out more pairs
    # (name, stop reason, pairs held, share of the time left, cap in seconds, objective target)
    steps: list[tuple[str, str, np.ndarray | None, float, float, float | None]] = []
    if lp is not None:
        steps.append(("whole_mip", "the LP's whole pairs held enough", lp.x >= 1 - EPS, 0.25, 1.0, ub_int - 0.5))
        if len(np.flatnonzero(inset)) < n:
            steps.append(("restricted_mip", "restricted set enough", None, 0.5, math.inf, None))
    for key, enough, fixed, share, cap, target in steps:
        cols = np.flatnonzero(inset | best)
        limit = min(cap, share * (deadline - time.perf_counter()))
        res, xs, _u, _y = h.solve(rows, cost, cols, integer=True, time_limit=limit, rel_gap=rel_gap, abs_gap=abs_gap,
                                  hint=best, fixed=fixed, target=target)  # fmt: skip
        found = np.zeros(n, dtype=bool)
        found[cols] = xs > 0.5
        if len(res.solutions) and value_of(found) > best_val:
            best, best_val = found, value_of(found)
        stats[key] = best_val
        if best_val >= ub_int:
            stats["mip"] = enough
            return LevelResult(best, float(ub_int), True, stats)
    if patterns is not None and lp is not None and ub_int - best_val <= PATTERNS_LEVEL_GAP:
        # the bound by volunteer patterns: where the LP's gap is the volunteers' own rows (weeks, overlaps,
        # hours), it closes in a few rounds what the branch and bound below spends seconds on (2 000 x 500
        # everyone, a core of 41 709 pairs: LP 1 872.03, patterns 1 871.29 in 0.26 s, the optimum 1 871;
        # the branch and bound over the 40 382 pairs above the reduced-cost line took 6 s)
        # (a bound only, in at most 2 s: where the patterns do not prove the level they cost the branch and
        # bound that time; 10 000 x 2 500 realistic seed 2 spent 6 s there and then as long as before)
        left = deadline - time.perf_counter()
        got = _patterns_bound(h, patterns, rows, lp, best, best_val,
                              time.perf_counter() + min(PATTERNS_LEVEL_MAX, max(0.5, 0.2 * left)), abs_gap)  # fmt: skip
        if got is not None:
            p_plan, p_bound, p_stats = got
            stats.update({"level_" + k: v for k, v in p_stats.items()})
            if value_of(p_plan) > best_val:
                best, best_val = p_plan, value_of(p_plan)
            bound = min(bound, p_bound)
            ub_int = _floor(bound)
            if best_val >= ub_int:
                stats["mip"] = "volunteer patterns"
                return LevelResult(best, float(ub_int), True, stats)
    # pairs that can be in a plan better than the incumbent: reduced cost ≥ incumbent + 1 − bound
    # (the bound and the reduced costs of one and the same dual solution: the last)
    floor_rc = best_val + 1 - ub_last - 1e-6 * max(1.0, abs(ub_last))
    keep = inset | (rc_true >= floor_rc) | best
    complete = int(keep.sum()) <= max_mip_pairs
    if not complete:  # too many to branch on: the best-priced ones only, and the LP bound stands
        extra = np.flatnonzero(keep & ~inset & ~best)
        keep = inset | best
        keep[extra[np.argsort(-rc_true[extra], kind="stable")[: max(0, max_mip_pairs - int(keep.sum()))]]] = True
    cols = np.flatnonzero(keep)
    stats["mip_pairs"] = len(cols)
    stats["mip_complete"] = complete
    if last_mip_max is not None and len(cols) > last_mip_max:
        stats["mip"] = HANDED_OVER
        return LevelResult(best, float(ub_int), best_val >= ub_int, stats)
    res, xs, _units, _y = h.solve(rows, cost, cols, integer=True, time_limit=deadline - time.perf_counter(),
                              rel_gap=rel_gap, abs_gap=abs_gap, hint=best)  # fmt: skip
    found = np.zeros(n, dtype=bool)
    found[cols] = xs > 0.5
    if len(res.solutions) and value_of(found) > best_val:
        best, best_val = found, value_of(found)
    mip_bound = res.termination.objective_bounds.dual_bound
    term = res.termination.reason
    stats["mip"] = _ended_as(term)
    if complete and math.isfinite(mip_bound):  # every pair that could beat the incumbent was in the MIP
        bound = min(bound, max(mip_bound, best_val))
    ub_int = _floor(bound)
    return LevelResult(best, float(ub_int), best_val >= ub_int, stats)


def _need_duals(view: Instance, rows: Rows, y: np.ndarray) -> np.ndarray:
    """Per need, the dual `y` of its C1 row (0 where it has none): what the patterns' first round and
    `_fit_guide`'s pricing price at."""
    mu = np.zeros(view.n_needs)
    if rows.need_row is not None:
        has = rows.need_row >= 0
        mu[has] = y[rows.need_row[has]]
    return mu


def _patterns_bound(
    h: _Highs, view: Instance, rows: Rows, lp: _Lp, plan: np.ndarray, plan_value: int, deadline: float,
    abs_gap: float,
) -> tuple[np.ndarray, float, dict[str, object]] | None:
    """`solve_level`'s bound by volunteer patterns (no coverage row: the level's own weights are `view`'s
    `pair_fit`): (the best plan, the bound, stats), or None where the rows do not split by volunteer."""
    from matcher.patterns import pattern_bound  # the module builds on this one's rows and HiGHS wrapper

    if view.spread:
        return None
    got = pattern_bound(view, rows, plan, 0, _need_duals(view, rows, lp.y), 0.0, deadline, h,
                        incumbent=float(plan_value), tol=abs_gap, x=lp.x, search_plan=False)  # fmt: skip
    if got is None:
        return None
    return plan, got.bound, got.stats


def _direct(
    h: _Highs, rows: Rows, cost: np.ndarray, value_of: Callable[[np.ndarray], int], start: np.ndarray, *,
    deadline: float, abs_gap: float,
) -> LevelResult:
    """One branch and bound over all pairs, started from `start`."""
    cols = np.arange(len(cost))
    res, xs, _units, _y = h.solve(rows, cost, cols, integer=True, time_limit=deadline - time.perf_counter(),
                              abs_gap=abs_gap, hint=start)  # fmt: skip
    best, best_val = start, value_of(start)
    found = xs > 0.5
    if len(res.solutions) and value_of(found) > best_val:
        best, best_val = found, value_of(found)
    b = res.termination.objective_bounds.dual_bound
    bound = _floor(b)
    term = res.termination.reason
    return LevelResult(best, float(max(bound, best_val)), best_val >= bound,
                       {"mip_pairs": len(cols), "mip": _ended_as(term)})


def _seed(view: Instance, weight: np.ndarray, per_need: int, start: np.ndarray) -> np.ndarray:
    """The first restricted set: the start plan and, per need, its best few candidates per open place."""
    limit = per_need * np.maximum(view.need_cap.astype(np.int64), 1) + 2
    best = _best_per_key(np.arange(view.n_pairs), view.pair_need.astype(np.int64), weight, limit)
    return np.union1d(best, np.flatnonzero(start))


def fit_range(view: Instance) -> tuple[int, int]:
    """Bounds on the fit level of any plan of the view: (lowest, highest)."""
    pv = view.pair_vol.astype(np.int64)
    pn = view.pair_need.astype(np.int64)
    pos = np.maximum(view.pair_fit, 0).astype(np.int64)
    by_need = np.zeros(view.n_needs, dtype=np.int64)
    np.maximum.at(by_need, pn, pos)
    by_vol = np.zeros(view.n_volunteers, dtype=np.int64)
    np.maximum.at(by_vol, pv, pos)
    hi = int(min((by_need * np.maximum(view.need_cap, 0)).sum(), (by_vol * np.maximum(view.vol_cap, 0)).sum()))
    neg = np.minimum(view.pair_fit, 0).astype(np.int64)
    k = np.minimum(np.maximum(view.vol_cap, 0), np.bincount(pv, minlength=view.n_volunteers)).astype(np.int64)
    lo = int(neg.sum()) - int(spread_cost(view.spread, view.vol_fixed.astype(np.int64), k).sum())
    return lo, hi


def solve_region(
    view: Instance, start: np.ndarray, opts: MipOptions, say: Callable[[str], None]
) -> tuple[np.ndarray, int, int | None, dict[str, object]]:
    """Both levels over a region: (chosen, priority bound, fit bound or None, stats)."""
    if opts.one_pass:
        return _one_pass(view, start, opts, say)
    return _two_pass(view, start, opts, say)


def _one_pass(
    view: Instance, start: np.ndarray, opts: MipOptions, say: Callable[[str], None]
) -> tuple[np.ndarray, int, int | None, dict[str, object]]:
    """Both levels at once: maximise priority·M + fit − lowest fit, M above the whole fit range, so
    the optimum is the lexicographic one; the bound splits back into the two levels' bounds. One branch
    and bound over every pair, proven; above `direct_max_pairs`, `_core_then_fit`."""
    if view.n_pairs > opts.direct_max_pairs:
        return _core_then_fit(view, start, opts, say)
    h = _Highs()
    t0 = time.perf_counter()
    lo, big, cost = _both_levels(view)

    def value_of(c: np.ndarray) -> int:
        return int(view.pair_priority[c].sum()) * big + fit_of(view, c)

    level = _direct(h, build_rows(view, spread=True), cost, value_of, start, deadline=t0 + opts.time_limit,
                    abs_gap=0.999)  # fmt: skip
    chosen = level.chosen
    p1 = int(view.pair_priority[chosen].sum())
    b = level.bound  # ≥ p·M + fit of every plan; fit ≥ lo
    prio_bound = max(p1, math.floor((b - lo) / big + 1e-9)) if math.isfinite(b) else int(view.pair_priority.sum())
    fit_bound = int(b) - p1 * big if prio_bound == p1 and math.isfinite(b) else None
    stats: dict[str, object] = dict(level.stats)
    stats["mip_seconds"] = round(time.perf_counter() - t0, 3)
    say(f"  priority {p1} of bound {prio_bound}, fit {fit_of(view, chosen)} of bound {fit_bound},"
        f" {time.perf_counter() - t0:.2f} s")  # fmt: skip
    return chosen, prio_bound, fit_bound, stats


def _core_then_fit(
    view: Instance, start: np.ndarray, opts: MipOptions, say: Callable[[str], None]
) -> tuple[np.ndarray, int, int | None, dict[str, object]]:
    """Coverage first, over its core (`core_coverage`: proven; where its last branch and bound would be over
    more than `core_handoff_pairs`, by `solve_large`'s decomposition instead), then the fit level with coverage
    held (`fit_level`: a few seconds, `MipOptions.fit_time_limit`, its LP bound reported)."""
    h = _Highs()
    t0 = time.perf_counter()
    deadline = t0 + opts.time_limit
    stats: dict[str, object] = {}
    fit_budget = min(opts.fit_time_limit, 0.25 * opts.time_limit)
    spread_rows = build_rows(view, spread=True)  # both levels' rows, built once (0.4 s at 90 000 pairs)

    def cov(c: np.ndarray) -> int:
        return int(view.pair_priority[c].sum())

    plan, cov_bound, proven = core_coverage(h, view, start, opts, deadline - fit_budget, stats, say,
                                            rows=without_spread(spread_rows), handoff=True)  # fmt: skip
    if stats.get("coverage_mip") == HANDED_OVER and deadline - time.perf_counter() > fit_budget:
        # the core's last branch and bound would be large: the decomposition proves coverage instead, from the
        # flow's plan (its LP and hard needs over the region; its fit polish too), the priced LP's bound kept
        say(f"  coverage: the core's branch and bound would be over {stats.get('coverage_mip_pairs')} pairs;"
            " the decomposition instead")  # fmt: skip
        large = replace(opts, time_limit=deadline - time.perf_counter())
        l_plan, l_bound, l_fit, l_stats = solve_large(view, start, large, say)
        stats.update({"handoff_" + k: v for k, v in l_stats.items()})
        if cov(l_plan) >= cov(plan):
            plan = l_plan
        cov_bound = min(cov_bound, float(l_bound))
        proven = cov(plan) >= cov_bound
        if cov(plan) != l_bound:
            l_fit = None  # the decomposition's fit bound holds for plans of its coverage bound
    else:
        l_fit = None
    fit_bound: int | None = None
    if deadline - time.perf_counter() > 0.2:
        plan, fit_bound = fit_level(h, view, plan, start, opts, min(deadline, time.perf_counter() + fit_budget),
                                    stats, say, base=spread_rows, latest=deadline)  # fmt: skip
    if l_fit is not None and (fit_bound is None or l_fit < fit_bound):
        # the decomposition's (the flow relaxation's, `fit_bound_terms`) where tighter than the fit level's LP:
        # bench 4 000 x 2 000 seed 3, whose fit level has time for one LP round: the summary's fit gap 87 % -> 43 %
        fit_bound = max(fit_of(view, plan), l_fit)
        stats["fit_bound"] = "decomposition"
        say(f"  fit bound by the decomposition: {fit_bound}")
    stats["mip_seconds"] = round(time.perf_counter() - t0, 3)
    # the fit bound holds for plans of the plan's coverage: it bounds the level only when that is proven
    return plan, max(cov(plan), int(_floor(cov_bound))), fit_bound if proven else None, stats


def _two_pass(
    view: Instance, start: np.ndarray, opts: MipOptions, say: Callable[[str], None]
) -> tuple[np.ndarray, int, int | None, dict[str, object]]:
    """Coverage first, then fit with the coverage held by a row (measured: slower, the held row
    weakens the fit level's LP; kept for comparison, `MipOptions.one_pass=False`)."""
    h = _Highs()
    t0 = time.perf_counter()
    deadline = t0 + opts.time_limit
    prio = view.pair_priority.astype(np.float64)
    fit_w = view.pair_fit.astype(np.float64)
    seed = _seed(view, view.pair_fit, opts.first_per_need, start)
    base = build_rows(view, spread=False)
    cov = solve_level(
        h, base, prio, lambda c: int(view.pair_priority[c].sum()), start, seed,
        deadline=deadline, rel_gap=0.0, max_rounds=opts.max_rounds,
    )  # fmt: skip
    p1 = int(view.pair_priority[cov.chosen].sum())
    say(f"  coverage {p1} of bound {cov.bound:.0f} ({'proven' if cov.proven else 'not proven'}),"
        f" {time.perf_counter() - t0:.2f} s")  # fmt: skip
    stats: dict[str, object] = {"coverage_" + k: v for k, v in cov.stats.items()}
    rows2 = with_row(build_rows(view, spread=True), view.pair_priority, float(p1))
    fit = solve_level(
        h, rows2, fit_w, lambda c: fit_of(view, c), cov.chosen, np.flatnonzero(cov.chosen | np.isin(
            np.arange(view.n_pairs), seed)),
        deadline=deadline, rel_gap=opts.fit_rel_gap, max_rounds=opts.max_rounds,
    )  # fmt: skip
    stats.update({"fit_" + k: v for k, v in fit.stats.items()})
    stats["mip_seconds"] = round(time.perf_counter() - t0, 3)
    say(f"  fit {fit_of(view, fit.chosen)} of bound {fit.bound:.0f}, {time.perf_counter() - t0:.2f} s")
    # the fit bound holds for plans of coverage p1: it bounds the level only when p1 is proven
    fit_bound = int(fit.bound) if cov.proven else None
    return fit.chosen, int(cov.bound), fit_bound, stats


# --- large regions: column generation with lazy overlap rows, then a decomposition that proves coverage ----


class _CliqueRows:
    """C3 at-most-one groups over a growing set of pairs, rebuilt only for the volunteers whose pairs in
    the set changed. Groups over a subset of a volunteer's pairs are valid rows of the whole region: the
    restricted LP and its pricing need no overlap rows for pairs it has not taken in (the sweep over all
    of a large region's volunteers costs seconds)."""

    def __init__(self, view: Instance) -> None:
        self.view = view
        self.have = np.zeros(view.n_pairs, dtype=bool)
        self.by_vol: dict[int, list[np.ndarray]] = {}

    def update(self, inset: np.ndarray) -> list[np.ndarray]:
        from matcher.instance import overlap_cliques, restrict

        view = self.view
        assert view.problem is not None
        pv = view.pair_vol.astype(np.int64)
        new = inset & ~self.have
        self.have |= inset
        vols = np.unique(pv[new])
        vols = vols[view.vol_cap[vols] >= 2]
        if len(vols):
            mine = np.zeros(view.n_volunteers, dtype=bool)
            mine[vols] = True
            pairs = np.flatnonzero(self.have & mine[pv])
            sub = restrict(view, pairs)
            for v in vols.tolist():
                self.by_vol[v] = []
            for c in overlap_cliques(view.problem, sub, vols):
                self.by_vol[int(sub.pair_vol[c[0]])].append(pairs[c])
        return [c for v in sorted(self.by_vol) for c in self.by_vol[v]]


def _with_cliques(base: Rows, cliques: list[np.ndarray]) -> Rows:
    """The rows plus one at-most-one row per group."""
    if not cliques:
        return base
    sizes = np.array([len(c) for c in cliques], dtype=np.int64)
    r0 = base.n_rows
    return Rows(
        np.concatenate([base.entry_row, r0 + np.repeat(np.arange(len(cliques)), sizes)]),
        np.concatenate([base.entry_pair, np.concatenate(cliques).astype(np.int64)]),
        np.concatenate([base.entry_coef, np.ones(int(sizes.sum()))]),
        np.concatenate([base.lower, np.full(len(cliques), -np.inf)]),
        np.concatenate([base.upper, np.ones(len(cliques))]),
        base.unit_row,
        base.unit_cost,
        base.need_row,
    )


def _greedy_add(view: Instance, chosen: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The plan plus the pairs of `order`, in that order, each where its need has a place left and
    the volunteer breaks no rule with what they hold (`constraints.blocking`: C2, C3)."""
    from matcher.constraints import blocking

    p = view.problem
    assert p is not None
    out = chosen.copy()
    pn, pv = view.pair_need, view.pair_vol
    count = np.bincount(pn[out], minlength=view.n_needs)
    held: dict[int, list[int]] = {}
    for k in np.flatnonzero(out).tolist():
        held.setdefault(int(pv[k]), list(view.fixed_by_vol.get(int(pv[k]), []))).append(int(pn[k]))
    for k in order.tolist():
        j, v = int(pn[k]), int(pv[k])
        if out[k] or count[j] >= view.need_cap[j]:
            continue
        mine = held.get(v)
        if mine is None:
            mine = held[v] = list(view.fixed_by_vol.get(v, []))
        if blocking(p, v, mine, j) is None:
            out[k] = True
            count[j] += 1
            mine.append(j)
    return out


def _mip_rows(view: Instance, pairs: np.ndarray, *, spread: bool, short_long: bool = True) -> tuple[Instance, Rows]:
    """A view over some pairs with all its rows (cliques and week rows over those pairs only)."""
    from matcher.instance import restrict

    sub = restrict(view, pairs)
    return sub, build_rows(sub, spread=spread, short_long=short_long)


def solve_large(
    view: Instance, start: np.ndarray, opts: MipOptions, say: Callable[[str], None],
    on_coverage: Callable[[np.ndarray], object] | None = None,
) -> tuple[np.ndarray, int, int | None, dict[str, object]]:
    """Both levels over a region too large for one branch and bound; (chosen, priority bound, fit bound, stats).

    Coverage. The LP by column generation (the start plan and the best candidates of each need,
    then pairs of positive reduced cost) gives duals y. A need whose C1 dual is its priority and
    which the LP fills is *easy*: relaxing the C1 rows of the easy needs with multipliers y_j = p_j
    (Lagrangian) leaves every easy pair at reduced cost 0, so

        coverage ≤ Σ_{easy} p_j · places_j + OPT(the hard needs' pairs alone, every other row kept)

    and the second term is a branch and bound over the hard needs' pairs only (a few per cent of the
    region). A plan that fills every easy need beside that optimum reaches the bound: proven. The
    easy needs are filled by a branch and bound over the hard optimum (fixed) and a few candidates
    per easy need; an easy need it cannot fill becomes hard, and the two steps repeat.

    `on_coverage(plan)` is called with the coverage plan before the fit, which keeps each need's places.

    Fit, with coverage proven: a branch and bound over the pairs that carry the plan (the hard needs',
    the easy candidates) under coverage held, started from the plan; its bound holds for those pairs,
    and the LP over every pair (column generation, coverage capped) bounds the level for the region.
    """
    h = _Highs()
    t0 = time.perf_counter()
    # coverage first: its steps may run until `_fit_hold` before the limit, `large_fit_min` until the LP's seconds
    # are known (4 s held back for the fit on the code of 29 November made the 20 000 x 5 000 proof a coin flip at
    # the 30 s default: the fill reached the bound at 23-30 s; today's proofs end at 13-20 s on a slow machine)
    deadline = t0 + opts.time_limit - _fit_hold(opts, 0.0)
    n = view.n_pairs
    pn = view.pair_need.astype(np.int64)
    prio_i = view.pair_priority.astype(np.int64)
    prio = prio_i.astype(np.float64)
    lo, hi = fit_range(view)
    big = hi - lo + 1
    weight = prio_i * big + view.pair_fit.astype(np.int64)
    stats: dict[str, object] = {"large": True}
    c0 = time.process_time()

    def cov_of(c: np.ndarray) -> int:
        return int(prio_i[c].sum())

    best = start.copy()
    # 1. the coverage LP by column generation, over the contested zone's pairs only (`contested_zone`): every
    # need outside it is easy by fiat (its C1 row relaxed at its priority), its pairs at reduced cost 0
    zone = contested_zone(view, start)
    zp = np.flatnonzero(zone[pn])
    lview = view if len(zp) == n else restrict(view, zp)
    l_prio = prio[zp]
    p_need = np.zeros(view.n_needs, dtype=np.int64)
    p_need[pn] = prio_i
    cap = view.need_cap.astype(np.int64)
    has = np.bincount(pn, minlength=view.n_needs) > 0
    outside = ~zone & has & (cap > 0)
    outside_total = int((p_need * cap)[outside].sum())
    # the short-with-long hour groups would double the rows that every pricing round sweeps: the long only
    base = build_rows(lview, spread=False, cliques=[], short_long=False)
    cl = _CliqueRows(lview)
    inset = np.zeros(len(zp), dtype=bool)
    inset[_seed(lview, weight[zp], opts.large_first_per_need, start[zp])] = True
    lp: _Lp | None = None
    rows = base
    bound = math.inf
    rounds = 0
    flow_pool = ThreadPoolExecutor(max_workers=1)
    flow_terms: Future[list[tuple[int, int]]] | None = None
    for rounds in range(1, opts.large_lp_rounds + 1):  # noqa: B007 - reported below
        r_rows = _with_cliques(base, cl.update(inset))
        if flow_terms is None:  # the fit level's bound by the relaxation (`fit_bound_terms`), on the idle core
            # while HiGHS solves the first round without the GIL; the flow holds it, so it waits until this
            # thread has built the LP's model (0.3-0.5 s at 20 000 x 5 000; the round runs 2-5 s)
            flow_terms = flow_pool.submit(_after_pause, FLOW_BOUND_PAUSE, fit_bound_terms, view)
        got = _lp(h, r_rows, l_prio, np.flatnonzero(inset), deadline - time.perf_counter(), LARGE_LP_OPTIONS)
        if got is None:  # out of time: the last round's LP stands
            break
        lp, rows = got, r_rows
        rc = _reduced(rows, l_prio, lp.y)
        ub, _ = _lagrangian(rows, lp.y, rc)
        bound = min(bound, outside_total + ub)
        add = np.flatnonzero(~inset & (rc > 1e-7))
        if len(add) == 0 or time.perf_counter() - t0 > 0.35 * (deadline - t0):  # leave the branch and bounds time
            break
        inset[_best_per_key(add, pn[zp], rc[add], 8)] = True
    lp_seconds = time.perf_counter() - t0
    deadline = t0 + opts.time_limit - _fit_hold(opts, lp_seconds)  # from here on: the machine's speed known
    stats.update(lp_rounds=rounds, lp_pairs=int(inset.sum()), lp_bound=round(bound, 4),
                 lp_seconds=round(lp_seconds, 3), zone_needs=int(zone.sum()), zone_pairs=len(zp))  # fmt: skip
    say(f"  coverage LP {bound:.2f} over {int(inset.sum())} priced pairs ({rounds} rounds) of the contested zone's"
        f" {len(zp)} ({int(zone.sum())} needs), {time.perf_counter() - t0:.2f} s"
        f" (cpu {time.process_time() - c0:.2f})")  # fmt: skip
    all_prio = cov_of(np.ones(n, dtype=bool))
    if lp is None or rows.need_row is None:  # out of time: the start plan, the bound the caller has
        flow_pool.shutdown(wait=False)  # its flows end on their own
        return best, all_prio, None, stats
    ub_lp = min(all_prio, int(_floor(bound)))
    # the LP's solution over the region: the zone's, and outside it the start plan's pairs of the volunteers the
    # zone's LP leaves alone (the start breaks no rule, and the two share no volunteer: together they hold every row)
    lp_x = np.zeros(n)
    lp_x[zp] = lp.x
    in_lp = np.bincount(view.pair_vol[zp[lp.x > EPS]], minlength=view.n_volunteers) > 0
    lp_x[start & outside[pn] & ~in_lp[view.pair_vol]] = 1.0
    # the LP's whole pairs: a plan (every row holds), often far better than the start; its fractional ones and the
    # start's other pairs outside the zone where they fit
    whole = lp_x >= 1 - EPS
    frac = np.flatnonzero((lp_x > EPS) & ~whole)
    rest = np.flatnonzero(start & outside[pn] & in_lp[view.pair_vol])
    whole = _greedy_add(view, whole, np.concatenate([frac[np.argsort(-lp_x[frac], kind="stable")], rest]))
    if cov_of(whole) > cov_of(best):
        best = whole
    stats["lp_plan"] = cov_of(whole)
    # 2. easy and hard needs from the LP's duals
    need_row = rows.need_row
    y_need = np.where(need_row >= 0, lp.y[np.maximum(need_row, 0)], 0.0)
    # the region's rows (3 million entries at 20 000 x 5 000) go: the steps below build their own, and the peak memory
    # at 20 000 x 5 000 fell from 950 to 754 MB (`samspill solve`, seed 2)
    del base, rows, r_rows, cl, rc, lview
    filled_lp = np.bincount(pn, weights=lp_x, minlength=view.n_needs)
    easy = outside | (has & (cap > 0) & (need_row >= 0) & (y_need >= p_need - 1e-6) & (filled_lp >= cap - 1e-6))
    pv = view.pair_vol.astype(np.int64)
    # the pairs the fills' neighbourhoods take as the LP's: its support, and outside the zone every start pair (the
    # LP's share of a volunteer need not be its plan's: at 20 000 x 5 000 seed 5, without the start pairs of the
    # volunteers the zone's LP touches, tier 3's neighbourhood could not reach the bound, its LP 21 064.85 under
    # 21 066; with them it did, proven at 20.4 s, where the code before stopped at 21 046 at 30 s)
    lp_support = (lp_x > EPS) | (start & outside[pn])
    free_start = ~_busy(view, start)
    bound_int = ub_lp
    proven = False
    # the fit polish's LP depends on the coverage LP alone: made beside the first round's hard needs' proof
    guide_pool = ThreadPoolExecutor(max_workers=1)
    guide_f: Future[tuple[np.ndarray, int] | None] | None = None
    last_round = 4
    for it in range(1, last_round + 1):
        if time.perf_counter() > deadline:
            break
        # the bound: a branch and bound over the hard needs' pairs alone
        hard_pairs = np.flatnonzero(~easy[pn])
        easy_total = int((p_need * cap)[easy].sum())
        # outside the zone the LP has no columns. An easy need there whose volunteers are candidates of the zone's
        # or the hard needs may lose one to their plan and take a candidate the start leaves free instead: its
        # best two such per place by weight stand for the LP's alternatives (at 20 000 x 5 000 seed 1, for
        # those needs only and not for every need outside: tier 3's support 14 700 pairs, not 19 000, and its
        # branch and bound 4.7 s, not 7.5 s)
        near = easy & outside & (np.bincount(pn[start & _busy(view, (zone | ~easy)[pn])[pv]],
                                             minlength=view.n_needs) > 0)  # fmt: skip
        alt = np.flatnonzero(near[pn] & free_start[pv])
        support = lp_support.copy()
        support[_best_per_key(alt, pn, weight[alt], 2 * cap)] = True
        _sub, rows_h = _mip_rows(view, hard_pairs, spread=False)
        top = np.zeros(n, dtype=bool)
        e_idx = np.flatnonzero(easy[pn])
        top[_best_per_key(e_idx, pn, weight[e_idx], 2)] = True
        # tier 3's interior LP (below) depends on the hard optimum only through which easy places its
        # volunteers leave open: started now from the LP's own open places, on the other core beside the
        # branch and bound (HiGHS releases the GIL); its support is mapped onto tier 3's neighbourhood
        # there. Deterministic: it depends on the LP only. (20 000 x 5 000: 3.4-3.6 s tier 3 waited for.)
        open_lp = easy & (np.bincount(pn[easy[pn] & (lp_x >= 1 - EPS)], minlength=view.n_needs) < cap)
        cols_e = np.flatnonzero(~easy[pn] | support | top | (open_lp & zone)[pn])
        cancel_e = _Cancel()
        pool = ThreadPoolExecutor(max_workers=1)
        spec = cols_e, pool.submit(_interior_over, view, cols_e, prio, np.zeros(len(cols_e), dtype=bool), deadline,
                                   cancel_e)  # fmt: skip
        spec2: tuple[np.ndarray, np.ndarray, np.ndarray, Future[Any]] | None = None
        if guide_f is None:  # the fit polish's LP (`_fit_guide`), on the second core once tier 3's LP is done
            guide_f = guide_pool.submit(_after, spec[1], _fit_guide, view, _guide_set(view, start, lp_x, opts), opts,
                                        deadline)  # fmt: skip
        try:  # the worker's LPs stop with the round, however it ends
            res, xs, _u, _y = h.solve(rows_h, prio[hard_pairs], np.arange(len(hard_pairs)), integer=True,
                                      time_limit=deadline - time.perf_counter(), hint=best[hard_pairs],
                                      options=HARD_OPTIONS)  # fmt: skip
            x_h = np.zeros(n, dtype=bool)
            x_h[hard_pairs[xs > 0.5]] = True
            b_h = res.termination.objective_bounds.dual_bound
            if math.isfinite(b_h):
                bound_int = min(bound_int, easy_total + int(_floor(b_h)))
            say(f"  hard needs {int((has & ~easy & (cap > 0)).sum())} ({len(hard_pairs)} pairs): {cov_of(x_h)} of"
                f" {b_h:.1f}; coverage bound {bound_int}, {time.perf_counter() - t0:.2f} s"
                f" (cpu {time.process_time() - c0:.2f})")  # fmt: skip
            if cov_of(best) >= bound_int:
                proven = True
                break
            # the plan: the hard optimum beside the LP's whole easy pairs of the volunteers it leaves free
            # (together a plan: their needs and volunteers are apart), the rest of the easy places filled by a
            # branch and bound over the hard needs' pairs, the LP's fractional easy pairs and a few candidates
            used = np.zeros(view.n_volunteers, dtype=bool)
            used[pv[x_h]] = True
            held = easy[pn] & (lp_x >= 1 - EPS) & ~used[pv]
            # and outside the zone the start's pairs of the volunteers neither holds (the LP's fractional ones)
            held |= start & outside[pn] & ~used[pv] & ~_busy(view, held)[pv]
            start_f = x_h | held
            if cov_of(start_f) > cov_of(best):
                best = start_f
            # first the easy places left open, every candidate of theirs, beside that plan held; then, if
            # some stay open, the hard needs' pairs free too
            open_need = easy & (np.bincount(pn[start_f], minlength=view.n_needs) < cap)
            # tiers: (1) everything held but the open easy places' candidates; (2) also free the pairs of every
            # volunteer who could take a place still open, and the needs those pairs serve, two rings out; (3) the
            # hard needs' pairs free too, the LP's whole easy pairs held. Tiers 2 and 3 first as an interior
            # RENS: the neighbourhood's LP by the interior point method (`_interior`), then a branch and bound
            # over its support only, skipped where that LP is below the bound (the neighbourhood cannot reach
            # it). At 20 000 x 5 000 ring 2's branch and bound over 12 500 pairs took 7.7 s, mostly its root
            # cut loop; its interior LP 0.6-1 s and the branch and bound over the support's 8 600-9 300 pairs
            # 0.6-1 s, to the same bound. Then each plainly, over the whole neighbourhood, if still short.
            cur = start_f
            want = np.where(easy, cap, np.bincount(pn[x_h], minlength=view.n_needs))  # what reaches the bound

            # tier 3 before tier 2: its LP is ready (or nearly) and its branch and bound reached the bound in
            # 0.8-3.2 s at 20 000 x 5 000, where tier 2 first spent 1.0-1.7 s on its LP and fell short at two
            # of three seeds. Tier 2's LP runs on the worker meanwhile, around the plan tier 3 started from
            # (tier 3 may return another plan of the same coverage; that one's neighbourhood would wait).
            # In the first round each interior tier is first *probed*: its branch and bound cut off at the
            # bound (`cutoff`) for at most FILL_PROBE_SECONDS, which ends at once where the support cannot
            # reach it (20 000 x 5 000 seed 4, a bound loose by 3: tier 3's probe ends in 0.3 s, where its
            # search spent 12.4 s proving the support's own optimum; seed 7: 0.3 s against 2.2 s). Not the
            # cut-off search itself: with the hint below the cutoff HiGHS has no plan to start RINS from,
            # and the tiers that do reach the bound took 2.5-4 times as long (seed 5: 5.1 s against 2.0 s).
            # Where both interior tiers end short with their search complete, the bound is as likely loose
            # as the supports narrow: the hard set grows (`_promoted`) before the plain tiers spend their
            # seconds (seed 4: 7.5 s and no plan; the grown set's bound was the optimum), in every round but
            # the last (seed 7: round 1's bound 20 636, round 2's 20 635 with one need grown, and round 2's
            # plain tiers spent 7.5 s at 20 634 before round 3's grown set proved 20 634, at 35 s; the last
            # round's tiers search as before: where the bound is not reached in the time, their plans are the
            # best there is.
            grow: np.ndarray | None = None
            left_short = np.zeros(view.n_needs, dtype=bool)  # the easy needs each fill's plan left short
            short_proven = True  # every interior tier so far ended short of the bound, its search complete
            for tier, interior in ((1, False), (3, True), (2, True), (2, False), (3, False)):
                if tier > 1 and not interior and short_proven and it < last_round:
                    grow = _promoted(view, easy, best, cap, support, x_h, len(hard_pairs), left_short)
                    if grow is not None:
                        say(f"  fill: short of bound {bound_int} over both supports; {int(grow.sum())} easy"
                            f" needs become hard")  # fmt: skip
                        break
                    short_proven = False  # nothing to grow: the plain tiers
                cols, held_c = _fill_hood(view, tier, cur, want, open_need, start_f, easy, support | top, held, zone)
                around = cur  # the plan this tier starts from (its hint)
                if interior:
                    t_i = time.perf_counter()
                    if tier == 3:  # the support of the LP started beside the hard needs' branch and bound
                        got_s = spec[1].result()
                        got_i = None
                        if got_s is not None:
                            on = np.zeros(n, dtype=bool)
                            on[spec[0][got_s[0] > FILL_SUPPORT_MIN]] = True
                            got_i = on[cols].astype(np.float64), got_s[1]
                        c2, h2 = _fill_hood(view, 2, cur, want, open_need, start_f, easy, support | top, held, zone)
                        spec2 = cur, c2, h2, pool.submit(_interior_over, view, c2, prio, h2, deadline, cancel_e)
                    else:  # tier 2's LP, started as tier 3 began
                        assert spec2 is not None
                        around, cols, held_c = spec2[0], spec2[1], spec2[2]
                        got_i = spec2[3].result()
                    if got_i is None or got_i[1] < bound_int - 1e-6:  # no LP in time, or one that proves it short
                        short_proven &= got_i is not None
                        say(f"  fill, tier {tier}: interior LP {'none' if got_i is None else f'{got_i[1]:.2f}'}"
                            f" under the bound {bound_int}, {time.perf_counter() - t_i:.2f} s")  # fmt: skip
                        continue
                    keep = (got_i[0] > FILL_SUPPORT_MIN) | around[cols] | held_c
                    say(f"  fill, tier {tier}: interior LP {got_i[1]:.2f}, support {int(keep.sum())} of"
                        f" {len(cols)} pairs, {time.perf_counter() - t_i:.2f} s")  # fmt: skip
                    cols, held_c = cols[keep], held_c[keep]
                # (the hour groups' short-with-long rows: a tighter bound the fill does not need, and slower)
                rows_f = _mip_rows(view, cols, spread=False, short_long=False)[1]
                # a plain tier (the fallback after the interior ones) gets a third of the time left while the
                # hard set may still grow: if the bound is loose, only a larger hard set proves the plan
                fill_kw: dict[str, Any] = {"integer": True, "target": bound_int - 0.5, "fixed": held_c,
                                           "hint": around[cols], "options": FILL_OPTIONS}  # fmt: skip
                res = None
                probed = False
                if interior and it == 1:  # the probe: cut off at the bound, a few tenths of a second at most
                    res, xs, _u, _y = h.solve(rows_f, prio[cols], np.arange(len(cols)), cutoff=bound_int - 0.5,
                                              time_limit=min(FILL_PROBE_SECONDS, deadline - time.perf_counter()),
                                              **fill_kw)  # fmt: skip
                    reached = len(res.solutions) > 0 and int(prio_i[cols[xs > 0.5]].sum()) >= bound_int
                    probed = True
                    if not reached and not _search_ended(res):
                        res, probed = None, False  # out of its time, the question open: the search as ever
                if res is None:
                    left = deadline - time.perf_counter()
                    res, xs, _u, _y = h.solve(rows_f, prio[cols], np.arange(len(cols)),
                                              time_limit=left / 3 if tier > 1 and not interior and it < 4 else left,
                                              **fill_kw)  # fmt: skip
                found = np.zeros(n, dtype=bool)
                found[cols[xs > 0.5]] = True
                if len(res.solutions) and cov_of(found) >= cov_of(cur):
                    cur = found
                if cov_of(cur) > cov_of(best):
                    best = cur
                left_short |= easy & (np.bincount(pn[cur], minlength=view.n_needs) < cap)
                if interior and not _search_ended(res):
                    short_proven = False  # cut by its time limit: the support may still hold the bound
                say(f"  fill, tier {tier}{' (interior' + (', probe)' if probed else ')') if interior else ''}:"
                    f" {cov_of(cur)} of bound {bound_int}"
                    f" ({len(cols)} pairs), {time.perf_counter() - t0:.2f} s (cpu {time.process_time() - c0:.2f})")
                if cov_of(best) >= bound_int or time.perf_counter() > deadline:
                    break
        finally:
            cancel_e.cancel()
            pool.shutdown(wait=True)
        stats[f"round{it}"] = {"hard_pairs": len(hard_pairs), "hard": cov_of(x_h),
                               "fill_tier": "grown" if grow is not None else f"{tier}{' interior' if interior else ''}",
                               "fill": cov_of(best), "bound": bound_int}  # fmt: skip
        if cov_of(best) >= bound_int:
            proven = True
            break
        if grow is None:
            grow = _promoted(view, easy, best, cap, support, x_h, len(hard_pairs), left_short)
            if grow is None:
                break
        easy &= ~grow
    stats["coverage_proven_region"] = proven
    stats["coverage_seconds"] = round(time.perf_counter() - t0, 3)
    # the fit level over the plan's pairs, the start's (the flow's, which spread the load) and the best by fit
    if on_coverage is not None:  # which needs are open is settled here as a rule (the polish may move a
        on_coverage(best)  # few places between needs of the same worth: those are explained later)
    fit_budget = max(opts.large_fit_time_limit, opts.large_fit_lp_ratio * lp_seconds)  # a slow machine's too
    # the seconds granted for the fit level's proof (`fit_patterns_time`, `--prove-fit`) go to the free branch
    # and bound here: no bound by patterns is made above mip_exact_max_pairs
    extra = opts.fit_patterns_time
    fit_deadline = min(t0 + opts.time_limit, time.perf_counter() + fit_budget) + extra
    guide = guide_f.result() if guide_f is not None else None
    guide_pool.shutdown(wait=True)
    best, fit_bound = _large_fit(h, view, best, start, opts, fit_deadline, stats, say,
                                 slow=fit_budget / opts.large_fit_time_limit, free=extra > 0, guide=guide)  # fmt: skip
    lagrange = [g - lam * bound_int for lam, g in flow_terms.result()] if flow_terms is not None else []
    flow_pool.shutdown(wait=True)
    if not proven:
        fit_bound = None
    elif fit_bound is not None and lagrange and min(lagrange) < fit_bound:  # tighter than each need's best fits
        fit_bound = max(fit_of(view, best), min(lagrange))
        stats["fit_bound"] = "relaxation"
        say(f"  fit bound by the relaxation: {fit_bound}")
    stats["mip_seconds"] = round(time.perf_counter() - t0, 3)
    return best, bound_int, fit_bound, stats


def contested_zone(view: Instance, start: np.ndarray) -> np.ndarray:
    """The needs (bool per need) whose places the volunteers may be short of, by a plan `start` that breaks
    no rule: those it leaves open, and those each of whose candidates it places (or a commitment holds).

    A need outside the zone is full and has a candidate the plan leaves free. `solve_large` prices only the
    zone's pairs: relaxing every other need's C1 row at its priority (Lagrangian, as for its easy needs)
    leaves their pairs at reduced cost 0, so the zone's LP plus their priority times their places bounds the
    region, whatever the zone. The zone only decides whether that bound is tight: a need outside it can lose
    a volunteer to the zone's plan and take its free candidate instead. At 20 000 x 5 000 (seed 1) the
    zone is 1 476 of 5 000 needs, 24 628 of 458 876 pairs, and holds every one of the 740 needs the whole
    region's LP found hard; its LP took 4.5-5.4 s where the region's took 13.2-13.4 s, to a tighter bound.

    Not kept: a zone less the full needs with a candidate the plan places only outside it (who could move,
    their place taken by a free candidate): 1 030 needs at seed 1, its LP 1 s faster, but at seed 5 a bound
    loose by 2 where this zone's is the optimum, and the fills' neighbourhoods then need chains of moves."""
    pn = view.pair_need.astype(np.int64)
    free_candidates = np.bincount(pn[~_busy(view, start)[view.pair_vol]], minlength=view.n_needs)
    open_ = np.bincount(pn[start], minlength=view.n_needs) < view.need_cap
    zone: np.ndarray = (np.bincount(pn, minlength=view.n_needs) > 0) & (view.need_cap > 0) & (
        (free_candidates == 0) | open_)  # fmt: skip
    return zone


def _busy(view: Instance, plan: np.ndarray) -> np.ndarray:
    """The volunteers (bool per volunteer) that `plan` places or a commitment holds."""
    busy: np.ndarray = (np.bincount(view.pair_vol[plan], minlength=view.n_volunteers) > 0) | (view.vol_fixed > 0)
    return busy


def _fit_hold(opts: MipOptions, lp_seconds: float) -> float:
    """The seconds `solve_large` holds back from its coverage steps for the fit polish: `large_fit_min`, or
    `large_fit_hold_lp_ratio` times the coverage LP's seconds where more (a slow machine's polish needs more),
    and never more than a quarter of the time limit."""
    return min(max(opts.large_fit_min, opts.large_fit_hold_lp_ratio * lp_seconds), 0.25 * opts.time_limit)


def _guide_set(view: Instance, start: np.ndarray, lp_x: np.ndarray, opts: MipOptions) -> np.ndarray:
    """The pairs `_fit_guide` starts from when it runs beside the coverage steps, before their plan is known:
    each need's best `fit_per_need` by fit, the start plan's (the flow's, which has the fit) and the coverage
    LP's whole pairs, which stand for the plan's. Measured at 20 000 x 5 000 against the guide made after
    the coverage steps from the plan's own pairs (seeds 1, 6, 2): fit 99 413 / 99 040 / 100 910 against
    99 617 / 99 198 / 100 967, 1.0-1.3 s less wall. With the LP's whole support instead: 100 107 / 81 694 /
    101 220, its branch and bound 0.9-3.4 s and at seed 6 cut by its time limit. With three LP rounds: 99 642
    / 99 295 / 101 054, the time saved spent waiting for them."""
    inset: np.ndarray = _top_by_fit(view, opts) | start | (lp_x >= 1 - EPS)
    return inset


def _top_by_fit(view: Instance, opts: MipOptions) -> np.ndarray:
    """Each need's best `fit_per_need` pairs by fit (bool per pair): among the pairs both fit levels start from
    (`fit_level`'s LP, the large path's polish)."""
    top = np.zeros(view.n_pairs, dtype=bool)
    top[_best_per_key(np.arange(view.n_pairs), view.pair_need.astype(np.int64), view.pair_fit.astype(np.float64),
                      opts.fit_per_need)] = True  # fmt: skip
    return top


def _after(first: Future[Any], then: Callable[..., Any], *args: Any) -> Any:
    """`then(*args)` once the future `first` is done, however it ended (a worker's task queued behind another
    worker's, so that the two do not share a core)."""
    wait([first])
    return then(*args)


def _after_pause(seconds: float, then: Callable[..., Any], *args: Any) -> Any:
    """`then(*args)` after `seconds` asleep (a worker's task that holds the GIL, kept off the caller's thread
    while it builds a model)."""
    time.sleep(seconds)
    return then(*args)


def _promoted(
    view: Instance, easy: np.ndarray, best: np.ndarray, cap: np.ndarray, support: np.ndarray, x_h: np.ndarray,
    n_hard_pairs: int, left_short: np.ndarray,
) -> np.ndarray | None:
    """The easy needs that become hard for `solve_large`'s next round, its plan `best` short of the bound;
    None where none can. First those `best` leaves short, and with them those the round's other plans left
    short (`left_short`, per need): at 20 000 x 5 000 seed 7 the fill's first plan left nine short and its
    best one, found by a longer search, one; that one alone made a bound still loose by one and a third round
    (35 s), the nine the optimum's bound in the second (24 s). Where every easy need is full and still under
    the bound, the hard optimum `x_h` takes volunteers the easy needs want, which relaxing their rows hid
    (the bound is loose, by one at bench 2 000 x 500 forced there): the easy needs the LP (`support`) gives
    a volunteer of the hard optimum. A larger hard set never loosens the bound, and with every need hard it
    is the optimum. Not if that more than triples the hard pairs (every easy need a hard volunteer could
    serve: 452 000 of 459 000 pairs at 20 000 x 5 000 with one LP round)."""
    pn = view.pair_need.astype(np.int64)
    short = easy & (np.bincount(pn[best], minlength=view.n_needs) < cap)
    if short.any():
        grown: np.ndarray = short | (easy & left_short)
        return grown
    pv = view.pair_vol.astype(np.int64)
    used_h = np.zeros(view.n_volunteers, dtype=bool)
    used_h[pv[x_h]] = True
    short[pn[support & used_h[pv] & easy[pn]]] = True
    if not short.any() or int((~(easy & ~short))[pn].sum()) > 3 * n_hard_pairs:
        return None
    return short


def _fill_hood(
    view: Instance, tier: int, cur: np.ndarray, want: np.ndarray, open_need: np.ndarray, start: np.ndarray,
    easy: np.ndarray, lp_pairs: np.ndarray, held: np.ndarray, zone: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A fill tier's pairs (the plan `cur`'s and the free ones) and which of them stay held:
    (1) the open easy places' candidates free (outside the `zone` of needs, bool per need, only those `start`
    leaves free), the start held; (2) two rings of volunteers and needs around the places still short of
    `want` free (outside the zone through the LP's pairs and free candidates only), the rest of the plan
    held; (3) the hard needs' pairs, the LP's (`lp_pairs`) and the open places' free, the LP's whole easy
    pairs (`held`) held."""
    pn = view.pair_need.astype(np.int64)
    pv = view.pair_vol.astype(np.int64)
    if tier == 1:
        free = open_need[pn]
        if zone is not None:  # a need outside it takes a free candidate (20 000 x 5 000: 16 000 pairs, not 41 000)
            free &= zone[pn] | ~_busy(view, start)[pv]
        fix = start
    elif tier == 2:
        needs = np.bincount(pn[cur], minlength=view.n_needs) < want
        # outside the zone a need's ring is its candidates among the LP's pairs and those `start` leaves free (each
        # has 90 or so at 20 000 x 5 000: with every one the two rings held 64 000-235 000 pairs, not 15 000)
        ring = np.ones(len(pn), dtype=bool) if zone is None else zone[pn] | lp_pairs | ~_busy(view, start)[pv]
        for _ in range(2):
            vols = np.zeros(view.n_volunteers, dtype=bool)
            vols[pv[needs[pn] & ring]] = True
            needs[pn[cur & vols[pv]]] = True
        free = needs[pn]
        fix = cur & ~free
    else:
        free = ~easy[pn] | lp_pairs | open_need[pn]
        fix = held
    cols = np.flatnonzero(cur | free)
    return cols, (fix & ~free)[cols]


def _fit_step(
    h: _Highs, view: Instance, rows: Rows, cost: np.ndarray, cols: np.ndarray, plan: np.ndarray, p_star: int, *,
    until: float, abs_gap: float, fixed: np.ndarray | None,
) -> tuple[Any, np.ndarray]:
    """One branch and bound of a fit level over `cols`, from `plan` (its hint, of coverage `p_star`), `fixed`
    pairs held: HiGHS's result, and the plan it found where that is lexicographically better — more
    coverage (where the caller's coverage is not proven: `solve_large` out of time, whose polish has both
    levels in its objective), or the same and more fit — else `plan`."""
    res, xs, _u, _y = h.solve(rows, cost, cols, integer=True, time_limit=until - time.perf_counter(),
                              abs_gap=abs_gap, hint=plan, fixed=fixed)  # fmt: skip
    found = np.zeros(view.n_pairs, dtype=bool)
    found[cols[xs > 0.5]] = True
    if not len(res.solutions):
        return res, plan
    covered = int(view.pair_priority[found].sum())
    if covered > p_star or (covered == p_star and fit_of(view, found) > fit_of(view, plan)):
        return res, found
    return res, plan


def _with_need_rows(rows: Rows, view: Instance, plan: np.ndarray) -> Rows:
    """The rows with each need that has a pair held to exactly the number of places `plan` fills on it: its
    C1 row's bounds where it has one, else a row of its own (volunteers move, places stay). The plan's
    coverage is then held too, without a row of its own: a dense row of every pair with its sum in the
    tens of thousands, which HiGHS's presolve mishandled (20 000 x 5 000 seed 7: the fit polish's plans at
    99 304 came back from postsolve breaking a row, were dropped, and the search ended "optimal" at 75 212)."""
    pn = view.pair_need.astype(np.int64)
    filled = np.bincount(pn[plan], minlength=view.n_needs).astype(np.float64)
    nr = rows.need_row if rows.need_row is not None else np.full(view.n_needs, -1, dtype=np.int64)
    lower = rows.lower.copy()
    upper = rows.upper.copy()
    has_row = np.flatnonzero(nr >= 0)
    lower[nr[has_row]] = filled[has_row]
    upper[nr[has_row]] = filled[has_row]
    lacks = np.zeros(view.n_needs, dtype=bool)
    lacks[pn] = True
    lacks[has_row] = False
    new_id = np.full(view.n_needs, -1, dtype=np.int64)
    new_id[lacks] = rows.n_rows + np.arange(int(lacks.sum()))
    members = np.flatnonzero(lacks[pn])
    return Rows(
        np.concatenate([rows.entry_row, new_id[pn[members]]]),
        np.concatenate([rows.entry_pair, members]),
        np.concatenate([rows.entry_coef, np.ones(len(members))]),
        np.concatenate([lower, filled[lacks]]),
        np.concatenate([upper, filled[lacks]]),
        rows.unit_row,
        rows.unit_cost,
        rows.need_row,
    )


def _large_fit(
    h: _Highs, view: Instance, best: np.ndarray, start: np.ndarray,
    opts: MipOptions, deadline: float, stats: dict[str, object], say: Callable[[str], None], slow: float = 1.0,
    free: bool = False, guide: tuple[np.ndarray, int] | None = None,
) -> tuple[np.ndarray, int | None]:
    """The fit level with coverage held at p* = coverage(best), within a short limit: a branch and
    bound over the plan's pairs and those the fit LP `guide` (`_fit_guide`; made here where not given)
    uses, started from the plan, both levels in one objective (else, with no LP in time, over the plan's
    pairs, the start plan's and the best few per need by fit, each need's places held). Not a proof:
    the bound returned is Σ over needs of their best fits per open place (no volunteer counted twice
    within a need; spread ignored), which every plan stays under. `slow`: how
    many times longer than `large_fit_time_limit` the caller gave it (a slow machine), which scales the
    time the free branch and bound needs to start (`large_fit_free_min`) alike.

    RINS alone unless `free`: it ends optimal over its neighbourhood well within its time (0.6-2.3 s at
    20 000 x 5 000), so the plan is the same on every run. The free branch and bound after it ran where the
    time left allowed, which the machine's speed and the hard optimum HiGHS returned decided: 2.2-2.7 s
    more for 0.02-0.27 % more fit, a plan that changed from run to run (cut by its time limit), and the
    20 s of the issue's 20 000 x 5 000 missed at seeds 3 and 5 (1 December, fourth session)."""
    t0 = time.perf_counter()
    n = view.n_pairs
    p_star = int(view.pair_priority[best].sum())
    fit_f = view.pair_fit.astype(np.float64)
    top: np.ndarray | None = None  # each need's best by fit: only where a step below needs them
    coverage_plan = best
    steps: list[str] = []
    # first the LP's RINS: the fit LP (`_fit_guide`: `guide`, where `solve_large` made it beside its coverage
    # steps; else now, over those pairs), then a branch and bound over the plan's pairs and the LP's support
    # with the pairs both take whole held, both levels in one objective, so that each need's places may move
    # to another need of the same worth. At 20 000 x 5 000 the whole plan's fit then rose 0.49-0.88 % (seed 1
    # 99 692 -> 100 198) in 0.6-1.0 s where the RINS below took 0.9-1.0 s; which needs keep their places is
    # most of it (seed 1's best plan known, 101 125 over the region, fills 30 needs otherwise: held to this
    # plan's needs and given every pair it uses, the optimum is 99 829)
    res: Any = None
    step = "no time"
    early = guide is not None
    if guide is None:  # not made beside the coverage steps (`solve_large`): now, from the plan's pairs
        top = _top_by_fit(view, opts)
        guide = _fit_guide(view, top | best | start, opts, t0 + opts.large_fit_guide_share * (deadline - t0))
    if guide is not None:
        x_lp, rounds = guide
        g_cols = np.flatnonzero(best | (x_lp > EPS))
        g_sub, g_rows = _mip_rows(view, g_cols, spread=True, short_long=False)
        _lo, _big, both = _both_levels(view)
        t_s = time.perf_counter()
        res, g_plan = _fit_step(h, g_sub, g_rows, both[g_cols], np.arange(len(g_cols)), best[g_cols], p_star,
                                until=t_s + (0.7 if free else 1.0) * (deadline - t_s),
                                abs_gap=max(0.999, opts.fit_rel_gap * abs(fit_of(view, best))),
                                fixed=(best & (x_lp >= 1 - EPS))[g_cols])  # fmt: skip
        best = np.zeros(n, dtype=bool)
        best[g_cols[g_plan]] = True
        p_star = int(view.pair_priority[best].sum())  # (more where the coverage steps ran out of time)
        step = "lp rins"
        stats["fit_guide"] = {"rounds": rounds, "made": "beside coverage" if early else "after coverage"}
        steps.append(f"lp rins {fit_of(view, best)} ({rounds} LP rounds{', made beside coverage' if early else ''},"
                     f" {len(g_cols)} pairs) in {time.perf_counter() - t0:.2f} s")  # fmt: skip
    # then over the neighbourhood's pairs with each need's places held as the plan has them (coverage p* so,
    # without a row of its own): where the LP did not solve in time, RINS (the pairs the plan and the start,
    # the flow's plan, which has the fit, agree on held), 80 % of the time where the free branch and bound
    # follows; then (`free`) nothing held. (The second alone, at 20 000 x 5 000, was cut by its time limit at
    # the plan's fit or near it, 67 074; RINS proves 98 565 over its pairs in 2.1 s, 1.5 s of them HiGHS's
    # presolve, so half the 4 s made it a coin flip: 60 986 in the bench's median run.)
    branchings: list[tuple[str, np.ndarray | None, float]] = []
    if guide is None or free:
        top = _top_by_fit(view, opts) if top is None else top
        cols = np.flatnonzero(top | coverage_plan | best | start)  # with the LP's RINS's plan, where it ran
        if guide is None:
            branchings.append(("rins", (best & start)[cols], 0.8 if free else 1.0))
        if free:
            branchings.append(("free", None, 1.0))
        # a view of those pairs only, its rows built afresh: rows over every pair of the region cost 0.5 s
        # and 255 MB at 20 000 x 5 000 (the solve's peak) for a model over 20 000 of 459 000
        sub, base = _mip_rows(view, cols, spread=True, short_long=False)
        held = _with_need_rows(base, sub, best[cols])
        local = np.arange(len(cols))
        plan = best[cols]
    for name, fixed, share in branchings:
        if fixed is None and deadline - time.perf_counter() < opts.large_fit_free_min * slow:
            break
        t_s = time.perf_counter()
        until = t_s + share * (deadline - t_s)
        res, plan = _fit_step(h, sub, held, fit_f[cols], local, plan, p_star, until=until,
                              abs_gap=max(0.999, opts.fit_rel_gap * abs(fit_of(sub, plan))), fixed=fixed)
        step = name
        steps.append(f"{name} {fit_of(sub, plan)} in {time.perf_counter() - t_s:.2f} s")
        best = np.zeros(n, dtype=bool)
        best[cols[plan]] = True
    fit_now = fit_of(view, best)
    fit_bound = max(fit_now, _per_need_fit_bound(view))
    stats["fit_seconds"] = round(time.perf_counter() - t0, 3)
    # the last branch and bound's end: optimal over its pairs (RINS's: with the agreed pairs held), or cut
    stats["fit_polish"] = step if res is None else f"{step} {_ended_as(res.termination.reason)}"
    say(f"  fit {fit_now} (per-need bound {fit_bound}; {', '.join(steps) or 'no time'}),"
        f" {time.perf_counter() - t0:.2f} s")  # fmt: skip
    return best, fit_bound


def _fit_guide(view: Instance, inset: np.ndarray, opts: MipOptions, deadline: float) -> tuple[np.ndarray, int] | None:
    """The LP that guides `_large_fit`'s RINS: (its solution per pair, its rounds), or None out of time. Fit
    plus a weight per priority point (`large_fit_guide_weight` times the largest a pair's fit and spread
    can be: far above what one place's fit changes, on the fit's scale, so its duals price on it too, where
    an M above the whole fit range would make them noise), over the pairs of `inset` (bool per pair), then
    `large_fit_lp_rounds` - 1 times more over the pairs its duals price: per need the best `fit_per_need` by
    their reduced cost under the need's dual and their volunteer's spread dual (a heuristic's pricing: the
    overlap and hour rows of pairs outside the model are not built, their duals not counted). Each round's
    rows are those of its pairs (`_mip_rows`); the rounds are few, so the plan is the same on every run
    (unless the machine is too slow for them: then fewer). Its own HiGHS wrapper: it may run on a worker."""
    h = _Highs()
    n = view.n_pairs
    pn = view.pair_need.astype(np.int64)
    pv = view.pair_vol.astype(np.int64)
    weight = opts.large_fit_guide_weight * max(1.0, float(np.abs(view.pair_fit).max(initial=0)) + view.spread)
    cost = view.pair_fit.astype(np.float64) + weight * view.pair_priority.astype(np.float64)
    inset = inset.copy()
    x_lp: np.ndarray | None = None
    rounds = 0
    while rounds < opts.large_fit_lp_rounds and time.perf_counter() < deadline:
        in_cols = np.flatnonzero(inset)
        sub, rows = _mip_rows(view, in_cols, spread=True, short_long=False)
        res, xs, _units, y = h.solve(rows, cost[in_cols], np.arange(len(in_cols)), integer=False,
                                     time_limit=deadline - time.perf_counter())  # fmt: skip
        if res.termination.reason != OPTIMAL or y is None:
            break
        rounds += 1
        x_lp = np.zeros(n)
        x_lp[in_cols] = xs
        if rounds == opts.large_fit_lp_rounds:
            break
        mu = _need_duals(view, rows, y)
        sigma = np.zeros(view.n_volunteers)  # the spread rows' duals: what one more place costs the volunteer
        if len(rows.unit_row):
            spread_row = np.zeros(rows.n_rows, dtype=bool)
            spread_row[rows.unit_row] = True
            e = spread_row[rows.entry_row]
            sigma[sub.pair_vol[rows.entry_pair[e]].astype(np.int64)] = y[rows.entry_row[e]]
        rc = cost - mu[pn] - sigma[pv]
        add = np.flatnonzero(~inset & (rc > EPS))
        if not len(add):
            break
        inset[_best_per_key(add, pn, rc[add], opts.fit_per_need)] = True
    return None if x_lp is None else (x_lp, rounds)


# --- the coverage core: an exact reduction before any branch and bound ------------------------------------


@dataclass
class Core:
    """The coverage level reduced to where the side rows bind (`coverage_core`)."""

    fixed: np.ndarray  # bool per pair: taken in the plan, whatever the core's optimum
    pairs: np.ndarray  # the core's pairs (indices into the view)
    need_cap: np.ndarray  # per need: places left for the core
    rounds: int


def coverage_core(view: Instance, rows: Rows, score: np.ndarray) -> Core:
    """Fix the pairs no side row constrains; what is left is the core, whose coverage optimum plus the
    fixed pairs' priority is the region's coverage optimum.

    A pair is *free* when no binding side row (C2, C3, the hour groups: every row but C1) holds it with
    the pairs still in play. Some optimal plan takes min(free pairs, places) of each need's free pairs:
    in any optimal plan, a free pair left out can take an open place of its need, or replace a pair of
    its need that is not free (removing a pair never breaks a row; adding a free one breaks none), and
    the coverage stays (every pair of a need has the need's priority). So the free pairs are fixed
    (each need's best by `score`), the needs' places shrink, a need without places drops its other
    pairs, rows lose members and stop binding, more pairs become free: to a fixed point, numpy only.
    Rows never start binding again (they only lose members), and a fixed pair is in no binding row,
    so the fixed pairs and any plan of the core together break no row."""
    n = view.n_pairs
    pn = view.pair_need.astype(np.int64)
    cap = view.need_cap.astype(np.int64).copy()
    side = ~rows.need_rows()[rows.entry_row]
    er, ep, ec = rows.entry_row[side], rows.entry_pair[side], rows.entry_coef[side]
    alive = cap[pn] > 0
    fixed = np.zeros(n, dtype=bool)
    rounds = 0
    # each row's load over the pairs in play (alive or fixed; a fixed pair was free, so it is in no binding row),
    # whether it binds, and per pair how many entries of binding rows hold it: kept up to date from what
    # changes, the rows of the pairs that leave play summed again (the same sums as summing every row each
    # round, to the bit) and the entries of the rows that stop binding taken off (2 700 x 700 everyone: 2
    # million entries, five rounds, 0.33 s when each round summed them all)
    live = alive[ep]
    load = np.bincount(er[live], weights=ec[live], minlength=rows.n_rows)
    binding = load > rows.upper + 1e-9
    holds = np.bincount(ep[binding[er]], minlength=n)
    while True:
        rounds += 1
        free = np.flatnonzero(alive & (holds == 0))
        if len(free) == 0:
            break
        before = alive | fixed
        take = _spread_choice(view, free, cap, fixed) if view.spread > 0 else _best_per_key(free, pn, score[free], cap)
        fixed[take] = True
        alive[free] = False  # a free pair beyond its need's places can never be taken: out
        cap -= np.bincount(pn[take], minlength=view.n_needs)
        alive &= cap[pn] > 0
        in_play = alive | fixed
        left = before & ~in_play  # only rows still binding can stop binding: those that lost a pair
        touched = np.zeros(rows.n_rows, dtype=bool)
        touched[er[left[ep]]] = True
        touched &= binding
        e = np.flatnonzero(touched[er])
        live = in_play[ep[e]]
        load[touched] = np.bincount(er[e[live]], weights=ec[e[live]], minlength=rows.n_rows)[touched]
        stop = touched & (load <= rows.upper + 1e-9)
        binding &= ~stop
        holds -= np.bincount(ep[e[stop[er[e]]]], minlength=n)
    return Core(fixed, np.flatnonzero(alive), cap, rounds)


def _spread_choice(view: Instance, free: np.ndarray, cap: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Which free pairs to fix, min(free, places) per need (any choice keeps the coverage): the best by
    fit less the spread they add, the pairs fixed so far counted (a min-cost flow: free pairs hold no
    binding row, so only the spread ties them), so no volunteer collects every free pair around."""
    from matcher.flow import solve_flow
    from matcher.instance import restrict

    pn = view.pair_need.astype(np.int64)
    take_n = np.minimum(np.bincount(pn[free], minlength=view.n_needs), np.maximum(cap, 0))
    sub = restrict(view, free, take_n)
    sub.vol_fixed = view.vol_fixed + np.bincount(view.pair_vol[fixed], minlength=view.n_volunteers)
    sub.vol_cap = np.maximum(view.vol_cap, np.bincount(view.pair_vol[free], minlength=view.n_volunteers))
    chosen: np.ndarray = free[solve_flow(sub).chosen]
    if len(chosen) != int(take_n.sum()):  # never expected (every free pair can be taken): fall back
        return _best_per_key(free, pn, view.pair_fit[free].astype(np.float64), cap)
    return chosen


def restrict_rows(view: Instance, pairs: np.ndarray, need_cap: np.ndarray) -> Instance:
    """`instance.restrict`, with the view's overlap groups carried over (each cut to the pairs kept,
    those with two or more left) instead of swept again: a group over a subset of a volunteer's pairs
    is a valid row."""
    from matcher.instance import restrict

    sub = restrict(view, pairs, need_cap)
    members, ptr = view.groups
    pos = np.full(view.n_pairs, -1, dtype=np.int64)
    pos[pairs] = np.arange(len(pairs))
    gid = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    mem = pos[members]
    keep = mem >= 0
    gid, mem = gid[keep], mem[keep]
    big = np.bincount(gid, minlength=len(ptr) - 1)[gid] >= 2
    gid, mem = gid[big], mem[big]
    cuts = np.flatnonzero(np.diff(gid)) + 1
    sub._groups = (mem, np.r_[0, cuts, len(mem)].astype(np.int64)) if len(mem) else (mem, np.zeros(1, np.int64))
    return sub


def _sub_rows(rows: Rows, pairs: np.ndarray, n: int, need_cap: np.ndarray) -> Rows:
    """The rows (without spread units) over some of the pairs, the need rows at new capacities: each row
    cut to the pairs kept, which holds for any plan of theirs (a row over fewer pairs is looser, never
    wrong), and rows left with nothing dropped."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[pairs] = np.arange(len(pairs))
    keep = pos[rows.entry_pair] >= 0
    er, ep, ec = rows.entry_row[keep], pos[rows.entry_pair[keep]], rows.entry_coef[keep]
    upper = rows.upper.copy()
    if rows.need_row is not None:
        has = rows.need_row >= 0
        upper[rows.need_row[has]] = need_cap[has]
    used = np.bincount(er, minlength=len(upper)) > 0
    return _kept_rows(Rows(er, ep, ec, rows.lower, upper, need_row=rows.need_row), used)


def _kept_rows(rows: Rows, used: np.ndarray) -> Rows:
    """The rows (no spread units) marked `used`, renumbered; a need whose row goes has none (−1)."""
    keep = used[rows.entry_row]
    new_id = np.cumsum(used) - 1
    need_row = None
    if rows.need_row is not None:
        r = np.maximum(rows.need_row, 0)
        need_row = np.where((rows.need_row >= 0) & used[r], new_id[r], -1)
    return Rows(new_id[rows.entry_row[keep]], rows.entry_pair[keep], rows.entry_coef[keep], rows.lower[used],
                rows.upper[used], need_row=need_row)  # fmt: skip


def without_redundant(rows: Rows) -> Rows:
    """The rows a branch and bound needs (`_needed_rows`), for one that HiGHS would otherwise presolve."""
    return _kept_rows(rows, _needed_rows(rows.entry_row, rows.entry_pair, rows.entry_coef, rows.lower, rows.upper))


def _needed_rows(er: np.ndarray, ep: np.ndarray, ec: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per row (no spread units): whether a model needs it. Not a row with no entries, nor one that no plan
    can break (its entries all taken stay within its upper bound, and it has no lower one), nor the exact
    copy of an earlier row (same entries, coefficients and bounds). Rows cut to a core fall into both
    (10 000 x 2 500: 28 000 copies among 77 000 rows, which HiGHS's presolve spent 2 s finding)."""
    n_rows = len(upper)
    cnt = np.bincount(er, minlength=n_rows)
    load = np.bincount(er, weights=np.maximum(ec, 0.0), minlength=n_rows)
    free_lo = ~np.isfinite(lower)
    need: np.ndarray = (cnt > 0) & ((load > upper + 1e-9) | ~free_lo)
    cand = need & free_lo
    if cand.sum() < 2:
        return need
    o = np.lexsort((ep, er))
    ep_s, ec_s = ep[o], ec[o]
    ptr = np.r_[0, np.cumsum(cnt)]
    # a row's key: its length, bound and the sum of its entries' hashes (a candidate copy is checked entry by
    # entry). The hash is splitmix64's finaliser, not linear: with a linear one, rows {1, 4} and {2, 3} had the
    # same key, fell into one run and were each compared with its first row only, so two copies of {2, 3}
    # behind a {1, 4} both stayed (found by hypothesis)
    mix = splitmix(ep_s.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + ec_s.view(np.uint64))
    h1 = np.zeros(n_rows, dtype=np.uint64)
    nonempty = np.flatnonzero(cnt > 0)
    h1[nonempty] = np.add.reduceat(mix, ptr[nonempty])  # entries sorted by row: one sum per run
    ids = np.flatnonzero(cand)
    order = np.lexsort((ids, upper[ids], cnt[ids], h1[ids]))
    ids = ids[order]
    same = (h1[ids[1:]] == h1[ids[:-1]]) & (cnt[ids[1:]] == cnt[ids[:-1]]) & (upper[ids[1:]] == upper[ids[:-1]])
    if not same.any():
        return need
    first = np.r_[0, np.flatnonzero(~same) + 1]
    rep = ids[np.repeat(first, np.diff(np.r_[first, len(ids)]))]  # each row's first of its key
    dup, of = ids[rep != ids], rep[rep != ids]
    a, b = ranges(ptr[dup], cnt[dup]), ranges(ptr[of], cnt[dup])
    differs = np.bincount(np.repeat(np.arange(len(dup)), cnt[dup]),
                          weights=((ep_s[a] != ep_s[b]) | (ec_s[a] != ec_s[b])).astype(np.float64),
                          minlength=len(dup))  # fmt: skip
    need[dup[differs == 0]] = False
    return need


def _trimmed(view: Instance, chosen: np.ndarray) -> np.ndarray:
    """The plan without the pairs beyond their needs' places (the lightest by fit dropped)."""
    idx = np.flatnonzero(chosen)
    out = np.zeros(view.n_pairs, dtype=bool)
    if len(idx):
        out[_best_per_key(idx, view.pair_need.astype(np.int64), view.pair_fit[idx].astype(np.float64),
                          view.need_cap.astype(np.int64))] = True  # fmt: skip
    return out


def core_coverage(
    h: _Highs, view: Instance, start: np.ndarray, opts: MipOptions, deadline: float,
    stats: dict[str, object], say: Callable[[str], None], *, rows: Rows | None = None, handoff: bool = False,
) -> tuple[np.ndarray, float, bool]:
    """The coverage level over the region: the core (`coverage_core`), then one branch and bound over
    it when it is small enough, else the priced LP and a branch and bound over what can matter
    (`solve_level`; with `handoff`, not over more than `core_handoff_pairs`: then unproven, and
    stats["coverage_mip"] is `HANDED_OVER`). Returns (plan, bound, proven)."""
    t0 = time.perf_counter()
    prio_i = view.pair_priority.astype(np.int64)
    rows = build_rows(view, spread=False) if rows is None else rows
    core = coverage_core(view, rows, view.pair_fit.astype(np.float64))
    sub = restrict_rows(view, core.pairs, core.need_cap)
    fixed_prio = int(prio_i[core.fixed].sum())
    sub_start = _trimmed(sub, start[core.pairs])
    stats.update(core_pairs=sub.n_pairs, core_fixed=int(core.fixed.sum()), core_rounds=core.rounds)
    say(f"  coverage core: {int(core.fixed.sum())} pairs fixed (priority {fixed_prio}), {sub.n_pairs} left"
        f" in {core.rounds} rounds, {time.perf_counter() - t0:.2f} s")  # fmt: skip
    sprio = sub.pair_priority.astype(np.float64)

    def cov_sub(c: np.ndarray) -> int:
        return int(sub.pair_priority[c].sum())

    if sub.n_pairs == 0:
        level = LevelResult(sub_start, 0.0, True, {})
    else:
        sub_rows = _sub_rows(rows, core.pairs, view.n_pairs, core.need_cap)  # the region's rows, cut to the core
        if sub.n_pairs <= opts.core_direct_max_pairs:  # (rows cut to a core: many copies, many that cannot bind)
            level = _direct(h, without_redundant(sub_rows), sprio, cov_sub, sub_start, deadline=deadline,
                            abs_gap=0.999)  # fmt: skip
        else:  # (ties are the fit level's: breaking them here by fit cost 1.1 s of 2.9 at 90 000 pairs, for 3 of fit)
            seed = _seed(sub, sub.pair_fit, opts.first_per_need, sub_start)
            # the patterns' view: the coverage level's weights as its fit, no spread
            by_prio = replace(sub, pair_fit=sub.pair_priority.astype(np.int64), spread=0)
            level = solve_level(h, sub_rows, sprio, cov_sub, sub_start, seed, deadline=deadline, rel_gap=0.0,
                                max_rounds=opts.max_rounds, need_of=sub.pair_need.astype(np.int64),
                                patterns=by_prio,
                                last_mip_max=opts.core_handoff_pairs if handoff else None)  # fmt: skip
    stats.update({"coverage_" + k: v for k, v in level.stats.items()})
    plan = core.fixed.copy()
    plan[core.pairs[level.chosen]] = True
    bound = fixed_prio + level.bound
    if int(prio_i[start].sum()) > int(prio_i[plan].sum()):  # a limit cut the core short: the start is better
        plan = start.copy()
    proven = int(prio_i[plan].sum()) >= bound
    say(f"  coverage {int(prio_i[plan].sum())} of bound {bound:.0f}{' (proven)' if proven else ''}, fit"
        f" {fit_of(view, plan)}, {time.perf_counter() - t0:.2f} s")  # fmt: skip
    return plan, bound, proven


def _near_fractional(view: Instance, x: np.ndarray, among: np.ndarray, rings: int = 2) -> np.ndarray:
    """The pairs (bool per pair) of the needs and volunteers `rings` steps from the LP solution `x`'s
    fractional pairs, stepping through the pairs of `among`: where the LP has not decided, the pairs it
    takes whole beside them are as open to change."""
    pn = view.pair_need.astype(np.int64)
    pv = view.pair_vol.astype(np.int64)
    frac = (x > EPS) & (x < 1 - EPS)
    needs = np.zeros(view.n_needs, dtype=bool)
    vols = np.zeros(view.n_volunteers, dtype=bool)
    needs[pn[frac]] = True
    vols[pv[frac]] = True
    for _ in range(rings - 1):
        touch = among & (needs[pn] | vols[pv])
        needs[pn[touch]] = True
        vols[pv[touch]] = True
    near: np.ndarray = needs[pn] | vols[pv]
    return near


def _fit_lns(
    h: _Highs, view: Instance, plan: np.ndarray, rows: Rows, cost: np.ndarray, big: int, deadline: float,
    window_pairs: int = 3000,
) -> tuple[np.ndarray, list[int]]:
    """Large-neighbourhood search on the fit level: needs in order of regret (their best candidate's fit
    above what the plan gives them), a window of them at a time with every candidate of theirs free and
    the rest of the plan held, one small branch and bound each (both levels in one objective: coverage,
    proven optimal by the caller, cannot rise and will not fall). Deterministic; stops at the deadline or
    after one sweep. Returns (plan, the windows' gains)."""
    pn = view.pair_need.astype(np.int64)
    pv = view.pair_vol.astype(np.int64)
    fit_f = view.pair_fit.astype(np.float64)
    best_fit = np.full(view.n_needs, -np.inf)
    np.maximum.at(best_fit, pn, fit_f)
    got = np.zeros(view.n_needs)
    np.add.at(got, pn[plan], fit_f[plan])
    regret = best_fit * np.maximum(view.need_cap, 1) - got
    has = np.flatnonzero(np.bincount(pn, minlength=view.n_needs) > 0)
    order = has[np.lexsort((has, -regret[has]))]
    size = np.bincount(pn, minlength=view.n_needs)[order]
    gains: list[int] = []
    start = 0
    while start < len(order) and deadline - time.perf_counter() > 0.05:
        stop = start + max(1, int(np.searchsorted(np.cumsum(size[start:]), window_pairs)))
        window = np.zeros(view.n_needs, dtype=bool)
        window[order[start:stop]] = True
        start = stop
        free = window[pn]
        vols = np.zeros(view.n_volunteers, dtype=bool)
        vols[pv[free]] = True
        cols = np.flatnonzero(free | (plan & vols[pv]))
        res, xs, _u, _y = h.solve(rows, cost, cols, integer=True, time_limit=min(1.0, deadline - time.perf_counter()),
                                  abs_gap=0.999, hint=plan, fixed=plan & ~free)  # fmt: skip
        if not len(res.solutions):
            continue
        cand = plan.copy()
        cand[cols] = xs > 0.5
        v_new = int(view.pair_priority[cand].sum()) * big + fit_of(view, cand)
        v_old = int(view.pair_priority[plan].sum()) * big + fit_of(view, plan)
        if v_new > v_old:
            gains.append(v_new - v_old)
            plan = cand
    return plan, gains


def _holds(rows: Rows, plan: np.ndarray) -> bool:
    """Every row holds for the pairs of `plan` (the spread rows with as many units as they need)."""
    load = np.bincount(rows.entry_row, weights=plan[rows.entry_pair] * rows.entry_coef, minlength=rows.n_rows)
    if len(rows.unit_row):
        load -= np.bincount(rows.unit_row, minlength=rows.n_rows)  # every unit taken: the rows' most room
    return bool(np.all(load <= rows.upper + 1e-9) and np.all(load >= rows.lower - 1e-9))


def _by_patterns(
    h: _Highs, view: Instance, base: Rows, plan: np.ndarray, p_star: int, lp: _Lp, fit_bound: int, tol: float,
    deadline: float, stats: dict[str, object], say: Callable[[str], None],
) -> tuple[np.ndarray, int]:
    """`fit_level`'s bound by volunteer patterns (`matcher.patterns`) from its LP's duals and solution: the
    plan (the patterns' best where it is better and keeps every row and p*) and the fit bound."""
    from matcher.patterns import pattern_bound  # the module builds on this one's rows and HiGHS wrapper

    t0 = time.perf_counter()
    got = pattern_bound(view, base, plan, p_star, _need_duals(view, base, lp.y), float(lp.y[-1]), deadline, h,
                        incumbent=fit_of(view, plan), tol=tol, x=lp.x)  # fmt: skip
    if got is None:
        return plan, fit_bound
    if (got.plan is not None and int(view.pair_priority[got.plan].sum()) == p_star
            and fit_of(view, got.plan) > fit_of(view, plan) and _holds(base, got.plan)):  # fmt: skip
        plan = got.plan
    if math.isfinite(got.bound):
        fit_bound = min(fit_bound, int(got.bound))
    stats.update(got.stats)
    say(f"  fit by patterns {fit_of(view, plan)} of bound {fit_bound} ({got.rounds} rounds),"
        f" {time.perf_counter() - t0:.2f} s")  # fmt: skip
    return plan, fit_bound


def fit_level(
    h: _Highs, view: Instance, plan: np.ndarray, extra: np.ndarray, opts: MipOptions, deadline: float,
    stats: dict[str, object], say: Callable[[str], None], *, base: Rows | None = None, latest: float | None = None,
) -> tuple[np.ndarray, int]:
    """The fit level with coverage held at the plan's (the caller's proven optimum), within about
    `fit_time_limit` seconds (`base`: the view's rows with spread, if built; `latest`: how far past that
    the floors below may run). First the LP of the fit with coverage held by a row, by column generation
    from the plan's pairs, `extra` (the start's) and each need's best few by fit, whose duals bound the
    level over every pair (Lagrangian); then branch and bounds from it with both levels in one objective
    and coverage capped (so nothing below it pays): the LP's whole pairs held, else RINS; then, with time
    left, neighbourhoods and more pricing for the bound. Returns (plan, fit bound)."""
    t0 = time.perf_counter()
    n = view.n_pairs
    pn = view.pair_need.astype(np.int64)
    p_star = int(view.pair_priority[plan].sum())
    _lo, big, cost = _both_levels(view)
    base = build_rows(view, spread=True) if base is None else base
    rows = with_row(base, view.pair_priority, -np.inf, float(p_star))
    fit_f = view.pair_fit.astype(np.float64)
    inset = plan | extra | _top_by_fit(view, opts)
    fit_now = fit_of(view, plan)
    # the LP prices with the fit alone and coverage held by a row: the same LP as priority·M + fit with
    # coverage capped, but its duals are on the fit's scale, so its Lagrangian bound is a few points
    # above the LP instead of M-scale noise (measured at 90 000 pairs: 18 174 against 47 587)
    fit_rows = _last_row_bounds(rows, float(p_star), np.inf)  # (its entries `rows`' own: 2 million at 90 000 pairs)
    priced = _price(fit_rows, fit_f, inset, pn, opts.fit_price_per_need, opts.max_rounds,
                    t0 + opts.fit_lp_share * (deadline - t0), stall=opts.fit_lp_stall,
                    min_rounds=opts.fit_lp_min_rounds, latest=latest)  # fmt: skip
    bound, rounds = priced.bound, priced.rounds
    lp_seconds = time.perf_counter() - t0
    fit_bound = int(_floor(bound)) if math.isfinite(bound) else None
    tol = max(0.999, opts.fit_rel_gap * abs(fit_bound if fit_bound is not None else fit_now))
    n_priced = int(inset.sum())
    # small branch and bounds from the LP, each with all the time left and at least `fit_mip_min` seconds
    # (up to `latest`, the region's deadline; the neighbourhoods and the pricing below only use what they
    # leave). First the LP's whole pairs held, the rest of the priced set free: the set's optimum or near
    # it in 0.2-0.5 s at 44-90 000 pairs, where one branch and bound over the whole set took 1.7-2.7 s
    # and, out of time, left the plan at the coverage level's fit. It may miss the plan's coverage
    # (10 000 x 2 500 with two LP rounds: 125 priority short when its time ran out); then RINS: the
    # pairs where the LP and the plan agree held (the plan's pairs the LP takes whole, those neither
    # takes left out), the plan its start, so it cannot fail; twice the floor (at 10 000 x 2 500 it took 1.0 s).
    term = 0
    if priced.lp is not None:
        whole = priced.lp.x >= 1 - EPS
        first = plan
        # the first with coverage held at p* by its row (both bounds): where the LP's whole pairs cannot keep
        # it, presolve says so at once (10 000 x 2 500: 0.8 s of search for a plan below p* before). The
        # same rows as `rows`, whose last is that coverage row: only its lower bound differs
        held_rows = _last_row_bounds(rows, float(p_star), float(p_star))
        # the floor in seconds grows with the LP's own seconds: on a machine busy enough to slow the LP
        # 3-4 times (a test suite beside it), 1 s and 2 s found nothing and the plan kept the coverage
        # level's fit, 40 % below (2 700 x 700 everyone: LP 4.8 s, fit 10 956 of 18 030)
        least = max(opts.fit_mip_min, opts.fit_mip_lp_ratio * lp_seconds)
        held = whole
        # the priced set and the pairs the LP's duals price within `fit_rc_slack` of joining: the pairs of the
        # optimum the pricing left out are there (2 000 x 500 everyone seed 8: 17 of the region's optimum's
        # 689 pairs outside the priced set, each of reduced cost 2 to -0.5; with them the steps below reach
        # that optimum, 11 741, where they stopped at 11 726-11 735 as the LP's rounds went)
        bb_pairs = inset | (priced.rc > -opts.fit_rc_slack)
        far = whole & ~_near_fractional(view, priced.lp.x, bb_pairs)  # the whole pairs away from the undecided
        for fixed, among, floor, step_rows in ((whole, bb_pairs, least, held_rows), (far, bb_pairs, least, held_rows),
                                               (whole & plan, inset & (plan | (priced.lp.x > EPS)),
                                                2 * least, rows)):  # fmt: skip
            if plan is not first:  # the first found its plan
                break
            held = fixed
            until = max(deadline, min(time.perf_counter() + floor, deadline if latest is None else latest))
            res, plan = _fit_step(h, view, step_rows, cost, np.flatnonzero(among), plan, p_star, until=until,
                                  abs_gap=tol, fixed=fixed)  # fmt: skip
            term = res.termination.reason
        if plan is not first and held is not far and fit_bound is not None and fit_bound - fit_of(view, plan) > tol:
            # then the pairs it held near the LP's fractional ones free too (`_near_fractional`), all of
            # `bb_pairs` open, from its plan (which holds every pair still held: the search cannot end below
            # it). The LP's whole pairs held cost 3-15 fit points at five of eight bench registers (2 000 x 500
            # and 2 700 x 700 everyone): freed two rings out, the set's free optimum each time, in 0.1-0.5 s
            # where the free branch and bound took 0.8-4.4 s
            res, plan = _fit_step(h, view, held_rows, cost, np.flatnonzero(bb_pairs), plan, p_star, until=deadline,
                                  abs_gap=tol, fixed=held & far)  # fmt: skip
            term = res.termination.reason
        fit_now = fit_of(view, plan)
    if opts.fit_patterns_time > 0 and priced.lp is not None and fit_bound is not None and fit_bound - fit_now > tol:
        plan, fit_bound = _by_patterns(h, view, base, plan, p_star, priced.lp, fit_bound, tol,
                                       time.perf_counter() + opts.fit_patterns_time, stats, say)  # fmt: skip
        fit_now = fit_of(view, plan)
        if fit_bound - fit_now <= tol:
            term = OPTIMAL
    if term != OPTIMAL or fit_bound is None or fit_bound - fit_now > tol:  # not done: neighbourhoods
        lns_deadline = time.perf_counter() + (1 - opts.fit_bound_share) * (deadline - time.perf_counter())
        plan, moves = _fit_lns(h, view, plan, rows, cost, big, lns_deadline)
        fit_now = fit_of(view, plan)
        stats["fit_lns"] = moves
    if fit_bound is not None and fit_bound - fit_now > tol and deadline - time.perf_counter() > 0.1:
        more = _price(fit_rows, fit_f, inset, pn, n, opts.max_rounds, deadline, warm=priced.warm)  # on, every pair
        if more.rounds and math.isfinite(more.bound):  # the LP's later rounds: a tighter bound
            fit_bound = min(fit_bound, int(_floor(more.bound)))
            rounds += more.rounds
    if fit_bound is None:  # no LP in time
        fit_bound = _per_need_fit_bound(view)
    fit_bound = max(fit_bound, fit_now)
    stats.update(fit_lp_rounds=rounds, fit_pairs=n_priced, fit_seconds=round(time.perf_counter() - t0, 3),
                 fit_lp_seconds=round(lp_seconds, 3),
                 fit_mip=_ended_as(term))
    say(f"  fit {fit_now} of bound {fit_bound} ({n_priced} pairs, {rounds} LP rounds),"
        f" {time.perf_counter() - t0:.2f} s")  # fmt: skip
    return plan, fit_bound
