"""Placements: released matches, the volunteer's answer, follow-up conversations and the end."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.validate import add_months
from service import clock
from service.auth import Principal
from service.db.models import LockRow, PlacementRow, utcnow
from service.problems import Problem, conflict, fault, invalid, not_found
from service.register.commitments import committed_scenario, for_site_risk, register_horizon, risks
from service.register.queries import IN_FORCE, in_force
from service.register.schemas import AtRiskOut, PlacementOut, PlacementState
from service.register.site_reports import resolve_for_placement
from service.settings import Settings

__all__ = ["END_REASONS", "IN_FORCE", "at_risk_placements", "end", "followup_schedule", "get_placement",
           "list_placements", "placement_out", "record_closing", "record_followup", "respond"]
# Why a placement ended: counted in the statistics, never free text about a person.
END_REASONS = ("volunteer_stopped", "need_ended", "not_a_good_fit", "moved_away", "did_not_come", "other")


def followup_schedule(p: PlacementRow, settings: Settings) -> tuple[list[dt.date], dt.date | None]:
    """The follow-up dates up to the next one: first after two weeks, then every three months."""
    first = p.start + dt.timedelta(days=settings.first_followup_days)
    done = len(p.followups_done or [])
    dates = [add_months(first, k * settings.followup_interval_months) for k in range(done + 1)]
    upcoming = dates[-1] if p.state in IN_FORCE else None
    return dates, upcoming


def placement_out(p: PlacementRow, settings: Settings, today: dt.date | None = None) -> PlacementOut:
    today = today or clock.today()
    dates, upcoming = followup_schedule(p, settings)
    return PlacementOut(
        id=p.id,
        volunteer=p.volunteer_id,
        need=p.need_id,
        site=p.site_id,
        activity=p.activity_id,
        plan=p.plan_id,
        state=cast(PlacementState, p.state),
        start=p.start,
        responded_at=p.responded_at,
        ended_on=p.ended_on,
        followups=dates,
        followups_done=sorted(msgspec.convert(p.followups_done or [], list[dt.date])),
        next_followup=upcoming,
        followup_due=upcoming is not None and upcoming <= today,
        end_reason=p.end_reason,
        closing_held=p.closing_held,
        decline_reason=p.decline_reason,
    )


def _scoped(stmt: Any, who: Principal) -> Any:
    if who.role == "site":
        return stmt.where(PlacementRow.site_id == who.site_id)
    if who.role == "volunteer":
        return stmt.where(PlacementRow.volunteer_id == who.volunteer_id)
    return stmt


async def at_risk_placements(
    session: AsyncSession, today: dt.date | None = None, *, default_horizon_days: int = 90
) -> list[dict[str, Any]]:
    """Every placement in force that breaks a matching rule now, one entry per rule broken.

    The register as it is on `today` (the horizon starts no earlier), with the placements
    in force as `committed`, through `matcher.at_risk`: E1–E9 on each need's first
    occurrence (E3 also on its last, so a course expiring before the need ends shows),
    and C1–C3 for the placements together. A change to a need, a volunteer or the
    catalogue, or a course expiring, shows here at once; nothing is ended — that stays
    the coordinator's decision. Three missed occurrences in a row (attendance.missed_in_a_row)
    are entries too, with rule `attendance`. Each entry: placement, volunteer, need, rule,
    code, message (what to do), date, data.
    """
    rows = (await session.execute(
        sa.select(PlacementRow.id, PlacementRow.volunteer_id, PlacementRow.need_id)
        .where(in_force()).order_by(PlacementRow.created_at, PlacementRow.id)
    )).all()
    if not rows:
        return []
    ids: dict[tuple[str, str], str] = {}
    for pid, v, n in rows:
        ids.setdefault((v, n), pid)
    horizon = await register_horizon(session, default_horizon_days, today, from_today=True)
    scenario = await committed_scenario(session, horizon, list(ids))
    from service.register.attendance import attendance_risks  # attendance builds on this module

    return [{**e, "placement": ids[(e["volunteer"], e["need"])]} for e in risks(scenario)
            if (e["volunteer"], e["need"]) in ids] + await attendance_risks(session)


async def list_placements(
    session: AsyncSession,
    settings: Settings,
    who: Principal,
    *,
    followup_due: bool | None = None,
    state: str | None = None,
    need: str | None = None,
    at_risk: bool | None = None,
    today: dt.date | None = None,
) -> list[PlacementOut]:
    """Placements the principal may see; with `at_risk`, each with the rules it breaks now
    (`at_risk=True` keeps those that break one, `False` those that break none)."""
    stmt = _scoped(sa.select(PlacementRow).order_by(PlacementRow.created_at, PlacementRow.id), who)
    if state is not None:
        stmt = stmt.where(PlacementRow.state == state)
    if need is not None:
        stmt = stmt.where(PlacementRow.need_id == need)
    out = [placement_out(p, settings, today) for p in (await session.scalars(stmt)).all()]
    if followup_due is not None:
        out = [p for p in out if p.followup_due == followup_due]
    if at_risk is not None:
        found: dict[str, list[dict[str, Any]]] = {}
        for e in await at_risk_placements(session, today, default_horizon_days=settings.default_horizon_days):
            found.setdefault(e["placement"], []).append(for_site_risk(e) if who.role == "site" else e)
        out = [msgspec.structs.replace(p, at_risk=msgspec.convert(found.get(p.id, []), list[AtRiskOut]))
               for p in out]
        out = [p for p in out if bool(found.get(p.id)) == at_risk]
    return out


async def _row(session: AsyncSession, who: Principal, placement_id: str) -> PlacementRow:
    stmt = _scoped(sa.select(PlacementRow).where(PlacementRow.id == placement_id), who).with_for_update()
    row: PlacementRow | None = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found("placement", placement_id)
    return row


async def get_placement(session: AsyncSession, settings: Settings, who: Principal, placement_id: str) -> PlacementOut:
    return placement_out(await _row(session, who, placement_id), settings)


async def respond(
    session: AsyncSession, settings: Settings, who: Principal, placement_id: str, answer: str,
    reason: str | None = None,
) -> PlacementOut:
    """The volunteer says yes or no (a reason optional) to an offered placement (the coordinator may
    record it for them); the coordinators hear of it through the outbox, in the same transaction."""
    row = await _row(session, who, placement_id)
    if who.role == "site":
        raise Problem(403, "the volunteer answers, not the site", slug="forbidden")
    if row.state != "offered":
        raise conflict(f"placement {placement_id!r} is {row.state}; only an offered placement takes an answer",
                       "placement-answered")
    row.state = "confirmed" if answer == "yes" else "declined"
    row.responded_at = utcnow()
    row.decline_reason = ((reason or "").strip()[:1000] or None) if answer == "no" else None
    if answer == "no":
        exists = await session.scalar(sa.select(LockRow.id).where(
            LockRow.kind == "forbidden", LockRow.volunteer_id == row.volunteer_id, LockRow.need_id == row.need_id))
        if exists is None:
            session.add(LockRow(kind="forbidden", volunteer_id=row.volunteer_id, need_id=row.need_id,
                                reason="declined by the volunteer"))
    await session.flush()
    await _tell_answer(session, settings, row, answer)
    return placement_out(row, settings)


async def _tell_answer(session: AsyncSession, settings: Settings, row: PlacementRow, answer: str) -> None:
    from service.db.models import NeedRow, SiteRow, VolunteerRow
    from service.notify.tell import Phrase, tell_coordinators

    volunteer = await session.get(VolunteerRow, row.volunteer_id)
    need = await session.get(NeedRow, row.need_id)
    site = await session.get(SiteRow, row.site_id)
    reason = Phrase("answer.reason", {"reason": row.decline_reason}) if row.decline_reason else ""
    await tell_coordinators(session, "answer_received", {
        "volunteer": (volunteer.data or {}).get("name", row.volunteer_id) if volunteer else row.volunteer_id,
        "answer": Phrase(f"answer.{answer}"),
        "title": need.data.get("title", row.need_id) if need else row.need_id,
        "site": site.data.get("name", row.site_id) if site else row.site_id, "reason": reason,
        "url": settings.public_url + "/matching",
    }, f"answer:{row.id}", volunteer_id=row.volunteer_id)


def earliest_date(row: PlacementRow, today: dt.date) -> dt.date:
    """The first date a placement's last day or closing conversation can have: its start. A placement
    that has not begun may still be called off — from today, or from the day it was, once ended — so
    its last date is then before its start, and the statistics count no hours for it."""
    if row.ended_on is not None:
        return min(row.start, row.ended_on)
    return min(row.start, today)


def _before_start(field: str, earliest: dt.date, start: dt.date) -> dict[str, Any]:
    return fault(field, "before-placement-start", earliest=earliest.isoformat(), start=start.isoformat())


def _not_before_start(row: PlacementRow, day: dt.date | None, field: str, today: dt.date) -> dict[str, Any] | None:
    """The one date-order rule for ending and closing a placement (the API and the pages both come here)."""
    earliest = earliest_date(row, today)
    return _before_start(field, earliest, row.start) if day is not None and day < earliest else None


def _not_in_future(day: dt.date | None, field: str, today: dt.date) -> dict[str, Any] | None:
    """A conversation is recorded once held (a day's grace for the time zones)."""
    if day is None or day <= today + dt.timedelta(days=1):
        return None
    return fault(field, "in-the-future", latest=(today + dt.timedelta(days=1)).isoformat())


async def end(
    session: AsyncSession, settings: Settings, who: Principal, placement_id: str, closing: dt.date,
    *, reason: str | None = None, closing_held: dt.date | None = None,
) -> PlacementOut:
    """End a placement: `closing` is its last date; `reason` one of END_REASONS; `closing_held` the
    date of the closing conversation (avslutningssamtale), if held. Neither date may lie before the
    placement's start (`earliest_date`), nor the conversation in the future: 422 naming each field."""
    row = await _row(session, who, placement_id)
    if who.role == "volunteer":
        raise Problem(403, "the coordinator or the site ends a placement after the closing conversation",
                      slug="forbidden")
    if row.state not in IN_FORCE:
        raise conflict(f"placement {placement_id!r} is {row.state}, not in force", "placement-not-in-force")
    today = clock.today()
    errors = [e for e in (_not_before_start(row, closing, "closing_conversation", today),
                          _not_before_start(row, closing_held, "closing_held", today),
                          _not_in_future(closing_held, "closing_held", today)) if e]
    if reason is not None and reason not in END_REASONS:
        errors.append(fault("reason", "not-one-of", value=reason, allowed=END_REASONS))
    if errors:
        raise invalid(errors)
    row.state = "ended"
    row.ended_on = closing
    row.end_reason = reason
    row.closing_held = closing_held
    await resolve_for_placement(session, placement_id, "ended")
    await session.flush()
    await _tell_ended(session, settings, row)  # the volunteer's thanks, in the same transaction
    return placement_out(row, settings)


async def record_closing(
    session: AsyncSession, settings: Settings, who: Principal, placement_id: str, held: dt.date
) -> PlacementOut:
    """The closing conversation (avslutning), held after the placement ended."""
    row = await _row(session, who, placement_id)
    if who.role == "volunteer":
        raise Problem(403, "the coordinator or the site records conversations", slug="forbidden")
    today = clock.today()
    errors = [e for e in (_not_before_start(row, held, "held", today), _not_in_future(held, "held", today)) if e]
    if errors:
        raise invalid(errors)
    row.closing_held = held
    await session.flush()
    return placement_out(row, settings)


async def _tell_ended(session: AsyncSession, settings: Settings, row: PlacementRow) -> None:
    from service.db.models import NeedRow, SiteRow
    from service.notify.tell import tell_volunteer

    need = await session.get(NeedRow, row.need_id)
    site = await session.get(SiteRow, row.site_id)
    await tell_volunteer(session, row.volunteer_id, "placement_ended", {
        "title": need.data.get("title", row.need_id) if need else row.need_id,
        "site": site.data.get("name", row.site_id) if site else row.site_id,
        "date": row.ended_on, "url": settings.public_url + "/me/attest",
    }, f"ended:{row.id}")


async def record_followup(
    session: AsyncSession, settings: Settings, who: Principal, placement_id: str, held: dt.date
) -> PlacementOut:
    row = await _row(session, who, placement_id)
    if who.role == "volunteer":
        raise Problem(403, "the coordinator or the site records follow-up conversations", slug="forbidden")
    if row.state not in IN_FORCE:
        raise conflict(f"placement {placement_id!r} is {row.state}, not in force", "placement-not-in-force")
    if held < row.start:  # a follow-up is of a placement under way; before its start there is none to follow up
        raise invalid([_before_start("held", row.start, row.start)])
    row.followups_done = [*(row.followups_done or []), held.isoformat()]
    await session.flush()
    return placement_out(row, settings)


async def volunteer_placements(session: AsyncSession, volunteer_id: str) -> list[PlacementRow]:
    """Every placement of one volunteer, the newest start first."""
    return list((await session.scalars(
        sa.select(PlacementRow).where(PlacementRow.volunteer_id == volunteer_id).order_by(PlacementRow.start.desc())
    )).all())


async def placed_volunteers(session: AsyncSession) -> set[str]:
    """The volunteers with a placement in force."""
    return set(await session.scalars(sa.select(PlacementRow.volunteer_id).where(in_force())))


async def volunteer_answers(session: AsyncSession,
                            pairs: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The volunteer's answer to each released pair: the latest placement's state and reason."""
    if not pairs:
        return {}
    rows = (await session.scalars(
        sa.select(PlacementRow).where(PlacementRow.volunteer_id.in_({v for v, _ in pairs}),
                                      PlacementRow.need_id.in_({n for _, n in pairs}))
        .order_by(PlacementRow.created_at))).all()
    return {(r.volunteer_id, r.need_id): {"state": r.state, "reason": r.decline_reason, "at": r.responded_at,
                                          "placement": r.id}
            for r in rows if (r.volunteer_id, r.need_id) in pairs}
