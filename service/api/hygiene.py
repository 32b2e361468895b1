"""Checks on every request body before any handler decodes it (the edge).

- NUL characters (PostgreSQL text cannot hold them);
- JSON nested deeper than MAX_DEPTH (a cheap scan of the raw bytes; the decoder would recurse);
- strict types: the body decoded against the handler's `data` type with msgspec strict mode, so
  `"headcount": "1"` is refused rather than coerced, and every Meta range applies;
- dates within a century of today;
- no national identity number in any text, JSON or form (`reject_identity_numbers`: 422 naming the field).
Each answers 400 (422 for an identity number) problem details naming the field, never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

import msgspec
from litestar import Request

from matcher.scenario import dates_in, describe_decode_error
from service import clock
from service.identity_numbers import (
    OWN_CHECK_KEY,
    field_with_one,
    form_field_with_one,
    may_hold_one,
    refuse,
    text_where,
)
from service.problems import Problem, fault, field_error

MAX_DEPTH = 32
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be too deep: skip the scan
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', body)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _bad(error: dict[str, Any]) -> Problem:
    field, message = error["field"], error["message"]
    return Problem(400, f"{field}: {message}" if field else message, slug="validation", title="Invalid input",
                   errors=[error])


async def reject_nul(request: Request[Any, Any, Any]) -> None:
    """before_request hook: a 400 naming the field instead of a database error."""
    if "\x00" in unquote(request.url.path) or "\x00" in unquote(request.url.query or ""):
        raise Problem(400, "the URL contains a NUL character", slug="validation", title="Invalid input",
                      errors=[fault("(url)", "nul-character")])
    if request.method in ("POST", "PATCH", "PUT"):
        if request.content_type[0] == "multipart/form-data":
            # Litestar streams a multipart body into the form (CSRF reads it first) and keeps no raw copy:
            # reading body() after that waits for ever. An upload (a CSV import) is checked by its handler.
            return
        body = await request.body()
        await check_body(request, body)
        reject_identity_numbers(request, body)
        if b"\\u0000" not in body and b"\x00" not in body:
            return
        try:
            doc = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return  # the handler reports malformed JSON
        field = text_where(doc, lambda text: "\x00" in text)
        if field is not None:
            raise _bad(fault(field, "nul-character"))


def _data_type(request: Request[Any, Any, Any]) -> Any:
    try:
        field = request.route_handler.parsed_fn_signature.parameters.get("data")
    except Exception:  # a route without a parsed signature (static files, …)
        return None
    return None if field is None else field.annotation


async def check_body(request: Request[Any, Any, Any], body: bytes) -> None:
    """Depth, strict types and date ranges of a JSON body, before Litestar decodes it."""
    if not body.strip() or "json" not in request.headers.get("content-type", "json"):
        return
    if json_depth(body) > MAX_DEPTH:
        raise _bad(fault("", "too-deep", max_depth=MAX_DEPTH))
    kind = _data_type(request)
    if kind is None:
        return
    try:
        value = msgspec.json.decode(body, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        error = field_error(describe_decode_error(exc, body))
        raise _bad(error) from None
    except (msgspec.DecodeError, RecursionError):
        return  # Litestar answers malformed JSON with its own 400
    today = clock.today()
    for place, when in dates_in(value):
        day = when.date() if isinstance(when, dt.datetime) else when
        if place.endswith("birth_date"):
            if not clock.is_birth_date(day, today):
                raise _bad(fault(place, "not-a-birth-date", date=day.isoformat()))
        elif not clock.within_a_century(day, today):
            raise _bad(fault(place, "far-date", date=day.isoformat()))


def reject_identity_numbers(request: Request[Any, Any, Any], body: bytes) -> None:
    """A national identity number anywhere in a JSON or form body: 422 `national-id-number` naming the field,
    before any handler stores it (DOMAIN.md: never stored). Every request that writes passes here, so an
    event's participant, a catalogue entry, a note or a report cannot hold one either."""
    if request.route_handler.opt.get(OWN_CHECK_KEY):
        return
    kind = request.content_type[0]
    field: str | None = None
    if "json" in kind:
        if not may_hold_one(body):  # a cheap look first: a large import is decoded again only if it may hold one
            return
        try:
            field = field_with_one(msgspec.json.decode(body))
        except (msgspec.DecodeError, RecursionError):
            return  # malformed: refused elsewhere
    elif kind == "application/x-www-form-urlencoded":
        field = form_field_with_one(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    refuse(field)
