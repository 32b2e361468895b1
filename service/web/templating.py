"""Jinja globals and filters: `_('key')` in the page's language, dates in Europe/Oslo."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine

from service.web import i18n


def _lang(ctx: Context) -> str:
    return i18n.pick_lang(ctx.get("lang"))


@pass_context
def translate(ctx: Context, key: str, **kw: Any) -> str:
    return i18n.t(_lang(ctx), key, **kw)


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
def fmt_number(ctx: Context, value: Any) -> str:
    return i18n.number(_lang(ctx), float(value))


def install(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.globals["_"] = translate
    env.filters["date"] = fmt_date
    env.filters["short_date"] = fmt_short_date
    env.filters["datetime"] = fmt_datetime
    env.filters["number"] = fmt_number
    env.trim_blocks = True
    env.lstrip_blocks = True
