"""Volunteers (frivillige): personal data, seen in full by the coordinator and the person,
in part by sites whose needs they are proposed or placed for; every read or change audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Activity, Need, Volunteer
from matcher.validate import add_months
from service import clock
from service.auth import Principal
from service.db.models import (
    ActivityRow,
    AttendanceRow,
    AuditRow,
    EventParticipantRow,
    EventVolunteerRow,
    LockRow,
    LoginLinkRow,
    NeedRow,
    OnboardingStepRow,
    OutboxRow,
    PlacementRow,
    ProposalRow,
    TokenRow,
    VolunteerAccountRow,
    VolunteerRow,
)
from service.problems import Problem, conflict, fault, invalid, not_found
from service.register.commitments import added, commitments, committed_scenario, register_horizon, risks
from service.register.common import (
    audit,
    decode_as,
    from_doc,
    load_catalogue,
    looks_like_email,
    new_id,
    raise_if,
    reject_identity_numbers,
    scenario_errors,
    stamped,
    to_doc,
)
from service.register.queries import IN_FORCE, draft_plan_ids, in_force
from service.register.schemas import (
    RetentionEntry,
    RetentionOut,
    VolunteerExport,
    VolunteerForSite,
    VolunteerOut,
)

# What a volunteer may not change in their own record: the coordinator verifies these.
_VERIFIED = ("trainings", "agreement_signed", "confidentiality_signed", "police_certificate", "history", "id")
_TEXT_FIELDS = ("name", "interests", "languages", "phone", "email")
SITE_FIELDS = ("id", "name", "phone", "languages", "trainings")


async def _validate(session: AsyncSession, volunteer: Volunteer) -> Volunteer:
    """The volunteer checked against the catalogue, each course recorded without an expiry date given
    one from its course's validity (Training.valid_months) — the one place that rule lives."""
    reject_identity_numbers(to_doc(volunteer), _TEXT_FIELDS)
    # the API's JSON edge checks this too (api/hygiene.py); the pages' forms and the stand come here only
    born = volunteer.birth_date
    if born is not None and not clock.is_birth_date(born):
        raise invalid([fault("birth_date", "not-a-birth-date", date=born.isoformat())])
    if volunteer.email is not None and not looks_like_email(volunteer.email):
        # messages go there (sign-in links, proposals, reminders): a typo is caught here, not in the outbox
        raise invalid([fault("email", "not-an-email", value=volunteer.email)])
    cat = await load_catalogue(session)
    raise_if(scenario_errors(cat.scenario(volunteers=[volunteer]), "volunteers[0]"))
    months = {t.id: t.valid_months for t in cat.trainings if t.valid_months}
    if not any(h.expires is None and h.training in months for h in volunteer.trainings):
        return volunteer
    held = [msgspec.structs.replace(h, expires=add_months(h.completed, months[h.training]))
            if h.expires is None and h.training in months else h for h in volunteer.trainings]
    return msgspec.structs.replace(volunteer, trainings=held)


async def site_relevance(session: AsyncSession, site_id: str) -> dict[str, set[str]]:
    """Volunteers a site may see now → the trainings its needs ask for.

    Only placements in force count: a released match. Draft proposals do not (DOMAIN.md:
    nobody is contacted before the coordinator's review), and a volunteer whose placement
    ended is no longer the site's to see.
    """
    needs = {r.id: r for r in (await session.scalars(sa.select(NeedRow).where(NeedRow.site_id == site_id))).all()}
    activities = {r.id: from_doc(r.data, Activity) for r in (await session.scalars(sa.select(ActivityRow))).all()}
    pairs: list[tuple[str, str]] = []
    pairs += list(
        (await session.execute(
            sa.select(PlacementRow.volunteer_id, PlacementRow.need_id).where(
                PlacementRow.site_id == site_id, in_force()
            )
        )).all()
    )
    out: dict[str, set[str]] = {}
    for volunteer_id, need_id in pairs:
        relevant = out.setdefault(volunteer_id, set())
        row = needs.get(need_id)
        if row is not None:
            need = from_doc(row.data, Need)
            relevant.update(need.requires_training)
            act = activities.get(need.activity)
            if act is not None:
                relevant.update(act.requires_training)
    return out


