"""Web sign-in accounts: argon2 password hashes, and wrong passwords rate-limited three ways.

- per email and address: MAX_FAILURES in FAILURE_WINDOW, then refused until the window passes;
- per address, whatever the email: MAX_IP_FAILURES in FAILURE_WINDOW (guessing across accounts);
- per account, from any address: after ACCOUNT_FREE failures in ACCOUNT_WINDOW, each further try
  must wait twice as long as the one before (1 s, 2 s, 4 s … at most ACCOUNT_MAX_WAIT), so
  guesses spread over many addresses gain nothing, while the owner is only ever delayed.
Failures are kept in the database (not in memory) so the limits hold across worker
processes and restarts; a successful sign-in clears them for that email and address.

Below the accounts, the store of browser sessions (`web_sessions`): a session's row is made at
sign-in, found and touched on each request, revoked at logout, and all of one subject's revoked at
once. service/web/sessions.py keeps the cookie and CSRF side and asks these functions for the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import TypeAlias

import anyio.to_thread
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from service import clock
from service.auth import Principal
from service.db.engine import rowcount
from service.db.models import LoginFailureRow, SiteRow, UserRow, WebSessionRow, utcnow
from service.langs import LANGS
from service.register.common import looks_like_email

User: TypeAlias = UserRow
"""A person who signs in to the pages (the coordinator, or a site's contact)."""

WEB_ROLES = ("coordinator", "site")
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_IP_FAILURES = 30
ACCOUNT_FREE = 10
ACCOUNT_WINDOW = dt.timedelta(hours=1)
ACCOUNT_MAX_WAIT = dt.timedelta(minutes=15)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-" + uuid.uuid4().hex)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    session: AsyncSession, *, email: str, password: str, role: str, name: str | None = None,
    site_id: str | None = None,
) -> UserRow:
    email = normalise_email(email)
    if not looks_like_email(email) or len(email) > 320:
        raise ValueError(f"{email!r} is not an e-mail address (name@domain.no)")
    if role not in WEB_ROLES:
        raise ValueError(f"role must be one of {', '.join(WEB_ROLES)}")
    if role == "site" and site_id is None:
        raise ValueError("a site user needs --site ID")
    if role == "coordinator" and site_id is not None:
        raise ValueError("a coordinator is bound to no site")
    if site_id is not None and await session.get(SiteRow, site_id) is None:
        raise ValueError(f"site {site_id!r} does not exist")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    if await session.scalar(sa.select(UserRow.id).where(UserRow.email == email)) is not None:
        raise ValueError(f"a user with email {email} already exists")
    row = UserRow(id="usr-" + uuid.uuid4().hex[:12], email=email, name=name or email, role=role,
                  site_id=site_id, password_hash=_hasher.hash(password))
    session.add(row)
    await session.flush()
    return row


async def set_password(session: AsyncSession, email: str, password: str) -> bool:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    row = await session.scalar(sa.select(UserRow).where(UserRow.email == normalise_email(email)))
    if row is None:
        return False
    row.password_hash = _hasher.hash(password)
    # A new password ends every session signed in with the old one (a stolen cookie stops working).
    await revoke_subject(session, f"user:{row.id}")
    await session.flush()
    return True


async def set_disabled(session: AsyncSession, who: Principal, user_id: str, disabled: bool, path: str) -> UserRow:
    """Disable a sign-in account, or enable it again (coordinator). A disabled user cannot sign in
    (authenticate), and every session they have ends now; the change is in the audit log. A coordinator
    cannot disable their own account (someone must be left to enable it again)."""
    from service.problems import Problem, not_found
    from service.register.common import audit_change

    who.require_coordinator()
    row = await session.get(UserRow, user_id, with_for_update=True)
    if row is None:
        raise not_found("user", user_id)
    if disabled and who.token_id == row.id:
        raise Problem(409, "you cannot disable your own account", slug="own-account")
    if disabled and row.disabled_at is None:
        row.disabled_at = utcnow()
    elif not disabled:
        row.disabled_at = None
    if disabled:
        await revoke_subject(session, f"user:{row.id}")
    await session.flush()
    await audit_change(session, who, "disable" if disabled else "enable", f"user:{row.id}", path)
    return row


async def list_users(session: AsyncSession, who: Principal, *, site_id: str | None = None) -> list[UserRow]:
    """The web sign-in accounts (coordinator), never their password hashes beyond this module's callers."""
    who.require_coordinator()
    stmt = sa.select(UserRow).order_by(UserRow.created_at, UserRow.id)
    if site_id is not None:
        stmt = stmt.where(UserRow.site_id == site_id)
    return list((await session.scalars(stmt)).all())


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignIn:
    user: UserRow | None
    limited: bool = False


async def recent_failures(session: AsyncSession, email: str, ip: str, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - FAILURE_WINDOW
    return int(await session.scalar(
        sa.select(sa.func.count()).select_from(LoginFailureRow).where(
            LoginFailureRow.email == email, LoginFailureRow.ip == ip, LoginFailureRow.at >= since)
    ) or 0)


async def account_wait(session: AsyncSession, email: str, now: dt.datetime | None = None) -> dt.timedelta:
    """How long this account must wait before the next try (zero when it may try now)."""
    now = now or utcnow()
    rows = (await session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailureRow.at)).where(
            LoginFailureRow.email == email, LoginFailureRow.at >= now - ACCOUNT_WINDOW)
    )).one()
    count, last = int(rows[0] or 0), rows[1]
    if count < ACCOUNT_FREE or last is None:
        return dt.timedelta(0)
    last = clock.as_utc(last)
    wait = min(dt.timedelta(seconds=2 ** min(count - ACCOUNT_FREE, 20)), ACCOUNT_MAX_WAIT)
    return max(dt.timedelta(0), last + wait - now)


