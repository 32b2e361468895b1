"""Bearer tokens and roles: who is asking, and what they may see.

A token is 32 random bytes shown once; the register keeps only its sha256.
Roles: `coordinator` (everything), `site` (bound to one site or organisation),
`volunteer` (bound to one volunteer); at an exchange event, `broker` (børsmegler: registers
agreements) and `notary` (notarius: confirms them), each bound to one event and refused once
that event is archived.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service import clock
from service.db.engine import rowcount
from service.db.models import ExchangeEventRow, SiteRow, TokenRow, VolunteerRow
from service.problems import Problem

Role = Literal["coordinator", "site", "volunteer", "broker", "notary"]
ROLES: tuple[str, ...] = ("coordinator", "site", "volunteer", "broker", "notary")
EVENT_ROLES: tuple[str, ...] = ("broker", "notary")
TOKEN_PREFIX = "ssp_"


@dataclass(frozen=True)
class Principal:
    token_id: str | None
    name: str
    role: str
    site_id: str | None = None
    volunteer_id: str | None = None
    event_id: str | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def require_coordinator(self) -> None:
        if not self.is_coordinator:
            raise Problem(403, "only the coordinator may do this", slug="forbidden")


SYSTEM = Principal(token_id=None, name="system", role="coordinator")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def create_token(
    session: AsyncSession, *, role: str, name: str, site_id: str | None = None, volunteer_id: str | None = None,
    event_id: str | None = None,
) -> tuple[TokenRow, str]:
    """Store a new token's hash; return the row and the token text (shown once)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "site" and (site_id is None or volunteer_id is not None):
        raise ValueError("a site token needs --site ID (and no --volunteer)")
    if role == "volunteer" and (volunteer_id is None or site_id is not None):
        raise ValueError("a volunteer token needs --volunteer ID (and no --site)")
    if role == "coordinator" and (site_id or volunteer_id):
        raise ValueError("a coordinator token is bound to no site or volunteer")
    if role in EVENT_ROLES and (event_id is None or site_id is not None or volunteer_id is not None):
        raise ValueError(f"a {role} token needs --event ID (and no --site or --volunteer)")
    if role not in EVENT_ROLES and event_id is not None:
        raise ValueError("only broker and notary tokens are bound to an event")
    if event_id is not None:
        event = await session.get(ExchangeEventRow, event_id)
        if event is None:
            raise ValueError(f"event {event_id!r} does not exist")
        if event.state == "archived":
            raise ValueError(f"event {event_id!r} is archived")
    if site_id is not None and await session.get(SiteRow, site_id) is None:
        raise ValueError(f"site {site_id!r} does not exist")
    if volunteer_id is not None:
        v = await session.get(VolunteerRow, volunteer_id)
        if v is None or v.data is None:
            raise ValueError(f"volunteer {volunteer_id!r} does not exist")
    text = new_token()
    row = TokenRow(
        id="tok-" + uuid.uuid4().hex[:12],
        name=name,
        role=role,
        site_id=site_id,
        volunteer_id=volunteer_id,
        event_id=event_id,
        token_hash=hash_token(text),
    )
    session.add(row)
    await session.flush()
    return row, text


async def revoke_token(session: AsyncSession, token_id: str) -> bool:
    result = await session.execute(
        sa.update(TokenRow)
        .where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return bool(rowcount(result))


async def lookup(session: AsyncSession, token: str) -> Principal | None:
    row = (
        await session.execute(
            sa.select(TokenRow).where(TokenRow.token_hash == hash_token(token), TokenRow.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.role in EVENT_ROLES:
        state = await session.scalar(sa.select(ExchangeEventRow.state).where(ExchangeEventRow.id == row.event_id))
        if state is None or state == "archived":
            raise NotAuthorizedException(
                f"this {row.role} token was for event {row.event_id!r}, which is archived; it no longer works",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
    return Principal(row.id, row.name, row.role, row.site_id, row.volunteer_id, row.event_id)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "send `Authorization: Bearer <token>`; create one with `samspill tokens create`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        maker: async_sessionmaker[AsyncSession] = connection.app.state.read_sessionmaker
        async with maker() as session, session.begin():
            principal = await lookup(session, token.strip())
        if principal is None:
            raise NotAuthorizedException(
                "the token is unknown or revoked", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        if principal.role in EVENT_ROLES and not connection.url.path.startswith("/api/v1/events"):
            # Event tokens never reach the register (volunteers, needs, plans).
            raise Problem(403, f"a {principal.role} token works only for its exchange event (/api/v1/events/…)",
                          slug="forbidden")
        return AuthenticationResult(user=principal, auth=token)
