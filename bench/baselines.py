"""Baselines on a solver instance: a greedy and a plain MIP with HiGHS.

Both read only the numpy arrays of `matcher.solve.build_instance(...)` (the model
after eligibility and pins), so they solve exactly the choice our solver faces:

    choose pairs x_p in {0, 1}
    C1  per need j:        sum x_p            <= need_cap[j]
    C2  per volunteer v:   sum x_p            <= vol_cap[v]
                           sum minutes_p x_p  <= vol_minutes_cap[v]   (if >= 0)
    C3  per clique K:      sum_{p in K} x_p   <= 1                    (no overlap)
    maximise lexicographically  (sum priority_p x_p,  sum fit_p x_p - spread penalty)

The spread penalty: a volunteer's k-th assignment beyond the first (pins
included, `vol_fixed`) costs `spread * (k - 1)`, i.e. `spread * n (n - 1) / 2` for n
assignments.

`priority_sum` and `fit_sum` returned here cover the chosen (free) pairs only; add
the pinned matches' priorities and scores to compare with a plan's coverage and
objective. `fit_sum` is sum(pair_fit) minus the spread penalty of the volunteers'
totals (pins included), so it matches the plan's `objective.fit` minus the pinned
scores.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["HAVE_HIGHS", "check_solution", "greedy", "mip_highs", "spread_penalty"]

try:  # highspy is in the dev extras
    import highspy

    HAVE_HIGHS = True
except ImportError:  # pragma: no cover - depends on the environment
    highspy = None
    HAVE_HIGHS = False


def spread_penalty(inst: Any, chosen: np.ndarray) -> int:
    """spread * n (n - 1) / 2 summed over volunteers, n = pinned + chosen assignments."""
    n = np.asarray(inst.vol_fixed, dtype=np.int64).copy()
    np.add.at(n, np.asarray(inst.pair_vol, dtype=np.int64)[chosen], 1)
    return int(inst.spread) * int((n * (n - 1) // 2).sum())


def _sums(inst: Any, chosen: np.ndarray) -> tuple[int, int]:
    pri = int(np.asarray(inst.pair_priority, dtype=np.int64)[chosen].sum())
    fit = int(np.asarray(inst.pair_fit, dtype=np.int64)[chosen].sum()) - spread_penalty(inst, chosen)
    return pri, fit


def _clique_index(inst: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR from pair to the cliques it belongs to: (start, clique ids, clique sizes)."""
    cliques = [np.asarray(c, dtype=np.int64) for c in inst.cliques]
    n_pairs = len(inst.pair_vol)
    if not cliques:
        return np.zeros(n_pairs + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sizes = np.array([len(c) for c in cliques], dtype=np.int64)
    members = np.concatenate(cliques)
    ids = np.repeat(np.arange(len(cliques), dtype=np.int64), sizes)
    order = np.argsort(members, kind="stable")
    members, ids = members[order], ids[order]
    start = np.zeros(n_pairs + 1, dtype=np.int64)
    np.add.at(start, members + 1, 1)
    return np.cumsum(start), ids, sizes


def greedy(inst: Any) -> tuple[np.ndarray, int, int]:
    """Pairs by priority desc, then fit desc (then index); take a pair when no rule breaks.

    Spread is not considered while choosing (it is only subtracted in fit_sum).
    Returns (chosen pair indices, priority_sum, fit_sum).
    """
    n_pairs = len(inst.pair_vol)
    if n_pairs == 0:
        return np.zeros(0, dtype=np.int64), 0, 0
    pri = np.asarray(inst.pair_priority, dtype=np.int64)
    fit = np.asarray(inst.pair_fit, dtype=np.int64)
    order = np.lexsort((np.arange(n_pairs), -fit, -pri)).tolist()
    pv = np.asarray(inst.pair_vol).tolist()
    pn = np.asarray(inst.pair_need).tolist()
    pm = np.asarray(inst.pair_minutes).tolist()
    need_left = np.asarray(inst.need_cap, dtype=np.int64).tolist()
    vol_left = np.asarray(inst.vol_cap, dtype=np.int64).tolist()
    min_left = np.asarray(inst.vol_minutes_cap, dtype=np.int64).tolist()
    cstart, cids, _sizes = _clique_index(inst)
    cs = cstart.tolist()
    ci = cids.tolist()
    used = [False] * (int(cids.max()) + 1 if len(cids) else 0)
    chosen: list[int] = []
    for p in order:
        j = pn[p]
        if need_left[j] <= 0:
            continue
        v = pv[p]
        if vol_left[v] <= 0:
            continue
        m = min_left[v]
        if m >= 0 and pm[p] > m:
            continue
        a, b = cs[p], cs[p + 1]
        if a != b and any(used[c] for c in ci[a:b]):
            continue
        for c in ci[a:b]:
            used[c] = True
        need_left[j] -= 1
        vol_left[v] -= 1
        if m >= 0:
            min_left[v] = m - pm[p]
        chosen.append(p)
    arr = np.array(sorted(chosen), dtype=np.int64)
    p_sum, f_sum = _sums(inst, arr)
    return arr, p_sum, f_sum


def _fit_range(inst: Any) -> int:
    """An upper bound on |fit level| differences between two feasible solutions."""
    fit = np.asarray(inst.pair_fit, dtype=np.int64)
    pv = np.asarray(inst.pair_vol, dtype=np.int64)
    pn = np.asarray(inst.pair_need, dtype=np.int64)
    need_cap = np.maximum(np.asarray(inst.need_cap, dtype=np.int64), 0)
    vol_cap = np.maximum(np.asarray(inst.vol_cap, dtype=np.int64), 0)

    def bound(values: np.ndarray) -> int:
        by_need = np.zeros(len(need_cap), dtype=np.int64)
        np.maximum.at(by_need, pn, values)
        by_vol = np.zeros(len(vol_cap), dtype=np.int64)
        np.maximum.at(by_vol, pv, values)
        return int(min((by_need * need_cap).sum(), (by_vol * vol_cap).sum()))

    gain = bound(np.maximum(fit, 0))
    loss = bound(np.maximum(-fit, 0))
    k = np.asarray(inst.vol_fixed, dtype=np.int64) + vol_cap
    spread = int(inst.spread) * int((k * (k - 1) // 2).sum())
    return gain + loss + spread


def mip_highs(
    inst: Any,
    time_limit: float = 60.0,
    *,
    model_spread: bool = True,
    threads: int | None = None,
    verbose: bool = False,
) -> tuple[np.ndarray, int, int, str, float]:
    """The plain MIP above with HiGHS; returns (chosen, priority_sum, fit_sum, status, seconds).

    One weighted objective: priority * M + fit with M > the whole range of the fit
    level, so it is lexicographic. The MIP gap is set to zero (absolute gap < 1), so
    "optimal" means the lexicographic optimum. With `model_spread` the spread
    penalty is modelled exactly with binaries y[v, k] (k = 2 … pinned + cap) costing
    spread * (k - 1), and  sum x_v - sum_k y[v, k] <= 1 - pinned_v  (the costs rise
    with k, so the cheapest y are used first); without it spread is ignored while
    optimising and only subtracted from fit_sum afterwards.
    `seconds` covers building the model and solving it.
    """
    if not HAVE_HIGHS:
        raise RuntimeError("highspy is not installed (pip install -e '.[dev]')")
    t0 = time.perf_counter()
    n = len(inst.pair_vol)
    pv = np.asarray(inst.pair_vol, dtype=np.int64)
    pn = np.asarray(inst.pair_need, dtype=np.int64)
    pri = np.asarray(inst.pair_priority, dtype=np.int64)
    fit = np.asarray(inst.pair_fit, dtype=np.int64)
    pmin = np.asarray(inst.pair_minutes, dtype=np.int64)
    need_cap = np.asarray(inst.need_cap, dtype=np.int64)
    vol_cap = np.asarray(inst.vol_cap, dtype=np.int64)
    min_cap = np.asarray(inst.vol_minutes_cap, dtype=np.int64)
    vol_fixed = np.asarray(inst.vol_fixed, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0, 0, "optimal", time.perf_counter() - t0
    big_m = float(_fit_range(inst) + 1)

    # Row-wise triplets (row, col, value); rows and columns are numbered as they come.
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_rows = 0

    def add_group_rows(keys: np.ndarray, members: np.ndarray, coef: np.ndarray, ub_of_key: np.ndarray) -> None:
        """One row per distinct key: sum coef * x[members with that key] <= ub."""
        nonlocal n_rows
        uniq, inv = np.unique(keys, return_inverse=True)
        rows.append(n_rows + inv)
        cols.append(members)
        vals.append(coef.astype(np.float64))
        upper.append(ub_of_key[uniq].astype(np.float64))
        n_rows += len(uniq)

    idx = np.arange(n, dtype=np.int64)
    ones = np.ones(n)
    add_group_rows(pn, idx, ones, need_cap)  # C1
    add_group_rows(pv, idx, ones, vol_cap)  # C2 count
    capped = min_cap[pv] >= 0
    if capped.any():  # C2 minutes
        add_group_rows(pv[capped], idx[capped], pmin[capped], min_cap)
    cliques = [np.asarray(c, dtype=np.int64) for c in inst.cliques]
    if cliques:  # C3
        sizes = np.array([len(c) for c in cliques], dtype=np.int64)
        add_group_rows(
            np.repeat(np.arange(len(cliques)), sizes), np.concatenate(cliques), np.ones(int(sizes.sum())),
            np.ones(len(cliques), dtype=np.int64),
        )  # fmt: skip

    # Spread: y[v, k] for k = 2 … K_v, K_v = fixed + min(cap, candidate pairs).
    n_y = 0
    y_cost = np.zeros(0)
    if model_spread and inst.spread > 0:
        per_vol = np.bincount(pv, minlength=len(vol_cap))
        k_max = vol_fixed + np.minimum(vol_cap, per_vol)
        vs = np.flatnonzero((k_max >= 2) & (per_vol > 0))
        if len(vs):
            counts = k_max[vs] - 1  # y[v, 2..K_v]
            y_vol = np.repeat(vs, counts)
            first = np.repeat(np.cumsum(counts) - counts, counts)
            y_k = np.arange(len(y_vol)) - first + 2
            n_y = len(y_vol)
            y_cost = -float(inst.spread) * (y_k - 1)
            # rows: sum x_v - sum y_v <= 1 - fixed_v, one per v in vs
            row_of_v = np.full(len(vol_cap), -1, dtype=np.int64)
            row_of_v[vs] = n_rows + np.arange(len(vs))
            sel = row_of_v[pv] >= 0
            rows.append(np.concatenate([row_of_v[pv[sel]], row_of_v[y_vol]]))
            cols.append(np.concatenate([idx[sel], n + np.arange(n_y)]))
            vals.append(np.concatenate([np.ones(int(sel.sum())), -np.ones(n_y)]))
            upper.append((1 - vol_fixed[vs]).astype(np.float64))
            n_rows += len(vs)

    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    order = np.lexsort((c, r))
    r, c, v = r[order], c[order], v[order]
    starts = np.searchsorted(r, np.arange(n_rows)).astype(np.int32)

    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    n_cols = n + n_y
    cost = np.concatenate([pri.astype(np.float64) * big_m + fit, y_cost])
    h.addCols(
        n_cols, cost, np.zeros(n_cols), np.ones(n_cols), 0,
        np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0),
    )  # fmt: skip
    h.addRows(
        n_rows, np.full(n_rows, -highspy.kHighsInf), np.concatenate(upper), len(r),
        starts, c.astype(np.int32), v,
    )  # fmt: skip
    h.changeColsIntegrality(
        n_cols, np.arange(n_cols, dtype=np.int32),
        np.full(n_cols, int(highspy.HighsVarType.kInteger), dtype=np.uint8),
    )  # fmt: skip
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    chosen = np.zeros(0, dtype=np.int64)
    info = h.getInfo()
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value[:n])
        chosen = np.flatnonzero(x > 0.5).astype(np.int64)
    if status == highspy.HighsModelStatus.kOptimal:
        label = "optimal"
    elif len(chosen) or info.primal_solution_status == 2:
        label = f"feasible ({name}, gap {info.mip_gap:.2%})"
    else:
        label = f"no solution ({name})"
    seconds = time.perf_counter() - t0
    p_sum, f_sum = _sums(inst, chosen)
    return chosen, p_sum, f_sum, label, seconds


def check_solution(inst: Any, chosen: np.ndarray) -> list[str]:
    """The constraints C1–C3 on chosen pairs; an empty list when they all hold."""
    errors: list[str] = []
    chosen = np.asarray(chosen, dtype=np.int64)
    if len(np.unique(chosen)) != len(chosen):
        errors.append("a pair is chosen twice")
    pv = np.asarray(inst.pair_vol, dtype=np.int64)[chosen]
    pn = np.asarray(inst.pair_need, dtype=np.int64)[chosen]
    if np.any(np.bincount(pn, minlength=inst.n_needs) > np.asarray(inst.need_cap)):
        errors.append("C1: a need has more volunteers than open places")
    if np.any(np.bincount(pv, minlength=inst.n_volunteers) > np.asarray(inst.vol_cap)):
        errors.append("C2: a volunteer has more assignments than allowed")
    mins = np.bincount(pv, weights=np.asarray(inst.pair_minutes)[chosen], minlength=inst.n_volunteers)
    cap = np.asarray(inst.vol_minutes_cap)
    if np.any((cap >= 0) & (mins > cap)):
        errors.append("C2: a volunteer has more weekly minutes than allowed")
    mask = np.zeros(len(inst.pair_vol), dtype=bool)
    mask[chosen] = True
    if any(int(mask[np.asarray(k)].sum()) > 1 for k in inst.cliques):
        errors.append("C3: two overlapping pairs of one volunteer are chosen")
    return errors


# --------------------------------------------------------------------------- self-check


def _random_instance(rng: np.random.Generator, nv: int, nn: int, density: float) -> Any:
    """A small random instance with the attributes the baselines read."""
    from types import SimpleNamespace

    mask = rng.random((nv, nn)) < density
    pv, pn = np.nonzero(mask)
    need_pri = rng.integers(1, 6, nn)
    need_min = rng.choice([60, 120, 180], nn)
    cliques = []
    for v in range(nv):
        ps = np.flatnonzero(pv == v)
        if len(ps) >= 2 and rng.random() < 0.5:
            cliques.append(rng.choice(ps, 2, replace=False))
    return SimpleNamespace(
        n_volunteers=nv, n_needs=nn, pair_vol=pv.astype(np.int32), pair_need=pn.astype(np.int32),
        pair_priority=need_pri[pn].astype(np.int64), pair_fit=rng.integers(-5, 30, len(pv)),
        need_cap=rng.integers(1, 3, nn), vol_cap=rng.integers(1, 4, nv),
        vol_minutes_cap=np.where(rng.random(nv) < 0.5, -1, rng.choice([120, 240], nv)),
        pair_minutes=need_min[pn].astype(np.int64), cliques=cliques, spread=15,
        vol_fixed=(rng.random(nv) < 0.2).astype(np.int64),
    )  # fmt: skip


def _self_check(trials: int = 100) -> None:
    """Greedy is feasible and the MIP equals a brute-force lexicographic optimum on tiny instances."""
    rng = np.random.default_rng(0)
    for t in range(trials):
        inst = _random_instance(rng, 4, 4, 0.6)
        n = len(inst.pair_vol)
        best = None
        for mask in range(1 << n):
            ch = np.array([i for i in range(n) if mask >> i & 1], dtype=np.int64)
            if not check_solution(inst, ch):
                s = _sums(inst, ch)
                best = s if best is None or s > best else best
        g, gp, _gf = greedy(inst)
        assert not check_solution(inst, g) and best is not None and gp <= best[0], t
        if HAVE_HIGHS:
            m, mp, mf, status, _ = mip_highs(inst, 10)
            assert not check_solution(inst, m) and status == "optimal", t
            assert (mp, mf) == best, (t, (mp, mf), best)
    print(f"baselines self-check: {trials} tiny instances, greedy feasible"
          + (", MIP = brute-force optimum" if HAVE_HIGHS else " (highspy missing: MIP not checked)"))


if __name__ == "__main__":
    _self_check()
