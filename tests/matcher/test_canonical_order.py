"""The plan does not depend on the order a register lists things in (`matcher.scenario.in_canonical_order`).

Among plans of the same worth the solver returns the one its column order leads to; the columns follow
the compiled lists, and those are put in one order first. So a register exported again, or read from a
database that returns its rows in another order, gets the same plan, reasons and at-risk list. The pins
are the exception the rules make: they are settled in the order given (C4), so they keep theirs.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios_st

from matcher.commitments import at_risk
from matcher.generate import generate
from matcher.scenario import in_canonical_order
from matcher.schema import Pair, Plan, Scenario, Timings
from matcher.solve import SolveOptions, solve

OPTIONS = SolveOptions(time_limit=10)


def shuffled(sc: Scenario, rng: random.Random) -> Scenario:
    """The same register, every list but the pins in another order."""

    def mixed(items: list[object]) -> list[object]:
        out = list(items)
        rng.shuffle(out)
        return out

    return msgspec.structs.replace(
        sc,
        trainings=mixed(sc.trainings),
        activities=mixed(sc.activities),
        sites=mixed(sc.sites),
        volunteers=mixed(sc.volunteers),
        needs=mixed(sc.needs),
        forbidden=mixed(sc.forbidden),
        previous=mixed(sc.previous),
        committed=mixed(sc.committed),
    )


def _as_compared(plan: Plan) -> bytes:
    """The plan without its timings and solver statistics (seconds, which differ from run to run)."""
    return msgspec.json.encode(msgspec.structs.replace(plan, timings=Timings(), stats={}))


def _with_history(sc: Scenario) -> Scenario:
    """The register with every other match of a first plan as its previous plan (committed and pinned pairs
    it has of its own)."""
    plan = solve(sc, OPTIONS)
    previous = [Pair(volunteer=m.volunteer, need=m.need) for m in plan.matches[::2] if not m.committed]
    assert sc.committed and sc.pinned and previous
    return msgspec.structs.replace(sc, previous=previous)


def test_the_canonical_order_sorts_by_id_and_keeps_the_pins_as_given() -> None:
    sc = generate(40, 12, seed=5)
    rng = random.Random(1)
    mixed = msgspec.structs.replace(shuffled(sc, rng), pinned=[*reversed(sc.pinned)])
    canon = in_canonical_order(mixed)
    assert [v.id for v in canon.volunteers] == sorted(v.id for v in sc.volunteers)
    assert [n.id for n in canon.needs] == sorted(n.id for n in sc.needs)
    assert [a.id for a in canon.activities] == sorted(a.id for a in sc.activities)
    assert [(p.volunteer, p.need) for p in canon.committed] == sorted((p.volunteer, p.need) for p in sc.committed)
    assert canon.pinned == mixed.pinned  # the coordinator's order: C4 settles them in it


def test_a_register_listed_in_another_order_gets_the_same_plan() -> None:
    """Registers with committed placements, pins and previous plans (matcher.generate), on the exact path
    and forced onto the large one: the same plan from each of three orders."""
    for seed, large in ((3, False), (8, False), (4, True)):
        sc = _with_history(generate(160, 45, seed=seed, committed=0.3))
        opts = SolveOptions(time_limit=10, engine="mip", mip_exact_max_pairs=0) if large else OPTIONS
        first = solve(sc, opts)
        assert first.matches  # a plan with something in it to compare
        rng = random.Random(seed)
        for _ in range(2):
            other = solve(shuffled(sc, rng), opts)
            assert _as_compared(other) == _as_compared(first)


def test_the_bench_register_in_another_order_gets_the_same_plan() -> None:
    """bench/register.py's register (an independent generator, ties aplenty: every need of a priority is
    worth the same), in its own order and reversed."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import register  # the bench's independent generator

    data = register.generate(600, 180, 2)
    sc = msgspec.convert(data, Scenario)
    backwards = msgspec.convert({**data, "volunteers": data["volunteers"][::-1], "needs": data["needs"][::-1]},
                                Scenario)  # fmt: skip
    assert _as_compared(solve(backwards, OPTIONS)) == _as_compared(solve(sc, OPTIONS))


def test_at_risk_reports_in_the_order_the_plan_does() -> None:
    base = generate(120, 40, seed=6)
    plan = solve(base, OPTIONS)
    # every match in force, and no volunteer with a training: the placements that want one are at risk (E3)
    sc = msgspec.structs.replace(
        base,
        committed=[Pair(volunteer=m.volunteer, need=m.need) for m in plan.matches],
        volunteers=[msgspec.structs.replace(v, trainings=[]) for v in base.volunteers],
        pinned=[],
    )
    mixed = shuffled(sc, random.Random(2))
    found = at_risk(mixed)
    keys = [(r.volunteer, r.need) for r in found]
    assert len(set(keys)) >= 3  # something to order
    assert keys == sorted(keys)  # by volunteer and need, whatever the register's order
    assert found == at_risk(sc) == solve(mixed, OPTIONS).at_risk


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(committed=True), st.randoms(use_true_random=False))
def test_property_any_order_gets_the_same_plan(sc: Scenario, rng: random.Random) -> None:
    """Tiny registers, where plans of the same worth are the rule rather than the exception."""
    assert _as_compared(solve(shuffled(sc, rng), OPTIONS)) == _as_compared(solve(sc, OPTIONS))
