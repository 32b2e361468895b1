"""What each page shows, gathered from the register services (no business rules of its own)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgspec

from matcher.schema import Need, Slot
from service import clock
from service.auth import Principal
from service.register import needs as needs_service
from service.register import plans as plans_service
from service.register import queries
from service.register import volunteers as volunteers_service
from service.register.common import DbSession, audit, load_catalogue, to_doc
from service.register.onboarding import checklist, first_conversations, missing, training_status
from service.register.placements import (
    at_risk_placements,
    list_placements,
    placement_out,
    volunteer_answers,
    volunteer_placements,
)
from service.register.queries import IN_FORCE
from service.register.schemas import ProposalOut
from service.settings import Settings
from service.web import i18n


@dataclass
class Names:
    """Display names for ids: sites, activities, trainings, needs, volunteers."""

    sites: dict[str, str] = field(default_factory=dict)
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    trainings: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs: dict[str, dict[str, Any]] = field(default_factory=dict)
    volunteers: dict[str, str] = field(default_factory=dict)

    def site(self, sid: str | None) -> str:
        return self.sites.get(sid or "", sid or "")

    def activity(self, aid: str | None) -> str:
        return str(self.activities.get(aid or "", {}).get("name", aid or ""))

    def training(self, tid: str) -> str:
        return str(self.trainings.get(tid, {}).get("name", tid))

    def need_title(self, nid: str) -> str:
        return str(self.needs.get(nid, {}).get("title", nid))

    def need(self, nid: str) -> dict[str, Any]:
        """The need's stored document; for one withdrawn since a plan named it, a stand-in with its id
        as title and the scenario format's defaults (never restated here)."""
        found = self.needs.get(nid)
        if found is not None:
            return found
        return {**to_doc(Need(id=nid, site="", activity="", title=nid)), "site": None, "activity": None}

    def volunteer(self, vid: str) -> str:
        return self.volunteers.get(vid, vid)


async def names(session: DbSession, *, need_ids: set[str] | None = None,
                volunteer_ids: set[str] | None = None) -> Names:
    import msgspec

    cat = await load_catalogue(session)
    out = Names(
        sites={s.id: s.name for s in cat.sites},
        activities={a.id: msgspec.to_builtins(a) for a in cat.activities},
        trainings={t.id: msgspec.to_builtins(t) for t in cat.trainings},
    )
    out.needs = await queries.need_documents(session, need_ids)
    if volunteer_ids:
        rows = (await queries.volunteer_documents_of(session, volunteer_ids)).items()
        out.volunteers = {vid: (data or {}).get("name", vid) if data else "(anonymisert)" for vid, data in rows}
    return out


def need_times(lang: str, need: Need | dict[str, Any]) -> list[str]:
    """The need's times in words; `need` is the service's struct or a stored document."""
    doc: dict[str, Any] = msgspec.to_builtins(need) if isinstance(need, Need) else need
    out = []
    if doc.get("once"):
        o = doc["once"]
        out.append(i18n.t(lang, "once", date=i18n.date(lang, o["date"]), start=o["start"], end=o["end"]))
    for s in doc.get("weekly") or []:
        out.append(i18n.t(lang, "weekly", day=i18n.weekday(lang, s["weekday"]), start=s["start"], end=s["end"]))
    return out


def render_reasons(lang: str, reasons: list[dict[str, Any]], need: dict[str, Any], n: Names) -> list[dict[str, Any]]:
    return [
        {"code": r.get("code"), "points": r.get("points"), "text": i18n.reason_text(lang, r, n, need)}
        for r in reasons if r.get("code") != "eligible"
    ]


# ------------------------------------------------------------------ overview


