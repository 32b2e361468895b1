"""The register as `samspill.scenario/1`: export (also the matcher's input) and all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.scenario import check_decoded, check_scenario, describe_decode_error, gc_paused
from matcher.schema import (
    Activity,
    Need,
    Scenario,
    Site,
    Training,
    Volunteer,
)
from service import clock
from service.auth import Principal
from service.db.models import (
    ActivityRow,
    LockRow,
    NeedRow,
    PlacementRow,
    PlanRow,
    ProposalRow,
    SiteRow,
    TrainingRow,
    VolunteerRow,
)
from service.problems import fault, field_error, invalid
from service.register.commitments import horizon_of, in_force_pairs, start_of
from service.register.common import audit, from_doc, new_id, register_row, to_doc
from service.register.queries import in_force, is_draft, is_matched

T = TypeVar("T", bound=msgspec.Struct)


def _stored(doc: dict[str, Any], kind: type[T], where: str) -> T:
    """A stored document as its struct; one stored before today's ranges (or edited by hand) that is out
    of range is refused naming the record and field (422), rather than breaking the run."""
    try:
        return from_doc(doc, kind)
    except msgspec.ValidationError as exc:
        place = field_error(describe_decode_error(exc, b""))
        field = f"{where}.{place['field']}" if place["field"] else where
        raise invalid([fault(field, "stored-record", problem=place["message"], problem_code=place["code"],
                             problem_data=place["data"])]) from None


def _as_text(column: Any) -> Any:
    """A JSON column read as its stored text: msgspec decodes and validates it in one pass, instead of
    the driver's json.loads and then msgspec.convert per record."""
    return sa.cast(column, sa.Text)


def _docs(rows: Sequence[Any], kind: type[T], where: str) -> list[T]:
    """Stored documents `(id, text)` as structs, decoded all at once; if one is refused, the records
    are read one by one so the 422 names the record and field (`_stored`)."""
    texts = [text for _, text in rows]
    joined = "[" + ",".join(texts) + "]"
    try:
        with gc_paused():
            decoded: list[T] = msgspec.json.decode(joined, type=types.GenericAlias(list, (kind,)))
            return decoded
    except (msgspec.ValidationError, msgspec.DecodeError):
        return [_stored(json.loads(text), kind, f"{where}[{ident}]") for ident, text in rows]


async def build_scenario(
    session: AsyncSession, *, default_horizon_days: int = 90, accepted_as_pinned: bool = False,
    today: dt.date | None = None, from_today: bool = False,
) -> Scenario:
    """The register now: placements in force are `committed` (and `previous`, the soft preference
    to keep them); with `accepted_as_pinned`, accepted draft proposals are kept by the next run.
    With `from_today` the horizon starts no earlier than `today` (see `commitments.horizon_of`).

    Every stored document is validated as it is read (a record out of today's ranges is refused by
    name, 422); a register that also passes `check_scenario` is handed to the matcher as checked,
    so the solver does not check it again."""
    reg = await register_row(session)
    horizon = horizon_of(reg.horizon_start, reg.horizon_end, default_horizon_days, today, from_today=from_today)

    async def docs(kind: type[T], where: str, stmt: Any) -> list[T]:
        return _docs((await session.execute(stmt)).all(), kind, where)

    trainings = await docs(Training, "trainings",
                           sa.select(TrainingRow.id, _as_text(TrainingRow.data)).order_by(TrainingRow.id))
    activities = await docs(Activity, "activities",
                            sa.select(ActivityRow.id, _as_text(ActivityRow.data)).order_by(ActivityRow.id))
    sites = await docs(Site, "sites", sa.select(SiteRow.id, _as_text(SiteRow.data)).order_by(SiteRow.id))
    volunteers = await docs(
        Volunteer, "volunteers",
        sa.select(VolunteerRow.id, _as_text(VolunteerRow.data)).where(VolunteerRow.data.is_not(None))
        .order_by(VolunteerRow.created_at, VolunteerRow.id))
    # Paused and closed needs are not matched (queries.is_matched, as GET /api/v1/scenario).
    needs = await docs(Need, "needs", sa.select(NeedRow.id, _as_text(NeedRow.data))
                       .where(is_matched()).order_by(NeedRow.created_at, NeedRow.id))
    vids, nids = {v.id for v in volunteers}, {n.id for n in needs}

    def pairs(rows: Any) -> list[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        out = []
        for v, n in rows:
            if v in vids and n in nids and (v, n) not in seen:
                seen.add((v, n))
                out.append((v, n))
        return out

    locks = (await session.execute(sa.select(LockRow.kind, LockRow.volunteer_id,
                                             LockRow.need_id).order_by(LockRow.id))).all()
    pinned_rows = [(v, n) for k, v, n in locks if k == "pinned"]
    if accepted_as_pinned:
        pinned_rows += list(
            (await session.execute(
                sa.select(ProposalRow.volunteer_id, ProposalRow.need_id)
                .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
                .where(is_draft(), ProposalRow.state == "accepted")
            )).all()
        )
    forbidden = pairs((v, n) for k, v, n in locks if k == "forbidden")
    previous = pairs(
        (await session.execute(
            sa.select(PlacementRow.volunteer_id, PlacementRow.need_id)
            .where(in_force())
            .order_by(PlacementRow.created_at)
        )).all()
    )
    committed = set(previous)
    settled = set(forbidden) | committed

    def docs_of(items: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"volunteer": v, "need": n} for v, n in items]

    previous_docs = docs_of(previous)
    # The records are structs msgspec has just validated (taken as they are); the rest is validated here.
    parts = {
        "format": "samspill.scenario/1",
        "horizon": to_doc(horizon),
        "trainings": trainings,
        "activities": activities,
        "sites": sites,
        "volunteers": volunteers,
        "needs": needs,
        # a pin on a pair already in force, or a forbid on it (the volunteer declined an offer that
        # is still recorded in force), is settled by the placement itself
        "pinned": docs_of([p for p in pairs(pinned_rows) if p not in settled]),
        "forbidden": docs_of([p for p in forbidden if p not in committed]),
        "previous": previous_docs,
        "committed": previous_docs,
        "weights": reg.weights or None,
    }
    try:
        scenario = msgspec.convert(parts, Scenario)
    except msgspec.ValidationError as exc:
        raise invalid([field_error(describe_decode_error(exc, b""))]) from None
    check_decoded(scenario)  # any issue found is the solver's to refuse, naming it (ensure_valid)
    return scenario


