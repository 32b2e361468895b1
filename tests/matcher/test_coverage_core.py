"""`mip.coverage_core` keeps its rows' loads up to date from what changes between its rounds; here against
the rule written plainly, every side row summed again each round, on generated registers (broad ones,
where overlaps and weeks bind, and realistic ones) with the needs' places and the tie-breaking scores drawn."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.generate import generate
from matcher.instance import Instance, restrict
from matcher.mip import Core, Rows, _best_per_key, _spread_choice, build_rows, coverage_core
from matcher.solve import build_instance_for


def plain_core(view: Instance, rows: Rows, score: np.ndarray) -> Core:
    """Each round: every side row's load over the pairs in play, the rows that bind, the pairs no binding row
    holds fixed (each need's best by `score`, as many as it has places), the rest of them out."""
    n = view.n_pairs
    pn = view.pair_need.astype(np.int64)
    cap = view.need_cap.astype(np.int64).copy()
    c1 = rows.need_rows()
    alive = cap[pn] > 0
    fixed = np.zeros(n, dtype=bool)
    rounds = 0
    while True:
        rounds += 1
        load = np.zeros(rows.n_rows)
        for r, p, c in zip(rows.entry_row, rows.entry_pair, rows.entry_coef, strict=True):
            if not c1[r] and (alive[p] or fixed[p]):
                load[r] += c
        binds = ~c1 & (load > rows.upper + 1e-9)
        held = np.zeros(n, dtype=bool)
        held[rows.entry_pair[binds[rows.entry_row]]] = True
        free = np.flatnonzero(alive & ~held)
        if len(free) == 0:
            return Core(fixed, np.flatnonzero(alive), cap, rounds)
        take = _spread_choice(view, free, cap, fixed) if view.spread > 0 else _best_per_key(free, pn, score[free], cap)
        fixed[take] = True
        alive[free] = False
        cap -= np.bincount(pn[take], minlength=view.n_needs)
        alive &= cap[pn] > 0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from([(40, 12), (80, 20), (120, 30)]), st.data())
def test_core_is_the_plain_rounds_core(seed: int, broad: bool, size: tuple[int, int], data: st.DataObject) -> None:
    inst = build_instance_for(generate(*size, seed, broad=broad))
    if inst.n_pairs == 0:
        return
    caps = np.array(data.draw(st.lists(st.integers(0, 3), min_size=inst.n_needs, max_size=inst.n_needs)))
    view = restrict(inst, np.arange(inst.n_pairs), caps)
    rows = build_rows(view, spread=False)
    score = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=view.n_pairs, max_size=view.n_pairs)),
                     dtype=np.float64)  # fmt: skip
    got, want = coverage_core(view, rows, score), plain_core(view, rows, score)
    assert np.array_equal(got.fixed, want.fixed)
    assert np.array_equal(got.pairs, want.pairs)
    assert np.array_equal(got.need_cap, want.need_cap)
    assert got.rounds == want.rounds
