"""Attendance (oppmøte) and hours given: whether each occurrence of a placement took place.

The site (its contact), the volunteer or the coordinator confirms an occurrence took place or
did not; a later answer for the same occurrence corrects the earlier one. Hours given are the
occurrences that took place, summed per volunteer, site and month (for the statistics and the
volunteer's certificate). Three missed occurrences in a row put a placement on the at-risk list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service import clock
from service.auth import Principal
from service.db.models import AttendanceRow, NeedRow, PlacementRow, VolunteerRow
from service.problems import Problem, conflict, fault, not_found
from service.register.common import audit
from service.register.placements import IN_FORCE
from service.register.queries import in_force
from service.register.schedule import placement_occurrences
from service.register.schemas import AttendanceOut, HoursOut, MissedFlagOut, OccurrenceOut

MISSED_IN_A_ROW = 3
# How far back a site or volunteer may still confirm an occurrence.
RECORD_WINDOW = dt.timedelta(days=62)


def now_local() -> dt.datetime:
    """Oslo's wall-clock time now, naive, as the occurrences are written."""
    return clock.oslo_wall_clock()


def _scoped(stmt: Any, who: Principal) -> Any:
    if who.role == "site":
        return stmt.where(PlacementRow.site_id == who.site_id)
    if who.role == "volunteer":
        return stmt.where(PlacementRow.volunteer_id == who.volunteer_id)
    if not who.is_coordinator:
        raise Problem(
            403, "only the coordinator, the site or the volunteer record attendance", slug="forbidden"
        )
    return stmt


async def _placement(session: AsyncSession, who: Principal, placement_id: str) -> PlacementRow:
    row: PlacementRow | None = (
        await session.execute(_scoped(sa.select(PlacementRow).where(PlacementRow.id == placement_id), who))
    ).scalar_one_or_none()
    if row is None:
        raise not_found("placement", placement_id)
    return row


def attendance_out(a: AttendanceRow) -> AttendanceOut:
    return AttendanceOut(
        placement=a.placement_id,
        volunteer=a.volunteer_id,
        site=a.site_id,
        need=a.need_id,
        starts_at=a.starts_at,
        minutes=a.minutes,
        took_place=a.took_place,
        recorded_by=a.recorded_by,
        recorded_role=a.recorded_role,
        recorded_at=a.recorded_at,
    )


async def _need_doc(session: AsyncSession, p: PlacementRow) -> dict[str, Any]:
    need = await session.get(NeedRow, p.need_id)
    if need is None:
        raise conflict(
            f"need {p.need_id!r} of placement {p.id!r} is withdrawn; its times are gone", "need-gone"
        )
    return need.data