def site_view(doc: dict[str, Any], relevant: set[str]) -> VolunteerForSite:
    """Only what a site's needs require: never birth date, address or the police-certificate record."""
    return msgspec.convert({
        "view": "site",
        "id": doc["id"],
        "name": doc["name"],
        "phone": doc.get("phone"),
        "languages": doc.get("languages", []),
        "trainings": [t for t in doc.get("trainings", []) if t.get("training") in relevant],
    }, VolunteerForSite)


def volunteer_out(row: VolunteerRow) -> VolunteerOut:
    return stamped(row.data or {}, row, VolunteerOut)


async def list_volunteers(session: AsyncSession, who: Principal, path: str) -> list[VolunteerOut | VolunteerForSite]:
    stmt = sa.select(VolunteerRow).where(VolunteerRow.data.is_not(None)).order_by(VolunteerRow.created_at,
                                                                                  VolunteerRow.id)
    if who.is_coordinator:
        rows = (await session.scalars(stmt)).all()
        out: list[VolunteerOut | VolunteerForSite] = [volunteer_out(r) for r in rows]
    elif who.role == "volunteer":
        rows = (await session.scalars(stmt.where(VolunteerRow.id == who.volunteer_id))).all()
        out = [volunteer_out(r) for r in rows]
    else:
        relevance = await site_relevance(session, who.site_id or "")
        rows = (await session.scalars(stmt.where(VolunteerRow.id.in_(relevance)))).all()
        out = [site_view(r.data or {}, relevance[r.id]) for r in rows]
    await audit(session, who, "read", [d.id for d in out], path)
    return out


async def _row(session: AsyncSession, who: Principal, volunteer_id: str, *, for_update: bool = False) -> VolunteerRow:
    row = await session.get(VolunteerRow, volunteer_id, with_for_update=for_update)
    if row is None or row.data is None:
        raise not_found("volunteer", volunteer_id)
    if who.role == "volunteer" and who.volunteer_id != volunteer_id:
        raise not_found("volunteer", volunteer_id)
    return row


async def get_volunteer(session: AsyncSession, who: Principal, volunteer_id: str,
                        path: str) -> VolunteerOut | VolunteerForSite:
    """The whole record (the coordinator, the person), or what a site may see of it."""
    if who.role == "site":
        relevance = await site_relevance(session, who.site_id or "")
        if volunteer_id not in relevance:
            raise not_found("volunteer", volunteer_id)
        row = await _row(session, who, volunteer_id)
        await audit(session, who, "read", [volunteer_id], path)
        return site_view(row.data or {}, relevance[volunteer_id])
    return await volunteer_record(session, who, volunteer_id, path)


async def volunteer_record(session: AsyncSession, who: Principal, volunteer_id: str, path: str) -> VolunteerOut:
    """The whole record, for the coordinator or the person themselves; a site gets a 404 (see get_volunteer)."""
    if who.role == "site":
        raise not_found("volunteer", volunteer_id)
    row = await _row(session, who, volunteer_id)
    await audit(session, who, "read", [volunteer_id], path)
    return volunteer_out(row)


async def create_volunteer(session: AsyncSession, who: Principal, data: dict[str, Any], path: str) -> VolunteerOut:
    who.require_coordinator()
    return await register_volunteer(session, who, data, path)


async def register_volunteer(session: AsyncSession, who: Principal, data: dict[str, Any], path: str) -> VolunteerOut:
    """Validate, store and audit a new volunteer; the caller has checked `who` may (the coordinator,
    or a broker signing someone up at an exchange event's Frivilligtorg)."""
    doc = dict(data)
    if doc.get("id") is None:
        doc["id"] = new_id("vol")
    volunteer = await _validate(session, decode_as(doc, Volunteer))
    if await session.get(VolunteerRow, volunteer.id) is not None:
        raise conflict(f"volunteer {volunteer.id!r} already exists")
    row = VolunteerRow(id=volunteer.id, data=to_doc(volunteer))
    session.add(row)
    await session.flush()
    await audit(session, who, "create", [volunteer.id], path)
    return volunteer_out(row)


