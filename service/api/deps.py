"""What every controller needs from a request: the principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.datastructures import ResponseSpec

from service.api.schemas import ProblemDetails
from service.auth import Principal
from service.problems import PROBLEM_JSON


def principal(request: Request[Any, Any, Any]) -> Principal:
    user = request.user
    assert isinstance(user, Principal)  # set by BearerAuthMiddleware on every /api route
    return user


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ProblemDetails, description=description, media_type=PROBLEM_JSON)


# Every route documents the problem-details answers it can give.
PROBLEMS: dict[int, ResponseSpec] = {
    400: _problem("The request is malformed or a field has the wrong type; `errors` names the field"),
    401: _problem("No valid bearer token"),
    403: _problem("The token's role may not do this"),
    404: _problem("No such thing, or not one this token may know of"),
    409: _problem("Conflicts with the register's state (taken place, overlapping hours, run in progress, …)"),
    422: _problem("Fails a register check (unknown activity, ordering of dates, …); `errors` names the field"),
    503: _problem("The database is busy or the matcher failed; nothing was changed"),
}
