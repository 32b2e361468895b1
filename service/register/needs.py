"""Needs (behov): posted by sites for themselves, validated as in the scenario format."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.schema import Horizon, Need
from service.auth import Principal
from service.db.models import (
    IdempotencyRow,
    LockRow,
    NeedRow,
    PlacementRow,
    PlanRow,
    ProposalRow,
)
from service.problems import Problem, conflict, fault, not_found
from service.register.commitments import (
    commitments,
    for_site_risk,
    holders,
    refusal,
    register_horizon,
    risks_added,
)
from service.register.common import (
    catalogue_for,
    decode_as,
    idempotent_replay,
    new_id,
    raise_if,
    reject_identity_numbers,
    scenario_errors,
    stamped,
    to_doc,
)
from service.register.queries import draft_plan_ids, in_force
from service.register.schemas import AtRiskOut, NeedOut

_TEXT_FIELDS = ("title", "tags", "languages")


NEED_STATES = ("open", "paused", "closed")


def need_out(row: NeedRow) -> NeedOut:
    return stamped(row.data, row, NeedOut, posted_by=row.posted_by, state=row.state or "open")


async def _validate(session: AsyncSession, need: Need) -> None:
    reject_identity_numbers(to_doc(need), _TEXT_FIELDS)
    cat = await catalogue_for(
        session, sites={need.site}, activities={need.activity}, trainings=set(need.requires_training)
    )
    raise_if(scenario_errors(cat.scenario(needs=[need]), "needs[0]"))


def _not_your_id(who: Principal) -> Problem:
    """A site chooses need ids only in its own namespace (`<site>-…`), so whether some other site's
    need has an id is never revealed by a 409 (issue 12: the existence oracle)."""
    return Problem(403, f"a site token may choose only new need ids starting with {who.site_id!r}-, or none "
                        "(the server then assigns one)", slug="forbidden",
                   errors=[fault("id", "id-prefix", prefix=f"{who.site_id}-")])


def _may_write_for(who: Principal, site_id: str) -> None:
    if who.is_coordinator:
        return
    if who.role == "site" and who.site_id == site_id:
        return
    if who.role == "site":
        raise Problem(403, f"a site token posts needs for its own site ({who.site_id!r}) only", slug="forbidden")
    raise Problem(403, "volunteers do not post needs", slug="forbidden")


async def visible_need_ids_for_volunteer(session: AsyncSession, volunteer_id: str) -> set[str]:
    """The needs a volunteer may know of: those of their released proposals and placements.

    Draft proposals stay with the coordinator: nobody is contacted before review and release.
    """
    proposed = await session.scalars(
        sa.select(ProposalRow.need_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(ProposalRow.volunteer_id == volunteer_id, PlanRow.status == "released",
               ProposalRow.state == "accepted")
    )
    placed = await session.scalars(sa.select(PlacementRow.need_id).where(PlacementRow.volunteer_id == volunteer_id))
    return set(proposed) | set(placed)


async def list_needs(
    session: AsyncSession, who: Principal, *, site: str | None = None, activity: str | None = None
) -> list[NeedOut]:
    stmt = sa.select(NeedRow).order_by(NeedRow.created_at, NeedRow.id)
    if site is not None:
        stmt = stmt.where(NeedRow.site_id == site)
    if activity is not None:
        stmt = stmt.where(NeedRow.activity_id == activity)
    if who.role == "site":
        stmt = stmt.where(NeedRow.site_id == who.site_id)
    elif who.role == "volunteer":
        ids = await visible_need_ids_for_volunteer(session, who.volunteer_id or "")
        stmt = stmt.where(NeedRow.id.in_(ids))
    return [need_out(r) for r in (await session.scalars(stmt)).all()]


async def need_row(session: AsyncSession, who: Principal, need_id: str, *, for_update: bool = False) -> NeedRow:
    """The need if this principal may know it exists; 404 otherwise."""
    row = await session.get(NeedRow, need_id, with_for_update=for_update)
    if row is None:
        raise not_found("need", need_id)
    if who.role == "site" and row.site_id != who.site_id:
        raise not_found("need", need_id)
    if who.role == "volunteer" and need_id not in await visible_need_ids_for_volunteer(session, who.volunteer_id or ""):
        raise not_found("need", need_id)
    return row


async def get_need(session: AsyncSession, who: Principal, need_id: str) -> NeedOut:
    return need_out(await need_row(session, who, need_id))


def body_hash(doc: dict[str, Any]) -> str:
    return hashlib.sha256(msgspec.json.encode(doc, order="sorted")).hexdigest()


async def create_need(
    session: AsyncSession, who: Principal, data: dict[str, Any], *, idempotency_key: str | None = None
) -> tuple[int, NeedOut]:
    """Create a need; with an Idempotency-Key, a repeat returns the first answer. Returns (status, body)."""
    token = who.token_id or ""
    digest = body_hash(data)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 255:
            raise Problem(400, "Idempotency-Key must be 1 to 255 characters", slug="validation",
                          errors=[fault("Idempotency-Key", "length", min=1, max=255)])
        seen = await _replay(session, token, idempotency_key, digest)
        if seen is not None:
            return seen
    doc = dict(data)
    if doc.get("id") is None:
        doc["id"] = new_id("need")
    elif who.role == "site" and not str(doc["id"]).startswith(f"{who.site_id}-"):
        raise _not_your_id(who)
    need = decode_as(doc, Need)
    _may_write_for(who, need.site)
    await _validate(session, need)
    try:
        async with session.begin_nested():
            existing = await session.get(NeedRow, need.id)
            if existing is not None and who.role == "site" and existing.site_id != who.site_id:
                raise _not_your_id(who)  # the same answer as for an id outside its namespace: no oracle
            if existing is not None:
                raise conflict(f"need {need.id!r} already exists")
            row = NeedRow(id=need.id, site_id=need.site, activity_id=need.activity, data=to_doc(need),
                          posted_by=f"{who.name} ({who.role})")
            session.add(row)
            await session.flush()
            body = need_out(row)
            if idempotency_key is not None:
                session.add(
                    IdempotencyRow(
                        token_id=token,
                        key=idempotency_key,
                        request_hash=digest,
                        status_code=201,
                        response=msgspec.to_builtins(body),
                    )
                )
                await session.flush()
    except IntegrityError:
        # Another request with the same key (or need id) committed first: answer as it did.
        if idempotency_key is not None:
            seen = await _replay(session, token, idempotency_key, digest)
            if seen is not None:
                return seen
        raise conflict(f"need {need.id!r} already exists") from None
    return 201, body


async def _replay(session: AsyncSession, token: str, key: str, digest: str) -> tuple[int, NeedOut] | None:
    row = await idempotent_replay(session, token, key, digest)
    return None if row is None else (row.status_code, msgspec.convert(row.response, NeedOut))


async def patch_need(
    session: AsyncSession, who: Principal, need_id: str, patch: dict[str, Any], *,
    keep_at_risk: bool = False, default_horizon_days: int = 90,
) -> NeedOut:
    """Change a need. If places are taken and the change would make a holder break a rule
    (times they are not available or are taken elsewhere, over their hours, a training or
    certificate they lack, headcount below the holders), 409 naming the rule and the facts —
    unless `keep_at_risk`: then the change is made, nobody is moved, and the placements it
    puts at risk are returned and listed at `GET /api/v1/placements?at_risk=true`."""
    row = await need_row(session, who, need_id, for_update=True)
    _may_write_for(who, row.site_id)
    if "id" in patch and patch["id"] != need_id:
        raise Problem(422, "a need's id cannot change", slug="validation",
                      errors=[fault("id", "cannot-change")])
    need = decode_as({**row.data, **patch}, Need)
    _may_write_for(who, need.site)
    await _validate(session, need)
    broken: list[dict[str, Any]] = []
    taken = await holders(session, need_id)  # the row is locked: no accept can slip in meanwhile
    if taken:
        pairs = sorted(await commitments(session, taken))
        horizon = await register_horizon(session, default_horizon_days)
        broken = await risks_added(session, horizon, pairs, pairs, replace={need_id: need})
        if who.role == "site":  # its own need's entries first, and not the facts of other commitments
            broken = [for_site_risk(e) for e in sorted(broken, key=lambda e: e["need"] != need_id)]
        if broken and not keep_at_risk:
            raise refusal(broken, f"need {need_id!r} cannot change so while its places are taken"
                                  " (send keep_at_risk=true to change it and keep the placements, at risk)")
    row.data = to_doc(need)
    row.site_id = need.site
    row.activity_id = need.activity
    await session.flush()
    out = need_out(row)
    if keep_at_risk:
        out = msgspec.structs.replace(out, at_risk=msgspec.convert(broken, list[AtRiskOut]))
    return out


async def delete_need(session: AsyncSession, who: Principal, need_id: str) -> None:
    row = await need_row(session, who, need_id, for_update=True)
    _may_write_for(who, row.site_id)
    placed = await session.scalar(
        sa.select(sa.func.count())
        .select_from(PlacementRow)
        .where(PlacementRow.need_id == need_id, in_force())
    )
    if placed:
        raise conflict(f"need {need_id!r} has {placed} placement(s) in force; end them first", "in-use")
    await session.execute(sa.delete(LockRow).where(LockRow.need_id == need_id))
    await session.execute(sa.delete(ProposalRow).where(ProposalRow.need_id == need_id))
    await session.delete(row)
    await session.flush()


async def set_need_state(session: AsyncSession, who: Principal, need_id: str, state: str) -> NeedOut:
    """Pause (kept, not matched for now), close (no longer wanted) or reopen a need.

    Paused and closed needs are left out of the matcher's scenario; a need with placements
    in force cannot close (end them first), but it may pause: the volunteers already there stay.
    """
    if state not in NEED_STATES:
        raise Problem(422, f"state must be one of {', '.join(NEED_STATES)}", slug="validation",
                      errors=[fault("state", "not-one-of", value=state, allowed=NEED_STATES)])
    row = await need_row(session, who, need_id, for_update=True)
    _may_write_for(who, row.site_id)
    if state == "closed":
        placed = await session.scalar(
            sa.select(sa.func.count()).select_from(PlacementRow)
            .where(PlacementRow.need_id == need_id, in_force())
        )
        if placed:
            raise conflict(f"need {need_id!r} has {placed} placement(s) in force; end them first", "in-use")
    if state != "open":
        # Not matched any more: its waiting proposals in a draft plan go.
        drafts = draft_plan_ids()
        await session.execute(sa.delete(ProposalRow).where(
            ProposalRow.need_id == need_id, ProposalRow.plan_id.in_(drafts), ProposalRow.state == "proposed"))
    row.state = state
    await session.flush()
    return need_out(row)


async def planning_horizon(session: AsyncSession, default_days: int = 90) -> Horizon:
    return await register_horizon(session, default_days)


async def occurrence_summary(session: AsyncSession, data: dict[str, Any]) -> dict[str, Any]:
    """How often a need (valid or not yet) happens in the planning period: the page says it in words.

    Returns {"count", "first", "last", "horizon": (start, end), "slots"} — or {"error"} for times that
    do not decode yet. Counted by matcher.validate.occurrences, the same function the plan check uses.
    """
    from matcher.schema import Scenario
    from matcher.validate import occurrences

    horizon = await planning_horizon(session)
    try:
        need = msgspec.convert({"id": "preview", "site": "s", "activity": "a", "title": "t", **data}, Need)
    except msgspec.ValidationError as exc:
        return {"error": str(exc)}
    scenario = Scenario(format="samspill.scenario/1", horizon=horizon)
    occ = occurrences(scenario, need)
    return {"count": len(occ), "first": occ[0][0].date() if occ else None,
            "last": occ[-1][0].date() if occ else None, "horizon": (horizon.start, horizon.end),
            "weekly": [msgspec.to_builtins(s) for s in need.weekly or []],
            "once": msgspec.to_builtins(need.once) if need.once else None,
            "from": need.from_, "until": need.until}
