"""Solving: eligibility, the flow relaxation, CP-SAT where side constraints bind, the plan.

The phases, in order:
1. compile the scenario and build the candidate pairs (`matcher.candidates`);
2. fix the committed pairs, settle the pins and build the instance (`matcher.instance`);
3. solve the min-cost-flow relaxation (`matcher.flow`): the exact lexicographic optimum
   without overlaps and C2's week rows, and an upper bound for both objective levels;
4. where that optimum breaks an overlap or a week row (assignments or hours in an ISO
   week, `Instance.week_rows`), solve the connected
   components it touches with CP-SAT in two lexicographic phases (coverage, then fit),
   hinted with the repaired flow solution; all other components keep the flow optimum;
5. explain every match and every unfilled place (`matcher.explain`), and list the committed
   pairs that break a rule (`matcher.commitments.check_committed`, the same as `at_risk`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

# `mip` (and through it `flow`) loads OR-Tools' HiGHS and min-cost-flow libraries when this module is
# imported, not inside the first solve: at 400 x 150 the first solve in a process took 0.17 s instead of
# 0.07 s, 0.1 s of it imports. A solve is timed; an import is start-up (a 10-volunteer `samspill solve`
# stays near 0.25 s wall). CP-SAT, for the `cpsat` engine only, still loads on first use. numpy.ma is
# numpy's own: np.unique loads it on its first call (7 ms).
import numpy.ma

from matcher import explain, mip, rules
from matcher.candidates import Candidates, build_candidates
from matcher.commitments import check_committed
from matcher.constraints import blocking_rule, needs_overlap
from matcher.flow import fit_of, solve_flow, spread_of
from matcher.instance import Instance, build_instance, overlap_cliques
from matcher.instance import restrict as _restrict
from matcher.problem import Problem, compile_problem
from matcher.scenario import ensure_valid, in_canonical_order
from matcher.schema import FIT_REL_GAP, Coverage, Objective, Plan, Scenario, Timings, Weights

__all__ = ["Instance", "SolveOptions", "build_instance_for", "solve"]


@dataclass
class SolveOptions:
    engine: str = "auto"  # "auto" | "mip" (LP + HiGHS, exact) | "cpsat" (CP-SAT, local repair when large)
    time_limit: float = 30.0  # seconds for the exact phases together
    workers: int = 2
    subsolvers: tuple[str, ...] = ("max_lp", "default_lp")  # measured best on 2 cores; () = CP-SAT default
    max_exact_pairs: int = 15_000  # cpsat: larger touched components get a local repair instead
    mip_exact_max_pairs: int = 150_000  # mip: above it, `mip.solve_large` (pricing, easy/hard needs) proves the region
    prune_per_need: int = 6  # local repair: the best candidates per need taken into a ring …
    prune_per_volunteer: int = 6  # … and the best alternatives per violating volunteer
    repair_rings: int = 2
    repair_time_limit: float = 0.5  # CP-SAT polish of a local repair, which cannot prove anyway
    fit_rel_gap: float = FIT_REL_GAP  # `optimal`: the fit level within 0.1 % of its bound
    # mip engine: seconds more for the fit level's bound by volunteer patterns where its LP leaves it further
    # from the plan than fit_rel_gap (`matcher.patterns`; `samspill solve --prove-fit`); 0: not
    fit_patterns_time: float = 0.0
    # mip engine: one branch and bound up to this many pairs, the coverage core above (MipOptions' defaults)
    direct_max_pairs: int = mip.MipOptions.direct_max_pairs
    core_direct_max_pairs: int = mip.MipOptions.core_direct_max_pairs  # one branch and bound over a core up to this
    core_handoff_pairs: int = mip.MipOptions.core_handoff_pairs  # the core's coverage to the decomposition above it
    weights: Weights | None = None
    progress: Callable[[str], None] | None = None
    explain: bool = True
    # from this many pairs in a region the MIP solves whole, the rule facts of the needs the flow's plan
    # leaves open are computed beside it (HiGHS releases the GIL); below, the thread gains nothing (400 x 150)
    early_facts_min_pairs: int = 2_000


@dataclass
class Solution:
    chosen: np.ndarray  # bool per instance pair
    priority: int
    priority_bound: int
    fit: int
    fit_bound: int
    stats: dict[str, object]
    # the open needs' `explain.unfilled_facts`, computed beside the solver (`_OpenNeedFacts`)
    unfilled_known: Future[dict[int, explain.RuleFacts]] | None = None


def _progress(say: Callable[[str], None], label: str, start: float) -> object:
    """A CP-SAT solution callback that reports at most once a second (CP-SAT imported only here)."""
    from ortools.sat.python import cp_model

    class Progress(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.last = 0.0

        def on_solution_callback(self) -> None:
            now = time.perf_counter()
            if now - self.last >= 1.0:
                self.last = now
                say(
                    f"  {label}: {self.objective_value:.0f} (bound {self.best_objective_bound:.0f}),"
                    f" {now - start:.1f} s"
                )

    return Progress()


def build_instance_for(scenario: Scenario, weights: Weights | None = None) -> Instance:
    """The instance after eligibility and pins, for baselines and benchmarks."""
    p = compile_problem(in_canonical_order(scenario), weights)
    return build_instance(p, build_candidates(p))


def _violators(inst: Instance, chosen: np.ndarray) -> np.ndarray:
    """Volunteers whose chosen pairs break a C2 week row (`Instance.week_rows`) or overlap (C3)."""
    p = inst.problem
    assert p is not None
    rows = inst.week_rows
    bad = set(rows.vol[rows.violated(chosen)].tolist())
    idx = np.flatnonzero(chosen)
    counts = np.bincount(inst.pair_vol[idx], minlength=inst.n_volunteers)
    multi = np.flatnonzero(counts >= 2)
    if len(multi):
        sel = idx[np.isin(inst.pair_vol[idx], multi)]
        by_vol: dict[int, list[int]] = {}
        for k in sel.tolist():
            by_vol.setdefault(int(inst.pair_vol[k]), []).append(int(inst.pair_need[k]))
        for v, needs in by_vol.items():
            if v not in bad and any(needs_overlap(p, a, b) for i, a in enumerate(needs) for b in needs[i + 1 :]):
                bad.add(v)
    return np.array(sorted(bad), dtype=np.int64)


def _repair(inst: Instance, chosen: np.ndarray, vols: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Drop assignments of the given volunteers, lightest first, until each is feasible."""
    p = inst.problem
    assert p is not None
    out = chosen.copy()
    for v in vols.tolist():
        ks = np.flatnonzero(out & (inst.pair_vol == v))
        ks = ks[np.argsort(-weight[ks], kind="stable")]
        held = list(inst.fixed_by_vol.get(v, []))
        for k in ks.tolist():
            j = int(inst.pair_need[k])
            if blocking_rule(p, v, held, j):
                out[k] = False
            else:
                held.append(j)
    return out


