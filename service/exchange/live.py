"""The live board: what the big screens and board streams receive, across server processes.

A change (agreement registered or confirmed, the gong) is committed first, then published on
one Litestar channel: the memory backend on SQLite (one process), PostgreSQL LISTEN/NOTIFY
on PostgreSQL, so every server process hears it. In each process one `BoardHub` listens,
forwards the message to that process's streams of the event at once, then re-reads the
board from the database (once per process, not per stream; bursts are coalesced) and sends
the new snapshot. Streams get the current snapshot on connect, so a restarted server or a
reconnecting screen resumes from the database; nothing lives only in memory. A notification
can still be lost (a process dies between commit and publish, the LISTEN connection drops),
so every few seconds the hub also compares the database's counts with what its screens show
and refreshes them if they differ: the board heals without anyone reloading.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.response import ServerSentEvent, ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from events import schema
from events.valuation import Rates
from service.db.engine import is_sqlite
from service.exchange import store

log = logging.getLogger("samspill.exchange")

CHANNEL = "samspill_exchange"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; long descriptions are cut for the wire.
_MAX_PAYLOAD = 7000
_QUEUE = 64


class _Envelope(msgspec.Struct, frozen=True):
    event: str
    message: msgspec.Raw


def _trimmed(message: schema.LiveMessage) -> schema.LiveMessage:
    if isinstance(message, schema.AgreementRegistered):
        a = message.agreement
        gives = [msgspec.structs.replace(g, description=g.description[:200]) for g in a.gives[:10]]
        return msgspec.structs.replace(message, agreement=msgspec.structs.replace(a, gives=gives, title=a.title[:200]))
    return message


def envelope(event_id: str, message: schema.LiveMessage) -> bytes:
    body = schema.encode_live(message)
    if len(body) > _MAX_PAYLOAD:
        body = schema.encode_live(_trimmed(message))
    return msgspec.json.encode(_Envelope(event_id, msgspec.Raw(body)))


class _PooledAsyncPg(AsyncPgChannelsBackend):
    """Litestar's asyncpg backend opens a connection for every publish; keep one instead."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn=dsn)
        self._dsn = dsn
        self._pub: asyncpg.Connection | None = None
        self._pub_lock = asyncio.Lock()

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        async with self._pub_lock:
            for attempt in (1, 2):
                try:
                    if self._pub is None or self._pub.is_closed():
                        self._pub = await asyncpg.connect(self._dsn)
                    for channel in channels:
                        await self._pub.execute("SELECT pg_notify($1, $2)", channel, data.decode())
                    return
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    self._pub = None
                    if attempt == 2:
                        raise

    async def on_shutdown(self) -> None:
        if self._pub is not None:
            with contextlib.suppress(Exception):
                await self._pub.close()
        await super().on_shutdown()


