"""What the volunteer's own page shows, gathered from the register services (no rules of its own)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.db.models import PlacementRow, ProposalRow
from service.register import attendance
from service.register import volunteers as volunteers_service
from service.register.schedule import placement_occurrences
from service.settings import Settings
from service.volunteer.calendar import account, calendar_key, calendar_url
from service.web import views, week_grid
from service.web.forms import whole_number

NEXT_DATES = 4


async def my_page(
    session: AsyncSession, settings: Settings, who: Principal, lang: str, path: str
) -> dict[str, Any]:
    assert who.volunteer_id is not None
    vid = who.volunteer_id
    v = await volunteers_service.volunteer_record(session, who, vid, path)
    rows = (
        await session.scalars(
            sa.select(PlacementRow)
            .where(PlacementRow.volunteer_id == vid)
            .order_by(PlacementRow.start, PlacementRow.id)
        )
    ).all()
    n = await views.names(session, need_ids={p.need_id for p in rows})
    reasons = {
        p.id: p.reasons
        for p in (
            await session.scalars(
                sa.select(ProposalRow).where(
                    ProposalRow.id.in_({p.proposal_id for p in rows if p.proposal_id})
                )
            )
        ).all()
    }
    now = attendance.now_local()
    today = now.date()
    offered, current, past = [], [], []
    for p in rows:
        need = n.needs.get(p.need_id, {})
        item: dict[str, Any] = {
            "id": p.id,
            "state": p.state,
            "start": p.start,
            "ended_on": p.ended_on,
            "title": need.get("title", p.need_id),
            "site": n.site(p.site_id),
            "activity": n.activity(p.activity_id),
            "times": views.need_times(lang, need) if need else [],
            "decline_reason": p.decline_reason,
        }
        if p.state == "offered":
            item["why"] = views.render_reasons(lang, reasons.get(p.proposal_id or "", []), need, n)
            offered.append(item)
        elif p.state == "confirmed" and need:
            upcoming = placement_occurrences(
                need, p.start, today, today + dt.timedelta(days=120), p.ended_on, v.unavailable
            )
            item["next"] = [s for s, _ in upcoming if s >= now][:NEXT_DATES]
            item["recent"] = [
                o
                for o in await attendance.occurrences_of(session, who, p.id, weeks=3, now=now)
                if o.took_place is None
            ][:3]
            current.append(item)
        else:
            past.append(item)
    acc = await account(session, vid)
    key = await calendar_key(session, vid)
    hours = await attendance.hours_given(session, who, volunteer=vid)
    # Windows on the half-hour grid are marked on it; any other (10:15–11:40) stays a row of its own.
    shown, apart = week_grid.split(v.availability)
    slots = sorted(apart, key=lambda s: (s["weekday"], s["start"]))
    grid = week_grid.view(week_grid.cells_of(shown))
    return {
        "v": v,
        "offered": offered,
        "current": current,
        "past": past,
        "slots": slots,
        "grid": grid,
        "unavailable": sorted(v.unavailable, key=lambda u: u.from_),
        "activities": [n.activity(a) for a in v.activities],
        "trainings": [{**msgspec.structs.asdict(h), "name": n.training(h.training)} for h in v.trainings],
        "calendar_url": calendar_url(settings.public_url, key),
        "leave_requested_at": acc.leave_requested_at,
        "hours_total": round(sum(h.minutes for h in hours) / 60, 1),
        "today": today,
        "weekdays": range(1, 8),
        "lang_choice": acc.lang,
    }


def typed_slots(form: dict[str, str]) -> list[dict[str, Any]]:
    """The availability rows as typed (blank and removed ones left out), for the form shown again: each with
    its weekday (0 if none), start, end, and `bad`: not a weekday with two times (HH:MM)."""
    out = []
    for k in range(32):
        day, start, end = form.get(f"weekday_{k}", ""), form.get(f"start_{k}", ""), form.get(f"end_{k}", "")
        if not (start or end) or form.get(f"remove_{k}"):
            continue
        typed_day = whole_number(day)
        weekday = typed_day if typed_day is not None and 1 <= typed_day <= 7 else 0
        out.append({"weekday": weekday, "start": start, "end": end,
                    "bad": not (weekday and _hhmm(start) and _hhmm(end))})
    return out


def _hhmm(value: str) -> bool:
    try:
        dt.time.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 5


def split_words(value: str) -> list[str]:
    return [w.strip() for w in value.replace(";", ",").split(",") if w.strip()][:40]
