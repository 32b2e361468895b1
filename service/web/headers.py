"""Security headers on every response: CSP (with a per-request nonce for the few inline blocks),
no framing, no MIME sniffing, no referrer, and `Cache-Control: no-store` on everything but static files
(pages and API answers carry personal data, and shared computers keep caches)."""

from __future__ import annotations

import secrets
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "samspill_csp_nonce"
# The OpenAPI viewers load their scripts from a CDN; they hold no personal data.
_NO_CSP = ("/schema", "/swagger")
_CACHEABLE = ("/static/",)


def csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",  # a few style="…" attributes on the event pages; no script
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def nonce_of(scope: Scope | dict[str, Any]) -> str:
    """The request's CSP nonce (templates call `csp_nonce()`)."""
    state = scope.get("state") or {}
    return str(state.get(NONCE_KEY, ""))


class SecurityHeadersMiddleware:
    """Gives each request its CSP nonce before any template renders."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope.setdefault("state", {})[NONCE_KEY] = secrets.token_urlsafe(16)
        await self.app(scope, receive, send)


def security_headers(hsts: bool) -> Any:
    """An app `before_send` hook (it sees every answer, also errors raised before any handler)."""

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
            return
        path: str = scope.get("path", "")
        nonce = nonce_of(scope) or secrets.token_urlsafe(16)
        headers = list(message.get("headers") or [])
        have = {k.lower() for k, _ in headers}

        def add(name: bytes, value: str) -> None:
            if name not in have:
                headers.append((name, value.encode("latin-1")))

        add(b"x-content-type-options", "nosniff")
        add(b"x-frame-options", "DENY")
        add(b"referrer-policy", "no-referrer")
        if not path.startswith(_NO_CSP):
            add(b"content-security-policy", csp(nonce))
        if not path.startswith(_CACHEABLE):
            # whatever the handler said: personal data is never kept by a browser or proxy cache
            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
            headers.append((b"cache-control", b"no-store"))
        if hsts:
            add(b"strict-transport-security", "max-age=31536000")
        message["headers"] = headers

    return before_send
