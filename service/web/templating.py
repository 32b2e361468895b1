"""The one Jinja environment of every page: coordinator pages and the exchange event's pages.

`_('key', name=value)` is served by Jinja's i18n extension (`jinja2.ext.i18n`) from the
gettext catalogues in the page's language (the context's `lang`); dates, numbers, weekday
names and lists are filters backed by Babel. Coordinator templates live in
service/web/templates and are named as they are ("matching.html"); the exchange event's
templates live in service/exchange/templates and are named "exchange/board.html".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine

from service.web import i18n

SERVICE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = {"": SERVICE / "web" / "templates", "exchange": SERVICE / "exchange" / "templates"}


def _lang(ctx: Context) -> str:
    return i18n.pick_lang(ctx.get("lang"))


@pass_context
def gettext(ctx: Context, key: str, **kw: Any) -> str:
    """`_('need.open', n=3)`: the phrase in the page's language, placeholders filled from keywords."""
    return i18n.t(_lang(ctx), key, **kw)


@pass_context
def ngettext(ctx: Context, singular: str, plural: str, n: int, **kw: Any) -> str:
    """`ngettext('volunteers.one', 'volunteers.many', n)`: the catalogue's plural rule picks the form."""
    return i18n.translations(_lang(ctx)).ngettext(singular, plural, n).format(n=n, **kw)


@pass_context
def fmt_date(ctx: Context, value: Any) -> str:
    return i18n.date(_lang(ctx), value)


@pass_context
def fmt_short_date(ctx: Context, value: Any) -> str:
    return i18n.short_date(_lang(ctx), value)


@pass_context
def fmt_datetime(ctx: Context, value: Any) -> str:
    return i18n.datetime(_lang(ctx), value)


@pass_context
def fmt_wall_datetime(ctx: Context, value: Any) -> str:
    return i18n.wall_datetime(_lang(ctx), value)


@pass_context
def fmt_number(ctx: Context, value: Any) -> str:
    return i18n.number(_lang(ctx), float(value))


@pass_context
def fmt_weekday(ctx: Context, value: Any, width: i18n.DayWidth = "wide") -> str:
    return i18n.weekday(_lang(ctx), int(value), width)


@pass_context
def fmt_percent(ctx: Context, value: Any) -> str:
    return i18n.percent(_lang(ctx), float(value))


@pass_context
def fmt_and_list(ctx: Context, values: Any) -> str:
    return i18n.and_list(_lang(ctx), values)


@pass_context
def csp_nonce(ctx: Context) -> str:
    """`<script nonce="{{ csp_nonce() }}">`: the nonce this response's Content-Security-Policy allows."""
    from service.web.headers import nonce_of

    request = ctx.get("request")
    return nonce_of(request.scope) if request is not None else ""


class _GettextInstaller(Protocol):
    def install_gettext_callables(self, gettext: Callable[..., str], ngettext: Callable[..., str],
                                  newstyle: bool | None = None) -> None: ...


def install(env: jinja2.Environment) -> None:
    """Translations and Babel's formatters on `env` (the i18n extension serves `_`, `gettext`, `ngettext`)."""
    env.add_extension("jinja2.ext.i18n")
    # newstyle=False: the callables fill `{name}` placeholders themselves (python-brace-format).
    # The extension adds `install_gettext_callables` to the environment at run time (`Environment.extend`),
    # which jinja2's annotations cannot know of: named here as what the extension installs.
    installs = cast(_GettextInstaller, env)
    installs.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=False)
    env.filters["date"] = fmt_date
    env.filters["short_date"] = fmt_short_date
    env.filters["datetime"] = fmt_datetime
    env.filters["wall_datetime"] = fmt_wall_datetime
    env.filters["number"] = fmt_number
    env.filters["weekday"] = fmt_weekday
    env.filters["and_list"] = fmt_and_list
    env.filters["percent"] = fmt_percent
    env.globals["csp_nonce"] = csp_nonce
    env.trim_blocks = True
    env.lstrip_blocks = True


@functools.cache
def environment() -> jinja2.Environment:
    """The process's one page environment (the template loader and the catalogues are read-only)."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(TEMPLATE_DIRS[""]),
        jinja2.PrefixLoader({"exchange": jinja2.FileSystemLoader(TEMPLATE_DIRS["exchange"])}),
    ])
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html"]))
    install(env)
    return env


def engine() -> JinjaTemplateEngine:
    """The Litestar template engine over `environment()`."""
    return JinjaTemplateEngine.from_environment(environment())


def render(template: str, lang: str, **context: Any) -> str:
    """A page rendered outside Litestar's Template response (the exchange pages set their own headers)."""
    return environment().get_template(template).render(lang=i18n.pick_lang(lang), **context)
