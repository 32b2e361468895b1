"""Shared pieces of the register services: documents, ids, validation, the catalogue, audit."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.scenario import check_scenario, describe_decode_error
from matcher.schema import Activity, Horizon, Scenario, Site, Training
from service import clock
from service.auth import Principal
from service.db.models import ActivityRow, AuditRow, IdempotencyRow, RegisterRow, SiteRow, TrainingRow
from service.identity_numbers import has_identity_number
from service.problems import Problem, conflict, fault, field_error, invalid

T = TypeVar("T", bound=msgspec.Struct)

DbSession: TypeAlias = AsyncSession
"""The request's unit of work. The edges (web/, the exchange event's pages) hold it only to hand it to
the services; they never query it themselves (tests/test_architecture.py)."""


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def to_doc(obj: msgspec.Struct) -> dict[str, Any]:
    doc: dict[str, Any] = msgspec.to_builtins(obj)
    return doc


def from_doc(doc: dict[str, Any], kind: type[T]) -> T:
    return msgspec.convert(doc, kind)


def stamped(doc: dict[str, Any], row: Any, kind: type[T], **extra: Any) -> T:
    """The stored document as `kind` (an `*Out` of service.register.schemas), with the service's own
    timestamps and any `extra` fields."""
    return msgspec.convert({**doc, "created_at": row.created_at, "updated_at": row.updated_at, **extra}, kind)


def decode_as(doc: Any, kind: type[T], prefix: str = "") -> T:
    """Validate a JSON-like value against a scenario struct; 422 naming the field on failure."""
    try:
        return msgspec.convert(doc, kind)
    except msgspec.ValidationError as exc:
        raise invalid([field_error(describe_decode_error(exc, b""), prefix)]) from None


# One @, something before it, a dotted domain after it, no spaces: what an address the outbox can send to
# looks like (the mail server decides the rest).
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def looks_like_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def reject_identity_numbers(doc: dict[str, Any], fields: tuple[str, ...]) -> None:
    errors = []
    for name in fields:
        values = doc.get(name)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and has_identity_number(value):
                errors.append(fault(name, "national-id-number"))
                break
    if errors:
        raise invalid(errors)


@dataclass
class Catalogue:
    trainings: list[Training]
    activities: list[Activity]
    sites: list[Site]

    def scenario(self, **parts: Any) -> Scenario:
        today = clock.today()
        return Scenario(
            format="samspill.scenario/1",
            horizon=Horizon(start=today, end=today),
            trainings=parts.pop("trainings", self.trainings),
            activities=parts.pop("activities", self.activities),
            sites=parts.pop("sites", self.sites),
            **parts,
        )


async def load_catalogue(session: AsyncSession) -> Catalogue:
    trainings = (await session.scalars(sa.select(TrainingRow).order_by(TrainingRow.id))).all()
    activities = (await session.scalars(sa.select(ActivityRow).order_by(ActivityRow.id))).all()
    sites = (await session.scalars(sa.select(SiteRow).order_by(SiteRow.id))).all()
    return Catalogue(
        trainings=[from_doc(r.data, Training) for r in trainings],
        activities=[from_doc(r.data, Activity) for r in activities],
        sites=[from_doc(r.data, Site) for r in sites],
    )


async def catalogue_for(
    session: AsyncSession, *, sites: set[str], activities: set[str], trainings: set[str]
) -> Catalogue:
    """Only the catalogue entries one object refers to: enough for the matcher's reference checks."""
    found_sites = (await session.scalars(sa.select(SiteRow).where(SiteRow.id.in_(sites)))).all() if sites else []
    found_acts = (
        (await session.scalars(sa.select(ActivityRow).where(ActivityRow.id.in_(activities)))).all()
        if activities else []
    )
    acts = [from_doc(r.data, Activity) for r in found_acts]
    wanted = trainings | {t for a in acts for t in a.requires_training}
    found_tr = (await session.scalars(sa.select(TrainingRow).where(TrainingRow.id.in_(wanted)))).all() if wanted else []
    return Catalogue(
        trainings=[from_doc(r.data, Training) for r in found_tr],
        activities=acts,
        sites=[from_doc(r.data, Site) for r in found_sites],
    )


def scenario_errors(scenario: Scenario, prefix: str) -> list[dict[str, Any]]:
    """The matcher's own checks, kept to the one object being written (`needs[0]` …)."""
    return [
        field_error(e, prefix)
        for e in check_scenario(scenario)
        if e.path == prefix or e.path.startswith((prefix + ".", prefix + "["))
    ]


def raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        raise invalid(errors)


async def register_row(session: AsyncSession, *, for_update: bool = False) -> RegisterRow:
    stmt = sa.select(RegisterRow).where(RegisterRow.id == 1)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:  # a register created by hand without the migration's row
        row = RegisterRow(id=1)
        session.add(row)
        await session.flush()
    return row


async def audit(session: AsyncSession, who: Principal, action: str, volunteer_ids: list[str], path: str) -> None:
    """Record a read or change of volunteers' personal data, in the same transaction."""
    if not volunteer_ids:
        return
    now = clock.now()
    await session.execute(
        # Core, not ORM bulk: a plan run audits every volunteer in the register
        sa.insert(AuditRow.metadata.tables[AuditRow.__tablename__]),
        [
            {
                "at": now,
                "token_id": who.token_id,
                "actor": who.name,
                "role": who.role,
                "action": action,
                "volunteer_id": v,
                "path": path[:500],
            }
            for v in volunteer_ids
        ],
    )


async def audit_change(session: AsyncSession, who: Principal, action: str, subject: str, path: str) -> None:
    """Record a change to something that is not a volunteer — a sign-in account (`user:ID`), an
    activity or a course (`activity:ID`, `training:ID`) — in the same audit log, in the same
    transaction; the subject stands where a volunteer's id does (`GET /api/v1/audit?volunteer=user:ID`)."""
    await session.execute(sa.insert(AuditRow), [{
        "at": clock.now(), "token_id": who.token_id, "actor": who.name, "role": who.role,
        "action": action, "volunteer_id": subject, "path": path[:500]}])


def require(cond: bool, status: int, detail: str) -> None:
    if not cond:
        raise Problem(status, detail, slug={403: "forbidden", 404: "not-found", 409: "conflict"}.get(status))


IDEMPOTENCY_TTL = dt.timedelta(hours=24)  # a retry comes within minutes; a day is generous


async def idempotent_replay(session: AsyncSession, token: str, key: str, digest: str) -> IdempotencyRow | None:
    """The first answer stored under this token's Idempotency-Key, if any and not expired.

    The same key with another body is a 409. A key older than IDEMPOTENCY_TTL is forgotten
    (its row deleted), so keys may be reused after a day and the table does not grow forever.
    """
    row = await session.get(IdempotencyRow, (token, key), populate_existing=True)
    if row is None:
        return None
    created = clock.as_utc(row.created_at)
    if created < clock.now() - IDEMPOTENCY_TTL:
        await session.delete(row)
        await session.flush()
        return None
    if row.request_hash != digest:
        raise conflict("this Idempotency-Key was used with a different body", "idempotency-key-reused")
    return row
