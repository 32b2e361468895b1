"""Plan runs as jobs: procrastinate on PostgreSQL, the same interface in-process on SQLite.

`POST /api/v1/plans` stores a plan in state `queued` and hands its id to a `PlanJobs`; a worker
takes the job, marks the plan `running` and stores the draft (or `failed`, naming why).

- PostgreSQL: a procrastinate job (task `samspill.run_plan`, queue `plans`, lock `samspill-register`,
  so one run at a time per register). Any number of worker processes, on this machine or others,
  take them (`samspill worker`; the web server runs one too unless SAMSPILL_WORKER_IN_SERVER=0).
  Workers send a heartbeat every second; each also looks every two seconds for jobs whose worker
  has sent none for STALLED_AFTER seconds (killed, machine gone) and puts them back in the queue,
  up to MAX_ATTEMPTS tries, after which the plan is marked failed. No lock outlives its worker.
- SQLite (one process, the embedded default): an asyncio task per job in the server, one at a time;
  at start-up a plan left `queued` or `running` by a killed server is marked failed, so a restarted
  server accepts a new run at once.

The matcher runs in a worker thread (CP-SAT releases the GIL), never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import anyio.to_thread

from matcher.schema import Plan, Scenario

log = logging.getLogger("samspill.jobs")

Solver = Callable[[Scenario, float], Plan]
# run(plan_id, who, time_limit): executes one queued plan (service.register.plans.execute_plan, bound).
PlanRunner = Callable[[str, dict[str, Any], float], Awaitable[None]]

QUEUE = "plans"
TASK = "samspill.run_plan"
LOCK = "samspill-register"
HEARTBEAT_SECONDS = 1.0
STALLED_AFTER = 5.0
REAP_EVERY = 2.0
MAX_ATTEMPTS = 3


def matcher_solver(scenario: Scenario, time_limit: float) -> Plan:
    from matcher.solve import SolveOptions, solve

    return solve(scenario, SolveOptions(time_limit=time_limit))


async def solve_in_thread(solver: Solver, scenario: Scenario, time_limit: float) -> Plan:
    return await anyio.to_thread.run_sync(solver, scenario, time_limit)


# What a solve imports on first use (the MIP engine): 0.3-1 s on a 2-core
# machine, which the first plan after start-up would otherwise wait for. Imported in a worker thread
# when this process starts taking plan jobs; a module missing here is simply left to the run.
# CP-SAT (`--engine cpsat`, 33 MB with the pandas it pulls in) is left to the runs that use it.
WARM_MODULES = (
    "matcher.solve",
    "matcher.mip",
    "ortools.math_opt.core.python.solver",
)


_frozen = False


def _import_solver_modules() -> None:
    """Import the solver's modules; then, once per process, move everything loaded so far (modules,
    the app: some 235 000 objects) out of the cyclic collector's sight (gc.freeze). Its full
    collections, which come every run or two as a plan's objects come and go, then scan only what
    was made since: measured 0.4-0.5 s each on the loaded 2-core machine before, on the event loop
    or in the middle of a solve. Frozen objects are still freed when nothing refers to them."""
    import gc
    import importlib

    global _frozen
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # an optional engine missing or broken: the run itself will say so
            log.debug("warming %s failed", name, exc_info=True)
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def warm_solver() -> asyncio.Task[None]:
    """Start importing the solver's modules in a worker thread; the task ends when they are loaded."""

    async def warm() -> None:
        await anyio.to_thread.run_sync(_import_solver_modules)

    return asyncio.get_running_loop().create_task(warm())


def load_solver(spec: str) -> Solver | None:
    """`module:function` from SAMSPILL_SOLVER (tests and benchmarks swap the solver); None: the matcher's."""
    if not spec:
        return None
    import importlib

    module, _, name = spec.partition(":")
    solver: Solver = getattr(importlib.import_module(module), name)
    return solver


class Finished:
    """Wakes whoever waits on a plan (`Prefer: wait=N`) the moment a job of this process ends it,
    instead of at the next poll. A job run by another process is seen by the waiter's own polling."""

    RECENT = 256

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()

    async def wait(self, plan_id: str, timeout: float) -> None:
        """Return when the plan's job has ended here, or after `timeout` seconds."""
        if plan_id in self._recent:
            return
        event = self._events.setdefault(plan_id, asyncio.Event())
        self._waiting[plan_id] = self._waiting.get(plan_id, 0) + 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        finally:
            self._waiting[plan_id] -= 1
            if not self._waiting[plan_id]:
                del self._waiting[plan_id]
                self._events.pop(plan_id, None)

    def done(self, plan_id: str) -> None:
        self._recent[plan_id] = None
        while len(self._recent) > self.RECENT:
            self._recent.popitem(last=False)
        event = self._events.get(plan_id)
        if event is not None:
            event.set()