def channels_plugin(database_url: str) -> ChannelsPlugin:
    if is_sqlite(database_url):
        backend: Any = MemoryChannelsBackend()
    elif "+psycopg" in database_url:
        from litestar.channels.backends.psycopg import PsycoPgChannelsBackend

        backend = PsycoPgChannelsBackend(database_url.replace("postgresql+psycopg://", "postgresql://"))
    else:
        backend = _PooledAsyncPg(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    return ChannelsPlugin(backend=backend, channels=[CHANNEL])


def publish(channels: ChannelsPlugin, event_id: str, message: schema.LiveMessage) -> None:
    """Call after the change is committed: listeners re-read the database."""
    channels.publish(envelope(event_id, message), [CHANNEL])


class BoardHub:
    """This process's listener: fans each event's messages out to its local streams."""

    def __init__(self, channels: ChannelsPlugin, sessionmaker: async_sessionmaker[AsyncSession], rates: Rates,
                 resync_seconds: float = 5.0) -> None:
        self.channels = channels
        self.resync_seconds = resync_seconds
        self._shown: dict[str, tuple[int, int]] = {}  # event → (total, confirmed) its screens show
        self._watcher: asyncio.Task[None] | None = None
        self.sessionmaker = sessionmaker
        self.rates = rates
        self.clients: dict[str, set[asyncio.Queue[tuple[str, bytes]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._refreshing: dict[str, bool] = {}
        self._dirty: set[str] = set()

    async def ensure_started(self) -> None:
        if self._task is not None and not self._task.done():
            return
        async with self._start_lock:
            if self._task is None or self._task.done():
                subscriber = await self.channels.subscribe([CHANNEL])
                self._task = asyncio.create_task(self._listen(subscriber))
            if self._watcher is None or self._watcher.done():
                self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        for task in (self._task, self._watcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _watch(self) -> None:
        """Every `resync_seconds`, refresh any event whose screens lag the database."""
        while True:
            await asyncio.sleep(self.resync_seconds)
            watched = [e for e in self.clients if not self._refreshing.get(e)]
            if not watched:
                continue
            try:
                async with self.sessionmaker() as session, session.begin():
                    counts = await store.agreement_counts(session, watched)
            except Exception:
                log.exception("board resync failed")
                continue
            for event_id in watched:
                if counts.get(event_id, (0, 0)) != self._shown.get(event_id):
                    self._schedule_refresh(event_id)

    async def _listen(self, subscriber: Any) -> None:
        async for raw in subscriber.iter_events():
            try:
                env = msgspec.json.decode(raw, type=_Envelope)
                kind = msgspec.json.decode(env.message, type=dict[str, Any]).get("type", "message")
            except msgspec.DecodeError:
                log.warning("undecodable live message dropped")
                continue
            if env.event not in self.clients:
                continue
            self._send(env.event, str(kind), bytes(env.message))
            self._schedule_refresh(env.event)

    def _send(self, event_id: str, kind: str, data: bytes) -> None:
        for q in list(self.clients.get(event_id, ())):
            if q.full():  # a slow screen loses the oldest message, never the newest snapshot
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
            q.put_nowait((kind, data))

    def _schedule_refresh(self, event_id: str) -> None:
        if self._refreshing.get(event_id):
            self._dirty.add(event_id)
            return
        self._refreshing[event_id] = True
        asyncio.get_running_loop().create_task(self._refresh(event_id))

    async def _refresh(self, event_id: str) -> None:
        try:
            while True:
                self._dirty.discard(event_id)
                data = await self.snapshot_message(event_id)
                self._send(event_id, "board_snapshot", data)
                if event_id not in self._dirty:
                    break
        except Exception:
            log.exception("board refresh for %s failed", event_id)
        finally:
            self._refreshing[event_id] = False

    async def snapshot_message(self, event_id: str) -> bytes:
        async with self.sessionmaker() as session, session.begin():
            snap = await store.board(session, event_id, self.rates)
        self._shown[event_id] = (snap.total, snap.confirmed)
        return schema.encode_live(schema.BoardSnapshotMessage(board=snap, at=store.now()))

    async def connect(self, event_id: str) -> asyncio.Queue[tuple[str, bytes]]:
        await self.ensure_started()
        q: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize=_QUEUE)
        self.clients.setdefault(event_id, set()).add(q)
        q.put_nowait(("board_snapshot", await self.snapshot_message(event_id)))
        return q

    def disconnect(self, event_id: str, q: asyncio.Queue[tuple[str, bytes]]) -> None:
        clients = self.clients.get(event_id)
        if clients is not None:
            clients.discard(q)
            if not clients:
                self.clients.pop(event_id, None)
                self._shown.pop(event_id, None)


async def _events(hub: BoardHub, event_id: str, q: asyncio.Queue[tuple[str, bytes]],
                  keepalive: float) -> AsyncIterator[ServerSentEventMessage]:
    # One pending get() survives keepalive timeouts: cancelling it (as wait_for does) could drop
    # a message that arrived just as the timeout fired.
    getter: asyncio.Task[tuple[str, bytes]] | None = None
    try:
        yield ServerSentEventMessage(data=None, retry=2000, comment="samspill board")
        while True:
            if getter is None:
                getter = asyncio.ensure_future(q.get())
            done, _ = await asyncio.wait({getter}, timeout=keepalive)
            if not done:
                yield ServerSentEventMessage(data=None, comment="keepalive")
                continue
            kind, data = getter.result()
            getter = None
            yield ServerSentEventMessage(event=kind, data=data.decode())
            if kind == "state_changed" and msgspec.json.decode(data).get("state") == "archived":
                return  # an archived event's tokens and screen keys stop working: so do open streams
    finally:
        if getter is not None:
            getter.cancel()
        hub.disconnect(event_id, q)


async def board_stream(hub: BoardHub, event_id: str, keepalive: float = 15.0) -> ServerSentEvent:
    q = await hub.connect(event_id)
    return ServerSentEvent(_events(hub, event_id, q, keepalive), headers={"Cache-Control": "no-cache",
                                                                         "X-Accel-Buffering": "no"})
