"""Counts for the municipality's annual report (the seed's «Resultater»): per site and per activity,
for a chosen period. Counts only — no names, no volunteer ids leave this module.

Definitions (docs/coordinator-guide.md says them in Bokmål):
- needs, places: needs posted on or before the period's last day (any state), and their headcount;
- filled: places with a placement that ran during the period (at most the headcount per need);
- volunteers active: distinct volunteers with a placement that ran during the period (anonymised
  volunteers still count: the row stays as an opaque id);
- new volunteers: registered during the period (only in the totals: a volunteer has no site);
- hours per month: hours given — occurrences confirmed as taken place (register.attendance) —
  and beside them the planned hours (the need's times between the placement's start and end), an
  estimate for where attendance is not recorded;
- ended: placements whose last day falls in the period, by reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Horizon, Need, Scenario
from matcher.validate import occurrences
from service import clock
from service.auth import Principal
from service.db.models import ActivityRow, AttendanceRow, NeedRow, PlacementRow, SiteRow, VolunteerRow
from service.problems import Problem, fault
from service.register.placements import END_REASONS
from service.register.queries import IN_FORCE
from service.register.schemas import StatisticsOut, StatisticsRow

MAX_DAYS = 3 * 366


def months(start: dt.date, end: dt.date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    errors = []
    if start is None:
        errors.append(fault("from", "not-a-date"))
    if end is None:
        errors.append(fault("to", "not-a-date"))
    # a period far from today is a typo, and its bounds in UTC may not exist (0001-01-01 in Oslo is year 0)
    for name, day in (("from", start), ("to", end)):
        if day and not clock.within_a_century(day):
            errors.append(fault(name, "far-date", date=day.isoformat()))
    if start and end and end < start:
        errors.append(fault("to", "before-start", start=start.isoformat()))
    if start and end and (end - start).days > MAX_DAYS:
        errors.append(fault("to", "too-long-period", max_days=MAX_DAYS))
    if errors:
        raise Problem(422, "; ".join(f"{e['field']}: {e['message']}" for e in errors), slug="validation",
                      errors=errors)
    assert start is not None and end is not None
    return start, end


def _blank(group: str, key: str, name: str, month_keys: list[str]) -> dict[str, Any]:
    return {"group": group, "id": key, "name": name, "needs": 0, "places": 0, "filled": 0,
            "volunteers_active": set(), "new_volunteers": 0, "hours": dict.fromkeys(month_keys, 0.0),
            "planned": dict.fromkeys(month_keys, 0.0),
            "ended": dict.fromkeys(END_REASONS, 0) | {"unknown": 0}}


async def statistics(session: AsyncSession, who: Principal, start: dt.date | None,
                     end: dt.date | None) -> StatisticsOut:
    """The period, its months, a row per site and per activity and the total; each row holds counts only."""
    who.require_coordinator()
    start, end = check_period(start, end)
    month_keys = months(start, end)
    site_names = {r.id: r.data.get("name", r.id) for r in (await session.scalars(sa.select(SiteRow))).all()}
    act_names = {r.id: r.data.get("name", r.id) for r in (await session.scalars(sa.select(ActivityRow))).all()}
    sites = {k: _blank("site", k, v, month_keys) for k, v in site_names.items()}
    acts = {k: _blank("activity", k, v, month_keys) for k, v in act_names.items()}
    total = _blank("total", "", "", month_keys)

    def rows_for(site: str, activity: str) -> list[dict[str, Any]]:
        if site not in sites:
            sites[site] = _blank("site", site, site, month_keys)
        if activity not in acts:
            acts[activity] = _blank("activity", activity, activity, month_keys)
        return [sites[site], acts[activity], total]

    # The period's days are Oslo's (`clock`): they begin at midnight there, an hour or two before UTC's.
    end_dt = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clock.OSLO)
    start_dt = dt.datetime.combine(start, dt.time(), tzinfo=clock.OSLO)
    needs = {r.id: r for r in (await session.scalars(sa.select(NeedRow).where(NeedRow.created_at < end_dt))).all()}
    for r in needs.values():
        for row in rows_for(r.site_id, r.activity_id):
            row["needs"] += 1
            row["places"] += int(r.data["headcount"])  # stored documents hold every field

    ran = (await session.scalars(sa.select(PlacementRow).where(
        PlacementRow.state.in_((*IN_FORCE, "ended")), PlacementRow.start <= end,
        sa.or_(PlacementRow.ended_on.is_(None), PlacementRow.ended_on >= start)))).all()
    per_need: dict[str, int] = defaultdict(int)
    for p in ran:
        per_need[p.need_id] += 1
        for row in rows_for(p.site_id, p.activity_id):
            row["volunteers_active"].add(p.volunteer_id)
        row_need = needs.get(p.need_id)
        if row_need is None:
            continue
        first, last = max(start, p.start), min(end, p.ended_on or end)
        if last < first:
            continue
        need = msgspec.convert(row_need.data, Need)
        scenario = Scenario(format="samspill.scenario/1", horizon=Horizon(start=first, end=last))
        for a, b in occurrences(scenario, need):
            key = f"{a.year:04d}-{a.month:02d}"
            for row in rows_for(p.site_id, p.activity_id):
                if key in row["planned"]:
                    row["planned"][key] += (b - a).total_seconds() / 3600
    activity_of = {p.id: p.activity_id for p in ran}
    given = (await session.scalars(sa.select(AttendanceRow).where(
        AttendanceRow.took_place.is_(True), AttendanceRow.starts_at >= dt.datetime.combine(start, dt.time()),
        AttendanceRow.starts_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time())))).all()
    missing = {att.placement_id for att in given} - set(activity_of)
    if missing:
        for pid, activity_id in (await session.execute(sa.select(PlacementRow.id, PlacementRow.activity_id).where(
                PlacementRow.id.in_(missing)))).all():
            activity_of[pid] = activity_id
    for att in given:
        key = f"{att.starts_at.year:04d}-{att.starts_at.month:02d}"
        of = activity_of.get(att.placement_id)
        if of is None and att.site_id not in sites:
            sites[att.site_id] = _blank("site", att.site_id, att.site_id, month_keys)
        targets = rows_for(att.site_id, of) if of else [sites[att.site_id], total]
        for row in targets:
            if key in row["hours"]:
                row["hours"][key] += att.minutes / 60
    for nid, count in per_need.items():
        held = needs.get(nid)
        if held is None:
            continue
        for row in rows_for(held.site_id, held.activity_id):
            row["filled"] += min(count, int(held.data["headcount"]))

    ended = (await session.scalars(sa.select(PlacementRow).where(
        PlacementRow.state == "ended", PlacementRow.ended_on >= start, PlacementRow.ended_on <= end))).all()
    for p in ended:
        reason = p.end_reason if p.end_reason in END_REASONS else "unknown"
        for row in rows_for(p.site_id, p.activity_id):
            row["ended"][reason] += 1

    total["new_volunteers"] = int(await session.scalar(
        sa.select(sa.func.count()).select_from(VolunteerRow).where(
            VolunteerRow.created_at >= start_dt, VolunteerRow.created_at < end_dt)) or 0)
    new_by_month: dict[str, int] = dict.fromkeys(month_keys, 0)
    for (created,) in (await session.execute(sa.select(VolunteerRow.created_at).where(
            VolunteerRow.created_at >= start_dt, VolunteerRow.created_at < end_dt))).all():
        local = clock.as_utc(created).astimezone(clock.OSLO)
        key = f"{local.year:04d}-{local.month:02d}"
        if key in new_by_month:
            new_by_month[key] += 1

    def done(row: dict[str, Any]) -> StatisticsRow:
        hours = {k: round(v, 1) for k, v in row["hours"].items()}
        planned = {k: round(v, 1) for k, v in row["planned"].items()}
        return StatisticsRow(
            group=row["group"], id=row["id"], name=row["name"], needs=row["needs"], places=row["places"],
            filled=row["filled"], volunteers_active=len(row["volunteers_active"]),
            new_volunteers=row["new_volunteers"], hours=hours, planned=planned, ended=row["ended"],
            hours_total=round(sum(hours.values()), 1), planned_total=round(sum(planned.values()), 1),
            ended_total=sum(row["ended"].values()))

    def listed(rows: dict[str, dict[str, Any]]) -> list[StatisticsRow]:
        return sorted((done(r) for r in rows.values()), key=lambda r: r.name.lower())

    return StatisticsOut(from_=start, to=end, months=month_keys, sites=listed(sites), activities=listed(acts),
                         total=done(total), new_by_month=new_by_month)


CSV_FIXED = ("group", "id", "name", "needs", "places", "filled", "volunteers_active", "new_volunteers", "hours_total",
             "planned_total")


def csv_rows(stats: StatisticsOut) -> list[list[str]]:
    """One header and one line per site, per activity and the total."""
    header = [*CSV_FIXED, *(f"hours_{m}" for m in stats.months), *(f"planned_{m}" for m in stats.months),
              "ended_total",
              *(f"ended_{r}" for r in (*END_REASONS, "unknown"))]
    out = [header]
    for row in [*stats.sites, *stats.activities, stats.total]:
        line = [str(getattr(row, k)) for k in CSV_FIXED]
        line += [f"{row.hours[m]:g}" for m in stats.months]
        line += [f"{row.planned[m]:g}" for m in stats.months]
        line += [str(row.ended_total), *(str(row.ended[r]) for r in (*END_REASONS, "unknown"))]
        out.append(line)
    return out
