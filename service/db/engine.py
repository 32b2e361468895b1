"""The async engine: SQLite (aiosqlite) by default, PostgreSQL (asyncpg/psycopg) in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> AsyncEngine:
    """The engine; on SQLite `immediate=False` gives plain deferred transactions for read-only work."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 40)
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    # SQLite: every transaction starts with BEGIN IMMEDIATE, so writers queue on the
    # database lock instead of failing when a read lock is upgraded; that serialises
    # the scarce-resource checks the way SELECT ... FOR UPDATE does on PostgreSQL.
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def rowcount(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched. Their result is a `CursorResult`; the
    stubs of `AsyncSession.execute` type every result as a plain `Result`, so this checks it."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count (not an INSERT, UPDATE or DELETE)")
    return int(result.rowcount or 0)