async def overview(session: DbSession, settings: Settings, who: Principal, lang: str, path: str) -> dict[str, Any]:
    n = await names(session)
    placed: dict[str, int] = defaultdict(int)
    for need_id, count in (await queries.placed_per_need(session)).items():
        placed[need_id] = count
    by_site: dict[str, dict[str, Any]] = {}
    # Stored documents hold every field (common.to_doc), defaults included.
    for need in sorted(n.needs.values(), key=lambda d: (-d["priority"], d["title"])):
        site = by_site.setdefault(need["site"], {"id": need["site"], "name": n.site(need["site"]), "needs": [],
                                                 "places": 0, "filled": 0})
        filled = min(placed[need["id"]], need["headcount"])
        site["needs"].append({**need, "filled": filled, "open": need["headcount"] - filled})
        site["places"] += need["headcount"]
        site["filled"] += filled
    sites = sorted(by_site.values(), key=lambda s: (-(s["places"] - s["filled"]), s["name"]))

    draft = await queries.current_draft(session)
    waiting: list[dict[str, Any]] = []
    waiting_total = 0
    if draft is not None:
        counts = await plans_service.waiting_per_need(session, draft.id)
        waiting_total = sum(c for _, c in counts)
        waiting = sorted(({"need": nid, "title": n.need_title(nid), "site": n.site(n.need(nid)["site"]),
                           "priority": n.need(nid)["priority"], "count": c} for nid, c in counts),
                         key=lambda w: (-w["priority"], w["title"]))

    today = clock.today()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    due = sorted(((p, p.next_followup) for p in await list_placements(session, settings, who)
                  if p.next_followup is not None and p.next_followup <= week_end), key=lambda pd: pd[1])

    rows = await queries.volunteer_documents(session)
    firsts = await first_conversations(session)
    incomplete = []
    for vid, doc in rows:
        gaps = missing(checklist(doc, n.activities, n.trainings, firsts.get(vid), today=today))
        if gaps:
            incomplete.append({"id": vid, "name": doc.get("name", vid), "missing": gaps})
    incomplete.sort(key=lambda v: (-len(v["missing"]), v["name"]))
    shown_onboarding = incomplete[:12]
    vids = {p.volunteer for p, _ in due}
    n.volunteers = {vid: (doc or {}).get("name", vid) for vid, doc in rows if vid in vids}
    followups = [{**msgspec.structs.asdict(p), "volunteer_name": n.volunteer(p.volunteer),
                  "need_title": n.need_title(p.need), "site_name": n.site(p.site), "overdue": when < today}
                 for p, when in due]
    from service.notify.outbox import status as outbox_status

    leaving = []
    for acc in await volunteers_service.leave_requests(session):
        left = next((d for v, d in rows if v == acc.volunteer_id), None)
        if left is not None:
            leaving.append({"id": acc.volunteer_id, "name": left.get("name", acc.volunteer_id),
                            "at": acc.leave_requested_at, "note": acc.leave_note})
    seen = vids | {v["id"] for v in shown_onboarding} | {v["id"] for v in leaving}
    at_risk = await at_risk_view(session, settings, lang, n, today)
    seen |= {r["volunteer"] for r in at_risk}
    await audit(session, who, "read", sorted(seen), path)
    return {
        "at_risk": at_risk,
        "outbox": await outbox_status(session),
        "mail_enabled": settings.mail_enabled,
        "leaving": leaving,
        "sites": sites,
        "totals": {"places": sum(s["places"] for s in sites), "filled": sum(s["filled"] for s in sites)},
        "draft": draft,
        "waiting": waiting[:10],
        "waiting_total": waiting_total,
        "followups": followups,
        "onboarding": shown_onboarding,
        "onboarding_total": len(incomplete),
        "today": today,
    }


async def at_risk_view(session: DbSession, settings: Settings, lang: str, n: Names,
                       today: dt.date) -> list[dict[str, Any]]:
    """The placements in force that break a rule now (placements.at_risk_placements), with names."""
    entries = await at_risk_placements(session, today, default_horizon_days=settings.default_horizon_days)
    return risk_rows(lang, n, entries, await volunteer_names(session, {e["volunteer"] for e in entries}))


