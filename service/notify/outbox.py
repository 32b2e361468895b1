"""The notification outbox: messages written in the same transaction as the change they tell of.

    from service.notify.outbox import enqueue
    await enqueue(session, "kari@example.no", "login_link", {"url": url}, lang="nb",
                  key=f"login-link:{link_id}", volunteer_id="vol-1")

`enqueue` only adds a row to the caller's transaction: if the change rolls back, so does the
message; if it commits, the message will be sent. The words come from the message catalogue
(`mail.<kind>.subject` and `mail.<kind>.body` in service/web/i18n.py, formatted with `data`),
or from `subject=` and `body=` when the caller has its own. The idempotency key makes a second
enqueue of the same message a no-op (a retried request, a daily scan run twice).

The sender (`send_due`) claims due rows with a lease, so two senders (the app's background
task and `samspill outbox send`, or several workers) never send one row, sends them, and marks
them sent, or schedules a retry with back-off. A server that is down loses nothing: the rows
wait. Delivery is at least once: a crash after the mail server said yes but before the row was
marked sent resends that one message, with the same Message-ID (`<row id@domain>`), which mail
systems use to drop the duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.engine import rowcount
from service.db.models import OutboxRow, utcnow
from service.langs import pick_lang

log = logging.getLogger("samspill.notify")

CHANNELS = ("email", "sms")
# Messages whose body holds a secret (a sign-in link): blanked once sent, so the outbox keeps no usable link.
REDACTED_KINDS = {"login_link"}
REDACTED = "[removed after sending]"
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=1)


class TemporaryFailure(Exception):
    """Try again later (server down, 4xx answer)."""


class PermanentFailure(Exception):
    """Never going to work (the address is refused, 5xx answer): the row is marked failed."""


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs of one row."""

    id: str
    channel: str
    recipient: str
    subject: str
    body: str
    lang: str
    kind: str


class Transport(Protocol):
    """A channel's way out: raise TemporaryFailure or PermanentFailure, or return when accepted."""

    async def send(self, message: Outgoing) -> None: ...


