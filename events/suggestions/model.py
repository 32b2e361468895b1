"""The speed-meeting CP-SAT model: one small builder per constraint or objective term, composed
in `_solve`; the greedy plan (greedy.py) is its hint and its fallback."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model

from events.suggestions.greedy import _colour, _greedy
from events.suggestions.instance import _Instance
from events.suggestions.structs import SuggestionSettings

# --- The speed-meeting model (one small builder per constraint or objective term) ----------


@dataclass(slots=True)
class _Vars:
    x: list[list[cp_model.IntVar]]
    """x[p][r]: pair p meets in round r."""
    covered: dict[str, cp_model.IntVar]


class _OneMeetingPerRound:
    """Nobody is in two places at once."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for ps in inst.pairs_of.values():
            for r in range(inst.rounds):
                model.add_at_most_one(v.x[p][r] for p in ps)


class _PairAtMostOnce:
    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for xs in v.x:
            model.add_at_most_one(xs)


class _TablesPerRound:
    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for r in range(inst.rounds):
            model.add(sum(xs[r] for xs in v.x) <= inst.tables)


class _RoundOrder:
    """Rounds are interchangeable; fuller rounds first removes mirror-image plans."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for r in range(inst.rounds - 1):
            model.add(sum(xs[r] for xs in v.x) >= sum(xs[r + 1] for xs in v.x))


class _Coverage:
    """covered[i] only if participant i has a meeting."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for person, ps in inst.pairs_of.items():
            model.add(v.covered[person] <= sum(v.x[p][r] for p in ps for r in range(inst.rounds)))


def _weights(inst: _Instance, s: SuggestionSettings) -> tuple[int, int]:
    """The weight of seating one more person, and the gap at which the solver may stop.

    Lexicographic by weight: one more person seated outweighs any gain in score. With the
    weight above twice the best possible score, a plan within the gap of the bound can
    never have seated fewer people than the best plan — the gap only ever costs score.
    """
    scores = sorted((p.score for p in inst.pairs), reverse=True)
    max_total = sum(scores[: inst.rounds * inst.tables])
    return 2 * max_total + 1, max(0, int(s.score_gap * max_total))


def _objective(inst: _Instance, model: cp_model.CpModel, v: _Vars, s: SuggestionSettings) -> None:
    cover_weight, _ = _weights(inst, s)
    model.maximize(
        cover_weight * sum(v.covered.values())
        + sum(inst.pairs[p].score * x for p, xs in enumerate(v.x) for x in xs)
    )


_CONSTRAINTS = (_OneMeetingPerRound(), _PairAtMostOnce(), _TablesPerRound(), _RoundOrder(), _Coverage())


