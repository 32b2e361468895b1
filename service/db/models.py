"""The register's tables.

Catalogue entries, sites, volunteers and needs keep their `samspill.scenario/1`
document in a JSON column (`data`), so the API, the scenario export and the matcher
share one vocabulary; the columns beside it are the ones queries and locks need.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events.lifecycle import Action
from events.schema import EventState
from service import clock

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# A nullable document: Python None is stored as SQL NULL, never as the JSON value `null`,
# so `data IS NULL` / `IS NOT NULL` mean what they say (an erased volunteer has SQL NULL).
NullableJSONDoc = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


# A column of hashes or random keys (a token's sha256, a session id's, a link's secret): opaque, not text a
# person wrote. The privacy scan (service/db/identity_scan.py) does not read it: a sha256 in hex holds a
# run of exactly 11 digits about one time in 22 (4.6 % of 20 000 drawn), which it listed as a stored
# identity number.
OPAQUE: dict[Any, Any] = {"opaque": True}


def utcnow() -> dt.datetime:
    """The columns' default moment: the service's clock (service.clock.now), aware UTC."""
    return clock.now()


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether a schema object belongs to our migrations (Alembic's `include_name`): procrastinate keeps
    its own tables beside ours on PostgreSQL (the plan-run queue) and applies them itself."""
    return not str(name or "").startswith("procrastinate")


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class _Stamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, onupdate=utcnow)


class RegisterRow(Base):
    """The one row describing the register as a whole: horizon, weights, the run lock."""

    __tablename__ = "register"
    id: Mapped[int] = mapped_column(primary_key=True)
    horizon_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    horizon_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    solving_since: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class TrainingRow(_Stamped, Base):
    __tablename__ = "trainings"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class ActivityRow(_Stamped, Base):
    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class SiteRow(_Stamped, Base):
    __tablename__ = "sites"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class VolunteerRow(_Stamped, Base):
    """A volunteer (frivillig). `data` is None once anonymised; the row stays for counts."""

    __tablename__ = "volunteers"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(NullableJSONDoc)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class NeedRow(_Stamped, Base):
    """A need (behov) posted by a site."""

    __tablename__ = "needs"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    activity_id: Mapped[str] = mapped_column(sa.ForeignKey("activities.id", ondelete="RESTRICT"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    # who posted it: the name and role of the token or user, so a site can be asked about it
    posted_by: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    # open: the matcher fills it; paused: kept but not matched for now; closed: no longer wanted.
    state: Mapped[str] = mapped_column(sa.String(20), default="open", server_default="open")


class LockRow(Base):
    """A coordinator's decision carried into later runs: a pinned or a forbidden pair."""

    __tablename__ = "locks"
    __table_args__ = (sa.UniqueConstraint("kind", "volunteer_id", "need_id", name="uq_locks_pair"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "pinned" | "forbidden"
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    need_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class PlanRow(Base):
    """A matcher run's result: a draft until the coordinator releases it."""

    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20))  # "draft" | "released"
    solver_status: Mapped[str] = mapped_column(sa.String(20))
    unfilled: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ProposalRow(Base):
    """A proposed match (volunteer, need) inside a plan."""

    __tablename__ = "proposals"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    need_id: Mapped[str] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    state: Mapped[str] = mapped_column(sa.String(20), default="proposed")  # proposed|accepted|rejected
    pinned: Mapped[bool] = mapped_column(default=False)
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class PlacementRow(Base):
    """A released match: the volunteer is placed on the need (in force while offered or confirmed)."""

    __tablename__ = "placements"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # No foreign keys: an ended placement outlives its need and, anonymised, its volunteer.
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    need_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    site_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    activity_id: Mapped[str] = mapped_column(sa.String(200))
    plan_id: Mapped[str | None] = mapped_column(sa.String(64))
    proposal_id: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(20), index=True)  # offered|confirmed|declined|ended
    start: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    followups_done: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # Why it ended (one of placements.END_REASONS) and when the closing conversation (avslutning) was held.
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    closing_held: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The volunteer's optional reason for saying no.
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)


class TokenRow(Base):
    """A bearer token; only its sha256 is kept."""

    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    site_id: Mapped[str | None] = mapped_column(sa.String(200))
    volunteer_id: Mapped[str | None] = mapped_column(sa.String(200))
    # Broker and notary tokens are bound to one exchange event (service/exchange).
    event_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info=OPAQUE)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class IdempotencyRow(Base):
    """The first answer to a POST carrying an Idempotency-Key, per token."""

    __tablename__ = "idempotency_keys"
    token_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64), info=OPAQUE)
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class AuditRow(Base):
    """One read or change of a volunteer's personal data."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, index=True)
    token_id: Mapped[str | None] = mapped_column(sa.String(64))
    actor: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(20))  # read|create|update|anonymise|export|match
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    path: Mapped[str] = mapped_column(sa.String(500))


class UserRow(Base):
    """A person who signs in to the web pages (the coordinator); the password is kept as an argon2 hash."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    site_id: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # the language the person last read the pages in (their mail follows it): nb | en
    lang: Mapped[str] = mapped_column(sa.String(5), default="nb", server_default="nb")
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class LoginFailureRow(Base):
    """One wrong password for an email from an address; counted to slow down guessing."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow, index=True)


class WebSessionRow(Base):
    """A signed-in browser session (service/web/sessions.py). The cookie carries a random id whose
    sha256 is kept here, so logging out or changing a password ends the session on the server too."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True, info=OPAQUE)  # sha256 of the cookie's session id
    subject: Mapped[str] = mapped_column(sa.String(250), index=True)  # "user:usr-…", "volunteer:vol-…", …
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class OnboardingStepRow(Base):
    """An onboarding step the volunteer record itself has no field for (the first conversation)."""

    __tablename__ = "onboarding_steps"
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    step: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "first_conversation"
    done_on: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by: Mapped[str] = mapped_column(sa.String(200))


