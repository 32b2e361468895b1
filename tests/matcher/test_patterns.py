"""The fit level's bound by volunteer patterns (`matcher.patterns`).

Pricing is checked against every subset of a volunteer's pairs worth something, each kept or refused
here by the fit model's own rows read entry by entry (not by the module's binding-row shortcut), its
worth counted with `flow.spread_of`. The bound is checked against the fit level's optimum: a branch
and bound over every pair of small generated registers, coverage held at its optimum.
"""

from __future__ import annotations

import functools
import itertools
import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import patterns
from matcher.flow import fit_of, spread_of
from matcher.generate import generate
from matcher.instance import Instance
from matcher.mip import (
    LevelResult,
    MipOptions,
    Rows,
    _both_levels,
    _Highs,
    _holds,
    _WarmLp,
    build_rows,
    fit_level,
    solve_level,
    with_row,
    without_spread,
)
from matcher.patterns import ENUM_MAX, _greedy_big, _places, _price_big, pattern_bound, price, volunteer_blocks
from matcher.solve import build_instance_for

REGISTERS = [(40, 14, 1, True), (60, 20, 2, False), (50, 18, 3, True), (80, 24, 4, True)]


@functools.cache
def _register(v: int, n: int, seed: int, broad: bool) -> tuple[Instance, Rows]:
    view = build_instance_for(generate(v, n, seed, broad=broad))
    return view, build_rows(view, spread=True)


def _keeps_own_rows(view: Instance, rows: Rows, chosen: np.ndarray) -> bool:
    """Every row but C1 holds for `chosen`, entry by entry (the spread rows: with all their units)."""
    c1 = set()
    if rows.need_row is not None:
        c1 = {int(r) for r in rows.need_row if r >= 0}
    units = np.bincount(rows.unit_row, minlength=rows.n_rows)
    load = np.zeros(rows.n_rows)
    for r, p, c in zip(rows.entry_row.tolist(), rows.entry_pair.tolist(), rows.entry_coef.tolist(), strict=True):
        if chosen[p]:
            load[r] += c
    return all(load[r] - units[r] <= rows.upper[r] + 1e-9 for r in range(rows.n_rows) if r not in c1)


def _worth(view: Instance, w: np.ndarray, chosen: np.ndarray) -> float:
    return float(w[chosen].sum()) - spread_of(view, chosen)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(REGISTERS), st.data())
def test_price_finds_each_volunteers_best_subset(reg: tuple[int, int, int, bool], data: st.DataObject) -> None:
    view, rows = _register(*reg)
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    pv = view.pair_vol.astype(np.int64)
    vols = np.unique(pv)
    picked = data.draw(st.lists(st.sampled_from(vols.tolist()), min_size=1, max_size=4, unique=True))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    w = np.full(view.n_pairs, -1.0)
    for v in picked:  # a few pairs of each picked volunteer worth something, some heavily
        mine = np.flatnonzero(pv == v)
        k = min(len(mine), int(rng.integers(1, 9)))
        on = rng.choice(mine, size=k, replace=False)
        w[on] = rng.integers(1, 60, size=k).astype(np.float64)
    got = price(view, blocks, w)
    assert len(got.overflow) == 0
    for v in picked:
        mine = np.flatnonzero((pv == v) & (w > 0))
        best = 0.0
        for r in range(1, len(mine) + 1):
            for sub in itertools.combinations(mine.tolist(), r):
                chosen = np.zeros(view.n_pairs, dtype=bool)
                chosen[list(sub)] = True
                if _keeps_own_rows(view, rows, chosen):
                    best = max(best, _worth(view, w, chosen))
        assert got.value[v] == pytest.approx(best, abs=1e-6)
        theirs = got.chosen & (pv == v)
        assert _keeps_own_rows(view, rows, theirs)
        assert _worth(view, w, theirs) == pytest.approx(best, abs=1e-6)
    others = np.setdiff1d(vols, picked)
    assert not got.value[others].any() and not (got.chosen & np.isin(pv, others)).any()


