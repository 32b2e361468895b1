"""Plan runs survive a crash (issue 12): a worker SIGKILLed mid-run is replaced by another process's
worker, which finishes the plan (PostgreSQL, procrastinate); a server killed mid-run and restarted
accepts a new run at once (SQLite, in-process jobs). Real processes, real signals."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import sqlalchemy as sa

from matcher.schema import Plan, Scenario
from service.db.engine import create_engine
from service.jobs import matcher_solver
from tests.conftest import service_command
from tests.service.conftest import Tokens
from tests.service.factories import small_scenario

ROOT = Path(__file__).resolve().parents[2]
SOLVER = "tests.service.test_plan_jobs:slow_solver"


def slow_solver(scenario: Scenario, time_limit: float) -> Plan:
    """The matcher, after a pause long enough to kill its process mid-run."""
    time.sleep(float(os.environ.get("SAMSPILL_TEST_SOLVE_SECONDS", "4")))
    return matcher_solver(scenario, time_limit)


def _env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SAMSPILL_DATABASE_URL": db_url,
        "SAMSPILL_SOLVER": SOLVER,
        "SAMSPILL_SECURE_COOKIES": "0",
        "SAMSPILL_SECRET_KEY": "t",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def _spawn(args: list[str], db_url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*service_command(), *args],
        cwd=ROOT,
        env=_env(db_url),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _plan_state(db_url: str, plan_id: str) -> tuple[str, dict[str, Any]]:
    async def read() -> tuple[str, dict[str, Any]]:
        engine = create_engine(db_url)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.text("SELECT status, summary FROM plans WHERE id = :i"), {"i": plan_id}
                    )
                ).one()
        finally:
            await engine.dispose()
        summary = row[1] if isinstance(row[1], dict) else msgspec.json.decode(row[1])
        return str(row[0]), summary

    return asyncio.run(read())


def _wait_for(db_url: str, plan_id: str, states: set[str], seconds: float) -> tuple[str, dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        status, summary = _plan_state(db_url, plan_id)
        if status in states or time.monotonic() > deadline:
            return status, summary
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        _stop(p)


def test_worker_killed_mid_run_is_replaced_by_another_process(
    db_url: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate workers need PostgreSQL; SQLite runs plans in the server")
    from service.app import create_app
    from service.settings import Settings

    headers = asyncio.run(Tokens(db_url).headers("coordinator"))

    async def queue() -> str:
        app = create_app(Settings(database_url=db_url, worker_in_server=False, solve_time_limit=5))
        async with (
            app.lifespan(),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
        ):
            r = await c.post("/api/v1/scenario", json=msgspec.to_builtins(small_scenario()), headers=headers)
            assert r.status_code == 200, r.text
            r = await c.post("/api/v1/plans", headers=headers)
            assert r.status_code == 202 and r.json()["status"] == "queued", r.text
            return str(r.json()["id"])

    plan_id = asyncio.run(queue())
    log = tmp_path / "workers.log"
    first = _spawn(["worker"], db_url, log)
    processes.append(first)
    status, summary = _wait_for(db_url, plan_id, {"running"}, 30)
    assert status == "running" and summary["attempt"] == 1, log.read_text()
    first.send_signal(signal.SIGKILL)  # mid-run: no chance to clean up
    first.wait(5)
    killed_at = time.monotonic()
    second = _spawn(["worker"], db_url, log)
    processes.append(second)
    status, summary = _wait_for(db_url, plan_id, {"draft", "failed"}, 45)
    assert status == "draft", (status, summary, log.read_text()[-3000:])
    assert summary["attempt"] == 2
    # heartbeat timeout (5 s) + reaper (2 s) + start + the 4 s solve: seconds, not the old 10-minute lock
    assert time.monotonic() - killed_at < 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = _spawn(["serve", "--port", str(port)], db_url, log)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(log.read_text())


def test_server_killed_mid_run_accepts_a_new_run_at_once(
    db_url: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the in-process queue is SQLite's; PostgreSQL is covered by the worker test")
    headers = asyncio.run(Tokens(db_url).headers("coordinator"))
    port, log = _free_port(), tmp_path / "server.log"
    server = _serve(db_url, port, log)
    processes.append(server)
    base = f"http://127.0.0.1:{port}"
    assert (
        httpx.post(
            f"{base}/api/v1/scenario", json=msgspec.to_builtins(small_scenario()), headers=headers
        ).status_code
        == 200
    )
    r = httpx.post(f"{base}/api/v1/plans", headers=headers)
    assert r.status_code == 202, r.text
    killed = r.json()["id"]
    assert _wait_for(db_url, killed, {"running"}, 20)[0] == "running"
    server.send_signal(signal.SIGKILL)
    server.wait(5)
    server = _serve(db_url, port, log)
    processes.append(server)
    r = httpx.post(f"{base}/api/v1/plans", headers=headers)
    assert r.status_code == 202, r.text  # at once: no 409, no stale lock
    fresh = r.json()["id"]
    assert fresh != killed
    old = httpx.get(f"{base}/api/v1/plans/{killed}", headers=headers).json()
    assert old["status"] == "failed" and "stopped during the run" in old["error"]
    assert _wait_for(db_url, fresh, {"draft", "failed"}, 40)[0] == "draft", log.read_text()[-3000:]
