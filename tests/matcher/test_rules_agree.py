"""The vectorised rules (matcher.rules) and the independent spec (matcher.validate) agree.

Every pair of generated municipalities is judged by both; they must name the same
broken rules. This is what makes `plan check` a real check of the solver's eligibility.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from builders import need, scenario, slot, volunteer
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import rules
from matcher.generate import generate
from matcher.problem import compile_problem
from matcher.schema import Horizon
from matcher.validate import pair_violations


def _disagreements(seed: int, broad: bool) -> list[str]:
    s = generate(40, 25, seed=seed, broad=broad)
    p = compile_problem(s)
    out = []
    all_vols = np.arange(p.n_volunteers)
    for j, n in enumerate(s.needs):
        if not rules.has_occurrence(p, j):
            continue
        fast = rules.rule_matrix(p, j, all_vols)
        for i, v in enumerate(s.volunteers):
            ours = {r for r, ok in fast.items() if r != "C2" and not ok[i]}
            spec = {x.rule for x in pair_violations(s, v, n)}
            if ours != spec:
                out.append(f"{v.id} × {n.id}: rules.py {sorted(ours)} vs validate.py {sorted(spec)}")
    return out


@pytest.mark.parametrize("broad", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_rules_agree_with_validate_on_generated_municipalities(seed: int, broad: bool) -> None:
    assert _disagreements(seed, broad) == []


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(min_value=100, max_value=10_000))
def test_rules_agree_with_validate_for_any_seed(seed: int) -> None:
    assert _disagreements(seed, False) == []


def test_generated_municipalities_break_every_rule_somewhere() -> None:
    """The agreement above means something only if every rule is exercised."""
    broken: set[str] = set()
    for seed in range(6):
        s = generate(40, 25, seed=seed)
        for n in s.needs[:25]:
            for v in s.volunteers:
                broken |= {x.rule for x in pair_violations(s, v, n)}
    assert {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"} <= broken


TIMES = [f"{h:02d}:{m:02d}" for h in (0, 6, 8, 12, 18, 22, 23) for m in (0, 30)]
NIGHT_TIMES = ["00:00", "06:00", "20:00", "22:00"]
# anywhere in the week, or around the week's end, where windows join from Sunday into Monday
SLOTS = st.one_of(
    st.tuples(st.integers(1, 7), st.sampled_from(TIMES), st.sampled_from(TIMES)),
    st.tuples(st.sampled_from([7, 1]), st.sampled_from(NIGHT_TIMES), st.sampled_from(NIGHT_TIMES)),
)


@settings(max_examples=300, deadline=None)
@given(
    windows=st.lists(SLOTS, max_size=6),
    slots=st.lists(SLOTS, min_size=1, max_size=2),
    start=st.integers(0, 6),
)
def test_e6_union_of_windows_agrees_with_validate(
    windows: list[tuple[int, str, str]], slots: list[tuple[int, str, str]], start: int
) -> None:
    """Random windows (touching, overlapping, overnight, Sunday into Monday) against random
    needs: the merged week windows of rules.py and validate's merge in real time agree."""
    horizon = Horizon(start=dt.date(2026, 1, 5) + dt.timedelta(days=start), end=dt.date(2026, 1, 25))
    sc = scenario(
        [volunteer(availability=[slot(d, a, b) for d, a, b in windows])],
        [need(weekly=[slot(d, a, b) for d, a, b in slots])],
        horizon=horizon,
    )
    p = compile_problem(sc)
    fast = bool(rules.e6_availability(p, 0, np.array([0]))[0])
    spec = not any(x.rule == "E6" for x in pair_violations(sc, sc.volunteers[0], sc.needs[0]))
    assert fast == spec
