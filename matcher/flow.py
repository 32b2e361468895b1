"""The relaxation as a min-cost flow: the plan without overlaps (C3) and C2's week rows.

Without those side constraints (a volunteer's count is only bounded by `Instance.vol_cap`,
an upper bound on what their week rows allow over the horizon) choosing pairs is a
weighted b-matching, which a
min-cost flow solves exactly in a fraction of a second even at hundreds of thousands
of pairs. Its optimum bounds both objective levels of the full problem from above;
where it breaks no side constraint it *is* the optimum, and elsewhere it is the hint
the CP-SAT model starts from.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.instance import Instance

SMALL_PAIRS = 100  # up to this many pairs a plain-Python flow beats building OR-Tools' graph


@dataclass
class FlowResult:
    chosen: np.ndarray  # bool per pair
    priority: int
    fit: int  # pair fit minus spread penalties (of the free part only)
    big_m: int


def lexicographic_m(inst: Instance) -> int:
    """A weight for level one large enough that no fit difference can outweigh one priority point."""
    if inst.n_pairs == 0:
        return 1
    max_fit = int(inst.pair_fit.max(initial=0))
    places = int(min(inst.need_cap.clip(min=0).sum(), inst.vol_cap.clip(min=0).sum()))
    max_cap = int(inst.vol_cap.max(initial=1)) + int(inst.vol_fixed.max(initial=0))
    return (max_fit + inst.spread * max_cap + 1) * (places + 1) + 1


def spread_costs(inst: Instance, v: int) -> list[int]:
    """Cost of the volunteer's next assignments: the k-th beyond the first costs spread*(k-1)."""
    base = int(inst.vol_fixed[v])
    return [inst.spread * (base + k) for k in range(int(inst.vol_cap[v]))]


def _small_flow(inst: Instance, m: int) -> np.ndarray:
    """The same min-cost flow by successive shortest paths (Bellman–Ford), for small instances:
    augment along the cheapest source–sink path while it has negative cost."""
    vols = sorted(set(inst.pair_vol.tolist()))
    needs = sorted(set(inst.pair_need.tolist()))
    vnode = {v: 2 + i for i, v in enumerate(vols)}
    nnode = {j: 2 + len(vols) + i for i, j in enumerate(needs)}
    n_nodes = 2 + len(vols) + len(needs)
    head: list[int] = []
    cap: list[int] = []
    cost: list[int] = []
    out: list[list[int]] = [[] for _ in range(n_nodes)]

    def arc(a: int, b: int, c: int, w: int) -> int:
        for x, y, cc, ww in ((a, b, c, w), (b, a, 0, -w)):
            out[x].append(len(head))
            head.append(y)
            cap.append(cc)
            cost.append(ww)
        return len(head) - 2

    for v in vols:
        for k in range(int(inst.vol_cap[v])):
            arc(0, vnode[v], 1, inst.spread * (int(inst.vol_fixed[v]) + k))
    pair_arc = [
        arc(vnode[int(v)], nnode[int(j)], 1, -(int(p) * m + int(f)))
        for v, j, p, f in zip(inst.pair_vol, inst.pair_need, inst.pair_priority, inst.pair_fit, strict=True)
    ]
    for j in needs:
        arc(nnode[j], 1, max(0, int(inst.need_cap[j])), 0)
    while True:  # a queue-based Bellman–Ford (SPFA): the residual graph has negative arcs
        dist: list[int | None] = [0] + [None] * (n_nodes - 1)
        via = [-1] * n_nodes
        queue = deque([0])
        queued = [False] * n_nodes
        queued[0] = True
        while queue:
            x = queue.popleft()
            queued[x] = False
            dx = dist[x]
            assert dx is not None
            for a in out[x]:
                if cap[a] > 0:
                    y, d = head[a], dx + cost[a]
                    dy = dist[y]
                    if dy is None or d < dy:
                        dist[y], via[y] = d, a
                        if not queued[y]:
                            queued[y] = True
                            queue.append(y)
        d_sink = dist[1]
        if d_sink is None or d_sink >= 0:
            break
        y = 1
        while y != 0:
            a = via[y]
            cap[a] -= 1
            cap[a ^ 1] += 1
            y = head[a ^ 1]
    return np.array([cap[a] == 0 for a in pair_arc], dtype=bool)


