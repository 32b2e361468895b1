"""`/api/v1/audit`: who read or changed a volunteer's personal data (coordinator only)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.api.deps import PROBLEMS, principal
from service.api.schemas import AuditOut
from service.register.audit_log import list_audit


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ("audit",)

    @get("/", summary="The audit log, newest first", responses=PROBLEMS)
    async def list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        volunteer: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=5000)] = 500,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000_000)] = 0,
    ) -> list[AuditOut]:
        return await list_audit(db_session, principal(request), volunteer=volunteer, limit=limit, offset=offset)
