"""The vectorised rules (matcher.rules) and the independent spec (matcher.validate) agree.

Every pair of generated municipalities is judged by both; they must name the same
broken rules. This is what makes `plan check` a real check of the solver's eligibility.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import rules
from matcher.generate import generate
from matcher.problem import compile_problem
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
