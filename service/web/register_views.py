"""What the register pages show (volunteers' forms and filters, needs, the at-risk list, the catalogue,
sites, statistics and the site contact's page), gathered from the register services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from matcher.schema import Need, Volunteer
from service import clock
from service.accounts import User, site_contacts
from service.auth import Principal
from service.problems import Problem
from service.register import catalogue as catalogue_service
from service.register import needs as needs_service
from service.register import queries
from service.register.at_risk import at_risk_for_page
from service.register.attendance import occurrences_of
from service.register.common import DbSession, audit
from service.register.onboarding import checklist, first_conversations, missing
from service.register.placements import (
    END_REASONS,
    IN_FORCE,
    list_placements,
    placed_volunteers,
    volunteer_placements,
)
from service.register.schemas import NeedOut, SiteReportOut, VolunteerOut
from service.register.site_reports import REPORT_KINDS, open_reports
from service.settings import Settings
from service.web import i18n, week_grid
from service.web.forms import slot_rows
from service.web.views import Names, names, need_times

ONBOARDING_STATES = ("ready", "incomplete")
EXPIRY_DAYS = 60


def defaults(kind: type[msgspec.Struct]) -> dict[str, Any]:
    """The scenario format's default for each field of `kind` that has one, by its JSON name: the
    forms start from these and never restate them."""
    return {f.encode_name: f.default for f in msgspec.structs.fields(kind) if f.default is not msgspec.NODEFAULT}


NEED_DEFAULTS = defaults(Need)
VOLUNTEER_DEFAULTS = defaults(Volunteer)


# ------------------------------------------------------------------ volunteers


def volunteer_form_values(v: VolunteerOut) -> dict[str, Any]:
    """A volunteer's record as the form's inputs hold it."""
    values: dict[str, Any] = {
        "name": v.name, "phone": v.phone or "", "email": v.email or "",
        "birth_date": v.birth_date.isoformat() if v.birth_date else "", "activities": list(v.activities),
        "interests": ", ".join(v.interests), "languages": ", ".join(v.languages),
        "max_travel_km": _num(v.max_travel_km), "max_hours_per_week": _num(v.max_hours_per_week),
        "max_assignments": v.max_assignments, "lat": _num(v.location.lat if v.location else None),
        "lon": _num(v.location.lon if v.location else None),
    }
    # Windows on the half-hour grid are marked on it; any other (10:15–11:40) stays a row of its own.
    shown, apart = week_grid.split(v.availability)
    values["availability_cell"] = sorted(week_grid.cell_key(c) for c in week_grid.cells_of(shown))
    for i, s in enumerate(apart):
        values[f"availability_day_{i}"] = str(s["weekday"])
        values[f"availability_start_{i}"] = s["start"]
        values[f"availability_end_{i}"] = s["end"]
    for i, p in enumerate(v.unavailable):
        values[f"unavailable_from_{i}"] = p.from_.isoformat()
        values[f"unavailable_to_{i}"] = p.to.isoformat()
    return values


def _num(x: Any) -> str:
    return "" if x is None else f"{x:g}"


def row_counts(values: dict[str, Any]) -> dict[str, int]:
    """How many availability and unavailable rows the form shows: those filled in, and a few blank ones."""
    def count(prefix: str) -> int:
        n = 0
        while f"{prefix}_{n}" in values:
            n += 1
        return n
    return {"availability": count("availability_day") + 1, "unavailable": count("unavailable_from") + 2}


def availability_grid(values: dict[str, Any]) -> dict[str, Any]:
    """The week grid's rows, the cells marked (as stored, or as posted after a refused save) and the
    windows they make, for templates/_week_grid.html."""
    posted = values.get("availability_cell") or []
    return week_grid.view(week_grid.cells_from_keys([posted] if isinstance(posted, str) else posted))


async def volunteer_form(session: DbSession) -> dict[str, Any]:
    n = await names(session)
    return {"activities": sorted(n.activities.values(), key=lambda a: a["name"]), "slot_rows": slot_rows}


async def volunteer_list(session: DbSession, settings: Settings, who: Principal, path: str, *,
                         query: str = "", activity: str = "", state: str = "", expiring: bool = False,
                         unplaced: bool = False) -> dict[str, Any]:
    """The register's volunteers, filtered: by name, activity, onboarding state (the checklist's own
    rule), a course expiring within 60 days, and without a placement in force."""
    who.require_coordinator()
    n = await names(session)
    rows = await queries.volunteer_documents(session)
    firsts = await first_conversations(session)
    placed = await placed_volunteers(session)
    today = clock.today()
    soon = today + dt.timedelta(days=EXPIRY_DAYS)
    q = query.strip().lower()
    out = []
    for vid, doc in rows:
        if q and q not in doc.get("name", "").lower() and q not in vid.lower():
            continue
        if activity and activity not in doc.get("activities", []):
            continue
        gaps = missing(checklist(doc, n.activities, n.trainings, firsts.get(vid), today=today))
        if (state == "ready" and gaps) or (state == "incomplete" and not gaps):
            continue
        expiring_courses = [n.training(h["training"]) for h in doc.get("trainings", [])
                            if h.get("expires") and today <= dt.date.fromisoformat(str(h["expires"])) <= soon]
        if expiring and not expiring_courses:
            continue
        if unplaced and vid in placed:
            continue
        out.append({"id": vid, "name": doc.get("name", vid), "phone": doc.get("phone"),
                    "activities": [n.activity(a) for a in doc.get("activities", [])],
                    "missing": gaps, "expiring": expiring_courses, "placed": vid in placed})
    out.sort(key=lambda v: v["name"].lower())
    await audit(session, who, "read", [v["id"] for v in out], path)
    return {"volunteers": out, "query": query, "activity": activity, "state": state, "expiring": expiring,
            "unplaced": unplaced, "activity_choices": sorted(n.activities.values(), key=lambda a: a["name"]),
            "filtered": bool(q or activity or state or expiring or unplaced)}


async def erase_page(session: DbSession, settings: Settings, who: Principal, volunteer_id: str,
                     path: str) -> dict[str, Any]:
    from service.register import volunteers as volunteers_service

    doc = await volunteers_service.volunteer_record(session, who, volunteer_id, path)
    placements = await volunteer_placements(session, volunteer_id)
    return {"v": doc, "in_force": sum(1 for p in placements if p.state in IN_FORCE),
            "placements": len(placements)}


# ------------------------------------------------------------------ needs


def need_form_values(need: NeedOut) -> dict[str, Any]:
    values: dict[str, Any] = {
        "site": need.site, "activity": need.activity, "title": need.title,
        "headcount": need.headcount, "priority": need.priority,
        "from": need.from_.isoformat() if need.from_ else "", "until": need.until.isoformat() if need.until else "",
        "languages": ", ".join(need.languages), "tags": ", ".join(need.tags),
        "requires_training": list(need.requires_training),
        "police_certificate": "1" if need.police_certificate else "",
        "min_age": need.min_age or "",
        "schedule": "once" if need.once else "weekly",
    }
    if need.once:
        values.update({"once_date": need.once.date.isoformat(), "once_start": need.once.start,
                       "once_end": need.once.end})
    else:
        values.update({"once_date": "", "once_start": "", "once_end": ""})
    for i, s in enumerate(need.weekly or []):
        values[f"weekly_day_{i}"] = str(s.weekday)
        values[f"weekly_start_{i}"] = s.start
        values[f"weekly_end_{i}"] = s.end
    return values


def weekly_rows(values: dict[str, Any]) -> int:
    n = 0
    while f"weekly_day_{n}" in values:
        n += 1
    return max(n + 1, 2)


async def need_form(session: DbSession, who: Principal) -> dict[str, Any]:
    n = await names(session)
    sites = sorted(({"id": k, "name": v} for k, v in n.sites.items()), key=lambda s: s["name"])
    if who.role == "site":
        sites = [s for s in sites if s["id"] == who.site_id]
    return {"sites": sites, "activities": sorted(n.activities.values(), key=lambda a: a["name"]),
            "trainings": sorted(n.trainings.values(), key=lambda t: t["name"])}


def occurrence_words(lang: str, summary: dict[str, Any]) -> str:
    """'every Tuesday 13:00–14:30 from 6 January, 12 times in the planning period'."""
    if summary.get("error"):
        return ""
    parts = []
    if summary.get("once"):
        o = summary["once"]
        parts.append(i18n.t(lang, "once", date=i18n.date(lang, o["date"]), start=o["start"], end=o["end"]))
    for s in summary.get("weekly") or []:
        parts.append(i18n.t(lang, "occ.every", day=i18n.weekday(lang, s["weekday"]).lower(),
                            start=s["start"], end=s["end"]))
    if not parts:
        return ""
    text = i18n.t(lang, "occ.and").join(parts)
    if summary.get("weekly") and summary.get("first"):
        text += " " + i18n.t(lang, "occ.from", date=i18n.date(lang, summary["first"]))
    count = summary.get("count", 0)
    h0, h1 = summary["horizon"]
    period = i18n.t(lang, "occ.period", start=i18n.short_date(lang, h0), end=i18n.short_date(lang, h1))
    if count == 0:
        return text + ", " + i18n.t(lang, "occ.none", period=period)
    return text + ", " + (i18n.t(lang, "occ.once_in", period=period) if count == 1
                          else i18n.t(lang, "occ.times", n=count, period=period))


async def needs_list(session: DbSession, who: Principal, lang: str) -> list[dict[str, Any]]:
    n = await names(session)
    placed: dict[str, int] = {}
    for nid, count in (await queries.placed_per_need(session)).items():
        placed[nid] = count
    out = []
    for need in await needs_service.list_needs(session, who):
        out.append({**msgspec.structs.asdict(need), "site_name": n.site(need.site),
                    "activity_name": n.activity(need.activity), "times": need_times(lang, need),
                    "filled": placed.get(need.id, 0)})
    order = {"open": 0, "paused": 1, "closed": 2}
    out.sort(key=lambda d: (order.get(d["state"], 3), d["site_name"], d["title"]))
    return out


# ------------------------------------------------------------------ placements


async def at_risk_page(session: DbSession, settings: Settings, who: Principal, lang: str,
                       path: str) -> dict[str, Any]:
    """The at-risk list with names and words, and the one action each entry gets: end it (the site
    asks to), fix what a rule says on the volunteer's page, or talk to the volunteer and keep it."""
    items = await at_risk_for_page(session, settings, who)
    vids = {x["placement"].volunteer for x in items}
    n = await names(session, volunteer_ids=vids)
    for x in items:
        p = x["placement"]
        x["placement"] = {**msgspec.structs.asdict(p), "volunteer_name": n.volunteer(p.volunteer),
                          "need_title": n.need_title(p.need), "site_name": n.site(p.site)}
        for r in x["reasons"]:
            if r["kind"] == "rule":
                r["text"] = i18n.at_risk_text(lang, r, n)
                r["rule_name"] = i18n.rule_name(lang, r["rule"])
        kinds = {r["kind"] for r in x["reasons"]}
        x["action"] = "end" if "should_end" in kinds else "fix" if kinds == {"rule"} else "keep"
    await audit(session, who, "read", sorted(vids), path)
    return {"items": items, "end_reasons": END_REASONS, "today": clock.today()}


