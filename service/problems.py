"""Errors as RFC 9457 problem details (`application/problem+json`), for every failure."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from matcher.scenario import Issue

log = logging.getLogger("samspill.service")

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raised by services; rendered as problem details. `errors` names fields: [{field, message}];
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


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors: list[dict[str, str]] = []
        extra = exc.extra if isinstance(exc.extra, list) else []
        for item in extra:
            if isinstance(item, dict):
                source = item.get("source")
                field = _field_of(item.get("key"))
                if source and source != "body" and field:
                    field = f"{source}.{field}"
                errors.append({"field": field, "message": str(item.get("message", ""))})
        if not errors:
            errors = [{"field": "", "message": exc.detail}]
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

__all__ = ["EXCEPTION_HANDLERS", "Problem", "conflict", "forbidden", "invalid", "not_found"]