def _best_by_brute_force(view: Instance, rows: Rows, w: np.ndarray, v: int) -> float:
    """The volunteer's best subset of pairs worth something, every subset tried against every row but C1
    (the rows read into a dense matrix here), its worth counted with `flow.spread_of`."""
    pv = view.pair_vol.astype(np.int64)
    mine = np.flatnonzero((pv == v) & (w > 0))
    assert rows.need_row is not None
    c1 = rows.need_rows()
    a = np.zeros((rows.n_rows, len(mine)))
    for r, p, c in zip(rows.entry_row.tolist(), rows.entry_pair.tolist(), rows.entry_coef.tolist(), strict=True):
        if p in mine and not c1[r]:
            a[r, int(np.searchsorted(mine, p))] += c
    room = rows.upper + np.bincount(rows.unit_row, minlength=rows.n_rows)
    best = 0.0
    for bits in range(1, 1 << len(mine)):
        x = np.array([(bits >> i) & 1 for i in range(len(mine))], dtype=np.float64)
        if np.all(a @ x <= room + 1e-9):
            chosen = np.zeros(view.n_pairs, dtype=bool)
            chosen[mine[x > 0]] = True
            best = max(best, _worth(view, w, chosen))
    return best


def _drawn_weights(data: st.DataObject, view: Instance) -> np.ndarray:
    """A weight per pair, some worth nothing."""
    return np.array(data.draw(st.lists(st.integers(-5, 40), min_size=view.n_pairs, max_size=view.n_pairs)), dtype=float)


def _assert_each_best(view: Instance, rows: Rows, w: np.ndarray, value: np.ndarray, chosen: np.ndarray) -> None:
    """Every volunteer's value is their best subset's worth by brute force, and their chosen pairs are such a
    subset: they keep every row of theirs and are worth as much."""
    pv = view.pair_vol.astype(np.int64)
    for v in np.unique(pv).tolist():
        best = _best_by_brute_force(view, rows, w, v)
        assert value[v] == pytest.approx(best, abs=1e-6)
        theirs = chosen & (pv == v)
        assert _keeps_own_rows(view, rows, theirs)
        assert _worth(view, w, theirs) == pytest.approx(best, abs=1e-6)


def test_price_hands_back_volunteers_with_too_many_pairs_and_the_greedy_keeps_their_rows() -> None:
    view, rows = _register(80, 24, 4, True)
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    pv = view.pair_vol.astype(np.int64)
    counts = np.bincount(pv, minlength=view.n_volunteers)
    many = np.flatnonzero(counts > ENUM_MAX)
    assert len(many), "the register has a volunteer with more than ENUM_MAX pairs"
    w = view.pair_fit.astype(np.float64) + 30.0
    got = price(view, blocks, w)
    assert set(got.overflow.tolist()) == set(many.tolist())
    assert not (got.chosen & np.isin(pv, many)).any()
    value, chosen = _greedy_big(view, blocks, w, many)
    for v in many:
        theirs = chosen & (pv == v)
        assert theirs.any() and _keeps_own_rows(view, rows, theirs)
        assert value[v] == pytest.approx(_worth(view, w, theirs))


