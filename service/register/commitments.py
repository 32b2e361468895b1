"""What is committed, and what of it breaks a rule: every rule check goes through `matcher.at_risk`.

The register's commitments are placements in force and proposals accepted in the draft
plan. Accepting a proposal, changing a need with places taken, and the list of
placements at risk all ask the matcher the same question on a scenario built from the
register as it is now, with those pairs as `committed`: which committed pairs break
E1–E9 (on the need's first occurrence, E3 also on its last) or, together, C1–C3? The
service never re-states a rule of its own, so an accept, a need change and a plan can
never disagree about what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from matcher import at_risk
from matcher.schema import Horizon, Need, Pair, Scenario, Volunteer, Weights
from service import clock
from service.db.models import NeedRow, PlacementRow, PlanRow, ProposalRow, VolunteerRow
from service.problems import Problem
from service.register.common import from_doc, load_catalogue, register_row
from service.register.queries import in_force, is_draft

# The problem type a refused change gets, by the rule it would break.
SLUG_OF_RULE = {"C1": "need-full", "C2": "volunteer-busy", "C3": "volunteer-busy"}

PairKey = tuple[str, str]


def horizon_of(start: dt.date | None, end: dt.date | None, default_days: int, today: dt.date | None = None,
               *, from_today: bool = False) -> Horizon:
    """The register's planning period (today + `default_days` where it has none).

    A period (set by the coordinator, `register.period`, or by an imported scenario) that has
    ended before today counts as none: the register plans from today again, as one that never
    had a period does (an ended one would leave every need without an occurrence to plan
    until someone set a new one).

    With `from_today` the period starts no earlier than today, so the passing of time is
    seen: a course that has expired by today fails on the first occurrence from now on.
    """
    today = today or clock.today()
    if end is not None and end < today:
        start = end = None
    first = start or today
    last = end or today + dt.timedelta(days=default_days)
    if from_today and first < today <= last:
        first = today
    return Horizon(start=first, end=last)


async def register_horizon(session: AsyncSession, default_days: int, today: dt.date | None = None,
                           *, from_today: bool = False) -> Horizon:
    reg = await register_row(session)
    return horizon_of(reg.horizon_start, reg.horizon_end, default_days, today, from_today=from_today)


def start_of(need: Need, today: dt.date) -> dt.date:
    """A new placement's start: the need's first date, today at the earliest."""
    if need.once is not None:
        return max(today, need.once.date)
    return max(today, need.from_) if need.from_ is not None else today


async def in_force_pairs(session: AsyncSession) -> list[PairKey]:
    rows = (await session.execute(
        sa.select(PlacementRow.volunteer_id, PlacementRow.need_id)
        .where(in_force())
        .order_by(PlacementRow.created_at, PlacementRow.id)
    )).all()
    return _unique((v, n) for v, n in rows)


async def accepted_pairs(session: AsyncSession) -> list[PairKey]:
    rows = (await session.execute(
        sa.select(ProposalRow.volunteer_id, ProposalRow.need_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(is_draft(), ProposalRow.state == "accepted")
        .order_by(ProposalRow.id)
    )).all()
    return _unique((v, n) for v, n in rows)


async def holders(session: AsyncSession, need_id: str) -> set[str]:
    """Volunteers holding one of the need's places: placed (in force) or accepted in a draft plan."""
    placed = await session.scalars(
        sa.select(PlacementRow.volunteer_id).where(PlacementRow.need_id == need_id, in_force())
    )
    accepted = await session.scalars(
        sa.select(ProposalRow.volunteer_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(is_draft(), ProposalRow.need_id == need_id, ProposalRow.state == "accepted")
    )
    return set(placed) | set(accepted)


async def commitments(session: AsyncSession, volunteer_ids: Iterable[str]) -> set[PairKey]:
    """Every (volunteer, need) the volunteers are placed on (in force) or accepted for in a draft plan."""
    ids = list(set(volunteer_ids))
    if not ids:
        return set()
    placed = (await session.execute(
        sa.select(PlacementRow.volunteer_id, PlacementRow.need_id).where(
            PlacementRow.volunteer_id.in_(ids), in_force())
    )).all()
    accepted = (await session.execute(
        sa.select(ProposalRow.volunteer_id, ProposalRow.need_id)
        .join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(is_draft(), ProposalRow.volunteer_id.in_(ids), ProposalRow.state == "accepted")
    )).all()
    return {(v, n) for v, n in [*placed, *accepted]}


def _unique(pairs: Iterable[PairKey]) -> list[PairKey]:
    seen: set[PairKey] = set()
    out = []
    for p in pairs:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


async def committed_scenario(
    session: AsyncSession,
    horizon: Horizon,
    committed: Iterable[PairKey],
    *,
    replace: dict[str, Need] | None = None,
) -> Scenario:
    """A scenario holding just the committed pairs' volunteers and needs and the whole catalogue.

    `replace` swaps in needs as they would be after a change. Pairs whose volunteer has
    been anonymised or whose need is gone are left out: they commit nobody to anything.
    No `forbidden` pairs: accepting a rejected proposal lifts its rejection, and a volunteer
    who said no has no placement in force.
    """
    pairs = _unique(committed)
    cat = await load_catalogue(session)
    vids = {v for v, _ in pairs}
    nids = {n for _, n in pairs}
    volunteers = {r.id: from_doc(r.data, Volunteer)
                  for r in await _rows(session, VolunteerRow, vids) if r.data is not None}
    needs = {r.id: from_doc(r.data, Need) for r in await _rows(session, NeedRow, nids)}
    needs.update({k: v for k, v in (replace or {}).items() if k in nids})
    kept = [Pair(volunteer=v, need=n) for v, n in pairs if v in volunteers and n in needs]
    reg = await register_row(session)
    return Scenario(
        format="samspill.scenario/1",
        horizon=horizon,
        trainings=cat.trainings,
        activities=cat.activities,
        sites=cat.sites,
        volunteers=[volunteers[k] for k in sorted(volunteers)],
        needs=[needs[k] for k in sorted(needs)],
        committed=kept,
        weights=from_doc(reg.weights, Weights) if reg.weights else None,
    )


async def _rows(session: AsyncSession, model: Any, ids: set[str]) -> list[Any]:
    """The rows with these ids, 500 ids a query (the drivers limit bind parameters; reading
    the whole table instead costs a JSON decode per row: 2.4 s at 6 000 volunteers)."""
    ordered = sorted(ids)
    out: list[Any] = []
    for k in range(0, len(ordered), 500):
        out += (await session.scalars(sa.select(model).where(model.id.in_(ordered[k:k + 500])))).all()
    return out


def risks(scenario: Scenario) -> list[dict[str, Any]]:
    """`matcher.at_risk` on the scenario, as plain JSON-ready dicts."""
    return [msgspec.to_builtins(r) for r in at_risk(scenario)]


def key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return entry["volunteer"], entry["need"], entry["rule"], entry.get("code")


def added(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of `after` that `before` did not have: what a change would newly break."""
    old = {key(e) for e in before}
    return [e for e in after if key(e) not in old]


async def risks_added(
    session: AsyncSession,
    horizon: Horizon,
    before: Iterable[PairKey],
    after: Iterable[PairKey],
    *,
    replace: dict[str, Need] | None = None,
) -> list[dict[str, Any]]:
    """What going from the commitments `before` to `after` (and the needs in `replace`) would newly break."""
    after_risks = risks(await committed_scenario(session, horizon, after, replace=replace))
    if not after_risks:
        return []
    return added(risks(await committed_scenario(session, horizon, before)), after_risks)


async def release_risks(session: AsyncSession, default_horizon_days: int,
                        new: Iterable[PairKey]) -> list[dict[str, Any]]:
    """What placing the pairs `new` would break today that the placements in force do not already break.

    Accepted proposals were checked when they were accepted; since then the register may have
    moved under them (a need changed with keep_at_risk, a volunteer's availability or course
    changed, a certificate expired). Asked over the register's period from today, on the new
    pairs' volunteers and needs with what is in force around them; the new pairs come last, so a
    full need or a clash names the new pair. The release and its preview both ask here."""
    new = _unique(new)
    if not new:
        return []
    horizon = await register_horizon(session, default_horizon_days, from_today=True)
    vids = sorted({v for v, _ in new})
    nids = sorted({n for _, n in new})
    placed: set[PairKey] = set()
    for k in range(0, max(len(vids), len(nids)), 500):  # bind parameters per query, as `_rows`
        placed |= {(v, n) for v, n in (await session.execute(
            sa.select(PlacementRow.volunteer_id, PlacementRow.need_id).where(
                in_force(), sa.or_(PlacementRow.volunteer_id.in_(vids[k:k + 500]),
                                   PlacementRow.need_id.in_(nids[k:k + 500])))
        )).all()}
    before = sorted(placed)
    return await risks_added(session, horizon, before, [*before, *(p for p in new if p not in placed)])


def refusal(entries: list[dict[str, Any]], detail: str) -> Problem:
    """409 naming the first rule broken and its facts; every entry in `at_risk`."""
    first = entries[0]
    return Problem(
        409, f"{detail}: {first['message']} (rule {first['rule']}; volunteer {first['volunteer']!r},"
             f" need {first['need']!r})",
        slug=SLUG_OF_RULE.get(first["rule"], "rule-broken"),
        extra={"rule": first["rule"], "code": first.get("code"), "volunteer": first["volunteer"],
               "need": first["need"], "date": first.get("date"), "data": first.get("data"), "at_risk": entries},
    )


# A site learns that a placement on its need breaks a rule and which; the facts about the
# volunteer's other commitments (C2, C3: their other needs and hours) stay with the coordinator.
_SITE_RISK_RULES = {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "C1", "attendance"}


def for_site_risk(entry: dict[str, Any]) -> dict[str, Any]:
    """An at-risk entry as a site contact may read it."""
    if entry.get("rule") in _SITE_RISK_RULES:
        return {**entry, "data": None}
    return {**entry, "message": "the volunteer's other commitments clash with this need", "data": None}
