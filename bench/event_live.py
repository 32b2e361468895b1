"""A simulated exchange event against a real server: how fast does an agreement reach every board?

150 participants, 8 brokers each registering an agreement every few seconds (uniform 2–4 s,
with an Idempotency-Key as a broker's client should send),
300 board streams connected (`GET /api/v1/events/{id}/board/stream`). For every agreement the
time from sending its `POST` to each stream receiving its `agreement_registered` message is
recorded; the figure is the time until *every* stream had it (p50/p99 over agreements), with
the per-delivery distribution beside it, the POST latency, and the server processes' CPU
(user+system seconds from /proc, as a share of one core over the trading window).

    .venv/bin/python bench/event_live.py                               # SQLite, one server process
    .venv/bin/python bench/event_live.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test --processes 2

With `--processes 2` (PostgreSQL only) two server processes share the work: streams are split
between them and brokers post to both, so updates cross processes via LISTEN/NOTIFY.
Everything runs on 127.0.0.1; every loop is bounded by `--duration`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_common import ROOT, free_port, fresh_database, percentile, wait_healthy

from service.auth import create_token
from service.db.engine import create_engine, create_sessionmaker
from service.db.migrate import upgrade

KINDS = ["organisation", "business", "public", "individual"]
GIVE_KINDS = ["time", "labour", "knowledge", "event_help", "goods", "premises"]


@contextlib.contextmanager
def servers(url: str, n: int) -> Iterator[list[tuple[str, int]]]:
    """`samspill serve` in `n` processes; yields (base URL, pid) for each."""
    import subprocess

    procs = []
    try:
        for _ in range(n):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", str(port)], cwd=ROOT,
                env={**os.environ, "SAMSPILL_DATABASE_URL": url}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                text=True,
            )
            procs.append((f"http://127.0.0.1:{port}", proc))
        for base, proc in procs:
            wait_healthy(base, proc)
        yield [(base, proc.pid) for base, proc in procs]
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def tokens(url: str, brokers: int) -> tuple[str, list[str]]:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            _, coordinator = await create_token(session, role="coordinator", name="bench")
        return coordinator, []
    finally:
        await engine.dispose()


async def broker_tokens(url: str, event_id: str, n: int) -> list[str]:
    engine = create_engine(url)
    out = []
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for i in range(n):
                out.append((await create_token(session, role="broker", name=f"megler {i + 1}", event_id=event_id))[1])
    finally:
        await engine.dispose()
    return out


async def setup_event(base: str, coordinator: str, participants: int) -> str:
    h = {"Authorization": f"Bearer {coordinator}"}
    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
        r = await c.post("/api/v1/events", json={"name": "Benkbørs", "starts_at": "2027-03-10T17:00:00+01:00",
                                                  "venue": "Rådhuset"})
        r.raise_for_status()
        eid = r.json()["id"]
        for i in range(participants):
            r = await c.post(f"/api/v1/events/{eid}/participants",
                             json={"id": f"p{i:03d}", "name": f"Deltaker {i:03d}", "kind": KINDS[i % 4],
                                   "contact": f"p{i}@example.org"})
            r.raise_for_status()
        for body in ({"action": "open_catalogue"},):
            (await c.post(f"/api/v1/events/{eid}/state", json=body)).raise_for_status()
        (await c.post(f"/api/v1/events/{eid}/gong", json={"action": "open"})).raise_for_status()
    return eid


class Stream:
    """One board stream over a raw socket: cheap enough to run 300 in the measuring process."""

    def __init__(self, base: str, path: str, token: str, seen: dict[str, list[float]]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.path, self.token, self.seen = host, int(port), path, token, seen
        self.ready = asyncio.Event()
        self.errors = 0
        self.ended = False

    async def run(self, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        writer.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
                      "Accept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream refused: {status!r}")
        try:
            while not stop.is_set():
                line = await reader.readline()
                if not line:
                    self.ended = True
                    break
                if line.startswith(b"data: {") and b'"agreement_registered"' in line[:40]:
                    now = time.perf_counter()
                    try:
                        msg = msgspec.json.decode(line[6:].strip())
                        self.seen.setdefault(msg["agreement"]["id"], []).append(now)
                    except (msgspec.DecodeError, KeyError):
                        self.errors += 1
                elif line.startswith(b"data: {") and b'"board_snapshot"' in line[:40]:
                    self.ready.set()
        finally:
            writer.close()


async def broker(base: str, eid: str, token: str, participants: int, stop: asyncio.Event, rng: random.Random,
                 sent: dict[str, float], post_lat: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), rng.uniform(2.0, 4.0))
            if stop.is_set():
                return
            a, b = rng.sample(range(participants), 2)
            pa, pb = f"p{a:03d}", f"p{b:03d}"
            gives = [{"from": pa, "kind": rng.choice(GIVE_KINDS[:4]), "hours": rng.choice([2, 4, 8]),
                      "description": "hjelp fra benken"}]
            if rng.random() < 0.5:
                gives.append({"from": pb, "kind": "goods", "items": rng.randint(1, 5)})
            t0 = time.perf_counter()
            r = await c.post(f"/api/v1/events/{eid}/agreements", json={"parties": [pa, pb], "gives": gives,
                                                                       "asked_by": pb},
                             headers={"Idempotency-Key": f"{token[-8:]}-{rng.random()}"})
            post_lat.append(time.perf_counter() - t0)
            if r.status_code == 201:
                sent[r.json()["id"]] = t0


async def main_async(args: argparse.Namespace, url: str) -> dict[str, Any]:
    coordinator, _ = await tokens(url, args.brokers)
    with servers(url, args.processes) as procs:
        bases = [b for b, _ in procs]
        eid = await setup_event(bases[0], coordinator, args.participants)
        brokers = await broker_tokens(url, eid, args.brokers)
        seen: dict[str, list[float]] = {}
        stop = asyncio.Event()  # brokers stop
        hang_up = asyncio.Event()  # streams stop, after the grace period
        streams = [Stream(bases[i % len(bases)], f"/api/v1/events/{eid}/board/stream", brokers[i % len(brokers)], seen)
                   for i in range(args.streams)]
        tasks = []
        for i in range(0, len(streams), 50):  # connect in batches
            tasks += [asyncio.create_task(s.run(hang_up)) for s in streams[i:i + 50]]
            await asyncio.gather(*(asyncio.wait_for(s.ready.wait(), 60) for s in streams[i:i + 50]))
        cpu0 = [cpu_seconds(pid) for _, pid in procs]
        me0 = resource.getrusage(resource.RUSAGE_SELF)
        t_start = time.perf_counter()
        sent: dict[str, float] = {}
        post_lat: list[float] = []
        rng = random.Random(args.seed)
        broker_tasks = [asyncio.create_task(broker(bases[i % len(bases)], eid, brokers[i], args.participants, stop,
                                                   random.Random(rng.random()), sent, post_lat))
                        for i in range(args.brokers)]
        await asyncio.sleep(args.duration)
        stop.set()
        await asyncio.gather(*broker_tasks)
        t_stop = time.perf_counter()
        await asyncio.sleep(args.grace)  # let the last deliveries arrive
        hang_up.set()
        window = time.perf_counter() - t_start
        cpu = [cpu_seconds(pid) - c0 for (_, pid), c0 in zip(procs, cpu0, strict=True)]
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    every: list[float] = []
    each: list[float] = []
    incomplete: list[dict[str, Any]] = []
    for aid, t0 in sent.items():
        times = seen.get(aid, [])
        each += [t - t0 for t in times]
        if len(times) < args.streams:
            incomplete.append({"agreement": aid, "streams_reached": len(times),
                               "posted_s_before_stop": round(t_stop - t0, 2)})
        elif times:
            every.append(max(times) - t0)
    return {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "server_processes": args.processes,
        "participants": args.participants,
        "brokers": args.brokers,
        "streams": args.streams,
        "agreements": len(sent),
        "agreements_missing_on_some_stream": incomplete,
        "streams_ended_early": sum(1 for s in streams if s.ended),
        "stream_decode_errors": sum(s.errors for s in streams),
        "all_streams_ms": {"p50": 1000 * percentile(every, 0.5), "p99": 1000 * percentile(every, 0.99),
                           "max": 1000 * max(every, default=float("nan"))},
        "each_delivery_ms": {"p50": 1000 * percentile(each, 0.5), "p99": 1000 * percentile(each, 0.99)},
        "post_ms": {"p50": 1000 * percentile(post_lat, 0.5), "p99": 1000 * percentile(post_lat, 0.99)},
        "server_cpu_seconds": [round(c, 2) for c in cpu],
        "server_cpu_share_of_one_core": [round(c / window, 3) for c in cpu],
        "client_cpu_share_of_one_core": round(client_cpu / window, 3),
        "window_s": round(window, 1),
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", default=None, help="a PostgreSQL URL (a fresh database is made there)")
    ap.add_argument("--processes", type=int, default=1, help="server processes (more than 1 needs --postgres)")
    ap.add_argument("--participants", type=int, default=150)
    ap.add_argument("--brokers", type=int, default=8)
    ap.add_argument("--streams", type=int, default=300)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of trading")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--grace", type=float, default=5.0, help="seconds to wait for deliveries after the last POST")
    args = ap.parse_args()
    if args.processes > 1 and not args.postgres:
        ap.error("--processes > 1 needs --postgres (SQLite serves one process)")
    with fresh_database(args.postgres) as url:
        result = asyncio.run(main_async(args, url))
    print(msgspec.json.format(msgspec.json.encode(result)).decode())


if __name__ == "__main__":
    main()
