"""Reading the audit log of access to volunteers' personal data (coordinator only)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.db.models import AuditRow
from service.register.schemas import AuditOut


async def list_audit(
    session: AsyncSession, who: Principal, *, volunteer: str | None = None, limit: int = 500, offset: int = 0
) -> list[AuditOut]:
    who.require_coordinator()
    stmt = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
    if volunteer is not None:
        stmt = stmt.where(AuditRow.volunteer_id == volunteer)
    return [
        AuditOut(id=a.id, at=a.at, actor=a.actor, role=a.role, action=a.action, volunteer=a.volunteer_id, path=a.path)
        for a in (await session.scalars(stmt)).all()
    ]