# ------------------------------------------------------------------ catalogue and sites


async def catalogue_page(session: DbSession) -> dict[str, Any]:
    n = await names(session)
    acts = []
    for a in sorted(n.activities.values(), key=lambda a: a["name"]):
        acts.append({**a, "trainings": [n.training(t) for t in a.get("requires_training", [])]})
    return {"activities": acts, "trainings": sorted(n.trainings.values(), key=lambda t: t["name"])}


async def sites_page(session: DbSession) -> dict[str, Any]:
    sites = await catalogue_service.list_sites(session)
    users = await site_contacts(session)
    by_site: dict[str, list[User]] = {}
    for u in users:
        by_site.setdefault(u.site_id or "", []).append(u)
    return {"sites": sorted(({**msgspec.structs.asdict(s), "contacts": by_site.get(s.id, [])} for s in sites),
                            key=lambda s: (s["kind"], s["name"]))}


# ------------------------------------------------------------------ the site contact's page


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


async def site_home(session: DbSession, settings: Settings, who: Principal, lang: str, path: str) -> dict[str, Any]:
    """A site's own needs and its placements in force: first name, phone and the times — nothing else."""
    n: Names = await names(session)
    needs = await needs_list(session, who, lang)
    placements = [p for p in await list_placements(session, settings, who) if p.state in IN_FORCE]
    vids = {p.volunteer for p in placements}
    rows = await queries.volunteer_documents_of(session, vids)
    reports: dict[str, list[SiteReportOut]] = {}
    for r in await open_reports(session, who):
        reports.setdefault(r.placement, []).append(r)
    shown = []
    for p in placements:
        doc = rows.get(p.volunteer) or {}
        need = n.needs.get(p.need, {})
        try:
            recent = (await occurrences_of(session, who, p.id, weeks=4))[:4]
        except Problem:
            recent = []  # the need was withdrawn: no times to confirm
        shown.append({"id": p.id, "first_name": first_name(doc.get("name", "")), "phone": doc.get("phone"),
                      "need": p.need, "need_title": n.need_title(p.need), "times": need_times(lang, need),
                      "start": p.start, "state": p.state, "reports": reports.get(p.id, []),
                      "recent": recent})
    shown.sort(key=lambda p: (p["need_title"], p["first_name"]))
    await audit(session, who, "read", sorted(vids), path)
    return {"site_name": n.site(who.site_id), "needs": needs, "placements": shown, "report_kinds": REPORT_KINDS,
            "today": clock.today()}