async def patch_volunteer(
    session: AsyncSession, who: Principal, volunteer_id: str, patch: dict[str, Any], path: str,
    *, default_horizon_days: int = 90,
) -> VolunteerOut:
    """Change a volunteer. Never refused for the placements it touches (it records the world as
    it is); the answer's `at_risk` lists what the change newly breaks, also listed at
    `GET /api/v1/placements?at_risk=true` until the coordinator has dealt with it."""
    if who.role == "site":
        relevance = await site_relevance(session, who.site_id or "")
        if volunteer_id in relevance:
            raise Problem(403, "sites cannot change volunteers", slug="forbidden")
        raise not_found("volunteer", volunteer_id)
    row = await _row(session, who, volunteer_id, for_update=True)
    if "id" in patch and patch["id"] != volunteer_id:
        raise Problem(422, "a volunteer's id cannot change", slug="validation",
                      errors=[fault("id", "cannot-change")])
    if who.role == "volunteer":
        locked = [f for f in _VERIFIED if f in patch and f != "id"]
        if locked:
            raise Problem(403, f"the coordinator records {', '.join(locked)}", slug="forbidden")
    volunteer = await _validate(session, decode_as({**(row.data or {}), **patch}, Volunteer))
    pairs = sorted(await commitments(session, [volunteer_id]))
    horizon = await register_horizon(session, default_horizon_days)
    before = risks(await committed_scenario(session, horizon, pairs)) if pairs else []
    row.data = to_doc(volunteer)
    await session.flush()
    await audit(session, who, "update", [volunteer_id], path)
    broken = added(before, risks(await committed_scenario(session, horizon, pairs))) if pairs else []
    return stamped(row.data or {}, row, VolunteerOut, at_risk=broken)


def pseudonym(volunteer_id: str) -> str:
    """What stands in for an erased person's name in token names and the audit log."""
    return f"anonymisert frivillig {volunteer_id}"


