"""Input no database should see: NUL characters (PostgreSQL text cannot hold them)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import msgspec
from litestar import Request

from service.problems import Problem


def _find_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                return f"{path}.{k!r}".lstrip(".")
            hit = _find_nul(v, f"{path}.{k}" if path else k)
            if hit is not None:
                return hit
    if isinstance(value, list):
        for i, v in enumerate(value):
            hit = _find_nul(v, f"{path}[{i}]")
            if hit is not None:
                return hit
    return None


async def reject_nul(request: Request[Any, Any, Any]) -> None:
    """before_request hook: a 400 naming the field instead of a database error."""
    if "\x00" in unquote(request.url.path) or "\x00" in unquote(request.url.query or ""):
        raise Problem(400, "the URL contains a NUL character", slug="validation", title="Invalid input",
                      errors=[{"field": "(url)", "message": "contains a NUL character"}])
    if request.method in ("POST", "PATCH", "PUT"):
        if request.content_type[0] == "multipart/form-data":
            # Litestar streams a multipart body into the form (CSRF reads it first) and keeps no raw copy:
            # reading body() after that waits for ever. An upload (a CSV import) is checked by its handler.
            return
        body = await request.body()
        if b"\\u0000" not in body and b"\x00" not in body:
            return
        try:
            doc = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return  # the handler reports malformed JSON
        field = _find_nul(doc, "")
        if field is not None:
            raise Problem(400, f"{field}: contains a NUL character", slug="validation", title="Invalid input",
                          errors=[{"field": field, "message": "contains a NUL character"}])
