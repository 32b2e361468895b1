"""Shared by the service benchmarks: a fresh register, a server in a second process, cleanup."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.schema import Scenario  # noqa: E402 - after the sys.path line above
from service.auth import SYSTEM, create_token  # noqa: E402
from service.db.engine import create_engine, create_sessionmaker  # noqa: E402
from service.db.migrate import upgrade  # noqa: E402
from service.register.scenario_io import import_scenario  # noqa: E402
from service.settings import normalise_database_url  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(postgres_url: str | None) -> Iterator[str]:
    """A new empty database: a temp SQLite file, or a new database on the given PostgreSQL server."""
    if not postgres_url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    base = normalise_database_url(postgres_url)
    name = f"samspill_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def load_register(url: str, scenario: Scenario, **token: Any) -> str:
    """Migrate, import the scenario, and return a new token's text."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await import_scenario(session, SYSTEM, scenario, "bench")
            _, text = await create_token(session, name="bench", **token)
    finally:
        await engine.dispose()
    return text


@contextlib.contextmanager
def server(url: str, *, env: dict[str, str] | None = None,
           procs: list[subprocess.Popen[str]] | None = None) -> Iterator[str]:
    """`samspill serve` in a second process on loopback; yields its base URL (and appends the process to
    `procs`, where given, for what it measures of it)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "SAMSPILL_DATABASE_URL": url, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    if procs is not None:
        procs.append(proc)
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def peak_rss_mb(pid: int) -> float | None:
    """A running process's peak resident memory so far (Linux's VmHWM), in MB; None where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def wait_healthy(base: str, proc: subprocess.Popen[str], tries: int = 300) -> None:
    """Poll a server's /health until it answers; say what it printed if it never does."""
    for _ in range(tries):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"the server at {base} did not start: {proc.stderr.read() if proc.stderr else ''}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]