async def volunteer_names(session: DbSession, ids: set[str]) -> dict[str, str]:
    rows = (await queries.volunteer_documents_of(session, ids)).items()
    return {vid: (data or {}).get("name", vid) for vid, data in rows}


def risk_rows(lang: str, n: Names, entries: list[dict[str, Any]], people: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        need = n.needs.get(e["need"], {})
        rows.append({**e, "volunteer_name": people.get(e["volunteer"], e["volunteer"]),
                     "need_title": n.need_title(e["need"]), "site_name": n.site(need.get("site")),
                     "text": i18n.at_risk_text(lang, e, n), "rule_name": i18n.rule_name(lang, e["rule"]),
                     # the matcher's English sentence, where this language has no phrase for the code
                     "english": None if i18n.has_at_risk_phrase(lang, e.get("code")) else e.get("message")})
    rows.sort(key=lambda r: (r.get("date") or "9999", r["volunteer_name"], r["need_title"]))
    return rows


# ------------------------------------------------------------------ matching


current_plan = queries.current_plan


def proposal_view(lang: str, p: ProposalOut, n: Names) -> dict[str, Any]:
    need = n.needs.get(p.need, {})
    return {**msgspec.structs.asdict(p), "volunteer_name": n.volunteer(p.volunteer),
            "reasons_text": render_reasons(lang, p.reasons, need, n)}


async def matching(session: DbSession, who: Principal, lang: str, path: str) -> dict[str, Any]:
    plan_row = await current_plan(session)
    if plan_row is None:
        return {"plan": None}
    plan = await plans_service.get_plan(session, who, plan_row.id)
    vids = {p.volunteer for p in plan.proposals}
    for u in plan.unfilled:
        r = u.get("reasons") or {}
        for m in r.get("nearest_misses", []):
            vids.update(m.get("volunteers", []))
        for e in r.get("placed_elsewhere", []):
            vids.add(e["volunteer"])
    n = await names(session, volunteer_ids=vids)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in plan.proposals:
        groups[p.need].append(proposal_view(lang, p, n))
    filled_by_need = {nid: sum(1 for p in ps if p["state"] != "rejected") for nid, ps in groups.items()}
    in_force: dict[str, int] = defaultdict(int)  # places the plan found taken (committed), per need
    for c in plan.committed:
        in_force[c.need] += 1
    need_groups: list[dict[str, Any]] = []
    for nid, ps in groups.items():
        need = n.need(nid)
        ps.sort(key=lambda p: (-p["score"], p["volunteer_name"]))
        need_groups.append({"need": need, "site": n.site(need.get("site")),
                            "activity": n.activity(need.get("activity")),
                            "times": need_times(lang, need), "proposals": ps,
                            "accepted": sum(1 for p in ps if p["state"] == "accepted"),
                            "in_force": in_force[nid]})
    need_groups.sort(key=lambda g: (-g["need"]["priority"], g["site"], g["need"]["title"]))
    unfilled = []
    for u in sorted(plan.unfilled, key=lambda u: (-u["priority"], -u["open"])):
        need = n.needs.get(u["need"], {"id": u["need"], "title": u["need"]})
        r = u.get("reasons") or {}
        unfilled.append({
            "need": need, "open": u["open"], "priority": u["priority"],
            "site": n.site(need.get("site")), "activity": n.activity(need.get("activity")),
            "times": need_times(lang, need),
            "summary": i18n.unfilled_summary(lang, r, n),
            "excluded": [{"rule": e["rule"], "count": e["excluded"], "text": i18n.rule_name(lang, e["rule"])}
                         for e in sorted(r.get("excluded", []), key=lambda e: -e["excluded"])],
            "misses": [{"rule": m["rule"], "count": m["count"], "text": i18n.near_miss_text(lang, m, n),
                        "volunteers": [(v, n.volunteer(v)) for v in m.get("volunteers", [])]}
                       for m in r.get("nearest_misses", [])[:5]],
            "elsewhere": [{"volunteer": e["volunteer"], "name": n.volunteer(e["volunteer"]),
                           "need": e.get("need"),
                           "text": i18n.elsewhere_text(lang, e, n)}
                          for e in r.get("placed_elsewhere", [])[:5]],
        })
    answers = await volunteer_answers(session, {(p.volunteer, p.need) for p in plan.proposals})
    for ps in groups.values():
        for shown in ps:
            shown["answer"] = answers.get((shown["volunteer"], shown["need"]))
    states: dict[str, int] = defaultdict(int)
    for p in plan.proposals:
        states[p.state] += 1
    coverage = plan.summary.get("coverage") or {}
    people = await volunteer_names(session, {e.volunteer for e in plan.at_risk})
    at_risk = risk_rows(lang, n, msgspec.to_builtins(plan.at_risk), people)
    await audit(session, who, "read", sorted(vids | set(people)), path)
    return {"plan": plan, "groups": need_groups, "unfilled": unfilled, "states": dict(states),
            "coverage": coverage, "filled_by_need": filled_by_need, "at_risk": at_risk,
            "committed": len(plan.committed)}


async def proposal_fragment(session: DbSession, lang: str, proposal: ProposalOut) -> dict[str, Any]:
    n = await names(session, need_ids={proposal.need}, volunteer_ids={proposal.volunteer})
    answers = await volunteer_answers(session, {(proposal.volunteer, proposal.need)})
    answer = answers.get((proposal.volunteer, proposal.need))
    return {"p": {**proposal_view(lang, proposal, n), "answer": answer}}


async def release_page(session: DbSession, who: Principal, plan_id: str, path: str, lang: str,
                       default_horizon_days: int) -> dict[str, Any]:
    from service.register.release_preview import release_preview

    preview = await release_preview(session, who, plan_id, default_horizon_days)
    vids = {p.volunteer_id for key in ("new", "unchanged", "not_in_plan") for p in preview[key]}
    n = await names(session, volunteer_ids=vids)

    def row(p: Any) -> dict[str, Any]:
        need = n.needs.get(p.need_id, {})
        return {"volunteer": p.volunteer_id, "volunteer_name": n.volunteer(p.volunteer_id), "need": p.need_id,
                "need_title": n.need_title(p.need_id), "site": n.site(need.get("site")),
                "activity": n.activity(need.get("activity")), "start": getattr(p, "start", None),
                "state": getattr(p, "state", None)}

    await audit(session, who, "read", sorted(vids), path)
    at_risk = risk_rows(lang, n, preview["at_risk"],
                        await volunteer_names(session, {e["volunteer"] for e in preview["at_risk"]}))
    return {"plan_id": plan_id, "waiting": preview["waiting"], "at_risk": at_risk,
            **{key: [row(p) for p in preview[key]] for key in ("new", "unchanged", "not_in_plan", "ended")}}


# ------------------------------------------------------------------ volunteer and need


def week_grid(slots: list[Slot]) -> dict[str, Any]:
    """Hours × weekdays, a cell marked when any weekly window overlaps that hour."""
    marks: set[tuple[int, int]] = set()
    for s in slots:
        h0, m0 = map(int, s.start.split(":"))
        h1, m1 = map(int, s.end.split(":"))
        start, end = h0 * 60 + m0, h1 * 60 + m1
        if end <= start:
            end += 24 * 60  # runs past midnight
        for minute in range(start, end, 60):
            day = (s.weekday - 1 + minute // (24 * 60)) % 7 + 1
            marks.add((day, (minute // 60) % 24))
        if end % 60:
            marks.add(((s.weekday - 1 + (end // (24 * 60))) % 7 + 1, (end // 60) % 24))
    hours = sorted({h for _, h in marks})
    first, last = (min([*hours, 8]), max([*hours, 20])) if hours else (8, 20)
    return {"hours": list(range(first, last + 1)), "marks": marks}


async def volunteer_page(session: DbSession, settings: Settings, who: Principal, lang: str, volunteer_id: str,
                         path: str) -> dict[str, Any]:
    v = await volunteers_service.volunteer_record(session, who, volunteer_id, path)
    placed = [placement_out(p, settings) for p in await volunteer_placements(session, volunteer_id)]
    proposals = await plans_service.draft_proposals_of(session, volunteer_id)
    need_ids = {p.need for p in placed} | {p.need_id for p in proposals}
    n = await names(session)
    today = clock.today()
    firsts = await first_conversations(session, [volunteer_id])
    steps = checklist(v, n.activities, n.trainings, firsts.get(volunteer_id),
                      needs=[n.needs[x] for x in need_ids if x in n.needs], today=today)
    placements = [{**msgspec.structs.asdict(p), "need_title": n.need_title(p.need), "site_name": n.site(p.site),
                   "activity_name": n.activity(p.activity)} for p in placed]
    trainings = [{**msgspec.structs.asdict(h), "name": n.training(h.training), "status": training_status(h, today)}
                 for h in v.trainings]
    return {
        "v": v,
        "activities": [n.activity(a) for a in v.activities],
        "grid": week_grid(v.availability),
        "slots": sorted(v.availability, key=lambda s: (s.weekday, s.start)),
        "trainings": trainings,
        "steps": steps,
        "placements": placements,
        "proposals": [{"id": p.id, "need": p.need_id, "need_title": n.need_title(p.need_id), "state": p.state,
                       "score": p.score} for p in proposals],
        "today": today,
    }


async def volunteer_list(session: DbSession, who: Principal, path: str, query: str = "") -> dict[str, Any]:
    who.require_coordinator()
    n = await names(session)
    rows = await queries.volunteer_documents(session)
    firsts = await first_conversations(session)
    today = clock.today()
    q = query.strip().lower()
    out = []
    for vid, doc in rows:
        if q and q not in doc.get("name", "").lower() and q not in vid.lower():
            continue
        out.append({"id": vid, "name": doc.get("name", vid),
                    "activities": [n.activity(a) for a in doc.get("activities", [])],
                    "missing": missing(checklist(doc, n.activities, n.trainings, firsts.get(vid), today=today))})
    out.sort(key=lambda v: v["name"])
    await audit(session, who, "read", [v["id"] for v in out], path)
    return {"volunteers": out, "query": query}


async def need_page(session: DbSession, settings: Settings, who: Principal, lang: str, need_id: str,
                    path: str) -> dict[str, Any]:
    need = await needs_service.get_need(session, who, need_id)
    plan = await current_plan(session)
    site_view = who.role == "site"
    # A site contact never sees draft proposals (nobody is contacted before release), nor ended placements.
    props = [] if plan is None or site_view else [
        p for p in await plans_service.list_proposals(session, who, plan=plan.id) if p.need == need_id]
    placed = await list_placements(session, settings, who, need=need_id)
    if site_view:
        placed = [p for p in placed if p.state in IN_FORCE]
    vids = {p.volunteer for p in props} | {p.volunteer for p in placed}
    n = await names(session, volunteer_ids=vids)
    placements = []
    for p in placed:
        name = n.volunteer(p.volunteer)
        placements.append({**msgspec.structs.asdict(p),
                           "volunteer_name": name.split()[0] if site_view and name else name})
    await audit(session, who, "read", sorted(vids), path)
    return {
        "need": need,
        "site": n.site(need.site),
        "activity": n.activity(need.activity),
        "activity_doc": n.activities.get(need.activity, {}),
        "trainings": [n.training(t) for t in need.requires_training],
        "times": need_times(lang, need),
        "proposals": sorted((proposal_view(lang, p, n) for p in props), key=lambda p: -p["score"]),
        "placements": placements,
        "editable": plan is not None and plan.status == "draft",
        "site_view": site_view,
    }
