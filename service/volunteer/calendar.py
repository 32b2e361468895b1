"""The volunteer's calendar feed (RFC 5545, written with `icalendar`): a private, revocable URL.

Each placement in force is one recurring event per weekly slot (RRULE from the slot, from its
first date to the need's `until`, EXDATE for the dates the volunteer is away), a one-off need
a single event; times carry TZID=Europe/Oslo with its VTIMEZONE, so a Monday at 10:00 stays at
10:00 across the change to summer time, as the matcher counts it. Offered placements are
TENTATIVE, confirmed ones CONFIRMED; declined and ended placements are not in the feed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import icalendar
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.problem import duration
from service import clock
from service.clock import OSLO
from service.db.models import NeedRow, PlacementRow, SiteRow, VolunteerAccountRow, VolunteerRow
from service.register.placements import IN_FORCE
from service.register.queries import in_force
from service.register.schedule import away, need_occurrences

CAL_PATH = "/calendar/"
PRODID = "-//samspill//frivillig//NO"


async def account(
    session: AsyncSession, volunteer_id: str, *, for_update: bool = False
) -> VolunteerAccountRow:
    stmt = sa.select(VolunteerAccountRow).where(VolunteerAccountRow.volunteer_id == volunteer_id)
    row = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        row = VolunteerAccountRow(volunteer_id=volunteer_id, lang="nb")
        session.add(row)
        await session.flush()
    return row


async def calendar_key(session: AsyncSession, volunteer_id: str) -> str:
    """The feed's key, made on first use."""
    row = await account(session, volunteer_id, for_update=True)
    if row.calendar_key is None:
        row.calendar_key = secrets.token_urlsafe(24)
        await session.flush()
    return row.calendar_key


async def renew_calendar_key(session: AsyncSession, volunteer_id: str) -> str:
    """Revoke the old URL (it answers 404 from now on) and make a new one."""
    row = await account(session, volunteer_id, for_update=True)
    row.calendar_key = secrets.token_urlsafe(24)
    await session.flush()
    return row.calendar_key


def calendar_url(public_url: str, key: str) -> str:
    return f"{public_url}{CAL_PATH}{key}.ics"


async def volunteer_for_key(session: AsyncSession, key: str) -> VolunteerRow | None:
    row = await session.scalar(sa.select(VolunteerAccountRow).where(VolunteerAccountRow.calendar_key == key))
    if row is None:
        return None
    volunteer = await session.get(VolunteerRow, row.volunteer_id)
    return volunteer if volunteer is not None and volunteer.data is not None else None


def _local(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=OSLO)


def _event(
    uid: str,
    summary: str,
    where: str,
    start: dt.datetime,
    minutes: int,
    status: str,
    stamp: dt.datetime,
    description: str,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("location", where)
    event.add("description", description)
    event.add("status", status)
    event.add("dtstart", start)
    # Wall-clock arithmetic, as the matcher's: 22:00 + 8 h is 06:00 the next morning, DST or not.
    event.add("dtend", (start.replace(tzinfo=None) + dt.timedelta(minutes=minutes)).replace(tzinfo=OSLO))
    return event


def build_feed(
    volunteer: dict[str, Any],
    placements: list[PlacementRow],
    needs: dict[str, dict[str, Any]],
    sites: dict[str, str],
    *,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The iCalendar document for one volunteer's placements in force."""
    stamp = stamp or clock.now().replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Frivillig: {volunteer.get('name', '')}")
    cal.add("x-wr-timezone", "Europe/Oslo")
    unavailable = volunteer.get("unavailable") or []
    for p in placements:
        if p.state not in IN_FORCE or p.need_id not in needs:
            continue
        need = needs[p.need_id]
        status = "CONFIRMED" if p.state == "confirmed" else "TENTATIVE"
        where = sites.get(p.site_id, p.site_id)
        summary = f"{need.get('title', p.need_id)} ({where})"
        description = "Frivillig oppdrag. Kan du ikke komme, gi beskjed til frivilligkoordinatoren."
        once = need.get("once")
        if once:
            day = dt.date.fromisoformat(str(once["date"]))
            if day >= p.start and not away(unavailable, day):
                cal.add_component(
                    _event(
                        f"{p.id}@samspill",
                        summary,
                        where,
                        _local(day, once["start"]),
                        duration(once["start"], once["end"]),
                        status,
                        stamp,
                        description,
                    )
                )
            continue
        first = max(p.start, dt.date.fromisoformat(str(need["from"])) if need.get("from") else p.start)
        until = dt.date.fromisoformat(str(need["until"])) if need.get("until") else None
        for k, slot in enumerate(need.get("weekly") or []):
            day = first + dt.timedelta(days=(slot["weekday"] - first.isoweekday()) % 7)
            if until is not None and day > until:
                continue
            start = _local(day, slot["start"])
            event = _event(
                f"{p.id}-{k}@samspill",
                summary,
                where,
                start,
                duration(slot["start"], slot["end"]),
                status,
                stamp,
                description,
            )
            rule: dict[str, Any] = {"freq": "weekly"}
            if until is not None:
                # RFC 5545: with a TZID start, UNTIL is in UTC; the last day's start is the last occurrence.
                rule["until"] = _local(until, slot["start"]).astimezone(dt.UTC)
            event.add("rrule", rule)
            if unavailable:
                horizon_end = until or max(_date(u["to"]) for u in unavailable)
                skipped = [
                    s
                    for s, _ in need_occurrences(
                        {**need, "weekly": [slot], "from": first.isoformat()}, first, horizon_end
                    )
                    if away(unavailable, s.date())
                ]
                for s in skipped:
                    event.add("exdate", s.replace(tzinfo=OSLO))
            cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def feed_for(session: AsyncSession, volunteer: VolunteerRow) -> bytes:
    placements = list(
        (
            await session.scalars(
                sa.select(PlacementRow)
                .where(PlacementRow.volunteer_id == volunteer.id, in_force())
                .order_by(PlacementRow.start, PlacementRow.id)
            )
        ).all()
    )
    needs = {
        r.id: r.data
        for r in (
            await session.scalars(sa.select(NeedRow).where(NeedRow.id.in_({p.need_id for p in placements})))
        ).all()
    }
    sites = {
        r.id: r.data.get("name", r.id)
        for r in (
            await session.scalars(sa.select(SiteRow).where(SiteRow.id.in_({p.site_id for p in placements})))
        ).all()
    }
    return build_feed(volunteer.data or {}, placements, needs, sites)
