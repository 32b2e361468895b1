"""The coordinator's privacy check: stored texts that look like a national identity number, each with
the page where the record is corrected (`samspill privacy scan` lists the same from a shell).

Read only; the value itself is never shown (DOMAIN.md: a fødselsnummer is never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.db.identity_scan import stored_identity_numbers

# the page lists this many; the count says how many there are in all (the CLI lists every one)
LIST_AT_MOST = 500
# the tables whose records have a page of their own to correct them on
_PAGES = {"volunteers": "/volunteers/{}/edit", "needs": "/needs/{}/edit"}


@dataclass(frozen=True)
class IdentityFinding:
    table: str
    key: str
    field: str
    href: str | None  # the page to correct the record on, where it has one


@dataclass(frozen=True)
class IdentityScan:
    findings: list[IdentityFinding]  # the first LIST_AT_MOST
    total: int


async def identity_number_scan(session: AsyncSession, who: Principal) -> IdentityScan:
    """Every stored text field that looks like a national identity number; the coordinator's alone."""
    who.require_coordinator()
    findings: list[IdentityFinding] = []
    total = 0
    async for f in stored_identity_numbers(session):
        total += 1
        if len(findings) < LIST_AT_MOST:
            page = _PAGES.get(f.table)
            findings.append(IdentityFinding(f.table, f.key, f.field,
                                            page.format(quote(f.key, safe="")) if page else None))
    return IdentityScan(findings, total)