def _solver(s: SuggestionSettings, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = s.workers
    solver.parameters.random_seed = s.seed
    return solver


def _select_meetings(
    inst: _Instance, s: SuggestionSettings, hint: set[int], seconds: float
) -> tuple[list[int] | None, bool, int]:
    """Phase 1, a relaxation without rounds: which pairs meet. Everyone meets at most
    `rounds` counterparts, at most rounds × tables meetings in all; seat as many people as
    possible, then maximise score. Small (one variable per pair) and proven fast."""
    model = cp_model.CpModel()
    z = [model.new_bool_var(f"z{p}") for p in range(len(inst.pairs))]
    covered = {person: model.new_bool_var(f"c{i}") for i, person in enumerate(inst.people)}
    for person, ps in inst.pairs_of.items():
        model.add(cp_model.LinearExpr.sum([z[p] for p in ps]) <= inst.rounds)
        model.add(covered[person] <= cp_model.LinearExpr.sum([z[p] for p in ps]))
    model.add(cp_model.LinearExpr.sum(z) <= inst.rounds * inst.tables)
    scores = [pair.score for pair in inst.pairs]
    cover_weight, gap = _weights(inst, s)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(list(covered.values()), [cover_weight] * len(covered))
        + cp_model.LinearExpr.weighted_sum(z, scores)
    )
    for p, var in enumerate(z):
        model.add_hint(var, p in hint)
    seated = {person for p in hint for person in (inst.pairs[p].a, inst.pairs[p].b)}
    for person, var in covered.items():
        model.add_hint(var, person in seated)
    solver = _solver(s, seconds)
    solver.parameters.absolute_gap_limit = gap
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False, len(inst.people)
    # The score part is below half the weight, so the bound caps how many can be seated.
    max_seated = min(len(inst.people), int(solver.best_objective_bound) // cover_weight)
    chosen = [p for p, var in enumerate(z) if solver.boolean_value(var)]
    return chosen, status == cp_model.OPTIMAL, max_seated


def _assign_rounds(
    inst: _Instance, s: SuggestionSettings, hint: list[tuple[int, int]], seconds: float
) -> tuple[list[tuple[int, int]] | None, bool]:
    """Phase 2, the full rules on the chosen pairs only: which round each meeting is in.
    Usually every chosen pair fits (an edge colouring); when one does not, the objective
    drops the least valuable, still seating as many people as possible."""
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{p}_{r}") for r in range(inst.rounds)] for p in range(len(inst.pairs))]
    covered = {person: model.new_bool_var(f"c{i}") for i, person in enumerate(inst.people)}
    v = _Vars(x=x, covered=covered)
    for constraint in _CONSTRAINTS:
        constraint.build(inst, model, v)
    _objective(inst, model, v, s)
    # The hint must respect _RoundOrder, so rounds are renumbered fullest first.
    load = [0] * inst.rounds
    for _, r in hint:
        load[r] += 1
    rank = {r: i for i, r in enumerate(sorted(range(inst.rounds), key=lambda r: -load[r]))}
    chosen = {(p, rank[r]) for p, r in hint}
    for p, xs in enumerate(x):
        for r, var in enumerate(xs):
            model.add_hint(var, (p, r) in chosen)
    solver = _solver(s, seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    plan = [(p, r) for p, xs in enumerate(x) for r, var in enumerate(xs) if solver.boolean_value(var)]
    return plan, status == cp_model.OPTIMAL


def _solve(
    inst: _Instance, s: SuggestionSettings
) -> tuple[list[tuple[int, int]], Literal["optimal", "feasible", "greedy"], int]:
    """Pairs (index into inst.pairs) with their 0-based round, how sure we are of them, and
    an upper bound on how many people any plan could seat."""
    if not inst.pairs:
        return [], "optimal", 0
    deadline = time.perf_counter() + s.time_limit_s
    greedy = _greedy(inst)
    chosen, proven, max_seated = _select_meetings(inst, s, {p for p, _ in greedy}, s.time_limit_s * 0.7)
    if chosen is None:
        return greedy, "greedy", max_seated
    sub_pairs = [inst.pairs[p] for p in chosen]
    sub_of: defaultdict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(sub_pairs):
        sub_of[pair.a].append(i)
        sub_of[pair.b].append(i)
    sub = _Instance(
        rounds=inst.rounds,
        tables=inst.tables,
        people=[p for p in inst.people if p in sub_of],
        pairs=sub_pairs,
        pairs_of=dict(sub_of),
    )
    sub_hint = _better(sub, _colour(sub), _greedy(sub))
    if len(sub_hint) == len(sub_pairs):
        plan, proven2 = sub_hint, True
    else:
        found, proven2 = _assign_rounds(sub, s, sub_hint, deadline - time.perf_counter())
        plan = found if found is not None else sub_hint
    result = [(chosen[p], r) for p, r in plan]
    # Phase 1 is a relaxation of the whole problem, so when phase 2 keeps every chosen
    # meeting and both are proven, the plan is optimal for the whole problem.
    if len(result) == len(chosen):
        return result, "optimal" if proven and proven2 else "feasible", max_seated
    # Some chosen meetings do not fit into the rounds (a triangle in two rounds, say): solve
    # the whole model with what we have as the hint, for the time that is left.
    hint = _better(inst, result, greedy)
    full, proven_full = _assign_rounds(inst, s, hint, deadline - time.perf_counter())
    if full is None:
        return hint, "feasible", max_seated
    full = _better(inst, full, hint)
    return full, "optimal" if proven_full else "feasible", max_seated


def _value(inst: _Instance, plan: list[tuple[int, int]]) -> tuple[int, int]:
    seated = {person for p, _ in plan for person in (inst.pairs[p].a, inst.pairs[p].b)}
    return len(seated), sum(inst.pairs[p].score for p, _ in plan)


def _better(inst: _Instance, a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return a if _value(inst, a) >= _value(inst, b) else b