async def occurrences_of(
    session: AsyncSession,
    who: Principal,
    placement_id: str,
    *,
    weeks: int = 4,
    now: dt.datetime | None = None,
) -> list[OccurrenceOut]:
    """The placement's occurrences of the last `weeks` weeks up to now, newest first, and what was said."""
    p = await _placement(session, who, placement_id)
    now = now or now_local()
    need = await _need_doc(session, p)
    first = max(p.start, (now - dt.timedelta(weeks=weeks)).date())
    occ = [(s, e) for s, e in placement_occurrences(need, p.start, first, now.date(), p.ended_on) if s <= now]
    recorded = {
        a.starts_at: a
        for a in (
            await session.scalars(sa.select(AttendanceRow).where(AttendanceRow.placement_id == p.id))
        ).all()
    }
    return [
        OccurrenceOut(
            placement=p.id,
            starts_at=s,
            ends_at=e,
            minutes=int((e - s).total_seconds() // 60),
            took_place=recorded[s].took_place if s in recorded else None,
            recorded_by=recorded[s].recorded_by if s in recorded else None,
        )
        for s, e in reversed(occ)
    ]


async def record_attendance(
    session: AsyncSession,
    who: Principal,
    placement_id: str,
    starts_at: dt.datetime,
    took_place: bool,
    path: str,
    *,
    now: dt.datetime | None = None,
) -> AttendanceOut:
    """Confirm that the occurrence starting at `starts_at` (Oslo wall clock) took place, or did not."""
    p = await _placement(session, who, placement_id)
    if p.state not in (*IN_FORCE, "ended"):
        raise conflict(
            f"placement {placement_id!r} was {p.state}; it had no occurrences", "placement-not-in-force"
        )
    now = now or now_local()
    starts_at = starts_at.replace(tzinfo=None, second=0, microsecond=0)
    if starts_at > now:
        raise Problem(
            422, "an occurrence can be confirmed once it has begun", slug="validation",
            errors=[fault("starts_at", "not-yet")],
        )
    if starts_at < now - RECORD_WINDOW and not who.is_coordinator:
        raise Problem(
            422, "ask the coordinator to record an occurrence this old", slug="validation",
            errors=[fault("starts_at", "too-old")],
        )
    need = await _need_doc(session, p)
    day = starts_at.date()
    match = [(s, e) for s, e in placement_occurrences(need, p.start, day, day, p.ended_on) if s == starts_at]
    if not match:
        raise Problem(
            422,
            f"placement {placement_id!r} has no occurrence starting {starts_at:%Y-%m-%d %H:%M}",
            slug="validation",
            errors=[fault("starts_at", "not-an-occurrence")],
        )
    s, e = match[0]
    row = await session.scalar(
        sa.select(AttendanceRow)
        .where(AttendanceRow.placement_id == p.id, AttendanceRow.starts_at == starts_at)
        .with_for_update()
    )
    if row is None:
        row = AttendanceRow(
            placement_id=p.id,
            volunteer_id=p.volunteer_id,
            site_id=p.site_id,
            need_id=p.need_id,
            starts_at=starts_at,
            minutes=int((e - s).total_seconds() // 60),
            took_place=took_place,
            recorded_by=who.name[:200],
            recorded_role=who.role,
        )
        session.add(row)
    else:
        row.took_place = took_place
        row.recorded_by = who.name[:200]
        row.recorded_role = who.role
        row.recorded_at = clock.now()
    await session.flush()
    await audit(session, who, "attendance", [p.volunteer_id], path)
    return attendance_out(row)


async def hours_given(
    session: AsyncSession,
    who: Principal,
    *,
    volunteer: str | None = None,
    site: str | None = None,
    month: str | None = None,
    year: int | None = None,
) -> list[HoursOut]:
    """Hours given per volunteer, site and month (`YYYY-MM`), from occurrences that took place.

    A site sees its own rows, a volunteer their own; the coordinator all. Anonymised volunteers'
    rows stay (an opaque id), so the statistics keep their counts.
    """
    stmt = sa.select(AttendanceRow).where(AttendanceRow.took_place.is_(True))
    if who.role == "site":
        stmt = stmt.where(AttendanceRow.site_id == who.site_id)
    elif who.role == "volunteer":
        stmt = stmt.where(AttendanceRow.volunteer_id == who.volunteer_id)
    elif not who.is_coordinator:
        raise Problem(403, "not for this role", slug="forbidden")
    if volunteer is not None:
        stmt = stmt.where(AttendanceRow.volunteer_id == volunteer)
    if site is not None:
        stmt = stmt.where(AttendanceRow.site_id == site)
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for a in (await session.scalars(stmt)).all():
        key_month = f"{a.starts_at:%Y-%m}"
        if (month is not None and key_month != month) or (year is not None and a.starts_at.year != year):
            continue
        entry = sums[(a.volunteer_id, a.site_id, key_month)]
        entry[0] += 1
        entry[1] += a.minutes
    return [
        HoursOut(
            volunteer=v,
            site=s,
            month=m,
            occurrences=n,
            minutes=mins,
            hours=round(mins / 60, 2),
        )
        for (v, s, m), (n, mins) in sorted(sums.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0]))
    ]


