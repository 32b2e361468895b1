"""The exchange floor under a compressed trading hour: how fast does a broker's agreement reach every
big screen, and every broker's live suggestions?

150 participants with an offer and a need each (shared tags, so suggestions exist), 10 brokers signed
in through one-time floor links (cookie sessions, as their tablets are), 300 board streams. The brokers
register `--agreements` agreements (110: Tønsberg's count; then 1 000) spread at random over
`--duration` seconds (300: the trading hour compressed to five minutes) through the broker page's own
endpoint (`POST /events/{id}/floor/agreements` with an Idempotency-Key), each meeting one open need.
Every broker keeps a participant's page open: its floor stream, and — as /static/floor.js does — the
page's suggestions fragment re-fetched 60 ms after an agreement that involves the participant or a
counterpart on its list (any other agreement cannot change the list, so the page is already current).

Figures, per agreement, from sending its POST:
  - every screen: until the last of the 300 streams had its `agreement_registered`;
  - every broker's suggestions: until the last of the 10 brokers' pages reflected it: re-fetched after
    hearing of it when it concerns that page (the need it met is gone), else as soon as heard.

    .venv/bin/python bench/floor_live.py --agreements 110
    .venv/bin/python bench/floor_live.py --agreements 110 --processes 2 \
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test

Built on bench/event_live.py (servers, streams, CPU accounting). Everything runs on 127.0.0.1; every
loop is bounded by `--duration` and `--grace`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from event_live import KINDS, Stream, broker_tokens, cpu_seconds, servers, tokens
from service_common import fresh_database, percentile

TAGS = ["maling", "transport", "baking", "it-hjelp", "lyd", "hagearbeid", "førstehjelp", "musikk", "turer",
        "lekser", "snekring", "sying", "lokaler", "foto", "språk", "matlaging", "sykling", "telt", "grill",
        "kurs"]
CATEGORIES = ["hands", "knowledge", "goods", "event_help"]
CSRF = re.compile(r'data-csrf="([^"]+)"')
WATCH = re.compile(r'data-watch="([^"]*)"')


async def setup(base: str, coordinator: str, participants: int,
                rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """The event, its catalogue, catalogue open and the gong opened; returns (event, [(need, owner)])."""
    h = {"Authorization": f"Bearer {coordinator}"}
    needs: list[tuple[str, str]] = []
    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
        r = await c.post("/api/v1/events", json={"name": "Benkbørs", "starts_at": "2027-03-10T17:00:00+01:00",
                                                  "venue": "Rådhuset", "trading_minutes": 60})
        r.raise_for_status()
        eid = r.json()["id"]
        for i in range(participants):
            pid = f"p{i:03d}"
            (await c.post(f"/api/v1/events/{eid}/participants", json={
                "id": pid, "name": f"Deltaker {i:03d}", "kind": KINDS[i % 4], "contact": f"{pid}@example.org"})
             ).raise_for_status()
            for side in ("offers", "needs"):
                tag = rng.choice(TAGS)
                r = await c.post(f"/api/v1/events/{eid}/{side}", json={
                    "id": f"{side[0]}{i:03d}", "participant": pid, "category": rng.choice(CATEGORIES),
                    "title": f"{tag} ({side})", "tags": [tag, rng.choice(TAGS)],
                    "amount": {"hours": rng.choice([2, 4])}})
                r.raise_for_status()
                if side == "needs":
                    needs.append((r.json()["id"], pid))
        (await c.post(f"/api/v1/events/{eid}/state", json={"action": "open_catalogue"})).raise_for_status()
        (await c.post(f"/api/v1/events/{eid}/gong", json={"action": "open"})).raise_for_status()
    return eid, needs


async def floor_links(base: str, coordinator: str, eid: str, n: int) -> list[str]:
    h = {"Authorization": f"Bearer {coordinator}"}
    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60) as c:
        out = []
        for i in range(n):
            r = await c.post(f"/api/v1/events/{eid}/floor-links", json={"role": "broker", "name": f"Megler {i + 1}"})
            r.raise_for_status()
            out.append(r.json()["url"])
        return out


class Broker:
    """One broker's tablet: a floor session, a participant's page open (stream + suggestions), and
    the agreements this broker registers."""

    def __init__(self, base: str, eid: str, link: str, participant: str) -> None:
        self.base, self.eid, self.link, self.participant = base, eid, link, participant
        self.client = httpx.AsyncClient(base_url=base, timeout=60)
        self.csrf = ""
        self.refreshed: dict[str, float] = {}  # agreement → when this page's suggestions had it
        self.pending: set[str] = set()
        self.refreshing = False
        self.ready = asyncio.Event()
        self.fetches = 0
        self.fetch_lat: list[float] = []
        self.watch: set[str] = set()
        self.unaffected = 0

    async def sign_in(self) -> None:
        page = await self.client.get(self.link.replace(self.base, ""))
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        r = await self.client.post(self.link.replace(self.base, ""), data={"_csrf_token": token.group(1)},
                                   follow_redirects=True)
        r.raise_for_status()
        page = await self.client.get(f"/events/{self.eid}/floor/broker/{self.participant}")
        page.raise_for_status()
        m = CSRF.search(page.text)
        assert m, page.text[:300]
        self.csrf = m.group(1)
        self._watch(page.text)

    def _watch(self, html: str) -> None:
        m = WATCH.search(html)
        self.watch = set(m.group(1).split()) if m else set()

    async def _refresh(self) -> None:
        await asyncio.sleep(0.06)  # the page's debounce
        while True:
            batch, self.pending = self.pending, set()
            t0 = time.perf_counter()
            r = await self.client.get(f"/events/{self.eid}/floor/broker/{self.participant}/suggestions")
            now = time.perf_counter()
            self.fetches += 1
            self.fetch_lat.append(now - t0)
            if r.status_code == 200:
                self._watch(r.text)
                for aid in batch:
                    self.refreshed.setdefault(aid, now)
            if not self.pending:
                break
        self.refreshing = False

    async def listen(self, stop: asyncio.Event) -> None:
        host, port = self.base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
        cookies = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        writer.write((f"GET /events/{self.eid}/floor/stream HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\n"
                      "Accept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"floor stream refused: {status!r}")
        try:
            while not stop.is_set():
                line = await reader.readline()
                if not line:
                    break
                if line.startswith(b"data: {") and b'"agreement_registered"' in line[:40]:
                    msg = msgspec.json.decode(line[6:].strip())
                    aid = msg["agreement"]["id"]
                    if not self.watch & set(msg["agreement"]["parties"]):
                        # as /static/floor.js: an agreement of nobody on this page leaves it as it is
                        self.unaffected += 1
                        self.refreshed.setdefault(aid, time.perf_counter())
                        continue
                    self.pending.add(aid)
                    if not self.refreshing:
                        self.refreshing = True
                        asyncio.get_running_loop().create_task(self._refresh())
                elif line.startswith(b"data: {") and b'"board_snapshot"' in line[:40]:
                    self.ready.set()
        finally:
            writer.close()

    async def register(self, body: dict[str, Any], key: str) -> tuple[int, str | None]:
        r = await self.client.post(f"/events/{self.eid}/floor/agreements", json=body,
                                   headers={"Idempotency-Key": key, "X-CSRFToken": self.csrf})
        return r.status_code, (r.json().get("id") if r.status_code == 201 else r.text[:200])


async def main_async(args: argparse.Namespace, url: str) -> dict[str, Any]:
    os.environ["SAMSPILL_SECURE_COOKIES"] = "0"  # plain http on loopback
    rng = random.Random(args.seed)
    coordinator, _ = await tokens(url, 0)
    with servers(url, args.processes) as procs:
        bases = [b for b, _ in procs]
        eid, needs = await setup(bases[0], coordinator, args.participants, rng)
        screen_token = (await broker_tokens(url, eid, 1))[0]
        links = await floor_links(bases[0], coordinator, eid, args.brokers)
        brokers = [Broker(bases[i % len(bases)], eid, links[i].replace(bases[0], bases[i % len(bases)]),
                          f"p{rng.randrange(args.participants):03d}") for i in range(args.brokers)]
        for b in brokers:
            await b.sign_in()
        seen: dict[str, list[float]] = {}
        _stop, hang_up = asyncio.Event(), asyncio.Event()
        streams = [Stream(bases[i % len(bases)], f"/api/v1/events/{eid}/board/stream", screen_token, seen)
                   for i in range(args.streams)]
        tasks = []
        for i in range(0, len(streams), 50):
            tasks += [asyncio.create_task(s.run(hang_up)) for s in streams[i:i + 50]]
            await asyncio.gather(*(asyncio.wait_for(s.ready.wait(), 60) for s in streams[i:i + 50]))
        tasks += [asyncio.create_task(b.listen(hang_up)) for b in brokers]
        await asyncio.gather(*(asyncio.wait_for(b.ready.wait(), 60) for b in brokers))

        # the plan: each agreement meets one open need, at a random moment of the compressed hour
        rng.shuffle(needs)
        plan = []
        for k in range(args.agreements):
            need, owner = needs[k % len(needs)]
            giver = f"p{rng.randrange(args.participants):03d}"
            while giver == owner:
                giver = f"p{rng.randrange(args.participants):03d}"
            body = {"parties": [giver, owner], "asked_by": owner, "need": need if k < len(needs) else None,
                    "gives": [{"from": giver, "kind": rng.choice(["time", "labour", "knowledge"]),
                               "hours": rng.choice([2, 4, 8]), "description": "fra benken",
                               **({"need": need} if k < len(needs) else {})}]}
            if body["need"] is None:
                del body["need"]
            plan.append((rng.uniform(0, args.duration), k % args.brokers, body))
        plan.sort(key=lambda p: p[0])

        sent: dict[str, float] = {}
        post_lat: list[float] = []
        refused: list[str] = []
        cpu0 = [cpu_seconds(pid) for _, pid in procs]
        me0 = resource.getrusage(resource.RUSAGE_SELF)
        t_start = time.perf_counter()

        async def one(at: float, who: int, body: dict[str, Any], n: int) -> None:
            await asyncio.sleep(max(0.0, t_start + at - time.perf_counter()))
            t0 = time.perf_counter()
            try:
                status, aid = await brokers[who].register(body, f"bench-{n}")
            except httpx.HTTPError as exc:  # an overloaded server: counted, not fatal
                status, aid = 0, f"{type(exc).__name__} after {time.perf_counter() - t0:.0f} s"
            post_lat.append(time.perf_counter() - t0)
            if status == 201 and aid:
                sent[aid] = t0
            else:
                refused.append(f"{status}: {aid}")

        await asyncio.gather(*(one(at, who, body, n) for n, (at, who, body) in enumerate(plan)))
        t_stop = time.perf_counter()
        await asyncio.sleep(args.grace)
        hang_up.set()
        window = time.perf_counter() - t_start
        cpu = [cpu_seconds(pid) - c0 for (_, pid), c0 in zip(procs, cpu0, strict=True)]
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for b in brokers:
            await b.client.aclose()
    screens, suggestions, missing_screens, missing_brokers = [], [], 0, 0
    for aid, t0 in sent.items():
        times = seen.get(aid, [])
        if len(times) < args.streams:
            missing_screens += 1
        elif times:
            screens.append(max(times) - t0)
        got = [b.refreshed[aid] for b in brokers if aid in b.refreshed]
        if len(got) < len(brokers):
            missing_brokers += 1
        else:
            suggestions.append(max(got) - t0)
    fetch_lat = [x for b in brokers for x in b.fetch_lat]

    def ms(values: list[float]) -> dict[str, float]:
        return {"p50": round(1000 * percentile(values, 0.5), 1), "p99": round(1000 * percentile(values, 0.99), 1),
                "max": round(1000 * max(values, default=float("nan")), 1)}

    return {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "server_processes": args.processes, "participants": args.participants, "brokers": args.brokers,
        "screens": args.streams, "compressed_hour_s": args.duration, "agreements_planned": args.agreements,
        "agreements": len(sent), "refused": refused[:5], "refused_count": len(refused),
        "post_to_every_screen_ms": ms(screens), "agreements_missing_on_some_screen": missing_screens,
        "post_to_every_brokers_suggestions_ms": ms(suggestions),
        "agreements_missing_on_some_broker": missing_brokers,
        "suggestion_fetch_ms": ms(fetch_lat), "suggestion_fetches": len(fetch_lat),
        "broker_pages_not_concerned": sum(b.unaffected for b in brokers),
        "post_ms": ms(post_lat),
        "server_cpu_share_of_one_core": [round(c / window, 3) for c in cpu],
        "client_cpu_share_of_one_core": round(
            ((me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)) / window, 3),
        "window_s": round(window, 1), "posting_s": round(t_stop - t_start, 1),
        "load_average_after": os.getloadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", default=None, help="a PostgreSQL URL (a fresh database is made there)")
    ap.add_argument("--processes", type=int, default=1, help="server processes (more than 1 needs --postgres)")
    ap.add_argument("--participants", type=int, default=150)
    ap.add_argument("--brokers", type=int, default=10)
    ap.add_argument("--streams", type=int, default=300)
    ap.add_argument("--agreements", type=int, default=110)
    ap.add_argument("--duration", type=float, default=300.0, help="seconds: the trading hour, compressed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--grace", type=float, default=5.0, help="seconds to wait for deliveries after the last POST")
    args = ap.parse_args()
    if args.processes > 1 and not args.postgres:
        ap.error("--processes > 1 needs --postgres (SQLite serves one process)")
    with fresh_database(args.postgres) as url:
        result = asyncio.run(main_async(args, url))
    print(msgspec.json.format(msgspec.json.encode(result)).decode())


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