def render(kind: str, data: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """Subject and body for a catalogue message kind, in `lang` (Bokmål when the key has no translation)."""
    from service.web import i18n

    subject_key, body_key = f"mail.{kind}.subject", f"mail.{kind}.body"
    if not (i18n.has(subject_key) and i18n.has(body_key)):
        raise ValueError(f"no message kind {kind!r} in the catalogue (add mail.{kind}.subject and .body, "
                         "or pass subject= and body=)")
    return i18n.t(lang, subject_key, **data), i18n.t(lang, body_key, **data)


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(OutboxRow).on_conflict_do_nothing(index_elements=["idempotency_key"])
    if dialect == "sqlite":
        return sqlite.insert(OutboxRow).on_conflict_do_nothing(index_elements=["idempotency_key"])
    raise RuntimeError(f"the outbox supports SQLite and PostgreSQL, not {dialect}")


async def enqueue(
    session: AsyncSession,
    recipient: str,
    kind: str,
    data: Mapping[str, Any],
    lang: str = "nb",
    key: str | None = None,
    *,
    channel: str = "email",
    volunteer_id: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> str | None:
    """Add one message to the caller's transaction; the id of the new row, or None if `key` was seen before.

    `recipient` is an e-mail address (channel "email") or a phone number (channel "sms").
    `key` defaults to a fresh one (always sent); give one when the same event may be told twice.
    `volunteer_id` ties the message to a volunteer's record: it is in their export and goes with erasure.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    if not recipient.strip():
        raise ValueError("a message needs a recipient")
    if subject is None or body is None:
        subject, body = render(kind, data, lang)
    row_id = "msg-" + uuid.uuid4().hex
    now = utcnow()
    values = {
        "id": row_id,
        "idempotency_key": (key or row_id)[:255],
        "channel": channel,
        "recipient": recipient.strip()[:320],
        "volunteer_id": volunteer_id,
        "kind": kind[:60],
        "lang": pick_lang(lang),
        "data": dict(data),
        "subject": subject[:300],
        "body": body,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    result = await session.execute(_insert_ignoring_duplicates(session).values(**values))
    return row_id if rowcount(result) else None


def backoff(attempts: int, base: float) -> dt.timedelta:
    """Wait before the next try after `attempts` failures: base, 2·base, 4·base, … at most an hour."""
    return min(dt.timedelta(seconds=base * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def _claim(
    maker: async_sessionmaker[AsyncSession], channels: list[str], owner: str, now: dt.datetime, batch: int
) -> list[OutboxRow]:
    """Take up to `batch` due rows: a compare-and-set on the lease, so a row goes to one sender only."""
    free = sa.or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
    async with maker() as session, session.begin():
        ids = list(
            await session.scalars(
                sa.select(OutboxRow.id)
                .where(
                    OutboxRow.state == "queued",
                    OutboxRow.channel.in_(channels),
                    OutboxRow.next_attempt_at <= now,
                    free,
                )
                .order_by(OutboxRow.created_at, OutboxRow.id)
                .limit(batch)
            )
        )
        claimed = []
        for row_id in ids:
            result = await session.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.state == "queued", free)
                .values(lease_owner=owner, lease_until=now + LEASE)
            )
            if rowcount(result):
                claimed.append(row_id)
        if not claimed:
            return []
        return list(
            await session.scalars(
                sa.select(OutboxRow)
                .where(OutboxRow.id.in_(claimed))
                .order_by(OutboxRow.created_at, OutboxRow.id)
            )
        )


async def _settle(
    maker: async_sessionmaker[AsyncSession], row: OutboxRow, owner: str, values: dict[str, Any]
) -> None:
    async with maker() as session, session.begin():
        await session.execute(
            sa.update(OutboxRow)
            .where(OutboxRow.id == row.id, OutboxRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, **values)
        )


async def send_due(
    maker: async_sessionmaker[AsyncSession],
    transports: Mapping[str, Transport],
    *,
    retry_seconds: float = 30.0,
    batch: int = 50,
    owner: str | None = None,
) -> SendReport:
    """Send what is due on the channels that have a transport; rows of other channels wait."""
    report = SendReport()
    if not transports:
        return report
    owner = owner or "sender-" + uuid.uuid4().hex[:12]
    rows = await _claim(maker, list(transports), owner, utcnow(), batch)
    for row in rows:
        message = Outgoing(row.id, row.channel, row.recipient, row.subject, row.body, row.lang, row.kind)
        try:
            await transports[row.channel].send(message)
        except PermanentFailure as exc:
            log.warning("message %s to %s refused for good: %s", row.id, row.channel, exc)
            await _settle(
                maker,
                row,
                owner,
                {"state": "failed", "attempts": row.attempts + 1, "last_error": str(exc)[:2000]},
            )
            report.failed.append(row.id)
            continue
        except Exception as exc:  # a server down or a timeout: the row waits for the next try
            attempts = row.attempts + 1
            await _settle(
                maker,
                row,
                owner,
                {
                    "attempts": attempts,
                    "last_error": f"{type(exc).__name__}: {exc}"[:2000],
                    "next_attempt_at": utcnow() + backoff(attempts, retry_seconds),
                },
            )
            report.retrying.append(row.id)
            continue
        done: dict[str, Any] = {
            "state": "sent",
            "sent_at": utcnow(),
            "attempts": row.attempts + 1,
            "last_error": None,
        }
        if row.kind in REDACTED_KINDS:
            done.update(body=REDACTED, data={})
        await _settle(maker, row, owner, done)
        report.sent.append(row.id)
    if report.retrying:
        log.info("outbox: %d sent, %d waiting to retry", len(report.sent), len(report.retrying))
    return report


@dataclass(frozen=True)
class OutboxStatus:
    queued: int
    failed: int
    sent: int
    oldest_queued: dt.datetime | None
    last_error: str | None


async def status(session: AsyncSession) -> OutboxStatus:
    counts = dict(
        (await session.execute(sa.select(OutboxRow.state, sa.func.count()).group_by(OutboxRow.state))).all()
    )
    oldest = await session.scalar(
        sa.select(sa.func.min(OutboxRow.created_at)).where(OutboxRow.state == "queued")
    )
    error = await session.scalar(
        sa.select(OutboxRow.last_error)
        .where(OutboxRow.state == "queued", OutboxRow.last_error.is_not(None))
        .order_by(OutboxRow.next_attempt_at.desc())
        .limit(1)
    )
    return OutboxStatus(
        queued=int(counts.get("queued", 0)),
        failed=int(counts.get("failed", 0)),
        sent=int(counts.get("sent", 0)),
        oldest_queued=oldest,
        last_error=error,
    )
