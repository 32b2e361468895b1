"""Running Alembic from code: `samspill db upgrade`, and the start-up check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from service.db.engine import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    cfg = alembic_config(url)
    engine = create_engine(url)

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
    if url.startswith("postgresql"):  # the plan-run queue's tables (procrastinate), once
        from service.jobs import apply_jobs_schema

        await apply_jobs_schema(url)


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


class NotMigrated(RuntimeError):
    """The database schema is missing or behind the code."""


async def ensure_migrated(url: str) -> None:
    have, want = await current_revision(url), head_revision(url)
    if have != want:
        where = "an empty database" if have is None else f"revision {have}"
        raise NotMigrated(
            f"the database is not migrated ({where}, the code needs {want}); "
            "run `samspill db upgrade` first (it uses SAMSPILL_DATABASE_URL)"
        )
