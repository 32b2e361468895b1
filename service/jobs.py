"""Solving off the event loop: the matcher runs in a worker thread (CP-SAT releases the GIL)."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread

from matcher.schema import Plan, Scenario

Solver = Callable[[Scenario, float], Plan]


def matcher_solver(scenario: Scenario, time_limit: float) -> Plan:
    from matcher.solve import SolveOptions, solve

    return solve(scenario, SolveOptions(time_limit=time_limit))


async def solve_in_thread(solver: Solver, scenario: Scenario, time_limit: float) -> Plan:
    return await anyio.to_thread.run_sync(solver, scenario, time_limit)
