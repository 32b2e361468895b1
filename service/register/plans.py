"""Plans and proposals: a matcher run's draft, reviewed (accept, reject, pin) and released.

At most one plan is a draft: a new run supersedes the previous draft, carrying its
accepted proposals over as pins. Releasing turns accepted proposals into placements.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from matcher.scenario import ScenarioError
from matcher.schema import Need, Plan
from service import clock
from service.auth import Principal
from service.db.models import (
    LockRow,
    NeedRow,
    PlacementRow,
    PlanRow,
    ProposalRow,
    RegisterRow,
    VolunteerRow,
    utcnow,
)
from service.jobs import Solver, solve_in_thread
from service.problems import Problem, conflict, fault, field_error, invalid, not_found
from service.register.commitments import for_site_risk, refusal, register_horizon, release_risks, start_of
from service.register.common import audit, from_doc, new_id, register_row
from service.register.occupancy import check_can_take
from service.register.queries import in_force as placements_in_force
from service.register.queries import is_draft
from service.register.release_preview import to_place
from service.register.scenario_io import build_scenario
from service.register.schemas import (
    AtRiskOut,
    CommittedOut,
    PlanListOut,
    PlanOut,
    PlanProgress,
    PlanStatus,
    ProposalOut,
    ProposalState,
    RunState,
)
from service.settings import Settings

log = logging.getLogger("samspill.service")


def proposal_out(p: ProposalRow) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        plan=p.plan_id,
        volunteer=p.volunteer_id,
        need=p.need_id,
        score=p.score,
        reasons=p.reasons,
        state=cast(ProposalState, p.state),
        pinned=p.pinned,
        reject_reason=p.reject_reason,
    )


# What a site may read of a match's reasons: nothing about the person beyond the fields
# it already sees (no interests, no distance from home).
_SITE_REASONS = {"priority", "eligible", "pinned", "previous", "continuity"}


def for_site(proposal: ProposalOut) -> ProposalOut:
    reasons = [{**r, "data": None} for r in proposal.reasons if r.get("code") in _SITE_REASONS]
    return msgspec.structs.replace(proposal, reasons=reasons)


def unfilled_for_site(entry: dict[str, Any]) -> dict[str, Any]:
    """Counts and sentences stay; which other volunteers nearly fit, or went to whose needs, do not."""
    reasons = dict(entry.get("reasons") or {})
    reasons["nearest_misses"] = [{**m, "volunteers": []} for m in reasons.get("nearest_misses", [])]
    elsewhere = reasons.get("placed_elsewhere", [])
    reasons["placed_elsewhere"] = []
    if elsewhere:
        reasons["summary"] = f"{reasons.get('summary', '')} ({len(elsewhere)} eligible volunteer(s) placed elsewhere)"
    return {**entry, "reasons": reasons}


# A plan's proposals read as plain rows, their reasons as stored text decoded by msgspec all at once:
# no ORM objects and no json.loads per row for the hundreds of proposals a plan holds.
_PROPOSAL_COLUMNS = (ProposalRow.id, ProposalRow.plan_id, ProposalRow.volunteer_id, ProposalRow.need_id,
                     ProposalRow.score, sa.cast(ProposalRow.reasons, sa.Text), ProposalRow.state,
                     ProposalRow.pinned, ProposalRow.reject_reason)


async def _proposals_out(session: AsyncSession, stmt: Any) -> list[ProposalOut]:
    """`proposal_out` of each row `stmt` (a select of _PROPOSAL_COLUMNS) finds, in its order."""
    rows = (await session.execute(stmt)).all()
    reasons = msgspec.json.decode("[" + ",".join(r[5] for r in rows) + "]") if rows else []
    return [
        ProposalOut(id=r[0], plan=r[1], volunteer=r[2], need=r[3], score=r[4], reasons=why,
                    state=cast(ProposalState, r[6]), pinned=r[7], reject_reason=r[8])
        for r, why in zip(rows, reasons, strict=True)
    ]


def _plan_out(plan: PlanRow, proposals: list[ProposalOut], unfilled: list[dict[str, Any]],
              own_needs: set[str] | None = None) -> PlanOut:
    """The plan as the API shows it; with `own_needs` (a site), only what concerns those needs."""
    summary = plan.summary or {}
    committed = summary.get("committed", [])
    at_risk = summary.get("at_risk", [])
    if own_needs is not None:
        committed = [c for c in committed if c["need"] in own_needs]
        at_risk = [for_site_risk(r) for r in at_risk if r["need"] in own_needs]
    return PlanOut(
        id=plan.id,
        status=cast(PlanStatus, plan.status),
        solver_status=plan.solver_status,
        created_at=plan.created_at,
        released_at=plan.released_at,
        proposals=proposals,
        unfilled=unfilled,
        summary={k: v for k, v in summary.items() if k not in ("committed", "at_risk")},
        committed=msgspec.convert(committed, list[CommittedOut]),
        at_risk=msgspec.convert(at_risk, list[AtRiskOut]),
    )


async def _claim_run(maker: async_sessionmaker[AsyncSession], settings: Settings, *,
                     force: bool = False) -> dt.datetime:
    now = utcnow()
    stale = now - dt.timedelta(seconds=settings.solve_lock_timeout)
    async with maker() as session, session.begin():
        await register_row(session)
        free = sa.or_(RegisterRow.solving_since.is_(None), RegisterRow.solving_since < stale)
        result = cast(CursorResult[Any], await session.execute(
            sa.update(RegisterRow).where(RegisterRow.id == 1, sa.true() if force else free).values(solving_since=now)
        ))
        if not result.rowcount:
            raise conflict("a matcher run for this register is already running; try again when it ends",
                           "run-in-progress")
    return now


async def _free_run(maker: async_sessionmaker[AsyncSession], since: dt.datetime) -> None:
    async with maker() as session, session.begin():
        await session.execute(
            sa.update(RegisterRow).where(RegisterRow.id == 1,
                                         RegisterRow.solving_since == since).values(solving_since=None)
        )


RUNNING = ("queued", "running")


def _who(who: Principal) -> dict[str, Any]:
    return {"token_id": who.token_id, "name": who.name, "role": who.role}


async def queue_plan(maker: async_sessionmaker[AsyncSession], settings: Settings, jobs: Any, who: Principal,
                     time_limit: float | None = None) -> PlanOut:
    """Store a plan in state `queued` and hand it to the job queue (service/jobs.py); 202 for the API.

    A plan still waiting in the queue is answered as is (it reads the register when it starts, so it
    sees every change made meanwhile); one that is running gets a successor queued behind it.
    """
    who.require_coordinator()
    limit = min(time_limit or settings.solve_time_limit, settings.solve_lock_timeout / 2)
    async with maker() as session, session.begin():
        await register_row(session, for_update=True)  # one queuer at a time
        waiting = await session.scalar(
            sa.select(PlanRow).where(PlanRow.status == "queued").order_by(PlanRow.created_at.desc()))
        if waiting is not None:
            return plan_status_out(waiting, settings)
        row = PlanRow(id=new_id("plan"), status="queued", solver_status="pending", unfilled=[],
                      summary={"time_limit": limit, "requested_by": who.name}, created_at=utcnow())
        session.add(row)
        await session.flush()
        out = plan_status_out(row, settings)
    await jobs.enqueue(row.id, _who(who), limit)
    return out


async def latest_run(maker: async_sessionmaker[AsyncSession]) -> PlanRow | None:
    """The newest plan that is queued, running or failed: the run the matching page follows (any
    process's), read in a session of its own so a page's polling never waits on the register."""
    async with maker() as session:
        return await session.scalar(
            sa.select(PlanRow).where(PlanRow.status.in_((*RUNNING, "failed")))
            .order_by(PlanRow.created_at.desc()).limit(1))


def plan_status_out(row: PlanRow, settings: Settings) -> PlanOut:
    """A plan as the API shows it while queued, running or failed: its progress or its error."""
    summary = dict(row.summary or {})
    out = _plan_out(row, [], [])
    limit = float(summary.get("time_limit") or settings.solve_time_limit)
    started = summary.get("started_at")
    elapsed = 0.0
    if row.status == "running" and isinstance(started, str):
        elapsed = max(0.0, (utcnow() - dt.datetime.fromisoformat(started)).total_seconds())
    progress = PlanProgress(state=cast(RunState, row.status),
                            elapsed=round(elapsed, 1), limit=limit, attempt=int(summary.get("attempt", 0)))
    return msgspec.structs.replace(out, progress=progress, error=summary.get("error"), summary={})


async def execute_plan(maker: async_sessionmaker[AsyncSession], settings: Settings, solver: Solver,
                       plan_id: str, who: dict[str, Any], time_limit: float) -> None:
    """Run one queued plan: `running`, then the draft, or `failed` naming why. Safe to run again (a
    worker that died is replaced by another that starts the same plan over)."""
    principal = Principal(who.get("token_id"), str(who.get("name", "system")), str(who.get("role", "coordinator")))
    async with maker() as session, session.begin():
        row = await session.get(PlanRow, plan_id, with_for_update=True)
        if row is None or row.status not in RUNNING:
            return  # withdrawn, or already finished by an earlier attempt
        summary = dict(row.summary or {})
        summary.update(started_at=utcnow().isoformat(), attempt=int(summary.get("attempt", 0)) + 1)
        row.status, row.summary = "running", summary
    # This job holds the queue's register lock, so the run lock is ours even if a dead run left it set.
    since = await _claim_run(maker, settings, force=True)
    try:
        async with maker() as session, session.begin():
            scenario = await build_scenario(
                session, default_horizon_days=settings.default_horizon_days, accepted_as_pinned=True
            )
            await audit(session, principal, "match", [v.id for v in scenario.volunteers], "/api/v1/plans")
        try:
            plan = await solve_in_thread(solver, scenario, time_limit)
        except ScenarioError as exc:
            raise invalid([field_error(e) for e in exc.errors[:20]]) from None
        provisional = await _provisional(maker, solver, scenario, plan, time_limit)
        async with maker() as session, session.begin():
            await _store(session, plan, since, provisional, into=plan_id)
    except Problem as exc:
        await mark_failed(maker, plan_id, exc.detail)
    except Exception as exc:  # a matcher bug must not look like a server crash or leave a lock
        log.exception("plan %s: the matcher failed", plan_id)
        await mark_failed(maker, plan_id,
                          f"the matcher failed ({type(exc).__name__}: {exc}); the register is unchanged")
    finally:
        await _free_run(maker, since)


async def mark_failed(maker: async_sessionmaker[AsyncSession], plan_id: str, error: str) -> None:
    async with maker() as session, session.begin():
        row = await session.get(PlanRow, plan_id, with_for_update=True)
        if row is not None and row.status in RUNNING:
            row.status = "failed"
            row.summary = {**(row.summary or {}), "error": error[:2000]}


async def recover_interrupted(maker: async_sessionmaker[AsyncSession]) -> int:
    """At start-up of a single-process (SQLite) server: runs a killed server left behind are failed and
    the run lock is freed, so a new run is accepted at once."""
    async with maker() as session, session.begin():
        rows = (await session.scalars(sa.select(PlanRow).where(PlanRow.status.in_(RUNNING)))).all()
        for row in rows:
            row.status = "failed"
            row.summary = {**(row.summary or {}), "error": "the server stopped during the run; run again"}
        await session.execute(sa.update(RegisterRow).where(RegisterRow.id == 1).values(solving_since=None))
        return len(rows)


async def _provisional(
    maker: async_sessionmaker[AsyncSession], solver: Solver, scenario: Any, plan: Plan, limit: float
) -> list[dict[str, Any]] | dict[str, str]:
    """Where volunteers signed up at an exchange event would fit once onboarded (service.exchange.provisional)."""
    from service.exchange.provisional import provisional_proposals

    try:
        return await provisional_proposals(maker, solver, scenario, plan, limit)
    except Exception as exc:  # the main plan stands without them
        log.exception("provisional proposals failed")
        return {"error": f"{type(exc).__name__}: {exc}"}


async def _store(
    session: AsyncSession, plan: Plan, since: dt.datetime,
    provisional: list[dict[str, Any]] | dict[str, str] | None = None,
    into: str | None = None,
) -> str:
    """The run's draft plan and its proposals, in the caller's transaction; the plan's id."""
    needs = set(await session.scalars(sa.select(NeedRow.id)))
    volunteers = set(await session.scalars(sa.select(VolunteerRow.id).where(VolunteerRow.data.is_not(None))))
    # the previous draft's ids only: its unfilled needs and summary are large JSON, not needed here
    drafts = list(await session.scalars(
        sa.select(PlanRow.id).where(is_draft(), PlanRow.id != (into or "")).with_for_update()))
    accepted: set[tuple[str, str]] = set()
    if drafts:
        accepted = _pairs(
            (await session.execute(
                sa.select(ProposalRow.volunteer_id, ProposalRow.need_id).where(
                    ProposalRow.plan_id.in_(drafts), ProposalRow.state == "accepted"
                )
            )).all()
        )
        await session.execute(sa.update(PlanRow).where(PlanRow.id.in_(drafts)).values(status="superseded"))
    unfilled = [_builtins(u) for u in plan.unfilled if u.need in needs]
    summary = {
        "coverage": _builtins(plan.coverage),
        "objective": _builtins(plan.objective),
        "conflicts": [_builtins(c) for c in plan.conflicts],
        "timings": _builtins(plan.timings),
        "gap": plan.gap,
        # Frivilligtorg volunteers with onboarding pending: where they would fit; not acceptable proposals.
        "provisional": [p for p in provisional if p["need"] in needs and p["volunteer"] in volunteers]
        if isinstance(provisional, list) else (provisional or []),
        # placements in force the plan kept as they are, and those of them that break a rule now
        "committed": [{"volunteer": m.volunteer, "need": m.need} for m in plan.matches if m.committed],
        "at_risk": [_builtins(r) for r in plan.at_risk],
    }
    queued = await session.get(PlanRow, into, with_for_update=True) if into is not None else None
    if queued is not None:  # the queued plan's row becomes the draft (service/jobs.py), keeping its time
        kept = {k: v for k, v in (queued.summary or {}).items() if k in ("attempt", "requested_by", "time_limit")}
        queued.status, queued.solver_status, queued.unfilled = "draft", plan.status, unfilled
        queued.summary = {**summary, **kept}
        row = queued
    else:
        row = PlanRow(id=into or new_id("plan"), status="draft", solver_status=plan.status, unfilled=unfilled,
                      summary=summary, created_at=since)
        session.add(row)
    await session.flush()
    now = utcnow()
    proposals = [
        {
            "id": new_id("prop"),
            "plan_id": row.id,
            "volunteer_id": m.volunteer,
            "need_id": m.need,
            "score": m.score,
            "reasons": msgspec.to_builtins(m.reasons),
            "state": "accepted" if (m.volunteer, m.need) in accepted else "proposed",
            "pinned": m.pinned,
            "reject_reason": None,
            "decided_at": now if (m.volunteer, m.need) in accepted else None,
        }
        for m in plan.matches
        # withdrawn or anonymised while the solver ran; committed: in force already, shown as such,
        # never a proposal to accept again
        if m.need in needs and m.volunteer in volunteers and not m.committed
    ]
    if proposals:  # one Core INSERT … VALUES for the lot (insertmanyvalues): no ORM work per row
        await session.execute(sa.insert(ProposalRow.metadata.tables[ProposalRow.__tablename__]), proposals)
    return row.id


def _pairs(rows: Any) -> set[tuple[str, str]]:
    return {(a, b) for a, b in rows}


def _builtins(obj: Any) -> Any:
    return msgspec.to_builtins(obj) if obj is not None else None


async def list_plans(session: AsyncSession, who: Principal) -> list[PlanListOut]:
    who.require_coordinator()
    rows = (await session.scalars(sa.select(PlanRow).order_by(PlanRow.created_at.desc()))).all()
    counts = dict(
        (await session.execute(
            sa.select(ProposalRow.plan_id, sa.func.count()).group_by(ProposalRow.plan_id)
        )).all()
    )
    return [
        PlanListOut(id=r.id, status=cast(PlanStatus, r.status), solver_status=r.solver_status,
                   created_at=r.created_at, released_at=r.released_at, proposals=counts.get(r.id, 0),
                   unfilled=len(r.unfilled))
        for r in rows
    ]


async def get_plan(session: AsyncSession, who: Principal, plan_id: str) -> PlanOut:
    if who.role == "volunteer":
        raise not_found("plan", plan_id)
    plan = await session.get(PlanRow, plan_id)
    if plan is not None and plan.status in (*RUNNING, "failed") and who.is_coordinator:
        return plan_status_out(plan, Settings())
    # Nobody is contacted before the coordinator's review (DOMAIN.md): a site sees a plan only once
    # it is released, and then only what was accepted; a draft is as unknown to it as a missing plan.
    if plan is None or (who.role == "site" and plan.status != "released"):
        raise not_found("plan", plan_id)
    stmt = (sa.select(*_PROPOSAL_COLUMNS).where(ProposalRow.plan_id == plan_id)
            .order_by(ProposalRow.need_id, ProposalRow.id))
    unfilled = plan.unfilled
    own: set[str] = set()
    if who.role == "site":
        own = set(await session.scalars(sa.select(NeedRow.id).where(NeedRow.site_id == who.site_id)))
        stmt = stmt.where(ProposalRow.need_id.in_(own), ProposalRow.state == "accepted")
        unfilled = [unfilled_for_site(u) for u in unfilled if u.get("need") in own]
    proposals = await _proposals_out(session, stmt)
    out = _plan_out(plan, proposals, unfilled, own if who.role == "site" else None)
    if who.role == "site":  # conflicts and totals are about the whole register
        out = msgspec.structs.replace(out, proposals=[for_site(p) for p in out.proposals], summary={})
    return out


async def list_proposals(
    session: AsyncSession, who: Principal, *, plan: str | None = None, state: str | None = None
) -> list[ProposalOut]:
    stmt = sa.select(*_PROPOSAL_COLUMNS).order_by(ProposalRow.plan_id, ProposalRow.need_id, ProposalRow.id)
    if plan is not None:
        stmt = stmt.where(ProposalRow.plan_id == plan)
    if state is not None:
        stmt = stmt.where(ProposalRow.state == state)
    if who.role == "site":
        # only released and accepted: draft proposals are the coordinator's until reviewed
        stmt = (
            stmt.join(NeedRow, NeedRow.id == ProposalRow.need_id).join(PlanRow, PlanRow.id == ProposalRow.plan_id)
            .where(NeedRow.site_id == who.site_id, PlanRow.status == "released", ProposalRow.state == "accepted")
        )
    elif who.role == "volunteer":
        # nobody is contacted before the coordinator has reviewed and released: a volunteer
        # sees only the proposals released to them, never drafts or rejections
        stmt = (
            stmt.join(PlanRow, PlanRow.id == ProposalRow.plan_id)
            .where(ProposalRow.volunteer_id == who.volunteer_id, PlanRow.status == "released",
                   ProposalRow.state == "accepted")
        )
    out = await _proposals_out(session, stmt)
    return [for_site(p) for p in out] if who.role == "site" else out


async def _proposal_for_decision(
    session: AsyncSession, who: Principal, proposal_id: str, *, lock_resources: bool = False
) -> tuple[ProposalRow, NeedRow | None, VolunteerRow | None]:
    """Lock, in the one order used everywhere: plan (shared), need, volunteer, proposal.

    The shared plan lock lets decisions in one plan run side by side but not beside its
    release or a new run; need before volunteer before proposal keeps any two
    transactions (accepts, need withdrawals, anonymisations) from waiting on each other.
    """
    who.require_coordinator()
    prop = await session.get(ProposalRow, proposal_id)
    if prop is None:
        raise not_found("proposal", proposal_id)
    need_id, volunteer_id = prop.need_id, prop.volunteer_id
    plan = (
        await session.execute(sa.select(PlanRow).where(PlanRow.id == prop.plan_id).with_for_update(read=True))
    ).scalar_one()
    if plan.status != "draft":
        raise conflict(f"plan {plan.id!r} is {plan.status}; only a draft plan's proposals can be decided",
                       "plan-not-draft")
    need = volunteer = None
    if lock_resources:
        need = (await session.execute(
            sa.select(NeedRow).where(NeedRow.id == need_id).with_for_update())).scalar_one_or_none()
        volunteer = (
            await session.execute(sa.select(VolunteerRow).where(VolunteerRow.id == volunteer_id).with_for_update())
        ).scalar_one_or_none()
    locked = (
        await session.execute(
            sa.select(ProposalRow).where(ProposalRow.id == proposal_id).with_for_update().execution_options(
                populate_existing=True
            )
        )
    ).scalar_one_or_none()
    if locked is None:  # withdrawn with its need, or its volunteer anonymised, meanwhile
        raise not_found("proposal", proposal_id)
    return locked, need, volunteer


async def accept(
    session: AsyncSession, settings: Settings, who: Principal, proposal_id: str, *, pin: bool = False
) -> ProposalOut:
    """Accept (and with `pin`, keep in later runs) a proposal if the pair still keeps every rule
    beside what is committed (`occupancy.check_can_take`); 409 naming the rule if not."""
    prop, need, volunteer = await _proposal_for_decision(session, who, proposal_id, lock_resources=True)
    if prop.state != "accepted":
        if need is None:
            raise not_found("proposal", proposal_id)
        if volunteer is None:
            raise conflict(f"volunteer {prop.volunteer_id!r} is no longer registered", "volunteer-gone")
        # the same horizon the matcher planned on (scenario_io.build_scenario)
        await check_can_take(session, need, volunteer, await register_horizon(session, settings.default_horizon_days))
        if prop.state == "rejected":  # the coordinator changed their mind: the pair is allowed again
            await session.execute(
                sa.delete(LockRow).where(LockRow.kind == "forbidden", LockRow.volunteer_id == prop.volunteer_id,
                                         LockRow.need_id == prop.need_id)
            )
        prop.state = "accepted"
        prop.reject_reason = None
        prop.decided_at = utcnow()
    if pin and not prop.pinned:
        prop.pinned = True
        await _add_lock(session, "pinned", prop.volunteer_id, prop.need_id, "pinned by the coordinator")
    await session.flush()
    return proposal_out(prop)


async def reject(session: AsyncSession, who: Principal, proposal_id: str, reason: str) -> ProposalOut:
    """Reject a proposal; the pair is forbidden in later runs."""
    if not reason.strip():
        raise Problem(422, "give a reason for rejecting", slug="validation",
                      errors=[fault("reason", "empty")])
    prop, _, _ = await _proposal_for_decision(session, who, proposal_id)
    prop.state = "rejected"
    prop.pinned = False
    prop.reject_reason = reason
    prop.decided_at = utcnow()
    await session.execute(
        sa.delete(LockRow).where(LockRow.kind == "pinned", LockRow.volunteer_id == prop.volunteer_id,
                                 LockRow.need_id == prop.need_id)
    )
    await _add_lock(session, "forbidden", prop.volunteer_id, prop.need_id, reason)
    await session.flush()
    return proposal_out(prop)


async def _add_lock(session: AsyncSession, kind: str, volunteer_id: str, need_id: str, reason: str) -> None:
    exists = await session.scalar(
        sa.select(LockRow.id).where(LockRow.kind == kind, LockRow.volunteer_id == volunteer_id,
                                    LockRow.need_id == need_id)
    )
    if exists is None:
        session.add(LockRow(kind=kind, volunteer_id=volunteer_id, need_id=need_id, reason=reason))


async def _tell_released(session: AsyncSession, public_url: str,
                         released: list[tuple[str, str, NeedRow]]) -> None:
    """Each new placement's volunteer hears of it, through the outbox, in the release's transaction."""
    from service.db.models import ActivityRow, SiteRow
    from service.notify.tell import tell_released

    for placement_id, volunteer_id, need_row in released:
        activity = await session.get(ActivityRow, need_row.activity_id)
        site = await session.get(SiteRow, need_row.site_id)
        await tell_released(session, public_url, placement_id, volunteer_id, need_row.data,
                            (activity.data.get("name", "") if activity else need_row.activity_id).lower(),
                            site.data.get("name", need_row.site_id) if site else need_row.site_id)


async def release(session: AsyncSession, who: Principal, plan_id: str,
                  public_url: str = "http://localhost:8000", *, default_horizon_days: int = 90,
                  keep_at_risk: bool = False) -> PlanOut:
    """Turn the plan's accepted proposals into placements, in one transaction; tell their volunteers.

    Every new placement is checked against the rules as the register stands today
    (`commitments.release_risks`): where one would break a rule, 409 naming it and nothing is
    released — unless `keep_at_risk`: then all are released, and those at risk are returned in
    `summary.released_at_risk` and listed at `GET /api/v1/placements?at_risk=true`."""
    who.require_coordinator()
    plan = (await session.execute(
        sa.select(PlanRow).where(PlanRow.id == plan_id).with_for_update())).scalar_one_or_none()
    if plan is None:
        raise not_found("plan", plan_id)
    if plan.status != "draft":
        raise conflict(f"plan {plan_id!r} is {plan.status}; only a draft can be released", "plan-not-draft")
    accepted = (await session.scalars(
        sa.select(ProposalRow).where(ProposalRow.plan_id == plan_id, ProposalRow.state == "accepted")
    )).all()
    in_force = _pairs(
        (await session.execute(
            sa.select(PlacementRow.volunteer_id, PlacementRow.need_id).where(placements_in_force())
        )).all()
    )
    needs = {r.id: r for r in (await session.scalars(
        sa.select(NeedRow).where(NeedRow.id.in_([p.need_id for p in accepted]))
    )).all()}
    today = clock.today()
    fresh = to_place(accepted, in_force, needs)
    broken = await release_risks(session, default_horizon_days, [(p.volunteer_id, p.need_id) for p in fresh])
    if broken and not keep_at_risk:
        raise refusal(broken, f"plan {plan_id!r} cannot be released: an accepted proposal breaks a rule now"
                              " (reject it, or send keep_at_risk=true to release it at risk)")
    created = 0
    released: list[tuple[str, str, NeedRow]] = []
    for p in fresh:
        need_row = needs[p.need_id]
        need = from_doc(need_row.data, Need)
        placement_id = new_id("plc")
        released.append((placement_id, p.volunteer_id, need_row))
        session.add(PlacementRow(
            id=placement_id,
            volunteer_id=p.volunteer_id,
            need_id=p.need_id,
            site_id=need_row.site_id,
            activity_id=need_row.activity_id,
            plan_id=plan_id,
            proposal_id=p.id,
            state="offered",
            start=start_of(need, today),
            followups_done=[],
        ))
        created += 1
        await session.execute(
            sa.delete(LockRow).where(LockRow.kind == "pinned", LockRow.volunteer_id == p.volunteer_id,
                                     LockRow.need_id == p.need_id)
        )
    plan.status = "released"
    plan.released_at = utcnow()
    await session.flush()
    await _tell_released(session, public_url, released)
    result = await get_plan(session, who, plan_id)
    summary = {**result.summary, "placements_created": created}
    if keep_at_risk:
        summary["released_at_risk"] = broken
    return msgspec.structs.replace(result, summary=summary)


async def waiting_per_need(session: AsyncSession, plan_id: str) -> list[tuple[str, int]]:
    """(need, count) of the plan's proposals still waiting for the coordinator's decision."""
    return [(nid, c) for nid, c in (await session.execute(
        sa.select(ProposalRow.need_id, sa.func.count()).where(
            ProposalRow.plan_id == plan_id, ProposalRow.state == "proposed").group_by(ProposalRow.need_id)
    )).all()]


async def draft_proposals_of(session: AsyncSession, volunteer_id: str) -> list[ProposalRow]:
    """The volunteer's proposals in draft plans."""
    return list((await session.scalars(
        sa.select(ProposalRow).join(PlanRow, PlanRow.id == ProposalRow.plan_id)
        .where(is_draft(), ProposalRow.volunteer_id == volunteer_id)
    )).all())
