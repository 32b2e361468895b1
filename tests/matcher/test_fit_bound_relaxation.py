"""The fit level's bound by the relaxation (`flow.fit_bound_terms`): every plan of coverage P has fit at most
g(λ) − λ·P, g(λ) the flow relaxation's optimum of λ·priority + fit less the spread. `mip.solve_large`
reports the least of its three where it is below each need's best fits (the bound it had alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from strategies import scenarios_st

from matcher import mip
from matcher.flow import fit_bound_terms
from matcher.schema import Scenario
from matcher.solve import SolveOptions, build_instance_for, optimise


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(max_volunteers=7, max_needs=6, committed=True))
def test_no_optimal_plan_has_more_fit_than_the_relaxations_bound(sc: Scenario) -> None:
    """Where the exact engine proves both levels, its fit is under g(λ) − λ·(its coverage) at every λ, 0
    included (a bound that would cut the optimum off would be a wrong claim in every summary)."""
    inst = build_instance_for(sc)
    sol = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    if not (sol.priority == sol.priority_bound and sol.fit == sol.fit_bound):
        return  # not proven: nothing to compare with
    for lam, g in fit_bound_terms(inst, (0, 1, 2, 4, 8, 16)):
        assert g - lam * sol.priority >= sol.fit, (lam, g, sol.priority, sol.fit)


def test_the_large_path_reports_the_relaxations_bound_where_it_is_tighter() -> None:
    """bench/register.py's 2 000 x 500 forced onto `mip.solve_large`: its fit bound is the relaxation's,
    below each need's best fits, and still above the fit the one-branch-and-bound engine proves."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import register  # the bench's independent generator

    sc = msgspec.convert(register.generate(2000, 500, 1), Scenario)
    inst = build_instance_for(sc)
    exact = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    assert exact.priority == exact.priority_bound and exact.fit == exact.fit_bound  # proven
    lines: list[str] = []
    large = optimise(inst, SolveOptions(engine="mip", mip_exact_max_pairs=0), lines.append)
    assert large.stats.get("large") is True and large.priority == exact.priority
    assert large.stats.get("fit_bound") == "relaxation"
    assert any(line.strip().startswith("fit bound by the relaxation:") for line in lines), lines
    assert exact.fit <= large.fit_bound < mip._per_need_fit_bound(inst)


HANDED_OVER = SolveOptions(engine="mip", direct_max_pairs=0, core_direct_max_pairs=0, core_handoff_pairs=0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(max_volunteers=7, max_needs=6, committed=True))
def test_the_handed_over_fit_bound_never_cuts_off_the_optimum(sc: Scenario) -> None:
    """The coverage core handed to the decomposition (`mip._core_then_fit`): its fit bound, the fit level's LP's
    or the decomposition's (the relaxation's) where lower, stays at or above the fit the exact engine proves
    for the same coverage."""
    inst = build_instance_for(sc)
    exact = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    if not (exact.priority == exact.priority_bound and exact.fit == exact.fit_bound):
        return  # not proven: nothing to compare with
    handed = optimise(inst, HANDED_OVER, lambda _m: None)
    assert handed.priority == exact.priority
    assert handed.fit <= exact.fit <= handed.fit_bound


def test_a_handed_over_core_reports_the_decompositions_fit_bound_where_the_fit_level_has_no_time() -> None:
    """bench/register.py's 1 500 x 750, its coverage core handed to the decomposition (`mip._core_then_fit`) and
    the fit level given one LP round: the decomposition's bound (the relaxation's) is reported, below the fit
    level's own, and still above the fit the one-branch-and-bound engine proves."""
    import re

    import numpy as np

    from matcher.flow import lexicographic_m, solve_flow
    from matcher.solve import _repair, _violators

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import register  # the bench's independent generator

    sc = msgspec.convert(register.generate(1500, 750, 1), Scenario)
    inst = build_instance_for(sc)
    exact = optimise(inst, SolveOptions(engine="mip"), lambda _m: None)
    assert exact.priority == exact.priority_bound and exact.fit == exact.fit_bound  # proven
    flow = solve_flow(inst).chosen
    weight = inst.pair_priority.astype(np.int64) * lexicographic_m(inst) + inst.pair_fit
    start = _repair(inst, flow, _violators(inst, flow), weight)
    lines: list[str] = []
    opts = mip.MipOptions(direct_max_pairs=0, core_direct_max_pairs=0, core_handoff_pairs=0, fit_time_limit=0.01,
                          fit_lp_min_rounds=1, fit_mip_min=0.0)  # fmt: skip
    chosen, prio_bound, fit_bound, stats = mip.solve_region(inst, start, opts, lines.append)
    assert "handoff_large" in stats and int(inst.pair_priority[chosen].sum()) == prio_bound == exact.priority
    assert stats.get("fit_bound") == "decomposition"
    own = [int(m.group(1)) for line in lines if (m := re.match(r"\s*fit \d+ of bound (\d+)", line))]
    assert own and fit_bound is not None and fit_bound < own[-1]
    assert mip.fit_of(inst, chosen) <= exact.fit <= fit_bound