async def missed_in_a_row(
    session: AsyncSession, who: Principal, *, threshold: int = MISSED_IN_A_ROW
) -> list[MissedFlagOut]:
    """Placements in force whose last `threshold` recorded occurrences all did not take place.

    For the at-risk list (risiko for frafall): each flag names the placement, how many were
    missed in a row, and the first and last of them.
    """
    if who.role == "volunteer" or not (who.is_coordinator or who.role == "site"):
        raise Problem(403, "the coordinator and sites see the at-risk list", slug="forbidden")
    stmt = sa.select(PlacementRow).where(in_force())
    if who.role == "site":
        stmt = stmt.where(PlacementRow.site_id == who.site_id)
    placements = {p.id: p for p in (await session.scalars(stmt)).all()}
    if not placements:
        return []
    rows = (
        await session.scalars(
            sa.select(AttendanceRow)
            .where(AttendanceRow.placement_id.in_(placements))
            .order_by(AttendanceRow.placement_id, AttendanceRow.starts_at.desc())
        )
    ).all()
    by_placement: dict[str, list[AttendanceRow]] = defaultdict(list)
    for a in rows:
        by_placement[a.placement_id].append(a)
    out: list[MissedFlagOut] = []
    for pid, history in by_placement.items():
        missed = 0
        for a in history:
            if a.took_place:
                break
            missed += 1
        if missed >= threshold:
            p = placements[pid]
            out.append(
                MissedFlagOut(
                    code="missed_in_a_row",
                    placement=pid,
                    volunteer=p.volunteer_id,
                    site=p.site_id,
                    need=p.need_id,
                    missed=missed,
                    first_missed=history[missed - 1].starts_at,
                    last_missed=history[0].starts_at,
                )
            )
    out.sort(key=lambda f: (-f.missed, f.placement))
    return out


async def certificate(session: AsyncSession, who: Principal, volunteer_id: str, path: str) -> dict[str, Any]:
    """What the certificate of volunteering (attest for frivillig innsats) says: who, what, where, hours."""
    if who.role == "site" or (who.role == "volunteer" and who.volunteer_id != volunteer_id):
        raise not_found("volunteer", volunteer_id)
    if not (who.is_coordinator or who.role == "volunteer"):
        raise not_found("volunteer", volunteer_id)
    row = await session.get(VolunteerRow, volunteer_id)
    if row is None or row.data is None:
        raise not_found("volunteer", volunteer_id)
    placements = (
        await session.scalars(
            sa.select(PlacementRow)
            .where(PlacementRow.volunteer_id == volunteer_id, PlacementRow.state.in_((*IN_FORCE, "ended")))
            .order_by(PlacementRow.start)
        )
    ).all()
    hours = await hours_given(session, who, volunteer=volunteer_id)
    per_site: dict[str, dict[str, Any]] = {}
    for h in hours:
        entry = per_site.setdefault(
            h.site,
            {"site": h.site, "minutes": 0, "occurrences": 0, "first": h.month, "last": h.month},
        )
        entry["minutes"] += h.minutes
        entry["occurrences"] += h.occurrences
        entry["first"] = min(entry["first"], h.month)
        entry["last"] = max(entry["last"], h.month)
    await audit(session, who, "read", [volunteer_id], path)
    return {
        "volunteer": {
            "id": volunteer_id,
            "name": row.data.get("name", ""),
            "birth_date": row.data.get("birth_date"),
        },
        "placements": [
            {
                "id": p.id,
                "need": p.need_id,
                "site": p.site_id,
                "activity": p.activity_id,
                "state": p.state,
                "start": p.start,
                "ended_on": p.ended_on,
            }
            for p in placements
            if p.state != "offered"
        ],
        "sites": sorted(per_site.values(), key=lambda s: s["first"]),
        "total_minutes": sum(h.minutes for h in hours),
        "total_occurrences": sum(h.occurrences for h in hours),
    }


async def attendance_risks(session: AsyncSession) -> list[dict[str, Any]]:
    """`missed_in_a_row` as entries of the at-risk list (placements.at_risk_placements): rule
    `attendance`, code `missed_in_a_row`, what to do in `message`, the facts in `data`."""
    from service.auth import SYSTEM

    return [
        {
            "placement": f.placement, "volunteer": f.volunteer, "need": f.need, "rule": "attendance",
            "code": "missed_in_a_row",
            "message": f"did not take place the last {f.missed} times in a row "
                       f"(from {f.first_missed:%Y-%m-%d}); talk with the volunteer and the site",
            "date": f.last_missed.date().isoformat(),
            "data": {"missed": f.missed, "first_missed": f.first_missed.date().isoformat(),
                     "last_missed": f.last_missed.date().isoformat()},
        }
        for f in await missed_in_a_row(session, SYSTEM)
    ]
