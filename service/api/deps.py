"""What every controller needs from a request: the principal."""

from __future__ import annotations

from typing import Any

from litestar import Request

from service.auth import Principal


def principal(request: Request[Any, Any, Any]) -> Principal:
    user = request.user
    assert isinstance(user, Principal)  # set by BearerAuthMiddleware on every /api route
    return user
