"""The volunteer–need graph's components (`solve._components`, numpy hooking and pointer jumping) against
a breadth-first search written here."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace
from typing import cast

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.instance import Instance
from matcher.solve import _components


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.data())
def test_components_match_a_search(nv: int, nn: int, data: st.DataObject) -> None:
    edges = data.draw(st.lists(st.tuples(st.integers(0, nv - 1), st.integers(0, nn - 1)), max_size=30, unique=True))
    inst = cast(Instance, SimpleNamespace(
        n_volunteers=nv, n_needs=nn,
        pair_vol=np.array([v for v, _ in edges], dtype=np.int32),
        pair_need=np.array([j for _, j in edges], dtype=np.int32),
    ))  # fmt: skip
    got = _components(inst)
    adj: dict[int, list[int]] = {}
    for v, j in edges:
        adj.setdefault(v, []).append(nv + j)
        adj.setdefault(nv + j, []).append(v)
    label: dict[int, int] = {}
    for s in sorted(adj):
        if s in label:
            continue
        label[s] = s
        queue = deque([s])
        while queue:
            x = queue.popleft()
            for y in adj[x]:
                if y not in label:
                    label[y] = s
                    queue.append(y)
    want = [label[v] for v, _ in edges]
    # the same partition of the pairs (labels may differ by name)
    assert len(got) == len(edges)
    for i in range(len(edges)):
        for k in range(len(edges)):
            assert (got[i] == got[k]) == (want[i] == want[k])