def _plain_greedy(view: Instance, rows: Rows, w: np.ndarray, v: int) -> np.ndarray:
    """One volunteer's greedy pattern as the rule reads: their pairs worth something by worth (the lower
    index first among equals), each taken where every row of theirs but C1 still holds with it (read entry
    by entry) and it is worth more than the spread it adds (`flow.spread_of`); stop at the first pair that
    is worth no more than that."""
    pv = view.pair_vol.astype(np.int64)
    mine = np.flatnonzero((pv == v) & (w > 1e-9))
    chosen = np.zeros(view.n_pairs, dtype=bool)
    for p in sorted(mine.tolist(), key=lambda q: (-w[q], q)):
        more = chosen.copy()
        more[p] = True
        step = spread_of(view, more) - spread_of(view, chosen)
        if w[p] <= step:
            break
        if _keeps_own_rows(view, rows, more):
            chosen = more
    return chosen


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(REGISTERS), st.integers(0, 2**31))
def test_the_greedy_takes_for_every_volunteer_at_once_what_one_at_a_time_takes(
    reg: tuple[int, int, int, bool], seed: int
) -> None:
    """`_greedy_big` steps through all the volunteers' pairs at once; each volunteer's pattern is the one a
    plain greedy over their pairs alone takes, and the value is its worth."""
    view, rows = _register(*reg)
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    rng = np.random.default_rng(seed)
    w = rng.integers(-10, 40, size=view.n_pairs).astype(np.float64) + rng.random(view.n_pairs)
    pv = view.pair_vol.astype(np.int64)
    vols = np.flatnonzero(rng.random(view.n_volunteers) < 0.6)
    value, chosen = _greedy_big(view, blocks, w, vols)
    assert not (chosen & ~np.isin(pv, vols)).any()
    for v in vols.tolist():
        plain = _plain_greedy(view, rows, w, v)
        assert np.array_equal(chosen & (pv == v), plain), v
        assert value[v] == pytest.approx(_worth(view, w, plain), abs=1e-6)


def _fit_optimum(view: Instance, rows: Rows) -> tuple[np.ndarray, int, int]:
    """(a coverage-optimal plan of best fit, p*, that fit), by one branch and bound over every pair."""
    h = _Highs()
    _lo, _big, cost = _both_levels(view)
    res, xs, _u, _y = h.solve(rows, cost, np.arange(view.n_pairs), integer=True, time_limit=60.0, abs_gap=0.5)
    assert res.termination.reason == 1
    plan = xs > 0.5
    return plan, int(view.pair_priority[plan].sum()), fit_of(view, plan)


@pytest.mark.parametrize("reg", REGISTERS, ids=[f"{v}x{n}-{s}" for v, n, s, _b in REGISTERS])
def test_pattern_bound_holds_and_its_plan_keeps_every_row(reg: tuple[int, int, int, bool]) -> None:
    view, rows = _register(*reg)
    best, p_star, f_star = _fit_optimum(view, rows)
    fit_rows = with_row(rows, view.pair_priority, float(p_star))
    lp = _WarmLp(fit_rows, view.pair_fit.astype(np.float64)).solve(np.arange(view.n_pairs), 60.0)
    assert lp is not None
    mu = np.zeros(view.n_needs)
    assert rows.need_row is not None
    mu[rows.need_row >= 0] = lp.y[rows.need_row[rows.need_row >= 0]]
    # from a worse plan of the same coverage where there is one: the flow's repaired plan would do; here
    # the optimum with its lowest-fit pair swapped out is not always a plan, so the optimum itself
    got = pattern_bound(view, rows, best, p_star, mu, float(lp.y[-1]), time.perf_counter() + 60, _Highs(),
                        incumbent=-1e9, tol=0.0, x=lp.x)  # fmt: skip
    assert got is not None
    assert f_star <= got.bound <= np.floor(lp.value + 1e-6)
    if got.plan is not None:
        assert int(view.pair_priority[got.plan].sum()) == p_star
        assert _holds(rows, got.plan)
        assert fit_of(view, got.plan) <= got.bound


