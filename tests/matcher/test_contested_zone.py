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