async def address_failures(session: AsyncSession, ip: str, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - FAILURE_WINDOW
    return int(await session.scalar(
        sa.select(sa.func.count()).select_from(LoginFailureRow).where(LoginFailureRow.ip == ip,
                                                                      LoginFailureRow.at >= since)
    ) or 0)


async def authenticate(session: AsyncSession, email: str, password: str, ip: str) -> SignIn:
    """The user if the password is right; `limited` when too many wrong passwords came lately."""
    email = normalise_email(email)[:320]
    ip = ip[:64]
    if (await recent_failures(session, email, ip) >= MAX_FAILURES
            or await address_failures(session, ip) >= MAX_IP_FAILURES
            or await account_wait(session, email) > dt.timedelta(0)):
        return SignIn(None, limited=True)
    row = await session.scalar(sa.select(UserRow).where(UserRow.email == email))
    # argon2 is deliberately slow (tens of ms of CPU): verify off the event loop.
    ok = await anyio.to_thread.run_sync(_verify, row.password_hash if row else _DUMMY_HASH, password)
    ok = ok and row is not None
    if not ok or row is None or row.disabled_at is not None:
        session.add(LoginFailureRow(email=email, ip=ip))
        # Old failures are no longer counted; drop them while we are here.
        await session.execute(sa.delete(LoginFailureRow).where(LoginFailureRow.at < utcnow() - ACCOUNT_WINDOW))
        await session.flush()
        return SignIn(None)
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.last_login_at = utcnow()
    await session.execute(sa.delete(LoginFailureRow).where(LoginFailureRow.email == email, LoginFailureRow.ip == ip))
    await session.flush()
    return SignIn(row)


async def remember_lang(session: AsyncSession, user_id: str, lang: str) -> None:
    """The language a user reads the pages in; the mail they get follows it (one of the catalogue's)."""
    user = await session.get(UserRow, user_id)
    if user is not None and lang in LANGS:
        user.lang = lang


def principal_for(user: UserRow) -> Principal:
    """The same principal the API's bearer tokens give, so web pages call the same services."""
    return Principal(token_id=user.id, name=user.name, role=user.role, site_id=user.site_id)


DEMO_EMAIL = "koordinator@demo.samspill.no"


DEMO_SITE_EMAIL = "kontakt@demo.samspill.no"


async def ensure_demo_user(session: AsyncSession, role: str = "coordinator",
                           site_id: str | None = None) -> tuple[str, str]:
    """The demo's coordinator sign-in (or, with role `site`, the site contact's for `site_id`): created,
    or given a fresh password if it exists."""
    import secrets

    email = DEMO_EMAIL if role == "coordinator" else DEMO_SITE_EMAIL
    password = "demo-" + secrets.token_urlsafe(9)
    if not await set_password(session, email, password):
        await create_user(session, email=email, password=password, role=role, site_id=site_id,
                          name="Demo-koordinator" if role == "coordinator" else "Demo-kontaktperson")
    return email, password


async def signed_in_user(session: AsyncSession, user_id: str) -> User | None:
    """The user a live session names, unless the account is gone or disabled."""
    user = await session.get(UserRow, user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user


async def site_contacts(session: AsyncSession) -> list[User]:
    """The sites' own users (frivilligkontakter), by name."""
    return list((await session.scalars(
        sa.select(UserRow).where(UserRow.role == "site").order_by(UserRow.name))).all())


# ------------------------------------------------------------------ browser sessions (web_sessions)

# last_seen is written at most this often, so page views do not all become writes.
TOUCH_EVERY = dt.timedelta(seconds=60)


def session_digest(sid: str) -> str:
    """The database keeps only the sha256 of a session id, never the id the cookie carries."""
    return hashlib.sha256(sid.encode()).hexdigest()


async def store_session(session: AsyncSession, sid: str, subject: str, lifetime: dt.timedelta) -> WebSessionRow:
    """Keep a new session: its id's digest, its subject, when it was made and when it expires."""
    now = utcnow()
    row = WebSessionRow(
        id=session_digest(sid), subject=subject[:250], created_at=now, last_seen=now, expires_at=now + lifetime
    )
    session.add(row)
    await session.flush()
    return row


async def live_session(session: AsyncSession, sid: str) -> WebSessionRow | None:
    """The session `sid` names, if it is neither revoked nor expired."""
    row = await session.get(WebSessionRow, session_digest(sid))
    if row is None or row.revoked_at is not None or clock.as_utc(row.expires_at) <= utcnow():
        return None
    return row


async def touch_session(session: AsyncSession, row: WebSessionRow) -> None:
    """Note the session's use, at most once every TOUCH_EVERY."""
    now = utcnow()
    if now - clock.as_utc(row.last_seen) > TOUCH_EVERY:
        row.last_seen = now
        await session.flush()


async def revoke_session(session: AsyncSession, sid: str) -> None:
    """Log out: the session is revoked, so a replayed cookie is no session."""
    await session.execute(
        sa.update(WebSessionRow)
        .where(WebSessionRow.id == session_digest(sid), WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_subject(session: AsyncSession, subject: str) -> int:
    """End every live session of `subject` (a password change, a disabled account, an erased volunteer)."""
    result = await session.execute(
        sa.update(WebSessionRow)
        .where(WebSessionRow.subject == subject, WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.execute(
        sa.delete(WebSessionRow).where(WebSessionRow.expires_at < utcnow() - dt.timedelta(days=7))
    )
    return rowcount(result)