def _components(inst: Instance) -> np.ndarray:
    """Connected component of each pair in the volunteer–need graph, as the smallest node of the
    component: every pair hooks the larger of its two nodes' roots under the smaller, then each node
    jumps to its root, until no pair joins two roots (numpy only: scipy's csgraph costs half a second
    to import, more than the split itself)."""
    nv = inst.n_volunteers
    a = inst.pair_vol.astype(np.int64)
    b = inst.pair_need.astype(np.int64) + nv
    parent = np.arange(nv + inst.n_needs, dtype=np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        join = ra != rb
        if not join.any():
            break
        np.minimum.at(parent, np.maximum(ra[join], rb[join]), np.minimum(ra[join], rb[join]))
        while True:  # pointer jumping: every node straight to its root
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
    return np.asarray(parent[a])


def _top_ranked(keys: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k heaviest entries within each key group."""
    order = np.lexsort((-weight, keys))
    sk = keys[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    mask = np.zeros(len(keys), dtype=bool)
    mask[order[rank < k]] = True
    return mask


@dataclass
class _Region:
    chosen: np.ndarray  # bool per instance pair, the whole instance
    region: np.ndarray  # pair indices re-solved by CP-SAT
    priority_bound: int  # for the region
    fit_bound: int | None  # for the region, when its coverage is proven
    stats: dict[str, object]
    unfilled_known: Future[dict[int, explain.RuleFacts]] | None = None


def _flow_with_bans(view: Instance, weight: np.ndarray, rounds: int = 100) -> np.ndarray:
    """A feasible plan close to the relaxation: re-solve the flow, each round banning every
    violating volunteer's lightest offending pair, until no side constraint is broken."""
    p = view.problem
    assert p is not None
    allowed = np.ones(view.n_pairs, dtype=bool)
    chosen = np.zeros(view.n_pairs, dtype=bool)
    for _ in range(rounds):
        idx = np.flatnonzero(allowed)
        chosen = np.zeros(view.n_pairs, dtype=bool)
        chosen[idx[solve_flow(_restrict(view, idx)).chosen]] = True
        bad = _violators(view, chosen)
        if len(bad) == 0:
            return chosen
        kept = _repair(view, chosen, bad, weight)
        for v in bad.tolist():  # ban the heaviest pair the repair had to drop
            dropped = np.flatnonzero(chosen & ~kept & (view.pair_vol == v))
            allowed[dropped[np.argmax(weight[dropped])]] = False
    return _repair(view, chosen, _violators(view, chosen), weight)


def filled_per_need(inst: Instance, chosen: np.ndarray) -> np.ndarray:
    """Places filled per need by a plan: the fixed (committed, pinned) pairs and the chosen ones."""
    assert inst.problem is not None
    fixed = np.array([j for _, j, _ in inst.fixed], dtype=np.int64)
    return np.bincount(np.concatenate([inst.pair_need[chosen].astype(np.int64), fixed]),
                       minlength=inst.problem.n_needs)


class _OpenNeedFacts:
    """`explain.unfilled_facts` for the needs a plan leaves open, in a worker thread that runs while the
    solver works (HiGHS releases the GIL): `solve_large` starts it with its coverage plan, before the fit
    polish (at 20 000 x 5 000 the explanations took 1.0-1.3 s after the solve); the other MIP paths with
    the flow's plan, before the branch and bound (2 000 x 500: 0.18 -> 0.06 s after the solve). The facts
    depend on the rules alone, so a need whose places change after all is only explained the usual way,
    later."""

    def __init__(self, inst: Instance, flow_chosen: np.ndarray, region: np.ndarray) -> None:
        self.inst, self.flow_chosen, self.region = inst, flow_chosen, region
        self.future: Future[dict[int, explain.RuleFacts]] | None = None

    def start(self, region_plan: np.ndarray) -> int:
        """Start; how many needs' facts are computed."""
        inst, p = self.inst, self.inst.problem
        assert p is not None
        chosen = self.flow_chosen.copy()
        chosen[self.region] = region_plan
        filled = filled_per_need(inst, chosen)
        # (a need with no occurrence in the horizon has no rule facts: its reason says so)
        open_needs = [j for j in np.flatnonzero(filled < p.n_headcount).tolist() if rules.has_occurrence(p, j)]
        pool = ThreadPoolExecutor(max_workers=1)
        self.future = pool.submit(lambda: {j: explain.unfilled_facts(p, j) for j in open_needs})
        pool.shutdown(wait=False)
        return len(open_needs)


def _side_constrained(
    inst: Instance, flow_chosen: np.ndarray, big_m: int, opts: SolveOptions, say: Callable[[str], None],
    bad: np.ndarray,
) -> _Region:
    """Re-solve where the flow optimum breaks a side constraint (the volunteers `bad`, `_violators`): whole
    components when they are small enough to prove, else a neighbourhood of the violations (local repair)."""
    p = inst.problem
    assert p is not None
    t0 = time.perf_counter()
    weight = inst.pair_priority * big_m + inst.pair_fit
    comp = _components(inst)
    region = np.flatnonzero(np.isin(comp, np.unique(comp[np.isin(inst.pair_vol, bad)])))
    engine = choose_engine(opts.engine, len(region))
    # the MIP engine proves every size (`mip.solve_large` above mip_exact_max_pairs); CP-SAT repairs locally
    exact = engine == "mip" or len(region) <= opts.max_exact_pairs
    if exact:
        need_cap = inst.need_cap
    else:
        region, need_cap = _neighbourhood(inst, flow_chosen, bad, weight, opts)
    say(
        f"side constraints bind for {len(bad)} volunteer(s): re-solving {len(region)} pairs"
        + (f" ({len(np.unique(comp[region]))} component(s), exact)" if exact else " around them (local repair)")
    )
    # the whole instance keeps its week rows (built once, seconds at hundreds of thousands of pairs)
    view = inst if len(region) == inst.n_pairs else _restrict(inst, region, need_cap)
    known = _OpenNeedFacts(inst, flow_chosen, region)
    w_local = weight[region]
    # the relaxation restricted to the region bounds it from above
    prio_ub = int(view.pair_priority[flow_chosen[region]].sum())
    fit_ub = fit_of(view, flow_chosen[region])
    if engine == "mip":  # the LP does the work: a greedy repair of the flow is start enough
        # (the same volunteers break a rule where the view is the whole instance: 0.1 s at 20 000 x 5 000)
        sol = _repair(view, flow_chosen[region], bad if view is inst else _violators(view, flow_chosen[region]),
                      w_local)  # fmt: skip
    else:
        sol = _flow_with_bans(view, w_local)
    p_sol, f_sol = int(view.pair_priority[sol].sum()), fit_of(view, sol)
    stats: dict[str, object] = {
        "resolved_pairs": len(region),
        "resolved_exact": exact,
        "violating_volunteers": len(bad),
        "repair_priority": p_sol,
        "repair_fit": f_sol,
    }
    prio_bound, fit_bound = prio_ub, (fit_ub if p_sol == prio_ub else None)
    stats["engine"] = engine
    if not (p_sol == prio_ub and f_sol == fit_ub):
        if engine == "mip":
            mopts = mip.MipOptions(time_limit=opts.time_limit, fit_rel_gap=opts.fit_rel_gap,
                                   fit_patterns_time=opts.fit_patterns_time,
                                   direct_max_pairs=opts.direct_max_pairs,
                                   core_direct_max_pairs=opts.core_direct_max_pairs,
                                   core_handoff_pairs=opts.core_handoff_pairs)
            if len(region) > opts.mip_exact_max_pairs:
                sol, m_prio, m_fit, mstats = mip.solve_large(view, sol, mopts, say,
                                                             on_coverage=known.start if opts.explain else None)
                stats["mip_path"] = "decomposition"
            else:
                if opts.explain and len(region) >= opts.early_facts_min_pairs:
                    # the needs the relaxation leaves open are open in the plan as a rule, and the facts are
                    # the rules' alone: one filled after all is not read, one opened is computed after
                    stats["unfilled_facts_early"] = known.start(flow_chosen[region])
                sol, m_prio, m_fit, mstats = mip.solve_region(view, sol, mopts, say)
                stats["mip_path"] = "direct" if len(region) <= opts.direct_max_pairs else "pricing"
            stats.update(mstats)
            p_found = int(view.pair_priority[sol].sum())
            if not exact:  # a local repair: the MIP's bounds hold for the neighbourhood only
                m_prio, m_fit = prio_ub, None
            # the flow relaxation bounds the region too: never report a weaker bound than it
            prio_bound = min(prio_ub, m_prio)
            # the MIP's fit bound holds where its coverage bound is the flow's; else the flow's, at full coverage
            fit_bound = m_fit if m_prio <= prio_ub and m_fit is not None else (fit_ub if p_found == prio_ub else None)
        else:
            limit = opts.time_limit if exact else min(opts.time_limit, opts.repair_time_limit)
            sol, prio_bound, fit_bound, statuses = _cpsat_lexicographic(
                view, sol, prio_ub, fit_ub, exact, limit, opts, say
            )
            stats["cpsat_status"] = statuses
    stats["resolve_seconds"] = round(time.perf_counter() - t0, 3)
    chosen = flow_chosen.copy()
    chosen[region] = sol
    return _Region(chosen, region, prio_bound, fit_bound, stats, known.future)


def choose_engine(engine: str, region_pairs: int) -> str:
    """`auto`: CP-SAT for regions up to AUTO_CPSAT_MAX_PAIRS pairs, the LP/MIP engine above.
    Measured (bench/solve_scale.py): the MIP engine won at every size, live re-solves at 300 × 90
    included (88 ms against 294 ms after one new volunteer), so the threshold is 0 for now."""
    if engine in ("mip", "cpsat"):
        return engine
    if engine != "auto":
        raise ValueError(f"unknown engine {engine!r}: use auto, mip or cpsat")
    return "cpsat" if region_pairs <= AUTO_CPSAT_MAX_PAIRS else "mip"


AUTO_CPSAT_MAX_PAIRS = 0


def _cpsat_lexicographic(
    view: Instance,
    start: np.ndarray,
    prio_ub: int,
    fit_ub: int,
    exact: bool,
    limit: float,
    opts: SolveOptions,
    say: Callable[[str], None],
) -> tuple[np.ndarray, int, int | None, list[str]]:
    """Coverage, then fit with coverage held, each hinted completely with the best plan so far.
    Bounds: CP-SAT's where the model is the whole problem of the region, else the relaxation's."""
    from ortools.sat.python import cp_model

    from matcher.model import SubInstance, build_model, hint

    p = view.problem
    assert p is not None
    pairs = np.arange(view.n_pairs)
    sub = SubInstance(view, pairs, overlap_cliques(p, view, np.unique(view.pair_vol)), view.need_cap)
    built = build_model(sub)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = opts.workers
    if opts.subsolvers:
        prm.subsolvers.extend(opts.subsolvers)
    if not exact:  # a warm polish under a short limit: presolve would eat the limit (or-tools #3750)
        prm.cp_model_presolve = False
    t0 = time.perf_counter()
    statuses: list[str] = []
    sol = start
    p_start = int(view.pair_priority[start].sum())
    prio_bound = prio_ub
    if p_start < prio_ub:
        cov = built.model.new_int_var(0, prio_ub, "coverage")  # the relaxation's bound as its domain
        built.model.add(cov == built.coverage)
        built.model.maximize(cov)
        hint(built, sub, start)
        prm.max_time_in_seconds = max(0.05, limit * 0.5)
        st = solver.solve(built.model, _progress(say, "coverage", t0))  # type: ignore[arg-type]
        statuses.append(solver.status_name(st))
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = np.array([solver.boolean_value(v) for v in built.x], dtype=bool)
            if int(view.pair_priority[found].sum()) >= p_start:
                sol = found
            if exact:
                prio_bound = min(prio_ub, round(solver.best_objective_bound))
    p1 = int(view.pair_priority[sol].sum())
    built.model.add(built.coverage >= p1)
    fit_cap = fit_ub if p1 == prio_ub else None
    hi = int(view.pair_fit.clip(min=0).sum())
    lo = -int((view.spread * (view.vol_fixed + view.vol_cap) ** 2).sum()) - 1
    fit_var = built.model.new_int_var(lo, min(hi, fit_cap) if fit_cap is not None else hi, "fit")
    built.model.add(fit_var == built.fit)
    built.model.maximize(fit_var)
    hint(built, sub, sol)
    built.model.add_hint(fit_var, fit_of(view, sol))
    prm.max_time_in_seconds = max(0.05, limit - (time.perf_counter() - t0))
    t1 = time.perf_counter()
    st = solver.solve(built.model, _progress(say, "fit", t1))  # type: ignore[arg-type]
    statuses.append(solver.status_name(st))
    fit_bound: int | None = fit_cap
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = np.array([solver.boolean_value(v) for v in built.x], dtype=bool)
        if fit_of(view, found) >= fit_of(view, sol):
            sol = found
        if exact and p1 == prio_bound:
            fit_bound = round(solver.best_objective_bound)
    return sol, prio_bound, fit_bound, statuses


def _neighbourhood(
    inst: Instance, chosen: np.ndarray, bad: np.ndarray, weight: np.ndarray, opts: SolveOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Local repair: the violating volunteers' best pairs, the best candidates for the needs
    they hold (the free ones too), the pairs those candidates hold now, in rings.
    Everything else stays as the flow placed it; the needs' capacities are reduced by it."""
    nv, nn = inst.n_volunteers, inst.n_needs
    pv, pn = inst.pair_vol.astype(np.int64), inst.pair_need.astype(np.int64)
    take = np.zeros(inst.n_pairs, dtype=bool)
    vols = np.zeros(nv, dtype=bool)
    vols[bad] = True
    own = np.flatnonzero(vols[pv])
    take[own[_top_ranked(pv[own], weight[own], opts.prune_per_volunteer)]] = True
    load = np.bincount(pv[chosen], minlength=nv)
    spare = load[pv] < inst.vol_cap[pv]
    for _ in range(opts.repair_rings):
        take |= chosen & vols[pv]
        needs = np.zeros(nn, dtype=bool)
        needs[pn[take]] = True
        at = np.flatnonzero(needs[pn])
        take[at[_top_ranked(pn[at], weight[at], opts.prune_per_need)]] = True
        free = at[spare[at]]
        take[free[_top_ranked(pn[free], weight[free], opts.prune_per_need)]] = True
        vols[pv[take]] = True
    take |= chosen & vols[pv]
    sub_pairs = np.flatnonzero(take)
    outside = chosen & ~take
    need_cap = inst.need_cap - np.bincount(pn[outside], minlength=nn)
    return sub_pairs, need_cap


def _enforce(inst: Instance, chosen: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The last word before a plan leaves the solver: whatever the phases did, drop the
    lightest pairs that would break C1, C2 or C3. Nothing is dropped when they did right."""
    out = chosen.copy()
    idx = np.flatnonzero(out)
    over = np.bincount(inst.pair_need[idx], minlength=inst.n_needs) > inst.need_cap
    for j in np.flatnonzero(over).tolist():
        ks = np.flatnonzero(out & (inst.pair_need == j))
        out[ks[np.argsort(-weight[ks], kind="stable")][int(inst.need_cap[j]) :]] = False
    bad = _violators(inst, out)
    return _repair(inst, out, bad, weight) if len(bad) else out


def optimise(inst: Instance, opts: SolveOptions, say: Callable[[str], None]) -> Solution:
    """Both objective levels over the free pairs; bounds from the flow relaxation or CP-SAT."""
    flow = solve_flow(inst)
    stats: dict[str, object] = {"pairs": inst.n_pairs, "flow_priority": flow.priority, "flow_fit": flow.fit}
    bad = _violators(inst, flow.chosen) if inst.n_pairs else np.zeros(0, dtype=np.int64)
    if len(bad) == 0:
        stats["method"] = "flow"
        return Solution(flow.chosen, flow.priority, flow.priority, flow.fit, flow.fit, stats)
    r = _side_constrained(inst, flow.chosen, flow.big_m, opts, say, bad)
    stats.update(r.stats, method=f"flow+{r.stats['engine']}")
    r.chosen = _enforce(inst, r.chosen, inst.pair_priority * flow.big_m + inst.pair_fit)
    outside = np.ones(inst.n_pairs, dtype=bool)
    outside[r.region] = False
    out_chosen = flow.chosen & outside
    priority = int(inst.pair_priority[r.chosen].sum())
    fit = fit_of(inst, r.chosen)
    prio_bound = int(inst.pair_priority[out_chosen].sum()) + r.priority_bound
    # without its own fit bound, the relaxation's fit bounds plans of the relaxation's coverage
    fit_bound = fit_of(inst, out_chosen) + r.fit_bound if r.fit_bound is not None else max(flow.fit, fit)
    return Solution(r.chosen, priority, prio_bound, fit, fit_bound, stats, r.unfilled_known)


def solve(scenario: Scenario, options: SolveOptions | None = None) -> Plan:
    """Propose the best plan for a scenario, with its reasons. Read and write are the caller's."""
    opts = options or SolveOptions()
    say = opts.progress or (lambda _msg: None)
    ensure_valid(scenario)  # a scenario built in code meets the same ranges as a decoded one
    t0 = time.perf_counter()
    p = compile_problem(in_canonical_order(scenario), opts.weights)
    cands = build_candidates(p)
    t1 = time.perf_counter()
    say(f"eligibility: {len(cands)} candidate pairs for {p.n_needs} needs, {t1 - t0:.2f} s")
    inst = build_instance(p, cands)
    t2 = time.perf_counter()
    sol = optimise(inst, opts, say)
    t3 = time.perf_counter()
    say(f"solved: priority {sol.priority} of bound {sol.priority_bound}, {t3 - t2:.2f} s")
    plan = assemble(p, cands, inst, sol, explain_unfilled=opts.explain, fit_rel_gap=opts.fit_rel_gap)
    t4 = time.perf_counter()
    plan.timings = Timings(
        eligibility=round(t1 - t0, 4),
        model=round(t2 - t1, 4),
        solve=round(t3 - t2, 4),
        explain=round(t4 - t3, 4),
        total=round(t4 - t0, 4),
    )
    return plan


def assemble(
    p: Problem, cands: Candidates, inst: Instance, sol: Solution, *, explain_unfilled: bool = True,
    fit_rel_gap: float = 0.0,
) -> Plan:
    """The plan: matches (committed pairs, then pins, then the rest), unfilled needs, conflicts,
    the committed pairs at risk, coverage and objective. Status `optimal`: coverage proven and the
    fit level proven or within `fit_rel_gap` of its bound (the issue's 0.1 %)."""
    pairs = list(inst.fixed)
    for q in np.flatnonzero(sol.chosen).tolist():
        pairs.append((int(inst.pair_vol[q]), int(inst.pair_need[q]), int(inst.pair_cand[q])))
    pinned = set(p.pinned) & {(v, j) for v, j, _ in inst.fixed}
    fixed_prio = sum(int(p.n_priority[j]) for _, j, _ in inst.fixed)
    fixed_fit = sum(int(cands.fit[k]) for _, _, k in inst.fixed)
    fixed_counts = inst.vol_fixed.astype(np.int64)
    pin_spread = int((inst.spread * fixed_counts * (fixed_counts - 1) // 2).sum())
    at_risk = check_committed(p)
    matches = explain.explain_matches(p, cands, pairs, pinned, inst.committed, at_risk)
    filled = filled_per_need(inst, sol.chosen)
    known = sol.unfilled_known.result() if sol.unfilled_known is not None and explain_unfilled else None
    unfilled = explain.explain_unfilled(p, pairs, filled, detailed=explain_unfilled, known=known)
    priority = fixed_prio + sol.priority
    fit = fixed_fit + sol.fit - pin_spread
    priority_bound = fixed_prio + sol.priority_bound
    fit_bound = fixed_fit + sol.fit_bound - pin_spread
    spread = pin_spread + spread_of(inst, sol.chosen)
    optimal = priority == priority_bound and fit_bound - fit <= fit_rel_gap * max(1, abs(fit_bound))
    sol.stats["coverage_proven"] = priority == priority_bound
    if priority < priority_bound:
        gap = (priority_bound - priority) / max(1, priority_bound)
    else:
        gap = (fit_bound - fit) / max(1, abs(fit_bound))
    return Plan(
        status="optimal" if optimal else "feasible",
        gap=round(max(0.0, gap), 6),
        matches=matches,
        unfilled=unfilled,
        conflicts=inst.conflicts,
        at_risk=at_risk,
        coverage=Coverage(
            places=int(p.n_headcount.sum()),
            filled=len(pairs),
            priority_filled=priority,
            priority_bound=priority_bound,
        ),
        objective=Objective(
            priority=priority,
            priority_bound=priority_bound,
            fit=fit,
            fit_bound=max(fit_bound, fit),
            spread_penalty=spread,
        ),
        weights=p.weights,
        stats=dict(sol.stats),
    )
