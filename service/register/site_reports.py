"""A site contact's report that a placement should end (should_end). It reaches the coordinator's
at-risk list; the coordinator decides (ends the placement, or keeps it and the report is answered).

That the volunteer did not come is recorded as attendance (register.attendance), which puts a
placement on the same list after three misses in a row.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service import clock
from service.auth import Principal
from service.db.models import PlacementRow, SiteReportRow, utcnow
from service.problems import Problem, fault, not_found
from service.register.common import new_id
from service.register.queries import IN_FORCE
from service.register.schemas import SiteReportOut

# "Did not come" is attendance (register.attendance.record_attendance), not a report.
REPORT_KINDS = ("should_end",)


def report_out(r: SiteReportRow) -> SiteReportOut:
    return SiteReportOut(id=r.id, placement=r.placement_id, site=r.site_id, kind=r.kind, on=r.on_date,
                         reported_by=r.reported_by, created_at=r.created_at, resolved_at=r.resolved_at,
                         resolution=r.resolution)


async def report(session: AsyncSession, who: Principal, placement_id: str, kind: str, on: dt.date) -> SiteReportOut:
    """A site contact (or the coordinator on their behalf) reports on a placement in force at the site."""
    if who.role not in ("site", "coordinator"):
        raise Problem(403, "the site or the coordinator reports on a placement", slug="forbidden")
    row = await session.get(PlacementRow, placement_id)
    if row is None or (who.role == "site" and row.site_id != who.site_id):
        raise not_found("placement", placement_id)
    if kind not in REPORT_KINDS:
        raise Problem(422, f"kind must be one of {', '.join(REPORT_KINDS)}", slug="validation",
                      errors=[fault("kind", "not-one-of", value=kind, allowed=REPORT_KINDS)])
    if row.state not in IN_FORCE:
        raise Problem(409, f"placement {placement_id!r} is {row.state}, not in force", slug="placement-not-in-force")
    if on > clock.today() + dt.timedelta(days=1):
        raise Problem(422, "the date cannot be in the future", slug="validation",
                      errors=[fault("on", "in-the-future")])
    rep = SiteReportRow(id=new_id("rep"), placement_id=placement_id, site_id=row.site_id, kind=kind, on_date=on,
                        reported_by=f"{who.name} ({who.role})")
    session.add(rep)
    await session.flush()
    return report_out(rep)


async def open_reports(session: AsyncSession, who: Principal, *, site: str | None = None) -> list[SiteReportOut]:
    """Reports not yet handled, newest first; a site sees its own."""
    stmt = sa.select(SiteReportRow).where(SiteReportRow.resolved_at.is_(None)).order_by(SiteReportRow.created_at.desc())
    if who.role == "site":
        stmt = stmt.where(SiteReportRow.site_id == who.site_id)
    elif not who.is_coordinator:
        raise Problem(403, "only the coordinator and sites see reports", slug="forbidden")
    if site is not None:
        stmt = stmt.where(SiteReportRow.site_id == site)
    return [report_out(r) for r in (await session.scalars(stmt)).all()]


async def keep_placement(session: AsyncSession, who: Principal, placement_id: str) -> None:
    """The coordinator has talked to the volunteer and keeps the placement: its open reports are answered."""
    who.require_coordinator()
    await resolve_for_placement(session, placement_id, "kept")
    await session.flush()


async def resolve_for_placement(session: AsyncSession, placement_id: str, resolution: str) -> None:
    """Ending a placement answers every open report on it."""
    await session.execute(
        sa.update(SiteReportRow).where(SiteReportRow.placement_id == placement_id, SiteReportRow.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
    )