def _scrubbed_reasons(reasons: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Keep which rule scored how much (anonymous statistics); drop the sentences and data,
    which name interests, languages and distance from home."""
    return [{"code": r.get("code"), "points": r.get("points"), "text": "", "data": None} for r in reasons or []]


async def anonymise_volunteer(session: AsyncSession, who: Principal, volunteer_id: str, path: str) -> None:
    """Erase the person: their document (SQL NULL), their name in token names and audit-log actors,
    the reasons and rejection notes in old proposals, their locks and Frivilligtorg participant
    record. The row (an opaque id) and ended placements stay as anonymous counts."""
    if who.role == "site":
        raise not_found("volunteer", volunteer_id)
    row = await _row(session, who, volunteer_id, for_update=True)
    name = str((row.data or {}).get("name") or "")
    today = clock.today()
    now = clock.now()
    # SQL NULL, not the JSON value null: `data IS NOT NULL` must leave the row out of every list.
    row.data = None
    row.anonymised_at = now
    await session.execute(
        sa.update(PlacementRow)
        .where(PlacementRow.volunteer_id == volunteer_id, in_force())
        .values(state="ended", ended_on=today)
    )
    drafts = draft_plan_ids()
    await session.execute(
        sa.delete(ProposalRow).where(ProposalRow.volunteer_id == volunteer_id, ProposalRow.plan_id.in_(drafts))
    )
    for old in (await session.scalars(sa.select(ProposalRow).where(ProposalRow.volunteer_id == volunteer_id))).all():
        old.reasons = _scrubbed_reasons(old.reasons)
        old.reject_reason = None if old.reject_reason is None else "(slettet)"
    await session.execute(sa.delete(LockRow).where(LockRow.volunteer_id == volunteer_id))
    alias = pseudonym(volunteer_id)
    own_tokens = list(await session.scalars(sa.select(TokenRow.id).where(TokenRow.volunteer_id == volunteer_id)))
    await session.execute(
        sa.update(TokenRow)
        .where(TokenRow.volunteer_id == volunteer_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.execute(sa.update(TokenRow).where(TokenRow.volunteer_id == volunteer_id).values(name=alias))
    if own_tokens:
        await session.execute(sa.update(AuditRow).where(AuditRow.token_id.in_(own_tokens)).values(actor=alias))
    if len(name) >= 3:
        # The person acting as themselves under another kind of sign-in (a session) still left their name.
        await session.execute(
            sa.update(AuditRow).where(AuditRow.role == "volunteer", AuditRow.actor == name).values(actor=alias))
    await _forget_event_signups(session, volunteer_id)
    from service.accounts import revoke_subject  # the person's own web sign-ins end too

    await revoke_subject(session, f"volunteer:{volunteer_id}")
    # Messages to or about the person, sign-in links, the calendar key and the language go too;
    # attendance stays under the opaque id, so hours given still count (anonymously).
    await session.execute(sa.delete(OutboxRow).where(OutboxRow.volunteer_id == volunteer_id))
    await session.execute(sa.delete(LoginLinkRow).where(LoginLinkRow.volunteer_id == volunteer_id))
    await session.execute(
        sa.delete(VolunteerAccountRow).where(VolunteerAccountRow.volunteer_id == volunteer_id))
    await session.flush()
    await audit(session, who, "anonymise", [volunteer_id], path)


async def _forget_event_signups(session: AsyncSession, volunteer_id: str) -> None:
    """The Frivilligtorg participant record of the person holds their name and contact."""
    from service.exchange.store import ANONYMOUS_NAME

    links = (await session.execute(
        sa.select(EventVolunteerRow.event_id, EventVolunteerRow.participant_id)
        .where(EventVolunteerRow.volunteer_id == volunteer_id, EventVolunteerRow.participant_id.is_not(None))
    )).all()
    for event_id, participant_id in links:
        p = await session.get(EventParticipantRow, (event_id, participant_id))
        if p is not None and p.kind == "individual":
            p.data = {**p.data, "name": ANONYMOUS_NAME, "contact": "slettet", "description": ""}


async def export_volunteer(session: AsyncSession, who: Principal, volunteer_id: str, path: str) -> VolunteerExport:
    """Everything the register holds about the person (GDPR art. 15)."""
    if who.role == "site":
        raise not_found("volunteer", volunteer_id)
    row = await _row(session, who, volunteer_id)
    proposals = (await session.scalars(sa.select(ProposalRow).where(ProposalRow.volunteer_id == volunteer_id))).all()
    placements = (await session.scalars(sa.select(PlacementRow).where(PlacementRow.volunteer_id == volunteer_id))).all()
    locks = (await session.scalars(sa.select(LockRow).where(LockRow.volunteer_id == volunteer_id))).all()
    tokens = (await session.scalars(sa.select(TokenRow).where(TokenRow.volunteer_id == volunteer_id))).all()
    log = (await session.scalars(
        sa.select(AuditRow).where(AuditRow.volunteer_id == volunteer_id).order_by(AuditRow.at)
    )).all()
    steps = (await session.scalars(
        sa.select(OnboardingStepRow).where(OnboardingStepRow.volunteer_id == volunteer_id)
    )).all()
    signups = (await session.execute(
        sa.select(EventVolunteerRow, EventParticipantRow)
        .outerjoin(EventParticipantRow, sa.and_(EventParticipantRow.event_id == EventVolunteerRow.event_id,
                                                 EventParticipantRow.id == EventVolunteerRow.participant_id))
        .where(EventVolunteerRow.volunteer_id == volunteer_id).order_by(EventVolunteerRow.signed_up_at)
    )).all()
    messages = (await session.scalars(
        sa.select(OutboxRow).where(OutboxRow.volunteer_id == volunteer_id).order_by(OutboxRow.created_at)
    )).all()
    attended = (await session.scalars(
        sa.select(AttendanceRow).where(AttendanceRow.volunteer_id == volunteer_id)
        .order_by(AttendanceRow.starts_at)
    )).all()
    account = await session.get(VolunteerAccountRow, volunteer_id)
    await audit(session, who, "export", [volunteer_id], path)
    return VolunteerExport(
        volunteer=volunteer_out(row),
        proposals=[
            {"id": p.id, "plan": p.plan_id, "need": p.need_id, "state": p.state, "score": p.score,
             "reasons": p.reasons, "reject_reason": p.reject_reason}
            for p in proposals
        ],
        placements=[
            {"id": p.id, "need": p.need_id, "site": p.site_id, "activity": p.activity_id, "state": p.state,
             "start": p.start, "ended_on": p.ended_on, "followups_done": p.followups_done}
            for p in placements
        ],
        decisions=[{"kind": k.kind, "need": k.need_id, "reason": k.reason, "at": k.created_at} for k in locks],
        tokens=[{"id": t.id, "name": t.name, "created_at": t.created_at,
                 "revoked_at": t.revoked_at} for t in tokens],
        access_log=[{"at": a.at, "actor": a.actor, "role": a.role, "action": a.action, "path": a.path} for a in log],
        onboarding=[{"step": st.step, "done_on": st.done_on, "recorded_by": st.recorded_by} for st in steps],
        event_signups=[
            {"event": ev.event_id, "participant": ev.participant_id, "signed_up_at": ev.signed_up_at,
             "participant_record": p.data if p is not None else None}
            for ev, p in signups
        ],
        # Messages to the person, or about them to the coordinator (sign-in links blanked once sent).
        messages=[{"id": m.id, "to": m.recipient, "kind": m.kind, "subject": m.subject, "body": m.body,
                   "state": m.state, "created_at": m.created_at, "sent_at": m.sent_at} for m in messages],
        attendance=[{"placement": a.placement_id, "starts_at": a.starts_at, "minutes": a.minutes,
                     "took_place": a.took_place, "recorded_by": a.recorded_by} for a in attended],
        account={"lang": account.lang, "calendar_feed": account.calendar_key is not None,
                 "leave_requested_at": account.leave_requested_at, "leave_note": account.leave_note}
        if account else None,
    )


async def retention_due(session: AsyncSession, who: Principal, months: int,
                        today: dt.date | None = None) -> RetentionOut:
    """Volunteers with no placement in force and no contact for `months`: listed for the coordinator,
    who confirms each erasure (`DELETE /api/v1/volunteers/{id}`). Nothing is erased here.

    Contact is the latest of: registration or change of the record, a placement's start, answer
    or end, a follow-up conversation, the first conversation, a Frivilligtorg sign-up.
    """
    from matcher.validate import add_months

    who.require_coordinator()
    today = today or clock.today()
    cutoff = add_months(today, -months)
    rows = (await session.execute(
        sa.select(VolunteerRow.id, VolunteerRow.data, VolunteerRow.created_at, VolunteerRow.updated_at)
        .where(VolunteerRow.data.is_not(None))
    )).all()
    last: dict[str, dt.date] = {}

    def seen(vid: str, when: dt.date | dt.datetime | str | None) -> None:
        if when is None:
            return
        if isinstance(when, dt.datetime):  # a moment (stored in UTC): its day in Oslo, as every "today" here
            day = clock.today(clock.as_utc(when))
        else:
            day = dt.date.fromisoformat(when[:10]) if isinstance(when, str) else when
        if vid not in last or day > last[vid]:
            last[vid] = day

    for vid, _, created, updated in rows:
        seen(vid, created)
        seen(vid, updated)
    busy: set[str] = set()
    for p in (await session.scalars(sa.select(PlacementRow))).all():
        if p.state in IN_FORCE:
            busy.add(p.volunteer_id)
        for when in (p.start, p.responded_at, p.ended_on, *(p.followups_done or [])):
            seen(p.volunteer_id, when)
    for vid, done_on in (await session.execute(sa.select(OnboardingStepRow.volunteer_id,
                                                         OnboardingStepRow.done_on))).all():
        seen(vid, done_on)
    for vid, at in (await session.execute(sa.select(EventVolunteerRow.volunteer_id,
                                                    EventVolunteerRow.signed_up_at))).all():
        seen(vid, at)
    due = [
        {"id": vid, "name": (data or {}).get("name", vid), "last_contact": last[vid]}
        for vid, data, _, _ in rows
        if vid not in busy and vid in last and last[vid] < cutoff
    ]
    due.sort(key=lambda d: (d["last_contact"], d["id"]))
    await audit(session, who, "read", [d["id"] for d in due], "/api/v1/retention")
    return RetentionOut(months=months, cutoff=cutoff,
                        volunteers=[RetentionEntry(id=d["id"], name=d["name"], last_contact=d["last_contact"])
                                    for d in due])


async def leave_requests(session: AsyncSession) -> list[VolunteerAccountRow]:
    """The volunteers who asked to leave (on their own page), the earliest request first."""
    return list((await session.scalars(sa.select(VolunteerAccountRow).where(
        VolunteerAccountRow.leave_requested_at.is_not(None)).order_by(VolunteerAccountRow.leave_requested_at))).all())