def test_the_master_is_an_lp_again_after_its_branch_and_bound() -> None:
    """`pattern_bound` goes on pricing after a branch and bound over the master's patterns (where the plan it
    finds is still short of the bound): the master must be its LP again. Three volunteers, three needs of one
    place, each volunteer's pattern two needs in a ring: the LP takes each at one half (3), a plan one
    pattern (2)."""
    pv = np.array([0, 0, 1, 1, 2, 2], dtype=np.int32)
    pn = np.array([0, 1, 1, 2, 0, 2], dtype=np.int32)
    view = Instance(
        n_volunteers=3, n_needs=3, pair_vol=pv, pair_need=pn, pair_priority=np.ones(6, dtype=np.int64),
        pair_fit=np.ones(6, dtype=np.int64), pair_cand=np.arange(6), need_cap=np.ones(3, dtype=np.int64),
        vol_cap=np.full(3, 2), vol_minutes_cap=np.full(3, -1), pair_minutes=np.zeros(6, dtype=np.int64),
        spread=0, vol_fixed=np.zeros(3, dtype=np.int64),
    )  # fmt: skip
    master = patterns._Master(view, 2, np.ones(3))
    master.add(np.ones(6, dtype=bool), np.arange(3))
    before = master.solve()
    assert before is not None and before[0] == pytest.approx(3.0)
    plan = np.array([True, True, False, False, False, False])
    found = master.integer_plan(plan, 10.0)
    assert found is not None and fit_of(view, found) == 2
    after = master.solve()
    assert after is not None and after[0] == pytest.approx(3.0)  # the LP's, not the branch and bound's 2
    # a column added after it is continuous too: one pair of the first volunteer's, a half beside the others
    master.add(np.array([True, False, False, False, False, False]), np.array([0]))
    again = master.solve()
    assert again is not None and again[0] == pytest.approx(3.0)


def test_pattern_bound_from_zero_duals_and_no_lp_still_bounds() -> None:
    view, rows = _register(60, 20, 2, False)
    best, p_star, f_star = _fit_optimum(view, rows)
    got = pattern_bound(view, rows, best, p_star, np.zeros(view.n_needs), 0.0, time.perf_counter() + 60, _Highs(),
                        incumbent=float(f_star), tol=0.0)  # fmt: skip
    assert got is not None and f_star <= got.bound


def test_rows_of_two_volunteers_are_not_split() -> None:
    view, rows = _register(40, 14, 1, True)
    pv = view.pair_vol.astype(np.int64)
    a, b = np.flatnonzero(pv == pv[0])[0], np.flatnonzero(pv != pv[0])[0]
    joined = Rows(np.r_[rows.entry_row, [rows.n_rows, rows.n_rows]], np.r_[rows.entry_pair, [a, b]],
                  np.r_[rows.entry_coef, [1.0, 1.0]], np.r_[rows.lower, [-np.inf]], np.r_[rows.upper, [1.0]],
                  rows.unit_row, rows.unit_cost, rows.need_row)  # fmt: skip
    assert volunteer_blocks(view, joined) is None


