"""Errors as RFC 9457 problem details (`application/problem+json`), for every failure."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Literal, TypeAlias, get_args

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from matcher.scenario import Issue

log = logging.getLogger("samspill.service")

PROBLEM_JSON = "application/problem+json"


ErrorCode: TypeAlias = Literal[
    # the scenario's checks (matcher.scenario.Issue) and the decoder's
    "duplicate-id", "end-before-start", "end-equals-start", "date-out-of-range", "horizon-too-long",
    "unknown-training", "unknown-activity", "unknown-site", "unknown-volunteer", "unknown-need",
    "expires-before-completed", "shown-before-issued", "once-or-weekly", "weekly-without-slots",
    "until-before-from", "weekly-fields-on-once", "invalid-value", "invalid-json", "unreadable",
    # the exchange event's payloads (events.schema)
    "money", "required", "not-an-object", "not-a-list", "not-a-number", "not-whole", "not-positive",
    "two-parties", "duplicate-party", "unknown-participant", "not-a-participant-id", "not-a-party",
    "unknown-kind", "hours-or-items",
    # the service's own checks (MESSAGES below) and the edge's (handle_http)
    "unknown-field", "empty", "not-a-date", "not-one-of", "in-the-future", "in-the-past", "before-start",
    "before-placement-start", "too-long-period",
    "length", "cannot-change", "id-prefix", "national-id-number", "anonymised", "stored-record",
    "not-yet", "too-old", "not-an-occurrence", "not-a-participant-here", "not-in-catalogue", "not-a-datetime",
    "not-a-slot", "refused", "too-deep", "not-a-birth-date", "far-date", "nul-character", "not-an-email",
]
"""The stable code of every entry of a problem's `errors` (documented in docs/matching.md, an enum in the
OpenAPI document): programs and pages read the code and its `data`; `message` is English for people."""

ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)

# The English message of each of the service's own codes, rendered from the entry's `data`.
MESSAGES: dict[str, str] = {
    "required": "required",
    "empty": "must not be empty",
    "not-a-date": "give a date (YYYY-MM-DD)",
    "not-a-number": "a number",
    "not-whole": "a whole number",
    "not-one-of": "{value!r} is not one of {allowed}",
    "in-the-future": "in the future",
    "in-the-past": "before today ({today})",
    "before-start": "before the start ({start})",
    "before-placement-start": "before the placement's start ({start})",
    "too-long-period": "at most {max_days} days after the start",
    "length": "{min} to {max} characters",
    "cannot-change": "cannot change",
    "id-prefix": "must start with {prefix} and be new",
    "national-id-number": "looks like a national identity number (fødselsnummer); never store one",
    "anonymised": "{value!r} was anonymised; use a new id",
    "stored-record": "{problem}; correct the record, then run again",
    "not-yet": "has not happened yet",
    "too-old": "is more than two months ago",
    "not-an-occurrence": "is not one of the placement's times",
    "not-a-participant-here": "{value!r} is not a participant at this event",
    "not-in-catalogue": "{value!r} is not a {side} in this event's catalogue",
    "not-a-datetime": "not a date and time (YYYY-MM-DDTHH:MM)",
    "too-deep": "the JSON nests deeper than {max_depth} levels",
    "not-a-birth-date": "{date} is not a birth date (at most 120 years ago, not in the future)",
    "far-date": "{date} is more than a century from today",
    "nul-character": "contains a NUL character",
    "not-an-email": "{value!r} is not an e-mail address (name@domain.no)",
    "not-a-slot": "weekday 1–7 and times as HH:MM",
    "refused": "{detail}",
    "not-a-party": "{value!r} is not a party to this agreement (one of {parties})",
}


def _words(value: Any) -> Any:
    return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value


def fault(field: str, code: ErrorCode, **data: Any) -> dict[str, Any]:
    """One entry of a problem's `errors` for the service's own checks: the field, the stable code
    with its `data`, and the English message rendered from them (never written by hand)."""
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
    message = MESSAGES[code].format(**{k: _words(v) for k, v in data.items()})
    return {"field": field, "message": message, "code": code, "data": data}


class Problem(Exception):
    """Raised by services; rendered as problem details. `errors` names fields: [{field, message, code, data}]
    (`field_error` for the domain's Issues, `fault` for the service's own checks);
    `extra` adds extension members (never `type`, `title`, `status`, `detail` or `instance`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}  # RFC 9457 extension members (e.g. the rule a refused change breaks)


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what} {ident!r} does not exist", slug="not-found")


