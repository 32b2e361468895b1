"""Sign-in without a password: a single-use, short-lived link sent by e-mail; only its hash is kept.

Asking for a link never reveals whether the address is registered: the answer is the same,
and the work is the same up to the insert (the message goes out later, from the outbox).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.db.engine import rowcount
from service.db.models import LoginLinkRow, VolunteerRow, utcnow
from service.notify.outbox import enqueue
from service.notify.tell import volunteer_lang
from service.settings import Settings

LINK_MINUTES = 20
# At most this many links per volunteer per hour: a mailbox is not flooded by someone typing its address.
LINKS_PER_HOUR = 5
LINK_PATH = "/login/link/"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def volunteer_by_email(session: AsyncSession, email: str) -> VolunteerRow | None:
    wanted = email.strip().lower()
    if "@" not in wanted or len(wanted) > 320:
        return None
    rows = (
        await session.scalars(
            sa.select(VolunteerRow).where(
                VolunteerRow.data.is_not(None),
                sa.func.lower(VolunteerRow.data["email"].as_string()) == wanted,
            )
        )
    ).all()
    return (
        rows[0] if len(rows) == 1 else None
    )  # two people sharing one address get no link: ask the coordinator


async def issue_link(
    session: AsyncSession, settings: Settings, volunteer: VolunteerRow, *, now: dt.datetime | None = None
) -> str | None:
    """Store a new link's hash and queue the e-mail carrying it; the message id, or None if rate-limited."""
    now = now or utcnow()
    recent = await session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginLinkRow)
        .where(
            LoginLinkRow.volunteer_id == volunteer.id, LoginLinkRow.created_at > now - dt.timedelta(hours=1)
        )
    )
    doc = volunteer.data or {}
    if (recent or 0) >= LINKS_PER_HOUR or not doc.get("email"):
        return None
    secret = secrets.token_urlsafe(32)
    row = LoginLinkRow(
        id="lnk-" + uuid.uuid4().hex[:12],
        volunteer_id=volunteer.id,
        token_hash=_hash(secret),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=LINK_MINUTES),
    )
    session.add(row)
    await session.flush()
    lang = await volunteer_lang(session, volunteer.id)
    return await enqueue(
        session,
        doc["email"],
        "login_link",
        {
            "name": doc.get("name", ""),
            "url": settings.public_url + LINK_PATH + secret,
            "minutes": LINK_MINUTES,
        },
        lang,
        f"login-link:{row.id}",
        volunteer_id=volunteer.id,
    )


async def request_link(session: AsyncSession, settings: Settings, email: str) -> None:
    """A link to whoever has this address, if anyone: the caller answers the same either way."""
    volunteer = await volunteer_by_email(session, email)
    if volunteer is not None:
        await issue_link(session, settings, volunteer)


async def send_link_for(
    session: AsyncSession, settings: Settings, who: Principal, volunteer_id: str
) -> str | None:
    """The coordinator sends a volunteer a link from the volunteer's page."""
    who.require_coordinator()
    volunteer = await session.get(VolunteerRow, volunteer_id)
    if volunteer is None or volunteer.data is None:
        return None
    return await issue_link(session, settings, volunteer)


async def peek(session: AsyncSession, secret: str, now: dt.datetime | None = None) -> LoginLinkRow | None:
    """The link if it is unused and unexpired, without using it (the page that asks to continue)."""
    now = now or utcnow()
    row = await session.scalar(sa.select(LoginLinkRow).where(LoginLinkRow.token_hash == _hash(secret)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


async def redeem(session: AsyncSession, secret: str, now: dt.datetime | None = None) -> str | None:
    """Use the link once: the volunteer's id, or None when it is unknown, used or expired.

    A compare-and-set on `used_at`, so two clicks racing each other sign in only once.
    """
    now = now or utcnow()
    row = await peek(session, secret, now)
    if row is None:
        return None
    result = await session.execute(
        sa.update(LoginLinkRow)
        .where(LoginLinkRow.id == row.id, LoginLinkRow.used_at.is_(None))
        .values(used_at=now)
    )
    if not rowcount(result):
        return None
    volunteer = await session.get(VolunteerRow, row.volunteer_id)
    if volunteer is None or volunteer.data is None:
        return None
    # Old links are of no use to anyone: drop them while we are here.
    await session.execute(sa.delete(LoginLinkRow).where(LoginLinkRow.expires_at < now - dt.timedelta(days=1)))
    return row.volunteer_id


def volunteer_principal(volunteer: VolunteerRow) -> Principal:
    """The same principal a volunteer's API token gives, so the pages call the same services."""
    return Principal(
        token_id=f"web:{volunteer.id}",
        name=(volunteer.data or {}).get("name", volunteer.id),
        role="volunteer",
        volunteer_id=volunteer.id,
    )
