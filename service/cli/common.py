"""What every `samspill` subcommand area shares: settings from the environment, the migration
check, one session in one transaction. Areas import this module and never each other."""

from __future__ import annotations

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