def forbidden(detail: str) -> Problem:
    return Problem(403, detail, slug="forbidden")


def conflict(detail: str, slug: str = "conflict") -> Problem:
    return Problem(409, detail, slug=slug)


def invalid(errors: list[dict[str, Any]], detail: str | None = None) -> Problem:
    text = detail or "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    return Problem(422, text, slug="validation", title="Invalid input", errors=errors)


def field_error(issue: str, prefix: str = "") -> dict[str, Any]:
    """One entry of a problem's `errors` from the domain's structured Issue: the field (relative to
    `prefix`, the object being written), the English message, and the stable code with its data.
    A plain string (a message with no place) is the message of the whole document."""
    if not isinstance(issue, Issue):
        return {"field": "", "message": issue, "code": "invalid-value", "data": {}}
    field = issue.path
    if prefix and field.startswith(prefix):
        field = field[len(prefix) :].lstrip(".")
    if field == "(document)" or field.startswith("line "):
        field = ""
    return {"field": field, "message": issue.message, "code": issue.code, "data": issue.data}


def _body(
    status: int, title: str, detail: str, request: Request[Any, Any, Any], slug: str | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:samspill:problem:{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def handle_problem(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    return _response(
        _body(exc.status, exc.title, exc.detail, request, exc.slug, errors=exc.errors, **exc.extra), exc.headers
    )


def _field_of(key: str | None) -> str:
    if not key:
        return ""
    return key.removeprefix("$").lstrip(".")


# How msgspec and Litestar word the checks they make at the edge (their message is passed on as it is).
_EDGE_CODES: tuple[tuple[re.Pattern[str], ErrorCode], ...] = (
    (re.compile(r"missing required (?:field|\w+ parameter) [`'](?P<name>[^`']+)[`']", re.I), "required"),
    (re.compile(r"unknown field [`'](?P<name>[^`']+)[`']", re.I), "unknown-field"),
)


def edge_error(field: str, message: str) -> dict[str, Any]:
    """An `errors` entry for a check the framework made while decoding the request (type, range,
    missing or unknown field): its message as the library words it, with a stable code."""
    for pattern, code in _EDGE_CODES:
        m = pattern.search(message)
        if m:
            return {"field": field, "message": message, "code": code, "data": {"name": m.group("name")}}
    return {"field": field, "message": message, "code": "invalid-value", "data": {}}


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors: list[dict[str, Any]] = []
        extra = exc.extra if isinstance(exc.extra, list) else []
        for item in extra:
            if isinstance(item, dict):
                source = item.get("source")
                source = getattr(source, "value", source)  # Litestar's ParamType: `query`, not `ParamType.QUERY`
                field = _field_of(item.get("key"))
                if source and source != "body" and field:
                    field = f"{source}.{field}"
                errors.append(edge_error(field, str(item.get("message", ""))))
        if not errors:
            errors = [edge_error("", exc.detail)]
        body = _body(
            400,
            "Invalid input",
            "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors),
            request,
            "validation",
            errors=errors,
        )
        return _response(body)
    detail = exc.detail or HTTPStatus(status).phrase
    slug = {400: "bad-request", 401: "unauthorised", 403: "forbidden", 404: "not-found",
            405: "method-not-allowed"}.get(status)
    if status == 400 and any(w in detail.lower() for w in ("truncated", "malformed", "json")):
        detail = f"the request body is not valid JSON ({detail})"
    return _response(_body(status, HTTPStatus(status).phrase, detail, request, slug), exc.headers)


def handle_integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    log.info("integrity error on %s: %s", request.url.path, exc.orig)
    return _response(
        _body(409, "Conflict", "the change conflicts with the register's current state", request, "conflict")
    )


def handle_db(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    log.warning("database error on %s: %s", request.url.path, exc)
    if isinstance(exc, OperationalError) or "deadlock" in str(exc).lower() or "serializ" in str(exc).lower():
        return _response(
            _body(503, "Service Unavailable", "the database is busy; try again", request, "busy"),
            {"Retry-After": "1"},
        )
    return handle_internal(request, exc)


def handle_internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _response(_body(500, "Internal Server Error", "an unexpected error; it has been logged", request, None))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Problem: handle_problem,
    HTTPException: handle_http,
    IntegrityError: handle_integrity,
    DBAPIError: handle_db,
    Exception: handle_internal,
}

__all__ = ["ERROR_CODES", "EXCEPTION_HANDLERS", "ErrorCode", "Problem", "conflict", "fault", "field_error",
           "forbidden", "invalid", "not_found"]