@st.composite
def small_models(draw: st.DrawFn) -> tuple[Instance, Rows]:
    """A small fit model of random rows, built like `build_rows`: C1 rows first, then each volunteer's own
    rows (at-most-one groups, a count row, a minutes row), then the spread rows with their units."""
    n_vol = draw(st.integers(1, 4))
    n_need = draw(st.integers(1, 4))
    cells = [(v, j) for v in range(n_vol) for j in range(n_need)]
    pairs = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=11, unique=True))
    pv = np.array([v for v, _j in pairs], dtype=np.int32)
    pn = np.array([j for _v, j in pairs], dtype=np.int32)
    n = len(pairs)
    prio_need = np.array(draw(st.lists(st.integers(1, 5), min_size=n_need, max_size=n_need)), dtype=np.int64)
    need_cap = np.array(draw(st.lists(st.integers(0, 2), min_size=n_need, max_size=n_need)), dtype=np.int64)
    fit = np.array(draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)), dtype=np.int64)
    vol_fixed = np.array(draw(st.lists(st.integers(0, 1), min_size=n_vol, max_size=n_vol)), dtype=np.int64)
    spread = draw(st.sampled_from([0, 5, 15]))
    per_vol = np.bincount(pv, minlength=n_vol)
    view = Instance(
        n_volunteers=n_vol, n_needs=n_need, pair_vol=pv, pair_need=pn, pair_priority=prio_need[pn], pair_fit=fit,
        pair_cand=np.arange(n), need_cap=need_cap, vol_cap=per_vol.astype(np.int64),
        vol_minutes_cap=np.full(n_vol, -1, dtype=np.int64), pair_minutes=np.zeros(n, dtype=np.int64), spread=spread,
        vol_fixed=vol_fixed,
    )  # fmt: skip
    er: list[int] = []
    ep: list[int] = []
    ec: list[float] = []
    upper: list[float] = []
    need_row = np.full(n_need, -1, dtype=np.int64)
    for j in range(n_need):
        need_row[j] = len(upper)
        for p in np.flatnonzero(pn == j).tolist():
            er.append(len(upper))
            ep.append(p)
            ec.append(1.0)
        upper.append(float(need_cap[j]))
    for v in np.unique(pv).tolist():
        mine = np.flatnonzero(pv == v).tolist()
        for _ in range(draw(st.integers(0, 2))):  # at-most-one groups
            group = draw(st.lists(st.sampled_from(mine), min_size=1, max_size=len(mine), unique=True))
            er.extend([len(upper)] * len(group))
            ep.extend(group)
            ec.extend([1.0] * len(group))
            upper.append(1.0)
        if draw(st.booleans()):  # a count row
            er.extend([len(upper)] * len(mine))
            ep.extend(mine)
            ec.extend([1.0] * len(mine))
            upper.append(float(draw(st.integers(1, 3))))
        if draw(st.booleans()):  # a minutes row
            er.extend([len(upper)] * len(mine))
            ep.extend(mine)
            ec.extend(float(draw(st.sampled_from([30, 60, 90, 120, 180]))) for _ in mine)
            upper.append(float(draw(st.sampled_from([90, 120, 180, 240, 300]))))
    unit_row: list[int] = []
    unit_cost: list[float] = []
    if spread:
        for v in range(n_vol):
            mine = np.flatnonzero(pv == v).tolist()
            free = int(vol_fixed[v] == 0)
            units = len(mine) - free
            if units <= 0:
                continue
            r = len(upper)
            er.extend([r] * len(mine))
            ep.extend(mine)
            ec.extend([1.0] * len(mine))
            upper.append(float(free))
            unit_row.extend([r] * units)
            unit_cost.extend(-float(spread) * (int(vol_fixed[v]) + free + k) for k in range(units))
    rows = Rows(np.array(er, dtype=np.int64), np.array(ep, dtype=np.int64), np.array(ec), np.full(len(upper), -np.inf),
                np.array(upper), np.array(unit_row, dtype=np.int64), np.array(unit_cost), need_row)  # fmt: skip
    return view, rows


@settings(max_examples=300, deadline=None)
@given(model=small_models(), data=st.data())
def test_price_finds_each_best_subset_of_small_random_models(model: tuple[Instance, Rows], data: st.DataObject) -> None:
    """The enumeration against every subset, on rows of each kind it reads apart: rows that take any one of
    their pairs but no two (at-most-one groups; minutes rows of 120 in 180), kept as conflicts between pairs,
    and the rest by their loads (count rows above one, minutes rows that take two; a pair over a row's room
    on its own)."""
    view, rows = model
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    w = _drawn_weights(data, view)
    got = price(view, blocks, w)
    assert len(got.overflow) == 0  # at most 11 pairs
    _assert_each_best(view, rows, w, got.value, got.chosen)


