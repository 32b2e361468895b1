"""Browser sessions that the server can end: one helper for every sign-in (password, floor link, magic link).

The cookie (AES-GCM encrypted by Litestar's cookie backend) carries the caller's payload plus a
random session id `sid`; the database keeps the id's sha256 with its subject, creation, last use,
expiry and revocation (that store is service/accounts.py's; this module keeps the cookie side).
`current_session` checks that row on every request, so a cookie replayed after logout, after a
password change, or after the subject is erased, is no session. A cookie
that does not decrypt or decode is no session either (never a 500).

Each session is also bound to its own CSRF token: `start_session` issues a fresh one (set as the
CSRF cookie on the same response) and keeps it in the payload; a state-changing request whose CSRF
cookie is not that session's is refused (403), so a token planted before sign-in or taken from
another session does not work.

Use:

    sess = await start_session(request, db_session, {"uid": user.id}, subject=f"user:{user.id}")
    sess = await current_session(request, db_session)      # None when signed out
    await end_session(request, db_session)                 # logout
    await revoke_subject(db_session, f"user:{user.id}")    # password change, erasure, disabling
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import generate_csrf_token
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import Message, Scope

from service import clock
from service.accounts import live_session, revoke_session, store_session, touch_session
from service.accounts import revoke_subject as revoke_subject
from service.register.common import DbSession

DEFAULT_LIFETIME = dt.timedelta(hours=8)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_NEW_CSRF = "samspill_new_csrf"


@dataclass(frozen=True)
class WebSecurity:
    """Names and secrets of the web cookies (kept in app.state.web_security)."""

    csrf_secret: str
    csrf_cookie: str
    session_cookie: str
    secure: bool


@dataclass
class WebSession:
    """The current session: its subject and the payload the sign-in put in the cookie."""

    sid: str
    subject: str
    created_at: dt.datetime
    expires_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)


def cookie_names(secure: bool) -> tuple[str, str]:
    """(session cookie, CSRF cookie). Over HTTPS the `__Host-` prefix makes browsers refuse them unless
    Secure, Path=/ and without Domain, so a sibling subdomain cannot plant or overwrite them. Browsers
    refuse `__Host-` cookies without Secure, so on plain http (the local demo) the plain names are used."""
    if secure:
        return "__Host-samspill_session", "__Host-samspill_csrf"
    return "samspill_session", "samspill_csrf"


def _security(request: ASGIConnection[Any, Any, Any, Any]) -> WebSecurity:
    sec = request.app.state.get("web_security")
    assert isinstance(sec, WebSecurity), "create_app puts web_security in app.state"
    return sec


def _cookie_payload(request: Request[Any, Any, Any]) -> dict[str, Any]:
    try:
        data = request.session
    except Exception:  # no session middleware on this route
        return {}
    return dict(data) if isinstance(data, dict) else {}


async def start_session(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    payload: dict[str, Any],
    *,
    subject: str | None = None,
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
) -> WebSession:
    """Sign in: end any session this browser had (no fixation), store a new one, put its id, a new CSRF
    token and `payload` in the cookie. `subject` (default `user:<payload['uid']>`) names who it is for,
    so all of one subject's sessions can be ended at once."""
    subject = subject or f"user:{payload['uid']}"
    await end_session(request, db_session)
    sid = secrets.token_urlsafe(32)
    row = await store_session(db_session, sid, subject, lifetime)
    sec = _security(request)
    csrf = generate_csrf_token(sec.csrf_secret)
    request.state[_NEW_CSRF] = csrf
    data = {**payload, "sid": sid, "csrf": csrf}
    request.set_session(data)
    return WebSession(sid, subject, row.created_at, row.expires_at, data)


async def current_session(request: Request[Any, Any, Any], db_session: DbSession) -> WebSession | None:
    """The session this request's cookie names, if it is still live; None otherwise.

    A state-changing request whose CSRF cookie is not the one issued to this session is refused (403).
    """
    payload = _cookie_payload(request)
    sid = payload.get("sid")
    if not isinstance(sid, str) or not 20 <= len(sid) <= 100:
        return None
    row = await live_session(db_session, sid)
    if row is None:
        return None
    check_csrf_binding(request)
    await touch_session(db_session, row)
    return WebSession(sid, row.subject, clock.as_utc(row.created_at), clock.as_utc(row.expires_at), payload)


def check_csrf_binding(request: Request[Any, Any, Any]) -> None:
    """A state-changing request inside a session must carry that session's own CSRF cookie (403 if not).
    Runs before every handler (app before_request) and again in current_session."""
    if request.method in SAFE_METHODS or request.url.path.startswith("/api/"):
        return
    payload = _cookie_payload(request)
    if "sid" not in payload:
        return
    bound = payload.get("csrf")
    sent = request.cookies.get(_security(request).csrf_cookie)
    if not isinstance(bound, str) or sent is None or not secrets.compare_digest(bound, sent):
        raise PermissionDeniedException("the CSRF token does not belong to this session; reload the page")


async def end_session(request: Request[Any, Any, Any], db_session: DbSession) -> None:
    """Log out: the session row is revoked (a replayed cookie is no session) and the cookie cleared."""
    sid = _cookie_payload(request).get("sid")
    if isinstance(sid, str):
        await revoke_session(db_session, sid)
    with contextlib.suppress(Exception):
        request.clear_session()


def csrf_cookie_sender(sec: WebSecurity) -> Any:
    """An app `before_send` hook: the CSRF token `start_session` issued goes out as the CSRF cookie."""

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        token = (scope.get("state") or {}).get(_NEW_CSRF)
        if not token:
            return
        cookie = Cookie(
            key=sec.csrf_cookie, value=token, path="/", secure=sec.secure, httponly=True, samesite="strict"
        )
        headers = list(message.get("headers") or [])
        headers.append((b"set-cookie", cookie.to_header(header="").strip().encode("latin-1")))
        message["headers"] = headers

    return before_send


class TolerantCookieBackend(ClientSideSessionBackend):
    """Litestar's encrypted cookie backend, but a cookie that does not decode is an empty session
    (Litestar lets a malformed associated-data block through as a 500)."""

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        try:
            return await super().load_from_connection(connection)
        except Exception:  # any malformed cookie: base64, JSON, AES-GCM tag, chunking
            return {}


class TolerantCookieBackendConfig(CookieBackendConfig):
    _backend_class = TolerantCookieBackend