class PlanJobs(Protocol):
    """Where `POST /api/v1/plans` puts a run."""

    finished: Finished

    async def enqueue(self, plan_id: str, who: dict[str, Any], time_limit: float) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessJobs:
    """SQLite: runs jobs as tasks of this process, one at a time, in the order queued."""

    def __init__(self, runner: PlanRunner, on_start: Callable[[], Awaitable[None]] | None = None) -> None:
        self.runner = runner
        self.on_start = on_start
        self.turn = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()
        self.finished = Finished()

    async def enqueue(self, plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        task = asyncio.get_running_loop().create_task(self._run(plan_id, who, time_limit))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        async with self.turn:
            try:
                await self.runner(plan_id, who, time_limit)
            except Exception:  # execute_plan records failures itself; this is a last resort
                log.exception("plan %s: the run failed", plan_id)
            finally:
                self.finished.done(plan_id)

    async def start(self) -> None:
        if self.on_start is not None:
            await self.on_start()
        self.tasks.add(warm := warm_solver())
        warm.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(BaseException):
                await task


def conninfo(database_url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (procrastinate speaks psycopg 3)."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix) :]
    return database_url


def procrastinate_app(database_url: str) -> Any:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=TASK, queue=QUEUE, lock=LOCK, pass_context=True)
    async def run_plan(context: Any, plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        runner: PlanRunner = context.additional_context["runner"]
        await runner(plan_id, who, time_limit)

    return app


async def apply_jobs_schema(database_url: str) -> None:
    """Create procrastinate's tables once (PostgreSQL only); `samspill db upgrade` calls it."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(conninfo(database_url), autocommit=True) as conn:
        cur = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        row = await cur.fetchone()
        if row and row[0]:
            return
        app = procrastinate_app(database_url)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()


class QueueJobs:
    """PostgreSQL: procrastinate. `enqueue` defers; with `work=True` this process also runs a worker."""

    def __init__(
        self,
        database_url: str,
        runner: PlanRunner,
        *,
        work: bool = True,
        on_give_up: Callable[[str, str], Awaitable[None]] | None = None,
    ) -> None:
        self.app = procrastinate_app(database_url)
        self.runner = runner
        self.work = work
        self.on_give_up = on_give_up
        self.finished = Finished()
        self._opened: Any = None
        self._tasks: list[asyncio.Task[None]] = []

    async def enqueue(self, plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        await self.app.configure_task(TASK).defer_async(plan_id=plan_id, who=who, time_limit=time_limit)

    async def start(self) -> None:
        self._opened = self.app.open_async()
        await self._opened.__aenter__()
        if self.work:
            self._tasks = [
                asyncio.get_running_loop().create_task(self.run_worker(install_signal_handlers=False))
            ]

    async def run_worker(self, *, install_signal_handlers: bool = True) -> None:
        """Take plan jobs until cancelled, and put back the jobs of workers that died."""
        reaper = asyncio.get_running_loop().create_task(self.reap_forever())
        warm = warm_solver()
        try:
            await self.app.run_worker_async(
                queues=[QUEUE],
                concurrency=1,
                name="samspill-plans",
                wait=True,
                additional_context={"runner": self._run},
                install_signal_handlers=install_signal_handlers,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER,
                fetch_job_polling_interval=1.0,
                delete_jobs="successful",
            )
        finally:
            reaper.cancel()
            with contextlib.suppress(BaseException):
                await reaper
            with contextlib.suppress(BaseException):
                await warm

    async def _run(self, plan_id: str, who: dict[str, Any], time_limit: float) -> None:
        try:
            await self.runner(plan_id, who, time_limit)
        finally:
            self.finished.done(plan_id)

    async def reap_forever(self) -> None:
        while True:
            try:
                await self.reap()
            except Exception:  # a database hiccup: try again next time
                log.exception("looking for stalled plan jobs failed")
            await asyncio.sleep(REAP_EVERY)

    async def reap(self) -> int:
        """Jobs whose worker sent no heartbeat for STALLED_AFTER seconds: retried, or given up (failed)."""
        stalled = await self.app.job_manager.get_stalled_jobs(
            queue=QUEUE, task_name=TASK, seconds_since_heartbeat=STALLED_AFTER
        )
        for job in stalled:
            plan_id = str(job.task_kwargs.get("plan_id"))
            if job.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("plan %s: its worker died %d times; giving up", plan_id, job.attempts + 1)
                await self.app.job_manager.finish_job(job, status=_failed_status(), delete_job=False)
                if self.on_give_up is not None:
                    await self.on_give_up(
                        plan_id, f"the run's worker stopped during the run, {job.attempts + 1} times"
                    )
            else:
                log.warning("plan %s: its worker stopped during the run; queued again", plan_id)
                await self.app.job_manager.retry_job(job)
        return len(stalled)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        if self._opened is not None:
            await self._opened.__aexit__(None, None, None)
            self._opened = None


def _failed_status() -> Any:
    from procrastinate.jobs import Status

    return Status.FAILED
