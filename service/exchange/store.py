"""Storage and scoping for the exchange event (Frivilligbørs); every rule comes from `events/`.

Who may do what: the coordinator everything; a broker (børsmegler) and a notary (notarius)
only their own event — any other event is 404 to them. Brokers register participants,
catalogue entries, agreements and follow-ups; notaries confirm agreements.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import lifecycle, report, schema
from events.board import board_snapshot
from events.schema import Agreement, ExchangeEvent, FollowUp, Need, Offer, Participant
from events.suggestions import SuggestionResult
from events.valuation import DEFAULT_RATES, Rates, agreement_value
from matcher.scenario import Issue
from service import clock
from service.auth import EVENT_ROLES, Principal
from service.db.models import (
    ActivityRow,
    EventAgreementRow,
    EventEntryRow,
    EventFollowUpRow,
    EventParticipantRow,
    EventTransitionRow,
    EventVolunteerRow,
    ExchangeEventRow,
    IdempotencyRow,
    utcnow,
)
from service.exchange.schemas import AgreementOut, EstimatedValue, EventOut, SignedUpOut, SuggestionsOut
from service.identity_numbers import field_with_one, refuse
from service.problems import Problem, conflict, fault, field_error, forbidden, invalid, not_found
from service.register.common import decode_as, idempotent_replay, new_id, to_doc
from service.register.needs import body_hash
from service.web import i18n

EventRecord: TypeAlias = ExchangeEventRow
"""An event as stored. The slice's pages and floor hold one between service calls; they never query."""
AgreementRecord: TypeAlias = EventAgreementRow

# States in which the catalogue (participants, offers, needs) may still grow.
CATALOGUE_STATES = ("draft", "catalogue_open", "trading")
FOLLOW_UP_STATES = ("closed", "follow_up")


def now() -> dt.datetime:
    return clock.now()


# --- Scoping --------------------------------------------------------------------------------


# Floor sessions (service/exchange/floor_auth.py) add the børsgeneral and the Frivilligtorg stand.
FLOOR_EVENT_ROLES = (*EVENT_ROLES, "general", "stand")


def may_see(who: Principal, event_id: str) -> bool:
    if who.is_coordinator:
        return True
    return who.role in FLOOR_EVENT_ROLES and who.event_id == event_id


