"""The onboarding checklist (mottak) from DOMAIN.md, computed from the volunteer's record.

First conversation → signed agreement and confidentiality declaration → police-certificate
record where an activity needs one (shown at most 3 months after issue) → introduction
course. The register's volunteer document has no field for the first conversation, so it
is kept beside it (`onboarding_steps`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import HeldTraining, Volunteer
from matcher.validate import add_months
from service import clock
from service.auth import Principal
from service.db.models import OnboardingStepRow, VolunteerRow
from service.problems import Problem, fault, not_found

FIRST_CONVERSATION = "first_conversation"
EXPIRY_WARNING = dt.timedelta(days=60)


@dataclass(frozen=True)
class Step:
    key: str  # first_conversation | agreement | declaration | police | intro
    done: bool
    on: dt.date | None = None
    needed: bool = True
    problem: str | None = None  # a key for why a recorded step does not count
    note: str | None = None  # "implied": done, though only inferred from a later step


def is_intro_course(training_id: str, name: str = "") -> bool:
    return "intro" in training_id.lower() or name.lower().startswith("introduksjon")


def police_needed(doc: dict[str, Any], activities: dict[str, dict[str, Any]], needs: list[dict[str, Any]]) -> bool:
    """A police certificate only where the law gives a basis: an activity or need that asks for one."""
    if any(activities.get(a, {}).get("police_certificate") for a in doc.get("activities", [])):
        return True
    return any(n.get("police_certificate") or activities.get(n.get("activity", ""), {}).get("police_certificate")
               for n in needs)


def checklist(
    volunteer: Volunteer | dict[str, Any],
    activities: dict[str, dict[str, Any]],
    trainings: dict[str, dict[str, Any]],
    first_conversation: dt.date | None,
    needs: Sequence[dict[str, Any]] = (),
    today: dt.date | None = None,
) -> list[Step]:
    """The steps for a volunteer's record (`volunteers.volunteer_record`) or its stored document."""
    today = today or clock.today()
    doc: dict[str, Any] = msgspec.to_builtins(volunteer) if isinstance(volunteer, Volunteer) else volunteer

    def day(x: Any) -> dt.date | None:
        return dt.date.fromisoformat(x) if isinstance(x, str) else x

    # The agreement is signed at or after the first conversation, so a signed agreement
    # implies it was held even where no date was recorded.
    implied = first_conversation is None and doc.get("agreement_signed") is not None
    steps = [
        Step(FIRST_CONVERSATION, first_conversation is not None or implied, first_conversation,
             note="implied" if implied else None),
        Step("agreement", doc.get("agreement_signed") is not None, day(doc.get("agreement_signed"))),
        Step("declaration", doc.get("confidentiality_signed") is not None, day(doc.get("confidentiality_signed"))),
    ]
    needed = police_needed(doc, activities, list(needs))
    cert = doc.get("police_certificate")
    if cert:
        issued, shown = day(cert["issued"]), day(cert["shown"])
        fresh = issued is not None and shown is not None and shown <= add_months(issued, 3)
        steps.append(Step("police", fresh, shown, needed, None if fresh else "police_too_old"))
    else:
        steps.append(Step("police", False, None, needed))
    intro = [h for h in doc.get("trainings", [])
             if is_intro_course(h["training"], trainings.get(h["training"], {}).get("name", ""))]
    valid = [h for h in intro if (until := day(h.get("expires") or None)) is None or until >= today]
    steps.append(Step("intro", bool(valid), day(valid[0]["completed"]) if valid else None))
    return steps


def missing(steps: list[Step]) -> list[str]:
    return [s.key for s in steps if s.needed and not s.done]


def training_status(held: HeldTraining, today: dt.date) -> str:
    """valid | soon | expired, for the expiry warnings."""
    when = held.expires
    if when is None:
        return "valid"
    if when < today:
        return "expired"
    return "soon" if when - today <= EXPIRY_WARNING else "valid"


async def first_conversations(session: AsyncSession, volunteer_ids: list[str] | None = None) -> dict[str, dt.date]:
    stmt = sa.select(OnboardingStepRow.volunteer_id, OnboardingStepRow.done_on).where(
        OnboardingStepRow.step == FIRST_CONVERSATION)
    if volunteer_ids is not None:
        stmt = stmt.where(OnboardingStepRow.volunteer_id.in_(volunteer_ids))
    return {v: d for v, d in (await session.execute(stmt)).all()}


async def record_first_conversation(session: AsyncSession, who: Principal, volunteer_id: str, held: dt.date) -> None:
    who.require_coordinator()
    row = await session.get(VolunteerRow, volunteer_id)
    if row is None or row.data is None:
        raise not_found("volunteer", volunteer_id)
    if held > clock.today() + dt.timedelta(days=1):
        raise Problem(422, "the first conversation cannot be in the future", slug="validation",
                      errors=[fault("held", "in-the-future")])
    step = await session.get(OnboardingStepRow, (volunteer_id, FIRST_CONVERSATION))
    if step is None:
        session.add(OnboardingStepRow(volunteer_id=volunteer_id, step=FIRST_CONVERSATION, done_on=held,
                                      recorded_by=who.name))
    else:
        step.done_on = held
        step.recorded_by = who.name
    await session.flush()
