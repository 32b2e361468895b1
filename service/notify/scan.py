"""The daily scan: messages that depend on the date, each keyed by what and when so a second run adds nothing.

- the day before a one-off need: a reminder to each volunteer placed on it;
- 30 days before a course expires: a note to the volunteer;
- a follow-up conversation due (today or overdue): a note to the coordinators, once per due date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import NeedRow, PlacementRow, VolunteerRow
from service.notify.tell import tell_coordinators, tell_volunteer
from service.register.common import load_catalogue
from service.register.placements import followup_schedule
from service.register.queries import in_force
from service.settings import Settings

COURSE_WARNING_DAYS = 30


async def daily_scan(session: AsyncSession, settings: Settings, today: dt.date) -> list[str]:
    """Queue today's time-based messages; the ids queued (none when the scan already ran today)."""
    cat = await load_catalogue(session)
    sites = {s.id: s.name for s in cat.sites}
    trainings = {t.id: t.name for t in cat.trainings}
    me = settings.public_url + "/me"
    queued: list[str] = []
    placements = (
        await session.scalars(sa.select(PlacementRow).where(in_force()))
    ).all()
    needs = {
        r.id: r.data
        for r in (
            await session.scalars(sa.select(NeedRow).where(NeedRow.id.in_({p.need_id for p in placements})))
        ).all()
    }
    tomorrow = today + dt.timedelta(days=1)
    names: dict[str, str] = {}
    if placements:
        names = {
            vid: (doc or {}).get("name", vid)
            for vid, doc in (
                await session.execute(
                    sa.select(VolunteerRow.id, VolunteerRow.data).where(
                        VolunteerRow.id.in_({p.volunteer_id for p in placements})
                    )
                )
            ).all()
        }
    for p in placements:
        need: dict[str, Any] = needs.get(p.need_id) or {}
        once = need.get("once")
        if p.state == "confirmed" and once and str(once["date"]) == tomorrow.isoformat():
            queued += await tell_volunteer(
                session,
                p.volunteer_id,
                "reminder",
                {
                    "title": need.get("title", ""),
                    "site": sites.get(p.site_id, p.site_id),
                    "date": tomorrow,
                    "start": once["start"],
                    "end": once["end"],
                    "url": me,
                },
                f"reminder:{p.id}:{tomorrow.isoformat()}",
                sms=bool(settings.sms_adapter),
            )
        _, upcoming = followup_schedule(p, settings)
        if upcoming is not None and upcoming <= today:
            queued += await tell_coordinators(
                session,
                "followup_due",
                {
                    "volunteer": names.get(p.volunteer_id, p.volunteer_id),
                    "title": need.get("title", p.need_id),
                    "site": sites.get(p.site_id, p.site_id),
                    "date": upcoming,
                    "url": f"{settings.public_url}/volunteers/{p.volunteer_id}",
                },
                f"followup:{p.id}:{upcoming.isoformat()}",
                volunteer_id=p.volunteer_id,
            )
    warn_on = today + dt.timedelta(days=COURSE_WARNING_DAYS)
    for vid, doc in (
        await session.execute(
            sa.select(VolunteerRow.id, VolunteerRow.data).where(VolunteerRow.data.is_not(None))
        )
    ).all():
        for held in doc.get("trainings", []):
            expires = held.get("expires")
            # Anything expiring within 30 days and not yet warned of: a missed day of scanning is caught up.
            if expires and today <= dt.date.fromisoformat(str(expires)) <= warn_on:
                queued += await tell_volunteer(
                    session,
                    vid,
                    "course_expiring",
                    {
                        "training": trainings.get(held["training"], held["training"]),
                        "date": dt.date.fromisoformat(str(expires)),
                        "url": me,
                    },
                    f"course:{vid}:{held['training']}:{expires}",
                )
    return queued
