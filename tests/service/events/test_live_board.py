"""The live board against real servers: a stream hears a new agreement; after a restart the board
resumes from the database; with PostgreSQL, two server processes share updates through LISTEN/NOTIFY."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.service.conftest import Tokens
from tests.service.events.helpers import agreement, make_event
from tests.service.events.live_helpers import next_of, server, server_process, sse

pytestmark = pytest.mark.anyio


async def _setup(base: str, coordinator: dict[str, str], tokens: Tokens) -> tuple[str, dict[str, str]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        eid = (await make_event(c, coordinator))["id"]
    return eid, await tokens.headers("broker", event=eid)


async def test_stream_receives_a_new_agreement_and_the_new_board(db_url: str, coordinator: dict[str, str],
                                                                 tokens: Tokens) -> None:
    with server(db_url) as base:
        eid, broker = await _setup(base, coordinator, tokens)
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as c,
            c.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = sse(stream)
            first = await next_of(events, "board_snapshot", 5)
            assert first["board"]["total"] == 0
            r = await c.post(f"/api/v1/events/{eid}/agreements", json=agreement(), headers=broker)
            assert r.status_code == 201
            heard = await next_of(events, "agreement_registered", 5)
            assert heard["agreement"]["id"] == r.json()["id"]
            board = (await next_of(events, "board_snapshot", 5))["board"]
            assert board["total"] == 1 and board["latest"][0]["agreement"] == r.json()["id"]
            notary = await tokens.headers("notary", event=eid)
            await c.post(f"/api/v1/events/{eid}/agreements/{r.json()['id']}/confirm", headers=notary)
            confirmed = await next_of(events, "agreement_confirmed", 5)
            assert confirmed["agreement"] == r.json()["id"] and confirmed["confirmed_by"] == "test notary"
            assert (await next_of(events, "board_snapshot", 5))["board"]["confirmed"] == 1
            await c.post(f"/api/v1/events/{eid}/gong", json={"action": "close"}, headers=coordinator)
            assert (await next_of(events, "gong", 5))["state"] == "closed"


async def test_board_resumes_from_the_database_after_a_restart(db_url: str, coordinator: dict[str, str],
                                                               tokens: Tokens) -> None:
    with server(db_url) as base:
        eid, broker = await _setup(base, coordinator, tokens)
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            ids = [(await c.post(f"/api/v1/events/{eid}/agreements", json=agreement(), headers=broker)).json()["id"]
                   for _ in range(4)]
    # the server process is gone; a new one on the same database
    with server(db_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            async with c.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream:
                board = (await next_of(sse(stream), "board_snapshot", 5))["board"]
            assert board["total"] == 4
            assert [line["agreement"] for line in board["latest"]] == ids[::-1]
            r = await c.post(f"/api/v1/events/{eid}/agreements", json=agreement(), headers=broker)
            assert r.status_code == 201  # still trading after the restart


async def test_page_stream_takes_the_screen_key(db_url: str, coordinator: dict[str, str], tokens: Tokens) -> None:
    with server(db_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            event = await make_event(c, coordinator)
            url = event["board_page"].replace("/board?", "/board/stream?")
            async with c.stream("GET", url) as stream:
                assert (await next_of(sse(stream), "board_snapshot", 5))["board"]["total"] == 0
            r = await c.get(f"/events/{event['id']}/board/stream?key=nope")
            assert r.status_code == 404


async def test_two_server_processes_share_updates_through_postgres_notify(
    db_url: str, coordinator: dict[str, str], tokens: Tokens
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY across processes needs PostgreSQL (SQLite serves one process)")
    with server(db_url) as a, server(db_url) as b:
        eid, broker = await _setup(a, coordinator, tokens)
        async with (
            httpx.AsyncClient(base_url=b, timeout=30) as cb,
            httpx.AsyncClient(base_url=a, timeout=30) as ca,
            cb.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream,
        ):
            events = sse(stream)
            await next_of(events, "board_snapshot", 5)
            lags: list[float] = []
            for _ in range(5):
                t0 = time.perf_counter()
                r = await ca.post(f"/api/v1/events/{eid}/agreements", json=agreement(), headers=broker)
                assert r.status_code == 201
                heard: dict[str, Any] = await next_of(events, "agreement_registered", 1.0)
                lags.append(time.perf_counter() - t0)
                assert heard["agreement"]["id"] == r.json()["id"]
            assert max(lags) < 1.0, lags
            board = (await next_of(events, "board_snapshot", 2))["board"]
            assert board["total"] >= 1


async def test_open_board_streams_do_not_hold_up_a_restart(db_url: str, coordinator: dict[str, str],
                                                           tokens: Tokens) -> None:
    import asyncio
    import subprocess

    with server_process(db_url) as (base, proc):
        eid, broker = await _setup(base, coordinator, tokens)
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as c,
            c.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream,
        ):
            await next_of(sse(stream), "board_snapshot", 5)
            t0 = time.perf_counter()
            proc.terminate()
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                pytest.fail("the server waited for the open board stream instead of stopping")
            assert time.perf_counter() - t0 < 10


async def test_board_heals_when_a_notification_is_lost(db_url: str, coordinator: dict[str, str],
                                                       tokens: Tokens) -> None:
    from service import clock
    from service.db.engine import create_engine
    from service.db.models import EventAgreementRow

    with server(db_url, {"SAMSPILL_BOARD_RESYNC_SECONDS": "0.3"}) as base:
        eid, broker = await _setup(base, coordinator, tokens)
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as c,
            c.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream,
        ):
            events = sse(stream)
            assert (await next_of(events, "board_snapshot", 5))["board"]["total"] == 0
            # an agreement stored without a notification (as if the publishing process died)
            doc = {**agreement(), "id": "agr-silent", "registered_at": clock.now().isoformat()}
            engine = create_engine(db_url)
            async with engine.begin() as conn:
                await conn.execute(EventAgreementRow.__table__.insert().values(
                    id="agr-silent", event_id=eid, data=doc, registered_at=clock.now()))
            await engine.dispose()
            board = (await next_of(events, "board_snapshot", 5))["board"]
            assert board["total"] == 1 and board["latest"][0]["agreement"] == "agr-silent"


async def test_open_streams_end_when_the_event_is_archived(db_url: str, coordinator: dict[str, str],
                                                           tokens: Tokens) -> None:
    """A broker token stops working when the event is archived — also for a stream already open."""
    with server(db_url) as base:
        eid, broker = await _setup(base, coordinator, tokens)
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as c,
            c.stream("GET", f"/api/v1/events/{eid}/board/stream", headers=broker) as stream,
        ):
            events = sse(stream)
            await next_of(events, "board_snapshot", 5)
            await c.post(f"/api/v1/events/{eid}/gong", json={"action": "close"}, headers=coordinator)
            for action in ("start_follow_up", "archive"):
                r = await c.post(f"/api/v1/events/{eid}/state", json={"action": action}, headers=coordinator)
                assert r.status_code == 200, r.text
                assert (await next_of(events, "state_changed", 5))["state"] == r.json()["state"]
            with pytest.raises(AssertionError, match="the stream ended"):
                await next_of(events, "board_snapshot", 5)  # the server closed it; nothing more comes