async def load_event(
    session: AsyncSession, who: Principal, event_id: str, *, lock: Literal["none", "share", "update"] = "none"
) -> ExchangeEventRow:
    """The event, if this token may know of it (else 404, as for anything out of scope)."""
    if not may_see(who, event_id):
        raise not_found("event", event_id)
    stmt = sa.select(ExchangeEventRow).where(ExchangeEventRow.id == event_id)
    if lock != "none":
        stmt = stmt.with_for_update(read=lock == "share")
    row = (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
    if row is None:
        raise not_found("event", event_id)
    return row


async def event_by_screen_key(session: AsyncSession, event_id: str, key: str | None) -> ExchangeEventRow:
    """The event whose read-only screen key this is (the big screen, the catalogue, the report)."""
    row = await session.get(ExchangeEventRow, event_id)
    # Same answer for a wrong key and an unknown event: the page does not tell which events exist.
    # An archived event's screen key stops working (docs/exchange-event.md), like its tokens.
    if row is None or not key or not hmac.compare_digest(row.screen_key, key) or row.state == "archived":
        raise not_found("event", event_id)
    return row


async def agreement_by_follow_up_key(session: AsyncSession, event_id: str, agreement_id: str,
                                     key: str | None) -> tuple[ExchangeEventRow, EventAgreementRow]:
    """The event and the agreement whose follow-up link (sent to its parties) this key is."""
    row = await session.get(EventAgreementRow, agreement_id)
    event = await session.get(ExchangeEventRow, event_id)
    if (row is None or event is None or row.event_id != event_id or not row.follow_up_key or not key
            or not hmac.compare_digest(row.follow_up_key, key)):
        raise not_found("agreement", agreement_id)
    return event, row


def require_role(who: Principal, *roles: str) -> None:
    if who.is_coordinator or who.role in roles:
        return
    allowed = " or ".join(("the coordinator", *roles))
    raise forbidden(f"only {allowed} may do this (this token is a {who.role})")


def _problems(problems: Sequence[Issue], status: int = 422) -> Problem:
    errors = [field_error(p) for p in problems]
    exc = invalid(errors)
    exc.status = status
    return exc


# --- Documents ------------------------------------------------------------------------------


def event_of(row: ExchangeEventRow) -> ExchangeEvent:
    return msgspec.convert(row.data, ExchangeEvent)


def participant_of(row: EventParticipantRow) -> Participant:
    return msgspec.convert(row.data, Participant)


def agreement_of(row: EventAgreementRow) -> Agreement:
    return msgspec.convert(row.data, Agreement)


async def transitions(session: AsyncSession, event_id: str) -> list[lifecycle.Transition]:
    rows = (await session.scalars(
        sa.select(EventTransitionRow).where(EventTransitionRow.event_id == event_id).order_by(EventTransitionRow.id)
    )).all()
    return [lifecycle.Transition(from_state=r.from_state, to_state=r.to_state, action=r.action, at=r.at)
            for r in rows]


async def event_out(session: AsyncSession, row: ExchangeEventRow) -> EventOut:
    return EventOut(
        **msgspec.structs.asdict(event_of(row)),
        state=row.state,
        allowed_actions=lifecycle.allowed_actions(row.state),
        transitions=await transitions(session, row.id),
        screen_key=row.screen_key,
        board_page=f"/events/{row.id}/board?key={row.screen_key}",
        catalogue_page=f"/events/{row.id}/catalogue?key={row.screen_key}",
        report_page=f"/events/{row.id}/report?key={row.screen_key}",
        created_at=row.created_at,
    )


# --- Events and their state -----------------------------------------------------------------


async def create_event(session: AsyncSession, who: Principal, raw: dict[str, Any]) -> EventOut:
    who.require_coordinator()
    doc = {**raw, "id": raw.get("id") or new_id("evt")}
    event = decode_as(doc, ExchangeEvent)
    if await session.get(ExchangeEventRow, event.id) is not None:
        raise conflict(f"event {event.id!r} already exists")
    row = ExchangeEventRow(id=event.id, state="draft", data=to_doc(event), screen_key=secrets.token_urlsafe(24))
    session.add(row)
    await session.flush()
    return await event_out(session, row)


async def list_events(session: AsyncSession, who: Principal) -> list[EventOut]:
    stmt = sa.select(ExchangeEventRow).order_by(ExchangeEventRow.created_at, ExchangeEventRow.id)
    if not who.is_coordinator:
        if who.role not in EVENT_ROLES:
            return []
        stmt = stmt.where(ExchangeEventRow.id == who.event_id)
    return [await event_out(session, r) for r in (await session.scalars(stmt)).all()]


async def move(session: AsyncSession, who: Principal, event_id: str,
               action: str) -> tuple[EventOut, lifecycle.Transition]:
    """Apply a lifecycle action (`open_catalogue`, `gong_open`, `gong_close`, `start_follow_up`,
    `archive`); the event row is locked so two moves cannot interleave. The gong is the coordinator's
    or the børsgeneral's (a floor session); every other move is the coordinator's."""
    if action in ("gong_open", "gong_close"):
        require_role(who, "general")
    else:
        who.require_coordinator()
    row = await load_event(session, who, event_id, lock="update")
    try:
        state, record = lifecycle.transition(row.state, action, now())
    except lifecycle.IllegalTransition as exc:
        raise Problem(409, str(exc), slug="illegal-transition") from None
    row.state = state
    session.add(EventTransitionRow(event_id=event_id, from_state=record.from_state, to_state=record.to_state,
                                   action=record.action, at=record.at))
    if state == "archived":
        await _forget_people(session, event_id)
    await session.flush()
    return await event_out(session, row), record


ANONYMOUS_NAME = "Privatperson (anonymisert)"


async def _forget_people(session: AsyncSession, event_id: str) -> None:
    """Archiving ends follow-up, and with it the need for individuals' names and contacts: they are
    anonymised (organisations, businesses and public units keep theirs), and the parties'
    follow-up links stop working. Counts, sectors and values in the report stay."""
    for p in (await session.scalars(sa.select(EventParticipantRow).where(
            EventParticipantRow.event_id == event_id, EventParticipantRow.kind == "individual"))).all():
        p.data = {**p.data, "name": ANONYMOUS_NAME, "contact": "slettet", "description": ""}
    await session.execute(sa.update(EventAgreementRow).where(EventAgreementRow.event_id == event_id)
                          .values(follow_up_key=None))


# --- Participants and catalogue -------------------------------------------------------------


async def participants(session: AsyncSession, event_id: str) -> list[Participant]:
    rows = (await session.scalars(
        sa.select(EventParticipantRow).where(EventParticipantRow.event_id == event_id)
        .order_by(EventParticipantRow.created_at, EventParticipantRow.id)
    )).all()
    return [participant_of(r) for r in rows]


async def add_participant(session: AsyncSession, who: Principal, event_id: str, raw: dict[str, Any]) -> Participant:
    require_role(who, "broker")
    row = await load_event(session, who, event_id, lock="share")
    if row.state not in CATALOGUE_STATES:
        raise conflict(f"participants are added before or during trading; the event is {row.state}", "event-state")
    doc = {**raw, "id": raw.get("id") or new_id("par")}
    refuse(field_with_one(doc))  # the edge checked a request's body; a CSV import comes here line by line
    p = decode_as(doc, Participant)
    if await session.get(EventParticipantRow, (event_id, p.id)) is not None:
        raise conflict(f"participant {p.id!r} already exists")
    session.add(EventParticipantRow(id=p.id, event_id=event_id, kind=p.kind, data=to_doc(p)))
    await session.flush()
    return p


async def entries(session: AsyncSession, event_id: str) -> tuple[list[Offer], list[Need]]:
    rows = (await session.scalars(
        sa.select(EventEntryRow).where(EventEntryRow.event_id == event_id).order_by(EventEntryRow.created_at,
                                                                                    EventEntryRow.id)
    )).all()
    offers = [msgspec.convert(r.data, Offer) for r in rows if r.side == "offer"]
    needs = [msgspec.convert(r.data, Need) for r in rows if r.side == "need"]
    return offers, needs


async def add_entry(
    session: AsyncSession, who: Principal, event_id: str, side: schema.EntrySide, raw: dict[str, Any]
) -> Offer | Need:
    require_role(who, "broker")
    row = await load_event(session, who, event_id, lock="share")
    if row.state not in CATALOGUE_STATES:
        raise conflict(f"the catalogue takes entries before or during trading; the event is {row.state}", "event-state")
    doc = {**raw, "id": raw.get("id") or new_id(side[:3])} if isinstance(raw, dict) else raw
    refuse(field_with_one(doc))  # the edge checked a request's body; a CSV import comes here line by line
    problems = schema.validate_entry_payload(doc, side)
    if problems:
        raise _problems(problems)
    entry: Offer | Need = msgspec.convert(doc, Offer) if side == "offer" else msgspec.convert(doc, Need)
    owner = await session.get(EventParticipantRow, (event_id, entry.participant))
    if owner is None:
        raise invalid([fault("participant", "not-a-participant-here", value=entry.participant)])
    if await session.get(EventEntryRow, (event_id, entry.id)) is not None:
        raise conflict(f"{side} {entry.id!r} already exists")
    session.add(EventEntryRow(id=entry.id, event_id=event_id, participant_id=entry.participant, side=side,
                              category=entry.category, data=to_doc(entry)))
    await session.flush()
    return entry


async def live_parts(
    session: AsyncSession, event_id: str
) -> tuple[list[Participant], list[Offer], list[Need], list[Agreement]]:
    """The catalogue and the agreements as documents, read as plain columns (no ORM objects): the broker
    pages re-read them on every agreement in the hall, so this is the floor's hot path."""
    parts = (await session.execute(
        sa.select(EventParticipantRow.data).where(EventParticipantRow.event_id == event_id)
        .order_by(EventParticipantRow.created_at, EventParticipantRow.id))).scalars().all()
    rows = (await session.execute(
        sa.select(EventEntryRow.side, EventEntryRow.data).where(EventEntryRow.event_id == event_id)
        .order_by(EventEntryRow.created_at, EventEntryRow.id))).all()
    made = (await session.execute(
        sa.select(EventAgreementRow.data).where(EventAgreementRow.event_id == event_id)
        .order_by(EventAgreementRow.registered_at, EventAgreementRow.id))).scalars().all()
    return ([msgspec.convert(d, Participant) for d in parts],
            [msgspec.convert(d, Offer) for side, d in rows if side == "offer"],
            [msgspec.convert(d, Need) for side, d in rows if side == "need"],
            [msgspec.convert(d, Agreement) for d in made])


async def catalogue_parts(session: AsyncSession, event_id: str) -> tuple[list[Participant], list[Offer], list[Need]]:
    offers, needs = await entries(session, event_id)
    return await participants(session, event_id), offers, needs


# --- Agreements -----------------------------------------------------------------------------


async def agreements(session: AsyncSession, event_id: str) -> list[Agreement]:
    rows = (await session.scalars(
        sa.select(EventAgreementRow).where(EventAgreementRow.event_id == event_id)
        .order_by(EventAgreementRow.registered_at, EventAgreementRow.id)
    )).all()
    return [agreement_of(r) for r in rows]


def agreement_out(a: Agreement, rates: Rates, row: EventAgreementRow | None = None) -> AgreementOut:
    """An agreement as staff see it; with its row, the link its parties report follow-up through."""
    v = agreement_value(a, rates)
    page = (f"/events/{row.event_id}/agreements/{row.id}/follow-up?key={row.follow_up_key}"
            if row is not None and row.follow_up_key else msgspec.UNSET)
    return AgreementOut(**msgspec.structs.asdict(a), two_way=a.is_two_way,
                        estimated_value=EstimatedValue(nok=v.nok, unvalued_gives=v.unvalued, label=v.label),
                        follow_up_page=page)


async def agreement_rows(session: AsyncSession, event_id: str) -> list[EventAgreementRow]:
    return list((await session.scalars(
        sa.select(EventAgreementRow).where(EventAgreementRow.event_id == event_id)
        .order_by(EventAgreementRow.registered_at, EventAgreementRow.id)
    )).all())


async def _replay(session: AsyncSession, who: Principal, key: str, digest: str) -> AgreementOut | None:
    row = await idempotent_replay(session, who.token_id or "", key, digest)
    return None if row is None else msgspec.convert(row.response, AgreementOut)


async def register_agreement(
    session: AsyncSession, who: Principal, event_id: str, raw: Any, rates: Rates, *,
    idempotency_key: str | None = None,
) -> tuple[Agreement | None, AgreementOut]:
    """A broker registers an agreement: only while trading (409 naming the state), never money
    (422 naming the field), two distinct participants of this event. Returns (the new agreement,
    the answer); with an Idempotency-Key a repeat returns the first answer and (None, answer) —
    also after the gong, so a broker's retry on a flaky network never turns into a 409 or a twin."""
    require_role(who, "broker")
    key = digest = None
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 200:
            raise Problem(400, "Idempotency-Key must be 1 to 200 characters", slug="validation",
                          errors=[fault("Idempotency-Key", "length", min=1, max=200)])
        key = f"agreement:{event_id}:{idempotency_key}"[:255]
        digest = body_hash(raw) if isinstance(raw, dict) else body_hash({"raw": raw})
        await load_event(session, who, event_id)
        seen = await _replay(session, who, key, digest)
        if seen is not None:
            return None, seen
    # FOR SHARE: the gong closing (FOR UPDATE) waits for registrations in flight, and they for it.
    row = await load_event(session, who, event_id, lock="share")
    try:
        lifecycle.check_can_register_agreement(row.state)
    except lifecycle.IllegalTransition as exc:
        raise Problem(409, str(exc), slug="not-trading") from None
    ids = set(await session.scalars(sa.select(EventParticipantRow.id).where(EventParticipantRow.event_id == event_id)))
    problems = schema.validate_agreement_payload(raw, participants=ids)
    if problems:
        raise _problems(problems)
    refs = [(field, raw.get(field)) for field in ("offer", "need")]
    refs += [(f"gives[{i}].{field}", g.get(field)) for i, g in enumerate(raw["gives"]) for field in ("offer", "need")]
    for field, ref in refs:
        if ref is not None:
            side = field.rsplit(".", 1)[-1]
            entry = await session.get(EventEntryRow, (event_id, ref))
            if entry is None or entry.side != side:
                raise invalid([fault(field, "not-in-catalogue", value=ref, side=side)])
    at = now()
    agreement = msgspec.structs.replace(
        schema.decode_agreement(raw, participants=ids),
        id=new_id("agr"), broker=who.name, registered_at=at, confirmed_by=None, confirmed_at=None,
    )
    stored = EventAgreementRow(id=agreement.id, event_id=event_id, data=to_doc(agreement),
                               broker_token_id=who.token_id, registered_at=at, follow_up_key=secrets.token_urlsafe(24))
    body = agreement_out(agreement, rates, stored)
    try:
        async with session.begin_nested():
            session.add(stored)
            if key is not None and digest is not None:
                session.add(IdempotencyRow(token_id=who.token_id or "", key=key, request_hash=digest, status_code=201,
                                           response=msgspec.to_builtins(body)))
            await session.flush()
    except IntegrityError:
        # The same key committed first from a concurrent retry: answer as it did.
        if key is not None and digest is not None and (seen := await _replay(session, who, key, digest)) is not None:
            return None, seen
        raise
    return agreement, body


async def get_agreement(session: AsyncSession, who: Principal, event_id: str, agreement_id: str,
                        *, for_update: bool = False) -> EventAgreementRow:
    await load_event(session, who, event_id)
    row = await session.get(EventAgreementRow, agreement_id, with_for_update=for_update)
    if row is None or row.event_id != event_id:
        raise not_found("agreement", agreement_id)
    return row


async def confirm_agreement(session: AsyncSession, who: Principal, event_id: str, agreement_id: str) -> Agreement:
    """The notary signs an agreement off (idempotent: a second confirm changes nothing)."""
    require_role(who, "notary")
    event = await load_event(session, who, event_id, lock="share")
    if event.state not in ("trading", "closed"):
        raise conflict(f"agreements are confirmed during or right after trading; the event is {event.state}",
                       "event-state")
    row = await get_agreement(session, who, event_id, agreement_id, for_update=True)
    a = agreement_of(row)
    if a.confirmed_by is not None:
        return a
    at = now()
    a = msgspec.structs.replace(a, confirmed_by=who.name, confirmed_at=at)
    row.data = to_doc(a)
    row.confirmed_at = at
    await session.flush()
    return a


# --- Follow-up and report -------------------------------------------------------------------


async def follow_ups(session: AsyncSession, event_id: str) -> list[FollowUp]:
    rows = (await session.scalars(
        sa.select(EventFollowUpRow).where(EventFollowUpRow.event_id == event_id).order_by(EventFollowUpRow.id)
    )).all()
    return [msgspec.convert(r.data, FollowUp) for r in rows]


async def report_follow_up(
    session: AsyncSession, who: Principal, event_id: str, agreement_id: str, raw: Any
) -> FollowUp:
    """A party reports whether the agreement was carried out; `reported_by` names the party."""
    require_role(who, "broker")
    event = await load_event(session, who, event_id, lock="share")
    row = await get_agreement(session, who, event_id, agreement_id)
    return await record_follow_up(session, event, row, raw)


async def record_follow_up(session: AsyncSession, event: ExchangeEventRow, row: EventAgreementRow,
                           raw: Any) -> FollowUp:
    """Store a follow-up report once the caller (staff, or a party through its link) may."""
    event_id, agreement_id = event.id, row.id
    if event.state not in FOLLOW_UP_STATES:
        raise conflict(f"follow-up is reported after the trading hour closes; the event is {event.state}",
                       "event-state")
    a = agreement_of(row)
    doc = {**raw, "agreement": agreement_id, "reported_at": now()} if isinstance(raw, dict) else raw
    f = decode_as(doc, FollowUp)
    if f.reported_by not in a.parties:
        raise invalid([fault("reported_by", "not-a-party", value=f.reported_by, parties=a.parties)])
    session.add(EventFollowUpRow(event_id=event_id, agreement_id=agreement_id, data=to_doc(f),
                                 reported_at=f.reported_at or now()))
    await session.flush()
    return f


async def build_report(session: AsyncSession, row: ExchangeEventRow, rates: Rates,
                       today: dt.date | None = None) -> report.EventReport:
    history = await transitions(session, row.id)
    return report.build_report(
        event_of(row), await participants(session, row.id), await agreements(session, row.id),
        await follow_ups(session, row.id), closed_at=lifecycle.time_of(history, "gong_close"),
        today=today or clock.today(), rates=rates,
    )


async def board(session: AsyncSession, event_id: str, rates: Rates = DEFAULT_RATES) -> schema.BoardSnapshot:
    """The big screen, from the database: after a restart the board resumes from here. The domain's
    snapshot has English summaries; the Bokmål line for the hall is rendered here, from each
    agreement's gives, through the message catalogue."""
    found = await agreements(session, event_id)
    people = await participants(session, event_id)
    snap = board_snapshot(found, people, rates=rates)
    by_id = {a.id: a for a in found}
    names = {p.id: p.name for p in people}
    lines = [msgspec.structs.replace(line, summary_nb=i18n.give_summary("nb", a.parties, a.gives, names))
             if (a := by_id.get(line.agreement or "")) is not None else line for line in snap.latest]
    return msgspec.structs.replace(snap, latest=lines)


# --- Meeting suggestions ---------------------------------------------------------------------


def save_suggestions(row: ExchangeEventRow, result: SuggestionResult) -> SuggestionsOut:
    """The suggestions just made, kept on the event (the latest only) and returned as stored."""
    out = SuggestionsOut(**msgspec.structs.asdict(result), created_at=now())
    row.suggestions = msgspec.to_builtins(out)
    return out


def suggestions_of(row: ExchangeEventRow) -> SuggestionsOut | None:
    return None if row.suggestions is None else msgspec.convert(row.suggestions, SuggestionsOut)


# --- Frivilligtorg ----------------------------------------------------------------------------


async def signed_up(session: AsyncSession, event_id: str, volunteer_id: str, participant_id: str | None) -> None:
    session.add(EventVolunteerRow(event_id=event_id, volunteer_id=volunteer_id, participant_id=participant_id,
                                  signed_up_at=utcnow()))
    await session.flush()


async def signed_up_list(session: AsyncSession, event_id: str) -> list[SignedUpOut]:
    """Volunteers from the Frivilligtorg: id, name and which onboarding steps are still open
    (no more personal data than a broker needs)."""
    from service.db.models import VolunteerRow

    rows = (await session.execute(
        sa.select(EventVolunteerRow, VolunteerRow).join(VolunteerRow, VolunteerRow.id == EventVolunteerRow.volunteer_id)
        .where(EventVolunteerRow.event_id == event_id).order_by(EventVolunteerRow.signed_up_at)
    )).all()
    out = []
    for ev, vol in rows:
        data = vol.data or {}
        pending = [k for k in ("agreement_signed", "confidentiality_signed") if not data.get(k)]
        out.append(SignedUpOut(volunteer=ev.volunteer_id, name=data.get("name"), participant=ev.participant_id,
                               signed_up_at=ev.signed_up_at, onboarding="pending" if pending else "done",
                               pending=pending))
    return out


async def agreement_counts(session: AsyncSession, event_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(agreements, confirmed) per event: what the live board's resync compares."""
    rows = (await session.execute(
        sa.select(EventAgreementRow.event_id, sa.func.count(), sa.func.count(EventAgreementRow.confirmed_at))
        .where(EventAgreementRow.event_id.in_(event_ids)).group_by(EventAgreementRow.event_id)
    )).all()
    return {e: (int(n), int(c)) for e, n, c in rows}


async def activity_choices(session: AsyncSession) -> list[tuple[str, str]]:
    """(id, name) of the register's activities, for the Frivilligtorg stand's sign-up form."""
    rows = (await session.scalars(sa.select(ActivityRow).order_by(ActivityRow.id))).all()
    return [(r.id, str((r.data or {}).get("name") or r.id)) for r in rows]
