"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db.engine import create_engine
from service.db.migrate import head_revision
from service.db.models import Base

pytestmark = pytest.mark.anyio


async def test_migrated_schema_matches_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            # procrastinate keeps its own tables (the plan-run queue on PostgreSQL, applied by the worker's
            # schema step, not by our migrations): they are not ours to compare.
            opts = {"include_name": lambda name, type_, parent: not str(name or "").startswith("procrastinate")}
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts=opts), Base.metadata))
            revision = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
    assert diff == []
    assert revision == head_revision(db_url)
