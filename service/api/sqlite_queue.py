"""On SQLite, requests that touch the register take turns through one FIFO lock per process.

SQLite lets one writer in at a time; left to its busy handler, waiting transactions
sleep and retry, which is unfair and gives multi-second tails under load. Queueing
them here first gives the same throughput with a fair order. `POST /api/v1/plans`
is left out: it holds no transaction while the solver runs; so are the exchange event's
board and floor streams, which stay open and only read. PostgreSQL needs none
of this (row locks do the work), so the middleware is installed only for SQLite.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

_UNQUEUED = ("/schema", "/health")


class SQLiteQueueMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        method: Any = scope.get("method")
        if (
            scope["type"] != ScopeType.HTTP
            or path.startswith(_UNQUEUED)
            or (method == "POST" and path.rstrip("/") == "/api/v1/plans")
            # Board streams stay open for hours and only read (outside any write transaction).
            or path.endswith(("/board/stream", "/floor/stream"))
        ):
            await self.app(scope, receive, send)
            return
        async with self.lock:
            await self.app(scope, receive, send)
