"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db.engine import create_engine
from service.db.migrate import head_revision
from service.db.models import Base, ours

pytestmark = pytest.mark.anyio


async def test_migrated_schema_matches_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            # the same filter as the migrations' environment: procrastinate's own tables are not ours
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_name": ours}), Base.metadata))
            revision = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
    assert diff == []
    assert revision == head_revision(db_url)
