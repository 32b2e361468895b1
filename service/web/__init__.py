"""The coordinator's web pages: server-rendered Jinja templates, htmx for in-place updates.

`web_config(settings)` gives create_app what it registers: the routes (behind a session
cookie, not bearer tokens), the template engine and CSRF protection (not on /api/,
whose bearer tokens are not sent by browsers on their own).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service.settings import Settings
from service.web.sessions import WebSecurity, cookie_names, csrf_cookie_sender

HERE = Path(__file__).parent
log = logging.getLogger("samspill.service")

# The pages' paths: the bearer-token middleware leaves them to the session cookie.
WEB_PATHS = ["^/$", "^/events$", "^/login", "^/logout", "^/lang", "^/matching", "^/proposals/", "^/plans/",
             "^/volunteers", "^/needs", "^/placements/", "^/static/", "^/site", "^/catalogue", "^/statistics",
             "^/privacy$",
             "^/me$", "^/me/", "^/calendar/"]


@dataclass
class WebConfig:
    route_handlers: list[Any]
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig
    bearer_exclude: list[str]
    middleware: list[Any]
    security: WebSecurity
    before_send: list[Any]


def _secret(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    log.warning("SAMSPILL_SECRET_KEY is unset: web sessions last only as long as this process")
    return secrets.token_hex(32)


def web_config(settings: Settings) -> WebConfig:
    from service.volunteer.pages import volunteer_router
    from service.web.pages import session_config, web_router

    secret = _secret(settings)
    session_key = hashlib.sha256(("session:" + secret).encode()).digest()
    csrf_secret = hashlib.sha256(("csrf:" + secret).encode()).hexdigest()
    session_cookie, csrf_cookie = cookie_names(settings.secure_cookies)
    security = WebSecurity(csrf_secret=csrf_secret, csrf_cookie=csrf_cookie, session_cookie=session_cookie,
                           secure=settings.secure_cookies)

    from service.web import templating

    return WebConfig(
        route_handlers=[web_router(), volunteer_router()],
        # One Jinja environment for the coordinator's and the exchange event's pages (service/web/templating.py).
        template_config=TemplateConfig(instance=templating.engine()),
        csrf_config=CSRFConfig(
            secret=csrf_secret,
            cookie_name=csrf_cookie,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="strict",
            cookie_httponly=True,  # the pages carry the token in their forms and htmx headers
            header_name="x-csrftoken",
            exclude=["^/api/", "^/schema", "^/swagger", "^/health", "^/static/"],
        ),
        bearer_exclude=WEB_PATHS,
        # App-level, not on the web router: Litestar deep-copies routers, and the cipher cannot be copied.
        middleware=[session_config(settings, session_key, session_cookie).middleware],
        security=security,
        before_send=[csrf_cookie_sender(security)],
    )
