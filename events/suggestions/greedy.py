"""A greedy speed-meeting plan: the CP-SAT model's hint, and the answer when the solver has no time."""

from __future__ import annotations

from events.suggestions.instance import _Instance


def _greedy(inst: _Instance) -> list[tuple[int, int]]:
    """A quick plan as the solver's hint and fallback: seat the uncovered first, then by score."""
    busy: set[tuple[str, int]] = set()
    load = [0] * inst.rounds
    met: set[str] = set()
    plan: list[tuple[int, int]] = []
    used: set[int] = set()
    for phase in (2, 1, 0):
        for p, pair in enumerate(inst.pairs):
            if p in used or ((pair.a not in met) + (pair.b not in met)) < phase:
                continue
            for r in range(inst.rounds):
                if load[r] < inst.tables and (pair.a, r) not in busy and (pair.b, r) not in busy:
                    busy.update({(pair.a, r), (pair.b, r)})
                    load[r] += 1
                    met.update({pair.a, pair.b})
                    plan.append((p, r))
                    used.add(p)
                    break
    return plan


def _colour(inst: _Instance) -> list[tuple[int, int]]:
    """Greedy round assignment for chosen pairs (phase 2's hint): the busiest people first,
    each meeting into the emptiest round both are free in, so rounds fill evenly."""
    degree = {person: len(ps) for person, ps in inst.pairs_of.items()}
    order = sorted(range(len(inst.pairs)), key=lambda p: -(degree[inst.pairs[p].a] + degree[inst.pairs[p].b]))
    busy: set[tuple[str, int]] = set()
    load = [0] * inst.rounds
    plan: list[tuple[int, int]] = []
    for p in order:
        pair = inst.pairs[p]
        free = [r for r in range(inst.rounds)
                if load[r] < inst.tables and (pair.a, r) not in busy and (pair.b, r) not in busy]
        if free:
            r = min(free, key=lambda r: (load[r], r))
            busy.update({(pair.a, r), (pair.b, r)})
            load[r] += 1
            plan.append((p, r))
    return plan