async def export_scenario(session: AsyncSession, who: Principal, path: str, default_horizon_days: int) -> Scenario:
    """The scenario the matcher would see now (build_scenario, as a plan run builds it): open needs only."""
    who.require_coordinator()
    scenario = await build_scenario(session, default_horizon_days=default_horizon_days)
    await audit(session, who, "read", [v.id for v in scenario.volunteers], path)
    return scenario


async def import_scenario(session: AsyncSession, who: Principal, scenario: Scenario, path: str) -> dict[str, int]:
    """Add or replace every object in the document, in the caller's one transaction; its
    `committed` pairs not in force yet become confirmed placements."""
    who.require_coordinator()
    errors = [field_error(e) for e in check_scenario(scenario)]
    anonymised = set(
        await session.scalars(
            sa.select(VolunteerRow.id).where(
                VolunteerRow.id.in_([v.id for v in scenario.volunteers]), VolunteerRow.data.is_(None)
            )
        )
    )
    for i, v in enumerate(scenario.volunteers):
        if v.id in anonymised:
            errors.append(fault(f"volunteers[{i}].id", "anonymised", value=v.id))
    if errors:
        raise invalid(errors)

    async def upsert(model: Any, items: list[Any], extra: Any = None) -> None:
        existing = {r.id: r for r in await session.scalars(sa.select(model).where(model.id.in_([x.id for x in items])))}
        for item in items:
            cols = extra(item) if extra else {}
            row = existing.get(item.id)
            if row is None:
                session.add(model(id=item.id, data=to_doc(item), **cols))
            else:
                row.data = to_doc(item)
                for k, val in cols.items():
                    setattr(row, k, val)
        await session.flush()

    await upsert(TrainingRow, scenario.trainings)
    await upsert(ActivityRow, scenario.activities)
    await upsert(SiteRow, scenario.sites)
    await upsert(VolunteerRow, scenario.volunteers)
    await upsert(NeedRow, scenario.needs, lambda n: {"site_id": n.site, "activity_id": n.activity})
    locks = 0
    for kind, pairs in (("pinned", scenario.pinned), ("forbidden", scenario.forbidden)):
        for p in pairs:
            exists = await session.scalar(
                sa.select(LockRow.id).where(
                    LockRow.kind == kind, LockRow.volunteer_id == p.volunteer, LockRow.need_id == p.need
                )
            )
            if exists is None:
                session.add(LockRow(kind=kind, volunteer_id=p.volunteer, need_id=p.need, reason="imported"))
                locks += 1
    # committed pairs are placements in force (say, from the spreadsheet before samspill):
    # each one not in force yet becomes a confirmed placement, rules or not — what it
    # breaks shows at GET /placements?at_risk=true
    placed = set(await in_force_pairs(session))
    by_id = {n.id: n for n in scenario.needs}
    today = clock.today()
    placements = 0
    for p in scenario.committed:
        if (p.volunteer, p.need) in placed:
            continue
        placed.add((p.volunteer, p.need))
        need = by_id[p.need]  # check_scenario: committed pairs refer to the document's own needs
        session.add(PlacementRow(id=new_id("plc"), volunteer_id=p.volunteer, need_id=p.need, site_id=need.site,
                                 activity_id=need.activity, plan_id=None, proposal_id=None, state="confirmed",
                                 start=start_of(need, today), followups_done=[]))
        placements += 1
    reg = await register_row(session, for_update=True)
    reg.horizon_start, reg.horizon_end = scenario.horizon.start, scenario.horizon.end
    if scenario.weights is not None:
        reg.weights = to_doc(scenario.weights)
    await session.flush()
    await audit(session, who, "update", [v.id for v in scenario.volunteers], path)
    return {
        "trainings": len(scenario.trainings),
        "activities": len(scenario.activities),
        "sites": len(scenario.sites),
        "volunteers": len(scenario.volunteers),
        "needs": len(scenario.needs),
        "locks": locks,
        "placements": placements,
    }