@pytest.mark.parametrize("enum_max", [ENUM_MAX, 2], ids=["enumerated", "branch-and-bound"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=small_models())
def test_pattern_bound_holds_for_every_plan_of_small_random_models(
    model: tuple[Instance, Rows], enum_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 0/1 plan enumerated: the pattern bound is never below the best fit at the best coverage, never
    above the fit LP's; the plan it returns keeps every row and the coverage. With `ENUM_MAX` at 2 the
    volunteers with more pairs worth something are priced by the greedy, the LP and the branch and bound."""
    monkeypatch.setattr(patterns, "ENUM_MAX", enum_max)
    view, rows = model
    n = view.n_pairs
    best: tuple[int, int, np.ndarray] | None = None
    for bits in range(1 << n):
        plan = np.array([(bits >> i) & 1 for i in range(n)], dtype=bool)
        if not _holds(rows, plan):
            continue
        key = (int(view.pair_priority[plan].sum()), fit_of(view, plan))
        if best is None or key > best[:2]:
            best = (*key, plan)
    assert best is not None  # the empty plan holds
    p_star, f_star, plan = best
    fit_rows = with_row(rows, view.pair_priority, float(p_star))
    lp = _WarmLp(fit_rows, view.pair_fit.astype(np.float64)).solve(np.arange(n), 30.0)
    assert lp is not None
    assert rows.need_row is not None
    mu = lp.y[rows.need_row]
    got = pattern_bound(view, rows, plan, p_star, mu, float(lp.y[-1]), time.perf_counter() + 30, _Highs(),
                        incumbent=-1e9, tol=0.0, x=lp.x)  # fmt: skip
    assert got is not None
    assert f_star <= got.bound <= np.floor(lp.value + 1e-6)
    if got.plan is not None:
        assert _holds(rows, got.plan) and int(view.pair_priority[got.plan].sum()) == p_star
        assert fit_of(view, got.plan) <= f_star


@settings(max_examples=300, deadline=None)
@given(model=small_models(), data=st.data())
def test_price_big_finds_each_volunteers_best_subset(model: tuple[Instance, Rows], data: st.DataObject) -> None:
    """The volunteers with too many pairs to enumerate: the greedy, the LP and the branch and bound together
    find each one's best subset, as every subset tried against the rows says."""
    view, rows = model
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    w = _drawn_weights(data, view)
    got = _price_big(view, blocks, w, np.unique(view.pair_vol.astype(np.int64)), _Highs(), time.perf_counter() + 30)
    assert got is not None
    value, chosen, extra = got
    assert extra < 1e-3  # the bound's margin for the LP's tolerance only
    _assert_each_best(view, rows, w, value, chosen)


@settings(max_examples=200, deadline=None)
@given(model=small_models())
def test_fit_level_with_patterns_keeps_every_row_and_a_true_bound(model: tuple[Instance, Rows]) -> None:
    """`mip.fit_level` with the patterns on, from the worst plan of the best coverage: its plan keeps every
    row and that coverage, its fit is at most the best, its bound at least the best."""
    view, rows = model
    n = view.n_pairs
    plans = []
    for bits in range(1 << n):
        plan = np.array([(bits >> i) & 1 for i in range(n)], dtype=bool)
        if _holds(rows, plan):
            plans.append((int(view.pair_priority[plan].sum()), fit_of(view, plan), bits, plan))
    p_star = max(p for p, _f, _b, _x in plans)
    at_best = [(f, b, x) for p, f, b, x in plans if p == p_star]
    f_star = max(f for f, _b, _x in at_best)
    worst = min(at_best, key=lambda t: (t[0], t[1]))[2]
    stats: dict[str, object] = {}
    opts = MipOptions(fit_patterns_time=10.0)
    plan, bound = fit_level(_Highs(), view, worst, np.zeros(n, dtype=bool), opts, time.perf_counter() + 10, stats,
                            lambda _msg: None, base=rows)  # fmt: skip
    assert _holds(rows, plan) and int(view.pair_priority[plan].sum()) == p_star
    assert fit_of(view, worst) <= fit_of(view, plan) <= f_star <= bound


def test_patterns_close_a_gap_the_lp_leaves() -> None:
    """One place, two volunteers: the better one's need is longer than the minutes they have left, which
    the LP takes three quarters of (fit 3), and no pattern of theirs can: the bound is the optimum, 0."""
    view = Instance(
        n_volunteers=2, n_needs=1, pair_vol=np.array([0, 1], dtype=np.int32),
        pair_need=np.array([0, 0], dtype=np.int32), pair_priority=np.array([1, 1]), pair_fit=np.array([0, 4]),
        pair_cand=np.arange(2), need_cap=np.array([1]),
        vol_cap=np.array([1, 1]), vol_minutes_cap=np.array([-1, -1]), pair_minutes=np.zeros(2, dtype=np.int64),
        spread=0, vol_fixed=np.array([0, 0]),
    )  # fmt: skip
    rows = Rows(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([1.0, 1.0, 120.0]), np.full(2, -np.inf),
                np.array([1.0, 90.0]), need_row=np.array([0]))  # fmt: skip
    plan = np.array([True, False])
    fit_rows = with_row(rows, view.pair_priority, 1.0)
    lp = _WarmLp(fit_rows, view.pair_fit.astype(np.float64)).solve(np.arange(2), 10.0)
    assert lp is not None and lp.value == pytest.approx(3.0)
    got = pattern_bound(view, rows, plan, 1, lp.y[rows.need_row], float(lp.y[-1]), time.perf_counter() + 10, _Highs(),
                        incumbent=0.0, tol=0.0, x=lp.x)  # fmt: skip
    assert got is not None and got.bound == 0.0
    stats: dict[str, object] = {}
    out, bound = fit_level(_Highs(), view, plan, np.zeros(2, dtype=bool), MipOptions(fit_patterns_time=10.0),
                           time.perf_counter() + 10, stats, lambda _msg: None, base=rows)  # fmt: skip
    assert bound == 0 and out.tolist() == [True, False] and stats["pattern_bound"] == 0.0
    _out, bound_lp = fit_level(_Highs(), view, plan, np.zeros(2, dtype=bool), MipOptions(), time.perf_counter() + 10,
                               {}, lambda _msg: None, base=rows)  # fmt: skip
    assert bound_lp == 3  # without the patterns: the LP's


def _coverage_level(view: Instance, rows: Rows) -> tuple[Instance, Rows, LevelResult]:
    """`solve_level` on the coverage level (no spread; the patterns' weights the priorities)."""
    rows = without_spread(rows)
    view = replace(view, spread=0, pair_fit=view.pair_priority.astype(np.int64))
    prio = view.pair_priority.astype(np.float64)
    res = solve_level(_Highs(), rows, prio, lambda c: int(view.pair_priority[c].sum()),
                      np.zeros(view.n_pairs, dtype=bool), np.arange(view.n_pairs), deadline=time.perf_counter() + 30,
                      rel_gap=0.0, max_rounds=30, need_of=view.pair_need.astype(np.int64), patterns=view)  # fmt: skip
    return view, rows, res


@settings(max_examples=300, deadline=None)
@given(model=small_models())
def test_coverage_level_with_patterns_is_the_enumerated_optimum(model: tuple[Instance, Rows]) -> None:
    view, rows, res = _coverage_level(*model)
    n = view.n_pairs
    p_star = 0
    for bits in range(1 << n):
        plan = np.array([(bits >> i) & 1 for i in range(n)], dtype=bool)
        if _holds(rows, plan):
            p_star = max(p_star, int(view.pair_priority[plan].sum()))
    assert _holds(rows, res.chosen)
    assert int(view.pair_priority[res.chosen].sum()) == p_star
    assert res.proven and res.bound >= p_star


def _one_volunteer_two_needs(*, minutes: int, room: int, places: tuple[int, int]) -> tuple[Instance, Rows]:
    """One volunteer, two needs of priority 2 (fits 1 and 3), each need `minutes` long against the
    volunteer's `room` minutes; C1 rows of one place each, the view's `need_cap` `places`."""
    view = Instance(
        n_volunteers=1, n_needs=2, pair_vol=np.array([0, 0], dtype=np.int32),
        pair_need=np.array([0, 1], dtype=np.int32), pair_priority=np.array([2, 2]), pair_fit=np.array([1, 3]),
        pair_cand=np.arange(2), need_cap=np.array(places), vol_cap=np.array([2]), vol_minutes_cap=np.array([-1]),
        pair_minutes=np.zeros(2, dtype=np.int64), spread=0, vol_fixed=np.array([0]),
    )  # fmt: skip
    rows = Rows(np.array([0, 1, 2, 2]), np.array([0, 1, 0, 1]), np.array([1.0, 1.0, minutes, minutes]),
                np.full(3, -np.inf), np.array([1.0, 1.0, room]), need_row=np.array([0, 1]))  # fmt: skip
    return view, rows


def test_coverage_level_proven_by_patterns_where_the_lp_is_one_above() -> None:
    """One volunteer, two needs of priority 2 whose 120 minutes each do not fit their 180 together: the LP
    takes three quarters of each (3), the plan one (2); the patterns prove 2 before any branch and bound."""
    view, rows = _one_volunteer_two_needs(minutes=120, room=180, places=(1, 1))
    _view, _rows, res = _coverage_level(view, rows)
    assert res.proven and res.bound == 2.0 and int(view.pair_priority[res.chosen].sum()) == 2
    assert res.stats["mip"] == "volunteer patterns"


def test_a_row_already_over_its_room_leaves_the_empty_pattern_and_a_finite_bound() -> None:
    """A volunteer whose committed load already exceeds a row's room (upper below 0): no pattern but the
    empty one, worth 0 — never −∞, which would make any bound look proven. A row with a negative
    coefficient: no decomposition at all."""
    view, rows = _one_volunteer_two_needs(minutes=60, room=-30, places=(1, 1))
    blocks = volunteer_blocks(view, rows)
    assert blocks is not None
    got = price(view, blocks, np.array([5.0, 7.0]))
    assert got.value.tolist() == [0.0] and not got.chosen.any()
    minus = Rows(rows.entry_row, rows.entry_pair, np.array([1.0, 1.0, 60.0, -60.0]), rows.lower,
                 np.array([1.0, 1.0, 30.0]), need_row=rows.need_row)  # fmt: skip
    assert volunteer_blocks(view, minus) is None


def test_places_are_the_rows_own() -> None:
    """The master and the bound count each need's places as its C1 row has them (a core's rows carry the
    places left to it), not as the view's `need_cap` says; a need without a C1 row keeps the view's."""
    view, rows = _one_volunteer_two_needs(minutes=120, room=180, places=(0, 0))
    assert _places(view, rows).tolist() == [1.0, 1.0]
    no_row = Rows(rows.entry_row, rows.entry_pair, rows.entry_coef, rows.lower, rows.upper, need_row=np.array([0, -1]))
    assert _places(view, no_row).tolist() == [1.0, 0.0]
    _view, _rows, res = _coverage_level(view, rows)
    assert res.proven and res.bound == 2.0 and int(view.pair_priority[res.chosen].sum()) == 2


def test_a_pair_twice_in_a_row_counts_twice() -> None:
    """A row listing a pair twice (100 + 100 minutes of one pair in a room of 150, beside another pair of
    100): by its entries alone it looks like a row that takes any one pair but no two, yet the first pair
    does not fit on its own. Only the second pair's pattern is possible (before, the loads' matrix kept one
    of the two entries, and the first pair alone passed)."""
    view, rows = _one_volunteer_two_needs(minutes=100, room=150, places=(1, 1))
    twice = Rows(np.array([0, 1, 2, 2, 2]), np.array([0, 1, 0, 1, 0]), np.array([1.0, 1.0, 100.0, 100.0, 100.0]),
                 rows.lower, rows.upper, need_row=rows.need_row)  # fmt: skip
    blocks = volunteer_blocks(view, twice)
    assert blocks is not None
    got = price(view, blocks, np.array([9.0, 4.0]))
    assert got.value.tolist() == [4.0] and got.chosen.tolist() == [False, True]
    assert got.value[0] == _best_by_brute_force(view, twice, np.array([9.0, 4.0]), 0)
    value, chosen = _greedy_big(view, blocks, np.array([9.0, 4.0]), np.array([0]))  # the greedy's patterns too
    assert value.tolist() == [4.0] and chosen.tolist() == [False, True]
