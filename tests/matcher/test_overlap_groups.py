"""C3's at-most-one groups (`instance.overlap_groups`, one numpy sweep for every volunteer) against the
rule read pair by pair: every group is a set of needs that overlap two by two, every two overlapping
candidates of a volunteer who may take two or more share a group, and no group is listed twice."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios_st

from matcher.constraints import needs_overlap
from matcher.instance import overlap_groups, unique_groups
from matcher.schema import Scenario
from matcher.solve import build_instance_for


def _occurrences_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Half-open occurrences [start, end) of two needs: some pair of them shares a minute."""
    return bool(((a[:, None, 0] < b[None, :, 1]) & (b[None, :, 0] < a[:, None, 1])).any())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_st(max_volunteers=5, max_needs=7))
def test_groups_are_exactly_the_overlaps(sc: Scenario) -> None:
    inst = build_instance_for(sc)
    p = inst.problem
    assert p is not None
    members, ptr = overlap_groups(p, inst, np.arange(inst.n_volunteers))
    groups = [members[ptr[g] : ptr[g + 1]] for g in range(len(ptr) - 1)]
    seen: set[tuple[int, ...]] = set()
    covered: set[tuple[int, int]] = set()
    for g in groups:
        key = tuple(sorted(g.tolist()))
        assert key not in seen, "a group listed twice"
        seen.add(key)
        assert len(g) >= 2
        assert len({int(inst.pair_vol[k]) for k in g}) == 1, "a group spans two volunteers"
        for a, b in itertools.combinations(key, 2):
            ja, jb = int(inst.pair_need[a]), int(inst.pair_need[b])
            assert _occurrences_overlap(p.n_occ[ja], p.n_occ[jb]), "a group holds two needs that never overlap"
            covered.add((a, b))
    for a, b in itertools.combinations(range(inst.n_pairs), 2):
        v = int(inst.pair_vol[a])
        if v != int(inst.pair_vol[b]) or inst.vol_cap[v] < 2:
            continue
        ja, jb = int(inst.pair_need[a]), int(inst.pair_need[b])
        if needs_overlap(p, ja, jb):
            assert (a, b) in covered, "two overlapping candidates of one volunteer share no group"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=5, unique=True), max_size=12))
def test_unique_groups_keeps_each_set_once_in_order(groups: list[list[int]]) -> None:
    """`instance.unique_groups` (a hash of each group's members and size): the groups of two or more
    members, each set once, the first of equal ones kept where it stood, members in their order; drawn
    with many repeats, some in another order."""
    drawn = [g[::-1] if i % 3 == 2 else g for i, g in enumerate(groups + groups[: len(groups) // 2])]
    ptr = np.r_[0, np.cumsum([len(g) for g in drawn])].astype(np.int64)
    members = np.array([m for g in drawn for m in g], dtype=np.int64)
    got_m, got_p = unique_groups(members, ptr, 7)
    got = [got_m[got_p[i] : got_p[i + 1]].tolist() for i in range(len(got_p) - 1)]
    want: list[list[int]] = []
    seen: set[frozenset[int]] = set()
    for g in drawn:
        if len(g) >= 2 and frozenset(g) not in seen:
            seen.add(frozenset(g))
            want.append(g)
    assert got == want
