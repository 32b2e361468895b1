"""A real server in a second process, and a small server-sent-events reader, for the live-board tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec

from tests.conftest import service_command

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`samspill serve` on loopback in its own process; yields the base URL."""
    with server_process(url, env) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(url: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """As `server`, also yielding the process."""
    port = free_port()
    proc = subprocess.Popen(
        [*service_command(), "serve", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "SAMSPILL_DATABASE_URL": url, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.05)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def sse(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event type, decoded data) for each server-sent event; comments are skipped."""
    kind, data = "message", []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield kind, msgspec.json.decode("\n".join(data))
            kind, data = "message", []
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


async def next_of(events: AsyncIterator[tuple[str, Any]], kind: str, timeout: float) -> Any:
    async def find() -> Any:
        async for k, d in events:
            if k == kind:
                return d
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(find(), timeout)
