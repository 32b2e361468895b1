"""Needs posted per second, and p50/p99 latency, at 50 concurrent clients.

    .venv/bin/python bench/service_needs.py                     # SQLite (temp file)
    .venv/bin/python bench/service_needs.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test

The server (`samspill serve`, one uvicorn worker) runs in a second process on
loopback over a fresh register (the demo catalogue and sites); this process runs
`--clients` concurrent HTTP/1.1 clients, each posting needs one after another with
a site token until `--requests` have been sent. Every post carries its own
Idempotency-Key, as a site's system would.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import httpx
from service_common import fresh_database, load_register, percentile, server

from matcher.generate import generate


async def hammer(base: str, token: str, site: str, clients: int, total: int) -> tuple[float, list[float],
                                                                                      dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0
    headers = {"Authorization": f"Bearer {token}"}

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < total:
            sent += 1
            body = {
                "site": site,
                "activity": "besoksvenn",
                "title": f"Besøksvenn {sent}",
                "weekly": [{"weekday": 1 + sent % 7, "start": "10:00", "end": "12:00"}],
                "priority": 1 + sent % 5,
            }
            t0 = time.perf_counter()
            r = await c.post("/api/v1/needs", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            latencies.append(time.perf_counter() - t0)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for _ in range(clients)))
        wall = time.perf_counter() - t0
    return wall, latencies, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL server URL; a fresh database is created there")
    args = ap.parse_args()
    scenario = generate(0, 0, 1)
    site = next(s.id for s in scenario.sites if s.kind == "service_site")
    with fresh_database(args.postgres) as url:
        token = asyncio.run(load_register(url, scenario, role="site", site_id=site))
        with server(url) as base:
            asyncio.run(hammer(base, token, site, args.clients, min(200, args.requests)))  # warm-up
            wall, lat, statuses = asyncio.run(hammer(base, token, site, args.clients, args.requests))
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"POST /api/v1/needs on {backend}: {len(lat)} requests, {args.clients} concurrent clients")
    print(f"  throughput  {len(lat) / wall:8.1f} needs/s  (wall {wall:.2f} s)")
    print(f"  latency     p50 {percentile(lat, 0.50) * 1000:7.1f} ms   p99 {percentile(lat, 0.99) * 1000:7.1f} ms"
          f"   max {max(lat) * 1000:7.1f} ms")
    print(f"  statuses    {dict(sorted(statuses.items()))}")


if __name__ == "__main__":
    main()