def solve_flow(inst: Instance, m: int | None = None) -> FlowResult:
    """The relaxation's optimum of priority·m + fit (less the spread): by default m is
    `lexicographic_m`, both levels in order; a smaller m trades priority for fit (`fit_bound_terms`)."""
    n = inst.n_pairs
    if n == 0:
        return FlowResult(np.zeros(0, dtype=bool), 0, 0, 1)
    m = lexicographic_m(inst) if m is None else m
    if n <= SMALL_PAIRS:
        chosen = _small_flow(inst, m)
        return FlowResult(chosen, int(inst.pair_priority[chosen].sum()), fit_of(inst, chosen), m)
    vols, vol_node = np.unique(inst.pair_vol, return_inverse=True)
    needs, need_node = np.unique(inst.pair_need, return_inverse=True)
    source, sink = 0, 1
    v_base, n_base = 2, 2 + len(vols)

    caps = inst.vol_cap[vols].astype(np.int64)
    # source -> volunteer: one unit arc per allowed assignment, at increasing spread cost
    reps = caps.clip(min=0)
    s_tails = np.zeros(int(reps.sum()), dtype=np.int32)
    s_heads = np.repeat(np.arange(len(vols)) + v_base, reps).astype(np.int32)
    fixed = np.repeat(inst.vol_fixed[vols], reps)
    kth = np.arange(len(s_heads)) - np.repeat(np.cumsum(reps) - reps, reps)
    s_costs = (inst.spread * (fixed + kth)).astype(np.int64)
    # volunteer -> need: the pair, at minus its lexicographic weight
    p_tails = (vol_node + v_base).astype(np.int32)
    p_heads = (need_node + n_base).astype(np.int32)
    p_costs = -(inst.pair_priority * m + inst.pair_fit)
    # need -> sink: its open places
    n_caps = inst.need_cap[needs].astype(np.int64)
    total = int(min(reps.sum(), n_caps.clip(min=0).sum()))

    f = min_cost_flow.SimpleMinCostFlow()
    f.add_arcs_with_capacity_and_unit_cost(s_tails, s_heads, np.ones(len(s_heads), dtype=np.int64), s_costs)
    first_pair = len(s_heads)
    f.add_arcs_with_capacity_and_unit_cost(p_tails, p_heads, np.ones(n, dtype=np.int64), p_costs)
    f.add_arcs_with_capacity_and_unit_cost(
        (np.arange(len(needs)) + n_base).astype(np.int32),
        np.full(len(needs), sink, dtype=np.int32),
        n_caps.clip(min=0),
        np.zeros(len(needs), dtype=np.int64),
    )
    # the bypass lets units skip the matching, so the flow need not fill every place
    f.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)
    f.set_node_supply(source, total)
    f.set_node_supply(sink, -total)
    status = f.solve()
    if status != f.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = f.flows(np.arange(first_pair, first_pair + n))
    chosen = flows > 0
    priority = int(inst.pair_priority[chosen].sum())
    return FlowResult(chosen, priority, fit_of(inst, chosen), m)


# the priority weight λ of `fit_bound_terms` by default: at 20 000 × 5 000 seeds 1, 2, 3, 5, 7 the best of
# λ = 4, 6, 8, 12, 16 was 6 or 8, and 6 within 0.1 % of it at each (one flow, 0.5-0.7 s, where three cost
# the coverage LP beside them 1-2 s of the GIL)
FIT_BOUND_WEIGHTS = (6,)


def fit_bound_terms(inst: Instance, weights: tuple[int, ...] = FIT_BOUND_WEIGHTS) -> list[tuple[int, int]]:
    """[(λ, g(λ))]: g(λ) the relaxation's optimum of λ·priority + fit (less the spread). Every plan x whose
    coverage is at least P has fit(x) ≤ g(λ) − λ·P, whatever λ ≥ 0 (x is a plan of the relaxation, and
    λ·(priority(x) − P) ≥ 0): with P the proven coverage optimum, a bound on the fit level that counts each
    volunteer's places, which each need's best fits alone do not. At 20 000 × 5 000 seed 1: 108 566 at
    λ = 8 (4: 108 682, 16: 110 397; 0: 111 886) against 132 486 by each need's best fits, for a plan of
    99 413; 0.5-0.7 s a flow."""
    return [(lam, lam * r.priority + r.fit) for lam in weights for r in (solve_flow(inst, lam),)]


def spread_cost(spread: int, fixed: np.ndarray | float, k: np.ndarray | float) -> np.ndarray:
    """Per volunteer, what k more assignments cost beside `fixed` pinned ones: the sum over them of
    spread·(f + i), i = 0..k−1, that is spread·(f·k + k(k−1)/2) (k(k−1) is even: exact in floats too)."""
    return np.asarray(spread * (fixed * k + k * (k - 1) // 2))


def spread_of(inst: Instance, chosen: np.ndarray) -> int:
    """Spread cost of the chosen (free) assignments on top of the pinned ones."""
    k = np.bincount(inst.pair_vol[chosen], minlength=inst.n_volunteers).astype(np.int64)
    return int(spread_cost(inst.spread, inst.vol_fixed.astype(np.int64), k).sum())


def fit_of(inst: Instance, chosen: np.ndarray) -> int:
    """Objective level two of the chosen pairs: their fit less the spread they add."""
    return int(inst.pair_fit[chosen].sum()) - spread_of(inst, chosen)
