"""Sign-in for the exchange floor: one-time links (shown as QR codes) that open a browser session
bound to one event and one role — broker (børsmegler), notary (notarius), general (børsgeneral)
or stand (Frivilligtorg).

Nobody types a token. The coordinator makes a link per person (`POST
/api/v1/events/{id}/floor-links`); only its sha256 is stored. Opening it once starts a session
(service/web/sessions.py, subject `floor:<link id>`) whose cookie holds nothing but the link's id;
every floor request looks the link up again, so revoking it or archiving the event ends the session
at once. A signed-in coordinator may open
every floor page of every event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any, Literal

import msgspec
import segno
import sqlalchemy as sa
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts import revoke_subject
from service.auth import Principal
from service.db.models import ExchangeEventRow, FloorLinkRow, utcnow
from service.exchange import store
from service.exchange.schemas import FloorLinkOut, NewFloorLinkOut
from service.problems import Problem, conflict, fault, invalid, not_found
from service.web.sessions import current_session, end_session, start_session

FLOOR_ROLES = ("broker", "notary", "general", "stand")
SESSION_HOURS = 14
"""A floor session outlives one event evening, not the next day."""
_SESSION_KEY = "floor"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enter_path(event_id: str, token: str) -> str:
    return f"/events/{event_id}/floor/enter/{token}"


def _status(row: FloorLinkRow) -> Literal["unused", "used", "revoked"]:
    return "revoked" if row.revoked_at else ("used" if row.used_at else "unused")


def link_out(row: FloorLinkRow) -> FloorLinkOut:
    return FloorLinkOut(id=row.id, event=row.event_id, role=row.role, name=row.name, created_at=row.created_at,
                        used_at=row.used_at, revoked_at=row.revoked_at, status=_status(row))


async def create_link(session: AsyncSession, who: Principal, event_id: str, role: str, name: str,
                      base_url: str) -> NewFloorLinkOut:
    """A new one-time link; its URL is shown once (as text and QR code) and never stored."""
    who.require_coordinator()
    errors = []
    if role not in FLOOR_ROLES:
        errors.append(fault("role", "not-one-of", value=role, allowed=FLOOR_ROLES))
    name = name.strip()
    if not 1 <= len(name) <= 200:
        errors.append(fault("name", "length", min=1, max=200))
    if errors:
        raise invalid(errors)
    event = await store.load_event(session, who, event_id, lock="share")
    if event.state == "archived":
        raise conflict(f"event {event_id!r} is archived; its floor is closed", "event-state")
    token = secrets.token_urlsafe(24)
    row = FloorLinkRow(id="fl-" + uuid.uuid4().hex[:12], event_id=event_id, role=role, name=name,
                       link_hash=_hash(token))
    session.add(row)
    await session.flush()
    url = base_url.rstrip("/") + enter_path(event_id, token)
    return NewFloorLinkOut(**msgspec.structs.asdict(link_out(row)), url=url)


async def list_links(session: AsyncSession, who: Principal, event_id: str) -> list[FloorLinkOut]:
    who.require_coordinator()
    await store.load_event(session, who, event_id)
    rows = (await session.scalars(sa.select(FloorLinkRow).where(FloorLinkRow.event_id == event_id)
                                  .order_by(FloorLinkRow.created_at, FloorLinkRow.id))).all()
    return [link_out(r) for r in rows]


async def revoke_link(session: AsyncSession, who: Principal, event_id: str, link_id: str) -> FloorLinkOut:
    who.require_coordinator()
    await store.load_event(session, who, event_id)
    row = await session.get(FloorLinkRow, link_id)
    if row is None or row.event_id != event_id:
        raise not_found("floor link", link_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await revoke_subject(session, f"floor:{row.id}")
        await session.flush()
    return link_out(row)


def qr_svg(url: str, scale: int = 4) -> str:
    """The link as an inline SVG QR code (segno: pure Python, no image library, SVG out)."""
    return str(segno.make(url, error="m").svg_inline(scale=scale, dark="#111", light="#fff"))


# --- The session -----------------------------------------------------------------------------


async def start_floor_session(request: Request[Any, Any, Any], db_session: AsyncSession, link: FloorLinkRow) -> None:
    """A server-side session (service/web/sessions.py) whose subject is the link: revoking the link
    revokes the session; the cookie carries only the link's id."""
    await start_session(request, db_session, {_SESSION_KEY: link.id}, subject=f"floor:{link.id}",
                        lifetime=dt.timedelta(hours=SESSION_HOURS))


async def end_floor_session(request: Request[Any, Any, Any], db_session: AsyncSession) -> None:
    await end_session(request, db_session)


async def redeem(session: AsyncSession, event_id: str, token: str) -> FloorLinkRow:
    """Use a link once: unknown, used, revoked links and archived events are all the same 404."""
    row = await session.scalar(sa.select(FloorLinkRow).where(FloorLinkRow.link_hash == _hash(token))
                               .with_for_update())
    if row is None or row.event_id != event_id or row.used_at is not None or row.revoked_at is not None:
        raise not_found("floor link", "…")
    event = await session.get(ExchangeEventRow, event_id)
    if event is None or event.state == "archived":
        raise not_found("floor link", "…")
    row.used_at = utcnow()
    await session.flush()
    return row


async def peek(session: AsyncSession, event_id: str, token: str) -> FloorLinkRow | None:
    row = await session.scalar(sa.select(FloorLinkRow).where(FloorLinkRow.link_hash == _hash(token)))
    if row is None or not hmac.compare_digest(row.event_id, event_id) or row.used_at or row.revoked_at:
        return None
    return row


class FloorSignInRequired(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, slug="floor-sign-in")


def principal_of(link: FloorLinkRow) -> Principal:
    return Principal(token_id=link.id, name=link.name, role=link.role, event_id=link.event_id)


async def floor_principal(request: Request[Any, Any, Any], session: AsyncSession, event_id: str,
                          *roles: str) -> Principal:
    """Who is on this floor page: the session's link (this event, one of `roles`, not revoked, the
    event not archived), or a signed-in coordinator. Otherwise 401 (scan the QR code again)."""
    from service.accounts import principal_for
    from service.web.pages import current_user

    sess = await current_session(request, session)
    link_id = sess.payload.get(_SESSION_KEY) if sess is not None else None
    if isinstance(link_id, str) and sess is not None and sess.subject == f"floor:{link_id}":
        link = await session.get(FloorLinkRow, link_id)
        if link is not None and link.revoked_at is None and link.event_id == event_id:
            state = await session.scalar(sa.select(ExchangeEventRow.state).where(ExchangeEventRow.id == event_id))
            if state is not None and state != "archived":
                if roles and link.role not in roles:
                    raise Problem(403, f"this page is for {' or '.join(roles)}; you are signed in as {link.role}",
                                  slug="forbidden")
                return principal_of(link)
        raise FloorSignInRequired("this floor session has ended: scan your QR code again")
    user = await current_user(request, session)
    if user is not None and user.role == "coordinator":
        if await session.get(ExchangeEventRow, event_id) is None:
            raise not_found("event", event_id)
        return principal_for(user)
    raise FloorSignInRequired("this floor session has ended or was never started: scan your QR code again")


def floor_role(who: Principal) -> str:
    return who.role if who.role in FLOOR_ROLES else "coordinator"
