"""Every stored text that holds what looks like a national identity number, listed, never changed.

Requests that write are checked at the edge (service/identity_numbers.py), but rows stored before that
check, or by hand in the database, are not: `samspill privacy scan` lists them so the municipality can
correct each record (DOMAIN.md: a fødselsnummer is never stored). Read only; the value is never shown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Base
from service.identity_numbers import fields_with_one, is_secret

BATCH = 500


@dataclass(frozen=True)
class Finding:
    table: str
    key: str  # the row's primary key, its parts joined by '/'
    field: str  # the column, and the path inside a JSON document (`data.notes`, `data.entries[2].title`)


def _scanned(column: sa.Column[Any]) -> bool:
    """Text a person or an import wrote: not a secret's column by name, nor one the models mark opaque
    (hashes and random keys, `models.OPAQUE`)."""
    return (isinstance(column.type, sa.String | sa.Text | sa.JSON) and not is_secret(column.name)
            and not column.info.get("opaque"))


async def stored_identity_numbers(session: AsyncSession) -> AsyncIterator[Finding]:
    """Table by table, row by row (in primary-key order, a batch at a time): each text field that holds one."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if _scanned(c)]
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        stmt = sa.select(*keys, *columns).order_by(*keys).execution_options(yield_per=BATCH)
        rows = await session.stream(stmt)
        async for row in rows:
            key = "/".join(str(v) for v in row[: len(keys)])
            for column, value in zip(columns, row[len(keys):], strict=True):
                if value is None:
                    continue
                for path in fields_with_one(value):
                    yield Finding(table.name, key, f"{column.name}.{path}" if path else column.name)