class SiteReportRow(Base):
    """A site contact's report on a placement: the volunteer did not come, or the placement should end.

    It reaches the coordinator's at-risk list; the coordinator decides (service/register/site_reports.py).
    """

    __tablename__ = "site_reports"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    placement_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    site_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # should_end (did not come: attendance)
    on_date: Mapped[dt.date] = mapped_column(sa.Date)
    reported_by: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    resolution: Mapped[str | None] = mapped_column(sa.String(40))  # ended | kept


# --- The exchange event (Frivilligbørs): service/exchange/ -----------------------------------
# Each row keeps its `events.schema` document in `data`; the columns beside it are the ones
# queries, scoping and the state machine need.


class ExchangeEventRow(_Stamped, Base):
    """An exchange event (Frivilligbørs) and its current state; `transitions` holds the history."""

    __tablename__ = "exchange_events"
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    state: Mapped[EventState] = mapped_column(sa.String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    # A read-only key for the big screen, the printable catalogue and the report pages.
    screen_key: Mapped[str] = mapped_column(sa.String(64), unique=True, info=OPAQUE)
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class EventTransitionRow(Base):
    """One move of an event's state (lifecycle.Transition), with its time."""

    __tablename__ = "event_transitions"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[EventState] = mapped_column(sa.String(20))
    to_state: Mapped[EventState] = mapped_column(sa.String(20))
    action: Mapped[Action] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class EventParticipantRow(Base):
    """A participant; ids are unique within their event (two events may both have `p-rodekors`)."""

    __tablename__ = "event_participants"
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class EventEntryRow(Base):
    """An offer or a need in the catalogue (børskatalog)."""

    __tablename__ = "event_entries"
    __table_args__ = (
        sa.ForeignKeyConstraint(["event_id", "participant_id"], ["event_participants.event_id",
                                                                 "event_participants.id"],
                                ondelete="CASCADE", name="fk_event_entries_participant"),
    )
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    participant_id: Mapped[str] = mapped_column(sa.String(200))
    side: Mapped[str] = mapped_column(sa.String(10))  # offer | need
    category: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class EventAgreementRow(Base):
    """An agreement registered by a broker during the trading hour; confirmed by a notary."""

    __tablename__ = "event_agreements"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    broker_token_id: Mapped[str | None] = mapped_column(sa.String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Opens this agreement's follow-up form for its parties (sent to them after the event).
    follow_up_key: Mapped[str | None] = mapped_column(sa.String(64), info=OPAQUE)


class EventFollowUpRow(Base):
    """A party's report on whether an agreement was carried out (oppfølging)."""

    __tablename__ = "event_follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[str] = mapped_column(sa.ForeignKey("event_agreements.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class EventVolunteerRow(Base):
    """A volunteer who signed up at the event's Frivilligtorg (onboarding pending until the coordinator
    records the signed agreement and declaration)."""

    __tablename__ = "event_volunteers"
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    participant_id: Mapped[str | None] = mapped_column(sa.String(200))
    signed_up_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


# --- Volunteers in the loop: the outbox, sign-in links, attendance, the volunteer's own settings ------------


class OutboxRow(Base):
    """One message to send (e-mail or SMS), written in the same transaction as the change it tells of.

    The sender claims a row with a lease (`lease_owner`, `lease_until`) so two senders never send
    one row; `id` is also the message's Message-ID, so a resend after a crash is recognisably the same.
    """

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(sa.String(320))
    volunteer_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    lang: Mapped[str] = mapped_column(sa.String(5))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(10), index=True)  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow,
                                                         index=True)
    lease_owner: Mapped[str | None] = mapped_column(sa.String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class LoginLinkRow(Base):
    """A single-use sign-in link for a volunteer; only the sha256 of its secret is kept."""

    __tablename__ = "login_links"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info=OPAQUE)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class AttendanceRow(Base):
    """Whether one occurrence of a placement took place (oppmøte), confirmed by the site or the volunteer."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("placement_id", "starts_at", name="uq_attendance_occurrence"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    placement_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    site_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    need_id: Mapped[str] = mapped_column(sa.String(200))
    # The occurrence's local start (Europe/Oslo wall clock, naive) and its length.
    starts_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=False))
    minutes: Mapped[int]
    took_place: Mapped[bool]
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_role: Mapped[str] = mapped_column(sa.String(20))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)


class VolunteerAccountRow(Base):
    """What the volunteer chooses for themselves: language, the calendar feed's key, a request to leave."""

    __tablename__ = "volunteer_accounts"
    volunteer_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    lang: Mapped[str] = mapped_column(sa.String(5), default="nb")
    # The private calendar URL's secret; a read capability like an event's screen key, replaced to revoke.
    calendar_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True, info=OPAQUE)
    leave_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    leave_note: Mapped[str | None] = mapped_column(sa.Text)


class FloorLinkRow(Base):
    """A one-time sign-in link for the exchange floor (broker, notary, børsgeneral, Frivilligtorg stand).

    Only the link's sha256 is kept. Opening it once starts a browser session bound to this row:
    revoking the row, or archiving the event, ends every page that session opened."""

    __tablename__ = "event_floor_links"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("exchange_events.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))  # broker | notary | general | stand
    name: Mapped[str] = mapped_column(sa.String(200))
    link_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info=OPAQUE)
    created_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
