"""`POST /api/v1/plans` time: the demo municipality (300 × 80) and 2 000 volunteers × 500 needs.

    .venv/bin/python bench/service_plans.py
    .venv/bin/python bench/service_plans.py --sizes 300x80 --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test

For each size: a fresh register with `matcher.generate(volunteers, needs, seed)`
imported, a server in a second process on loopback, then `--repeat` runs of
`POST /api/v1/plans` timed at the client (reading the register, solving in a worker
thread, storing the draft plan and its proposals, answering). The solver's own
timings from the plan are printed beside it, and the rest (`outside`: the wall time
less the solver's `timings.total`); then the medians per size.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
from service_common import fresh_database, load_register, peak_rss_mb, server

from matcher.generate import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="300x80,2000x500")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL server URL; a fresh database is created there")
    args = ap.parse_args()
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"POST /api/v1/plans on {backend} (time limit {args.time_limit:g} s)")
    print(f"{'size':>10} {'run':>4} {'wall s':>8} {'solve s':>8} {'outside':>8} {'matches':>8} {'unfilled':>8}"
          f" {'status':>9}")
    for size in args.sizes.split(","):
        volunteers, needs = (int(x) for x in size.split("x"))
        scenario = generate(volunteers, needs, args.seed)
        with fresh_database(args.postgres) as url:
            token = asyncio.run(load_register(url, scenario, role="coordinator"))
            procs: list[Any] = []
            with server(url, env={"SAMSPILL_SOLVE_TIME_LIMIT": str(args.time_limit)}, procs=procs) as base:
                walls: list[float] = []
                solves: list[float] = []
                for k in range(args.repeat):
                    t0 = time.perf_counter()
                    r = httpx.post(f"{base}/api/v1/plans", headers={"Authorization": f"Bearer {token}",
                                                                    "Prefer": f"wait={int(args.time_limit * 4 + 50)}"},
                                   timeout=args.time_limit * 4 + 60)
                    wall = time.perf_counter() - t0
                    r.raise_for_status()
                    plan = r.json()
                    solve = plan["summary"]["timings"]["total"]
                    walls.append(wall)
                    solves.append(solve)
                    print(f"{size:>10} {k + 1:>4} {wall:8.2f} {solve:8.2f} {wall - solve:8.2f}"
                          f" {len(plan['proposals']):>8} {len(plan['unfilled']):>8} {plan['solver_status']:>9}",
                          flush=True)
                outside = [w - s for w, s in zip(walls, solves, strict=True)]
                peak = peak_rss_mb(procs[0].pid)
                print(f"{size:>10} {'med':>4} {statistics.median(walls):8.2f} {statistics.median(solves):8.2f}"
                      f" {statistics.median(outside):8.2f}   server peak {'?' if peak is None else f'{peak:.0f} MB'}",
                      flush=True)


if __name__ == "__main__":
    main()
