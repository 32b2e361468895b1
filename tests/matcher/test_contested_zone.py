"""`mip.contested_zone`: the needs `mip.solve_large` prices. Outside it a need is full by the start plan and has
a candidate that plan leaves free; relaxing those needs' C1 rows at their priority leaves their pairs at reduced
cost 0, so their priority times their places plus the zone's own optimum bounds every plan's coverage."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import numpy as np
from hypothesis import HealthCheck, given, settings
from strategies import scenarios_st

from matcher.flow import lexicographic_m, solve_flow
from matcher.instance import restrict
from matcher.mip import contested_zone
from matcher.schema import Scenario
from matcher.solve import SolveOptions, _repair, _violators, build_instance_for, optimise


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(max_volunteers=7, max_needs=6, committed=True))
def test_outside_the_zone_needs_are_full_and_the_zone_bounds_the_optimum(sc: Scenario) -> None:
    inst = build_instance_for(sc)
    flow = solve_flow(inst).chosen
    weight = inst.pair_priority.astype(np.int64) * lexicographic_m(inst) + inst.pair_fit
    start = _repair(inst, flow, _violators(inst, flow), weight)  # the plan solve_large starts from: no rule broken
    assert len(_violators(inst, start)) == 0
    zone = contested_zone(inst, start)
    pn, pv = inst.pair_need.astype(np.int64), inst.pair_vol.astype(np.int64)
    cap = inst.need_cap.astype(np.int64)
    has = np.bincount(pn, minlength=inst.n_needs) > 0
    outside = has & (cap > 0) & ~zone
    placed = np.zeros(inst.n_volunteers, dtype=bool)
    placed[pv[start]] = True
    for j in np.flatnonzero(outside).tolist():
        assert int(start[pn == j].sum()) == cap[j]  # full
        cands = pv[pn == j]
        assert (~placed[cands] & (inst.vol_fixed[cands] == 0)).any()  # a candidate the plan leaves free
    whole = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    if whole.priority != whole.priority_bound:
        return  # not proven: nothing to compare with
    p_need = np.zeros(inst.n_needs, dtype=np.int64)
    p_need[pn] = inst.pair_priority
    zp = np.flatnonzero(zone[pn])
    in_zone = optimise(restrict(inst, zp), SolveOptions(engine="mip"), lambda _m: None) if len(zp) else None
    zone_bound = in_zone.priority_bound if in_zone is not None else 0
    assert whole.priority <= int((p_need * cap)[outside].sum()) + zone_bound


def test_the_large_path_prices_the_zone_only_and_proves_the_optimum() -> None:
    """bench/register.py's 2 000 x 500 forced onto `mip.solve_large`: its LP prices the zone's pairs only, a
    part of the region, and its coverage is the one-branch-and-bound engine's proven optimum."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import register  # the bench's independent generator

    sc = msgspec.convert(register.generate(2000, 500, 2), Scenario)
    inst = build_instance_for(sc)
    exact = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    assert exact.priority == exact.priority_bound
    large = optimise(inst, SolveOptions(engine="mip", mip_exact_max_pairs=0), lambda _m: None)
    assert large.stats.get("large") is True
    zone_pairs = large.stats.get("zone_pairs")
    assert isinstance(zone_pairs, int) and 0 < zone_pairs < int(large.stats["resolved_pairs"])  # type: ignore[call-overload]
    assert large.priority == exact.priority == large.priority_bound
    assert large.stats.get("coverage_proven_region") is True
    assert len(_violators(inst, large.chosen)) == 0


def test_the_fills_reach_needs_outside_the_zone_through_free_candidates_and_the_lps_pairs_only() -> None:
    """`mip._fill_hood`: outside the zone a short need's tier-1 pairs are its candidates the start leaves free,
    and tier 2's rings pass through those and the LP's pairs only; inside it (or with no zone) every candidate."""
    from matcher.generate import generate
    from matcher.mip import _fill_hood

    view = build_instance_for(generate(80, 20, 3, broad=True))
    pn, pv = view.pair_need.astype(np.int64), view.pair_vol.astype(np.int64)
    cap = view.need_cap.astype(np.int64)
    flow = solve_flow(view).chosen
    weight = view.pair_priority.astype(np.int64) * lexicographic_m(view) + view.pair_fit
    start = _repair(view, flow, _violators(view, flow), weight)
    placed = np.zeros(view.n_volunteers, dtype=bool)
    placed[pv[start]] = True
    free = ~placed[pv] & (view.vol_fixed[pv] == 0)
    # a need the start fills with a free candidate and a placed one beside its own
    j = next(int(j) for j in np.flatnonzero(cap > 0)
             if start[pn == j].any() and (free & (pn == j)).any() and (placed[pv] & ~start & (pn == j)).any())
    cur = start.copy()
    cur[np.flatnonzero(start & (pn == j))[0]] = False  # it loses one
    placed = np.zeros(view.n_volunteers, dtype=bool)
    placed[pv[cur]] = True  # the plan the fills start from
    free = ~placed[pv] & (view.vol_fixed[pv] == 0)
    open_need = np.zeros(view.n_needs, dtype=bool)
    open_need[j] = True
    want = np.bincount(pn[start], minlength=view.n_needs)
    easy = np.ones(view.n_needs, dtype=bool)
    none = np.zeros(view.n_pairs, dtype=bool)
    outside, inside = np.zeros(view.n_needs, dtype=bool), np.ones(view.n_needs, dtype=bool)
    mine = set(np.flatnonzero(pn == j).tolist())
    busy_other = {k for k in mine if placed[pv[k]] and not cur[k]}
    assert busy_other
    # tier 1: outside the zone no candidate the plan places elsewhere, but every free one
    cols_out = set(_fill_hood(view, 1, cur, want, open_need, cur, easy, none, none, outside)[0].tolist())
    assert not busy_other & cols_out and {k for k in mine if free[k]} <= cols_out
    cols_in = set(_fill_hood(view, 1, cur, want, open_need, cur, easy, none, none, inside)[0].tolist())
    assert mine <= cols_in == set(_fill_hood(view, 1, cur, want, open_need, cur, easy, none, none)[0].tolist())
    # tier 2: the short need's own pairs, and rings through its free candidates only (who hold no other place)
    def freed(zone: np.ndarray | None) -> set[int]:
        cols, held = _fill_hood(view, 2, cur, want, open_need, cur, easy, none, none, zone)
        return {int(pn[k]) for k in cols[~held]}

    assert freed(outside) == {j}
    assert freed(inside) > {j}  # the needs its placed candidates hold, and on
    assert freed(inside) == freed(None)
