"""The register as `samspill.scenario/1`: export (also the matcher's input) and all-or-nothing import."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.scenario import check_scenario, describe_decode_error
from matcher.schema import (
    Activity,
    Need,
    Pair,
    Scenario,
    Site,
    Training,
    Volunteer,
    Weights,
)
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
from service.register.queries import in_force, is_draft

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


async def build_scenario(
    session: AsyncSession, *, default_horizon_days: int = 90, accepted_as_pinned: bool = False,
    today: dt.date | None = None, from_today: bool = False,
) -> Scenario:
    """The register now: placements in force are `committed` (and `previous`, the soft preference
    to keep them); with `accepted_as_pinned`, accepted draft proposals are kept by the next run.
    With `from_today` the horizon starts no earlier than `today` (see `commitments.horizon_of`)."""
    reg = await register_row(session)
    horizon = horizon_of(reg.horizon_start, reg.horizon_end, default_horizon_days, today, from_today=from_today)
    trainings = [_stored(r.data, Training, f"trainings[{r.id}]")
                 for r in (await session.scalars(sa.select(TrainingRow).order_by(TrainingRow.id)))]
    activities = [_stored(r.data, Activity, f"activities[{r.id}]")
                  for r in (await session.scalars(sa.select(ActivityRow).order_by(ActivityRow.id)))]
    sites = [_stored(r.data, Site, f"sites[{r.id}]")
             for r in (await session.scalars(sa.select(SiteRow).order_by(SiteRow.id)))]
    volunteers = [
        _stored(r.data, Volunteer, f"volunteers[{r.id}]")
        for r in await session.scalars(
            sa.select(VolunteerRow).where(VolunteerRow.data.is_not(None)).order_by(VolunteerRow.created_at,
                                                                                   VolunteerRow.id)
        )
        if r.data is not None
    ]
    # Paused and closed needs are not matched (register.needs.set_need_state).
    needs = [_stored(r.data, Need, f"needs[{r.id}]") for r in await session.scalars(
        sa.select(NeedRow).where(NeedRow.state == "open").order_by(NeedRow.created_at, NeedRow.id))]
    vids, nids = {v.id for v in volunteers}, {n.id for n in needs}

    def pairs(rows: Any) -> list[Pair]:
        seen: set[tuple[str, str]] = set()
        out = []
        for v, n in rows:
            if v in vids and n in nids and (v, n) not in seen:
                seen.add((v, n))
                out.append(Pair(volunteer=v, need=n))
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
    forbidden_set = {(p.volunteer, p.need) for p in forbidden}
    previous = pairs(
        (await session.execute(
            sa.select(PlacementRow.volunteer_id, PlacementRow.need_id)
            .where(in_force())
            .order_by(PlacementRow.created_at)
        )).all()
    )
    committed = {(p.volunteer, p.need) for p in previous}
    return Scenario(
        format="samspill.scenario/1",
        horizon=horizon,
        trainings=trainings,
        activities=activities,
        sites=sites,
        volunteers=volunteers,
        needs=needs,
        # a pin on a pair already in force, or a forbid on it (the volunteer declined an offer that
        # is still recorded in force), is settled by the placement itself
        pinned=[p for p in pairs(pinned_rows) if (p.volunteer, p.need) not in forbidden_set | committed],
        forbidden=[p for p in forbidden if (p.volunteer, p.need) not in committed],
        previous=previous,
        committed=previous,
        weights=from_doc(reg.weights, Weights) if reg.weights else None,
    )


async def export_scenario(session: AsyncSession, who: Principal, path: str, default_horizon_days: int) -> Scenario:
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
    today = dt.date.today()
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
