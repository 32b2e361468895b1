"""What every `samspill` subcommand area shares: settings from the environment, the migration
check, one session in one transaction. Areas import this module and never each other."""

from __future__ import annotations

import os
import sys
from collections.abc import Coroutine
from typing import Any

from service.settings import Settings, normalise_database_url


def load_settings(url: str | None = None) -> Settings:
    out = Settings.from_env()
    if url:
        from dataclasses import replace

        out = replace(out, database_url=normalise_database_url(url))
    return out


def run(work: Coroutine[Any, Any, Any]) -> Any:
    """`asyncio.run`, with asyncio imported only by the commands that use it (`samspill solve` does
    not: 20-60 ms of its start)."""
    import asyncio

    return asyncio.run(work)


def check_migrated(settings: Settings) -> bool:
    from service.db.migrate import NotMigrated, ensure_migrated

    try:
        run(ensure_migrated(settings.database_url))
    except NotMigrated as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return False
    return True


async def with_session(settings: Settings, work: Any) -> Any:
    from service.db.engine import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


M_ARENA_MAX = -8  # glibc's mallopt parameter for the number of malloc arenas (malloc.h)
ARENA_ENV = "MALLOC_ARENA_MAX"  # the same, read by glibc when a process starts


def fewer_malloc_arenas(arenas: int = 2, *, children: bool = False) -> bool:
    """Cap the C library's malloc arenas at `arenas` for this process (glibc's `mallopt(M_ARENA_MAX)`) and, with
    `children`, for the processes it starts (`MALLOC_ARENA_MAX` in the environment: `samspill serve --workers N`'s
    worker processes); True where it took.
    glibc gives each thread that allocates an arena of its own, up to eight per core, and what one thread frees
    stays in its arena, the process's memory to the system: the solve's worker threads (the LPs and the fit guide
    beside the branch and bounds) each grew one. 20 000 x 5 000 seed 7, `samspill solve`: peak RSS 864 and 911 MB
    in two runs, 741 MB with two arenas, in the same seconds; seeds 1, 2, 4 and 9 unchanged (730-752 MB). The
    server's plan runs (`bench/service_plans.py`, `matcher.generate` registers, two runs each, alternated): peak
    598-605 -> 572-573 MB at 6 000 x 1 500, 909-910 -> 825-828 MB at 12 000 x 3 000, the same seconds. Called
    before the threads start (arenas made before stay). A `MALLOC_ARENA_MAX` the operator set is theirs: left as it
    is (glibc read it at start). Elsewhere (musl, macOS, Windows: no `mallopt`, or one that does nothing) nothing
    changes and it says so."""
    import ctypes

    if ARENA_ENV in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no such symbol, or no process library to open (Windows)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    if not mallopt(M_ARENA_MAX, arenas):
        return False
    if children:
        os.environ[ARENA_ENV] = str(arenas)
    return True
