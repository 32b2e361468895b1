"""The register in the browser: volunteers and onboarding, needs, ending placements, the at-risk
list, catalogue and sites, statistics, and the site contact's own page.

Thin handlers: each form becomes the document the API takes (service.web.forms) and goes to the
same register service the API calls; a refusal comes back as problem details, shown beside the
field with everything the user typed put back (status 422, nothing saved).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from matcher.schema import Activity, Site, Training
from service import clock
from service.accounts import create_user, list_users, set_disabled
from service.auth import Principal
from service.identity_numbers import OWN_CHECK
from service.problems import Problem
from service.register import attendance, site_reports
from service.register import catalogue as catalogue_service
from service.register import needs as needs_service
from service.register import placements as placements_service
from service.register import privacy as privacy_service
from service.register import statistics as statistics_service
from service.register import volunteers as volunteers_service
from service.register.common import DbSession as AsyncSession  # passed on to the services, never queried here
from service.register.onboarding import record_first_conversation
from service.register.schemas import ActivityOut, NeedOut, SiteOut, TrainingOut, VolunteerOut
from service.settings import Settings
from service.web import i18n, register_views, views, week_grid
from service.web.forms import FieldProblems, field_errors, periods, slots, text, values_of, words
from service.web.pages import NotCoordinator, flash, lang_of, page, problem_text, redirect, safe_next
from service.web.register_views import NEED_DEFAULTS, VOLUNTEER_DEFAULTS

T = TypeVar("T")
ONBOARDING_STEPS = ("first_conversation", "agreement", "declaration", "police", "course")


def _404(exc: Problem) -> None:
    if exc.status == 404:
        raise NotFoundException() from None


async def _existing(lookup: Awaitable[T]) -> T:
    """What the lookup finds; a record that is not there (problem 404) is the not-found page."""
    try:
        return await lookup
    except Problem as exc:
        _404(exc)
        raise


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _submit(request: Request[Any, Any, Any], save: Callable[[], Awaitable[T]],
                  redraw: Callable[[dict[str, str]], Awaitable[Template]], ok: str,
                  then: Callable[[T], str], *, existing: bool = False) -> Template | Redirect:
    """The one way a register form is saved. `save` builds the document and calls the service; when the
    service (or the form's own parsing) refuses with problem details, `redraw` draws the page again (422)
    with the errors beside their fields and what was typed; when saved, the `ok` message (its `{name}`
    from the saved record) and a redirect to `then(saved)`. With `existing`, a record that is not there
    (404) is the not-found page rather than a form error."""
    try:
        saved = await save()
    except Problem as exc:
        if existing:
            _404(exc)
        return await redraw(field_errors(lang_of(request), exc))
    flash(request, "ok", i18n.t(lang_of(request), ok, name=getattr(saved, "name", "")))
    return redirect(then(saved))


# ------------------------------------------------------------------ volunteers: register and edit


def volunteer_doc(form: Any, fp: FieldProblems, before: Iterable[Any] = ()) -> dict[str, Any]:
    """The volunteer form as a scenario-format document (the same the API's POST takes).

    Availability is the week grid's marked cells plus the rows beneath it (times off the half-hour
    grid); saved unchanged, the stored windows (`before`) are kept exactly as they were."""
    lat, lon = fp.number(form, "lat"), fp.number(form, "lon")
    birth = fp.date(form, "birth_date")
    doc: dict[str, Any] = {
        "name": text(form, "name"),
        "phone": text(form, "phone") or None,
        "email": text(form, "email") or None,
        "birth_date": birth.isoformat() if birth else None,
        "activities": [a for a in form.getall("activities", []) if a],
        "interests": words(form, "interests"),
        "languages": words(form, "languages"),
        "max_travel_km": fp.number(form, "max_travel_km"),
        "max_hours_per_week": fp.number(form, "max_hours_per_week"),
        "max_assignments": fp.number(form, "max_assignments", integer=True) or VOLUNTEER_DEFAULTS["max_assignments"],
        "location": {"lat": lat, "lon": lon} if lat is not None or lon is not None else None,
        "availability": availability(form, fp, list(before)),
        "unavailable": periods(form, "unavailable", fp),
    }
    if not doc["name"]:
        fp.errors.append({"field": "name", "message": "required"})
    return doc


def availability(form: Any, fp: FieldProblems, before: list[Any]) -> list[dict[str, Any]]:
    """The rows first (a refused row's error names its row), then the grid's windows."""
    rows = slots(form, "availability", fp)
    grid = week_grid.windows_from_grid(week_grid.cells_from_keys(form.getall("availability_cell", [])), before)
    return week_grid.keep_order([*rows, *grid], before)


async def _volunteer_form_page(request: Request[Any, Any, Any], db_session: AsyncSession, *, values: dict[str, Any],
                               errors: dict[str, str] | None = None, v: VolunteerOut | None = None) -> Template:
    ctx = await register_views.volunteer_form(db_session)
    return page(request, "volunteer_form.html", status_code=422 if errors else 200, values=values,
                errors=errors or {}, v=v, rows=register_views.row_counts(values),
                grid=register_views.availability_grid(values), **ctx)


@get("/volunteers/new", include_in_schema=False)
async def volunteer_new(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    return await _volunteer_form_page(request, db_session,
                                      values={"max_assignments": VOLUNTEER_DEFAULTS["max_assignments"]})


@post("/volunteers/new", include_in_schema=False, opt=OWN_CHECK)
async def volunteer_create(request: Request[Any, Any, Any], db_session: AsyncSession,
                           viewer: Principal) -> Template | Redirect:
    form = await request.form()

    async def save() -> VolunteerOut:
        fp = FieldProblems()
        doc = volunteer_doc(form, fp)
        fp.raise_if_any()
        return await volunteers_service.create_volunteer(db_session, viewer, doc, request.url.path)

    return await _submit(
        request, save, lambda errors: _volunteer_form_page(request, db_session, values=values_of(form), errors=errors),
        i18n.N_("volunteer.registered"), lambda created: f"/volunteers/{quote(created.id)}#onboarding")


@get("/volunteers/{volunteer_id:str}/edit", include_in_schema=False)
async def volunteer_edit(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                         volunteer_id: str) -> Template:
    doc = await _existing(volunteers_service.volunteer_record(db_session, viewer, volunteer_id, request.url.path))
    return await _volunteer_form_page(request, db_session, values=register_views.volunteer_form_values(doc), v=doc)


@post("/volunteers/{volunteer_id:str}/edit", include_in_schema=False, opt=OWN_CHECK)
async def volunteer_update(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                           volunteer_id: str) -> Template | Redirect:
    form = await request.form()
    current = await _existing(volunteers_service.volunteer_record(db_session, viewer, volunteer_id, request.url.path))

    async def save() -> VolunteerOut:
        fp = FieldProblems()
        doc = volunteer_doc(form, fp, current.availability)
        fp.raise_if_any()
        return await volunteers_service.patch_volunteer(db_session, viewer, volunteer_id, doc, request.url.path)

    return await _submit(
        request, save,
        lambda errors: _volunteer_form_page(request, db_session, values=values_of(form), v=current, errors=errors),
        i18n.N_("volunteer.saved"), lambda _: f"/volunteers/{quote(volunteer_id)}")


# ------------------------------------------------------------------ onboarding, in DOMAIN.md's order


async def volunteer_page(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          volunteer_id: str, status: int = 200, **extra: Any) -> Template:
    try:
        ctx = await views.volunteer_page(db_session, _settings(request), viewer, lang_of(request), volunteer_id,
                                         request.url.path)
    except Problem as exc:
        _404(exc)
        raise
    n = await views.names(db_session)
    ctx["course_choices"] = sorted(n.trainings.values(), key=lambda t: t["name"])
    ctx["end_reasons"] = placements_service.END_REASONS
    return page(request, "volunteer.html", status_code=status, **ctx, **extra)


@post("/volunteers/{volunteer_id:str}/onboarding/{step:str}", include_in_schema=False)
async def onboarding_step(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          volunteer_id: str, step: str) -> Template | Redirect:
    """One onboarding step recorded: first conversation, agreement, declaration, police certificate
    shown (issue date, date shown, purpose — never the certificate), or a course."""
    if step not in (*ONBOARDING_STEPS, "course_remove"):
        raise NotFoundException()
    form = await request.form()
    fp = FieldProblems()
    current = await _existing(volunteers_service.volunteer_record(db_session, viewer, volunteer_id, request.url.path))
    try:
        if step == "first_conversation":
            held = fp.required_date(form, "held")
            fp.raise_if_any()
            assert held is not None
            await record_first_conversation(db_session, viewer, volunteer_id, held)
        else:
            patch = _onboarding_patch(step, form, fp, current)
            fp.raise_if_any()
            await volunteers_service.patch_volunteer(db_session, viewer, volunteer_id, patch, request.url.path)
    except Problem as exc:
        _404(exc)
        return await volunteer_page(request, db_session, viewer, volunteer_id, status=422, form_step=step,
                                     form_values=values_of(form), form_errors=field_errors(lang_of(request), exc))
    flash(request, "ok", i18n.t(lang_of(request), f"onboarding.saved.{step}"))
    return redirect(f"/volunteers/{quote(volunteer_id)}#onboarding")


def _onboarding_patch(step: str, form: Any, fp: FieldProblems, current: VolunteerOut) -> dict[str, Any]:
    def required(name: str, field: str | None = None) -> str | None:
        d = fp.required_date(form, name, field)
        return d.isoformat() if d else None

    if step == "agreement":
        return {"agreement_signed": required("agreement_signed")}
    if step == "declaration":
        return {"confidentiality_signed": required("confidentiality_signed")}
    if step == "police":
        issued = required("issued")
        shown = required("shown")
        return {"police_certificate": {"issued": issued, "shown": shown, "purpose": text(form, "purpose") or None}}
    trainings: list[dict[str, Any]] = msgspec.to_builtins(current.trainings)  # as the patch sends them
    course = text(form, "training")
    if step == "course_remove":
        return {"trainings": [h for h in trainings if h["training"] != course]}
    if not course:
        fp.errors.append({"field": "training", "message": "required"})
    completed = required("completed")
    expires = fp.date(form, "expires")
    held = {"training": course, "completed": completed, "expires": expires.isoformat() if expires else None}
    return {"trainings": [*(h for h in trainings if h["training"] != course), held]}


# ------------------------------------------------------------------ export and erase


@get("/volunteers/{volunteer_id:str}/export.json", include_in_schema=False)
async def volunteer_export(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                           volunteer_id: str) -> Response[bytes]:
    """Everything the register holds about the person (GDPR art. 15), as the API's export gives it."""
    data = await _existing(volunteers_service.export_volunteer(db_session, viewer, volunteer_id, request.url.path))
    body = json.dumps(msgspec.to_builtins(data), ensure_ascii=False, indent=2).encode()
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="samspill-{volunteer_id}.json"', "Cache-Control": "no-store"})


@get("/volunteers/{volunteer_id:str}/erase", include_in_schema=False)
async def volunteer_erase_confirm(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                                  volunteer_id: str) -> Template:
    ctx = await _existing(register_views.erase_page(db_session, _settings(request), viewer, volunteer_id,
                                                    request.url.path))
    return page(request, "erase.html", **ctx)


@post("/volunteers/{volunteer_id:str}/erase", include_in_schema=False)
async def volunteer_erase(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          volunteer_id: str) -> Template | Redirect:
    form = await request.form()
    if text(form, "confirm") != "yes":
        ctx = await register_views.erase_page(db_session, _settings(request), viewer, volunteer_id, request.url.path)
        return page(request, "erase.html", status_code=422, error=i18n.t(lang_of(request), "erase.tick"), **ctx)
    try:
        await volunteers_service.anonymise_volunteer(db_session, viewer, volunteer_id, request.url.path)
    except Problem as exc:
        _404(exc)
        raise
    flash(request, "ok", i18n.t(lang_of(request), "erase.done"))
    return redirect("/volunteers")


# ------------------------------------------------------------------ needs: post, edit, pause, close


def need_doc(form: Any, fp: FieldProblems, who: Principal) -> dict[str, Any]:
    """The need form as the API's need document. The task is always one of the catalogue's
    activities (a select, never free text: DOMAIN.md)."""
    headcount = fp.number(form, "headcount", integer=True)
    priority = fp.number(form, "priority", integer=True)
    min_age = fp.number(form, "min_age", integer=True)
    start, until = fp.date(form, "from"), fp.date(form, "until")
    doc: dict[str, Any] = {
        "site": who.site_id if who.role == "site" else text(form, "site"),
        "activity": text(form, "activity"),
        "title": text(form, "title"),
        "headcount": NEED_DEFAULTS["headcount"] if headcount is None else headcount,
        "priority": NEED_DEFAULTS["priority"] if priority is None else priority,
        "languages": words(form, "languages"),
        "tags": words(form, "tags"),
        "requires_training": [t for t in form.getall("requires_training", []) if t],
        "police_certificate": text(form, "police_certificate") == "1",
        "min_age": min_age or NEED_DEFAULTS["min_age"],
    }
    if text(form, "schedule") == "once":
        d = fp.date(form, "once_date", "once.date")
        doc.update(once={"date": d.isoformat() if d else None, "start": text(form, "once_start"),
                         "end": text(form, "once_end")}, weekly=None, **{"from": None}, until=None)
    else:
        doc.update(weekly=slots(form, "weekly", fp), once=None,
                   **{"from": start.isoformat() if start else None}, until=until.isoformat() if until else None)
    for name in ("site", "activity", "title"):
        if not doc[name]:
            fp.errors.append({"field": name, "message": "required"})
    return doc


async def _need_form_page(request: Request[Any, Any, Any], db_session: AsyncSession, who: Principal, *,
                          values: dict[str, Any], need: NeedOut | None = None,
                          errors: dict[str, str] | None = None, preview: bool = False) -> Template:
    ctx = await register_views.need_form(db_session, who)
    summary = await _occurrences(request, db_session, values)
    status = 422 if errors else 200
    return page(request, "need_form.html", status_code=status, values=values, errors=errors or {}, need=need,
                weekly_rows=register_views.weekly_rows(values), occurrences=summary, preview=preview, **ctx)


async def _occurrences(request: Request[Any, Any, Any], db_session: AsyncSession, values: dict[str, Any]) -> str:
    """The need's times in words, counted in the planning period, from the form as typed."""
    doc: dict[str, Any] = {}
    if values.get("schedule") == "once":
        doc["once"] = {"date": values.get("once_date"), "start": values.get("once_start"),
                       "end": values.get("once_end")}
    else:
        weekly = []
        i = 0
        while f"weekly_day_{i}" in values:
            if values.get(f"weekly_start_{i}") or values.get(f"weekly_end_{i}"):
                try:
                    day = int(values.get(f"weekly_day_{i}") or 0)
                except ValueError:
                    day = 0
                weekly.append({"weekday": day, "start": values.get(f"weekly_start_{i}"),
                               "end": values.get(f"weekly_end_{i}")})
            i += 1
        if not weekly:
            return ""
        doc["weekly"] = weekly
        if values.get("from"):
            doc["from"] = values["from"]
        if values.get("until"):
            doc["until"] = values["until"]
    summary = await needs_service.occurrence_summary(db_session, doc)
    return register_views.occurrence_words(lang_of(request), summary)


@get("/needs", include_in_schema=False)
async def needs_index(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal) -> Template:
    rows = await register_views.needs_list(db_session, member, lang_of(request))
    return page(request, "needs.html", needs=rows)


@get("/needs/new", include_in_schema=False)
async def need_new(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal) -> Template:
    values = {"headcount": NEED_DEFAULTS["headcount"], "priority": NEED_DEFAULTS["priority"], "schedule": "weekly",
              "site": member.site_id or ""}
    return await _need_form_page(request, db_session, member, values=values)


@post("/needs/preview", include_in_schema=False, opt=OWN_CHECK)
async def need_preview(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal) -> Template:
    """htmx: the occurrences in words as the form stands, before saving."""
    form = await request.form()
    return page(request, "_occurrences.html", occurrences=await _occurrences(request, db_session, values_of(form)))


@post("/needs/new", include_in_schema=False, opt=OWN_CHECK)
async def need_create(request: Request[Any, Any, Any], db_session: AsyncSession,
                      member: Principal) -> Template | Redirect:
    form = await request.form()
    values = values_of(form)
    if text(form, "action") == "preview":
        return await _need_form_page(request, db_session, member, values=values, preview=True)

    async def save() -> NeedOut:
        fp = FieldProblems()
        doc = need_doc(form, fp, member)
        fp.raise_if_any()
        return (await needs_service.create_need(db_session, member, doc))[1]

    return await _submit(
        request, save, lambda errors: _need_form_page(request, db_session, member, values=values, errors=errors),
        i18n.N_("need.posted"), lambda created: f"/needs/{quote(created.id)}")


@get("/needs/{need_id:str}/edit", include_in_schema=False)
async def need_edit(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal,
                    need_id: str) -> Template:
    need = await _existing(needs_service.get_need(db_session, member, need_id))
    return await _need_form_page(request, db_session, member, values=register_views.need_form_values(need), need=need)


@post("/needs/{need_id:str}/edit", include_in_schema=False, opt=OWN_CHECK)
async def need_update(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal,
                      need_id: str) -> Template | Redirect:
    form = await request.form()
    values = values_of(form)
    need = await _existing(needs_service.get_need(db_session, member, need_id))
    if text(form, "action") == "preview":
        return await _need_form_page(request, db_session, member, values=values, need=need, preview=True)

    async def save() -> NeedOut:
        fp = FieldProblems()
        doc = need_doc(form, fp, member)
        fp.raise_if_any()
        return await needs_service.patch_need(db_session, member, need_id, doc)

    return await _submit(
        request, save,
        lambda errors: _need_form_page(request, db_session, member, values=values, need=need, errors=errors),
        i18n.N_("need.saved"), lambda _: f"/needs/{quote(need_id)}", existing=True)


@post("/needs/{need_id:str}/state", include_in_schema=False)
async def need_state(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal,
                     need_id: str) -> Redirect:
    form = await request.form()
    state = text(form, "state")
    lang = lang_of(request)
    try:
        await needs_service.set_need_state(db_session, member, need_id, state)
        flash(request, "ok", i18n.t(lang, f"need.now.{state}"))
    except Problem as exc:
        _404(exc)
        flash(request, "error", problem_text(lang, exc))
    return redirect(safe_next(text(form, "next")) if text(form, "next") else f"/needs/{quote(need_id)}")


# ------------------------------------------------------------------ placements: end, closing, at risk


_BACK = re.compile(r"^/(?:(?P<kind>volunteers|needs)/(?P<id>[^/]+)|placements/at-risk)$")
# The end form says `last_date` where the API (and the service's errors) say `closing_conversation`.
_END_FIELDS = {"closing_conversation": "last_date"}


async def _placement_refused(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                             back: str, placement_id: str, kind: str, form: Any, exc: Problem,
                             rename: dict[str, str] | None = None) -> Template | Redirect:
    """A refused placement form: the page it was posted from, drawn again (422) with that form open,
    what was typed put back and each error beside its field — as the other register forms do."""
    _404(exc)
    lang = lang_of(request)
    errors = field_errors(lang, exc, rename)
    state = {"id": placement_id, "kind": kind, "values": values_of(form), "errors": errors}
    path = back.split("#")[0].split("?")[0]
    m = _BACK.match(path)
    if m is None:  # a page that cannot be drawn again here: say it at the top of the one we go back to
        flash(request, "error", "; ".join(errors.values()))
        return redirect(back)
    if m["kind"] == "volunteers":
        return await volunteer_page(request, db_session, viewer, unquote(m["id"]), status=422, pform=state, path=path)
    if m["kind"] == "needs":
        return await need_page(request, db_session, viewer, unquote(m["id"]), status=422, pform=state, path=path)
    return await _at_risk_page(request, db_session, viewer, status=422, pform=state, path=path)


def _held(form: Any, fp: FieldProblems, name: str = "held") -> dt.date:
    """A required date field, or a problem naming it."""
    day = fp.required_date(form, name)
    fp.raise_if_any()
    assert day is not None
    return day


@post("/placements/{placement_id:str}/end", include_in_schema=False)
async def placement_end(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                        placement_id: str) -> Template | Redirect:
    """End a placement: its last date, why, and the closing conversation if held."""
    form = await request.form()
    fp = FieldProblems()
    back = safe_next(text(form, "next"))
    try:
        closing = fp.date(form, "closing_held")
        last = _held(form, fp, "last_date")
        await placements_service.end(db_session, _settings(request), viewer, placement_id, last,
                                     reason=text(form, "reason") or None, closing_held=closing)
    except Problem as exc:
        return await _placement_refused(request, db_session, viewer, back, placement_id, "end", form, exc,
                                        _END_FIELDS)
    flash(request, "ok", i18n.t(lang_of(request), "placement.ended"))
    return redirect(back)


async def _conversation(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                        placement_id: str, kind: str,
                        record: Callable[[AsyncSession, Settings, Principal, str, dt.date], Awaitable[Any]],
                        ok: str) -> Template | Redirect:
    """A conversation held, by its date: the closing conversation or a follow-up."""
    form = await request.form()
    back = safe_next(text(form, "next"))
    try:
        await record(db_session, _settings(request), viewer, placement_id, _held(form, FieldProblems()))
    except Problem as exc:
        return await _placement_refused(request, db_session, viewer, back, placement_id, kind, form, exc)
    flash(request, "ok", i18n.t(lang_of(request), ok))
    return redirect(back)


@post("/placements/{placement_id:str}/closing", include_in_schema=False)
async def placement_closing(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                            placement_id: str) -> Template | Redirect:
    """The closing conversation (avslutningssamtale), held after the end."""
    return await _conversation(request, db_session, viewer, placement_id, "closing", placements_service.record_closing,
                               i18n.N_("placement.closing_saved"))


@post("/placements/{placement_id:str}/followup", include_in_schema=False)
async def placement_followup(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                             placement_id: str) -> Template | Redirect:
    """A follow-up conversation held (oppfølgingssamtale)."""
    return await _conversation(request, db_session, viewer, placement_id, "followup",
                               placements_service.record_followup, i18n.N_("placement.followup_saved"))


@post("/placements/{placement_id:str}/keep", include_in_schema=False)
async def placement_keep(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                         placement_id: str) -> Template | Redirect:
    """The coordinator talked to the volunteer (a follow-up) and keeps the placement: reports answered."""
    form = await request.form()
    try:
        held = _held(form, FieldProblems())
        await placements_service.record_followup(db_session, _settings(request), viewer, placement_id, held)
        await site_reports.keep_placement(db_session, viewer, placement_id)
    except Problem as exc:
        return await _placement_refused(request, db_session, viewer, "/placements/at-risk", placement_id, "keep",
                                        form, exc)
    flash(request, "ok", i18n.t(lang_of(request), "atrisk.kept"))
    return redirect("/placements/at-risk")


async def _at_risk_page(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                        status: int = 200, **extra: Any) -> Template:
    ctx = await register_views.at_risk_page(db_session, _settings(request), viewer, lang_of(request),
                                            request.url.path)
    return page(request, "at_risk.html", status_code=status, **ctx, **extra)


@get("/placements/at-risk", include_in_schema=False)
async def at_risk(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    return await _at_risk_page(request, db_session, viewer)


async def need_page(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal, need_id: str,
                    status: int = 200, **extra: Any) -> Template:
    """A need; a site contact sees only their own site's (404 for others), without draft proposals."""
    try:
        ctx = await views.need_page(db_session, _settings(request), member, lang_of(request), need_id,
                                    request.url.path)
    except Problem as exc:
        _404(exc)
        raise
    return page(request, "need.html", status_code=status, end_reasons=placements_service.END_REASONS,
                today=clock.today(), **ctx, **extra)


# ------------------------------------------------------------------ catalogue and sites


async def _catalogue_page(request: Request[Any, Any, Any], db_session: AsyncSession, status: int = 200,
                          **extra: Any) -> Template:
    ctx = await register_views.catalogue_page(db_session)
    return page(request, "catalogue.html", status_code=status, **ctx, **extra)


@get("/catalogue", include_in_schema=False)
async def catalogue(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    return await _catalogue_page(request, db_session)


def _activity_doc(form: Any, fp: FieldProblems) -> dict[str, Any]:
    min_age = fp.number(form, "min_age", integer=True)
    fp.raise_if_any()
    return {"name": text(form, "name"), "min_age": min_age or 0,
            "requires_training": [t for t in form.getall("requires_training", []) if t],
            "police_certificate": text(form, "police_certificate") == "1",
            "description": text(form, "description") or None}


def _catalogue_redraw(request: Request[Any, Any, Any], db_session: AsyncSession, form: Any,
                      form_kind: str) -> Callable[[dict[str, str]], Awaitable[Template]]:
    return lambda errors: _catalogue_page(request, db_session, 422, form_kind=form_kind, values=values_of(form),
                                          errors=errors)


@post("/catalogue/activities", include_in_schema=False)
async def activity_create(request: Request[Any, Any, Any], db_session: AsyncSession,
                          viewer: Principal) -> Template | Redirect:
    form = await request.form()

    async def save() -> ActivityOut:
        activity = _decode({"id": text(form, "id"), **_activity_doc(form, FieldProblems())}, Activity)
        return await catalogue_service.create_activity(db_session, viewer, activity)

    return await _submit(request, save, _catalogue_redraw(request, db_session, form, "activity"),
                         i18n.N_("catalogue.activity_added"), lambda _: "/catalogue")


@post("/catalogue/activities/{activity_id:str}", include_in_schema=False)
async def activity_update(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          activity_id: str) -> Template | Redirect:
    """Change an activity's rules: minimum age, courses, police certificate (and name, description)."""
    form = await request.form()

    async def save() -> ActivityOut:
        doc = _activity_doc(form, FieldProblems())
        _required(doc, "name")
        return await catalogue_service.patch_activity(db_session, viewer, activity_id, doc)

    return await _submit(request, save, _catalogue_redraw(request, db_session, form, f"activity-{activity_id}"),
                         i18n.N_("catalogue.activity_saved"), lambda _: "/catalogue", existing=True)


@post("/catalogue/activities/{activity_id:str}/delete", include_in_schema=False)
async def activity_delete(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          activity_id: str) -> Template | Redirect:
    """Delete an activity added by mistake; one in use stays, and the page says what uses it."""
    lang = lang_of(request)
    try:
        gone = await catalogue_service.get_activity(db_session, activity_id)
        await catalogue_service.delete_activity(db_session, viewer, activity_id, request.url.path)
    except Problem as exc:
        _404(exc)
        use = exc.extra.get("use") or {}
        said = i18n.t(lang, "catalogue.err.in_use", **use) if exc.slug == "in-use" else problem_text(lang, exc)
        return await _catalogue_page(request, db_session, 409 if exc.slug == "in-use" else 422,
                                     form_kind=f"activity-{activity_id}", refused=said)
    flash(request, "ok", i18n.t(lang, "catalogue.activity_deleted", name=gone.name))
    return redirect("/catalogue")


@post("/catalogue/trainings", include_in_schema=False)
async def training_create(request: Request[Any, Any, Any], db_session: AsyncSession,
                          viewer: Principal) -> Template | Redirect:
    form = await request.form()

    async def save() -> TrainingOut:
        training = _decode({"id": text(form, "id"), **_training_doc(form)}, Training)
        return await catalogue_service.create_training(db_session, viewer, training)

    return await _submit(request, save, _catalogue_redraw(request, db_session, form, "training"),
                         i18n.N_("catalogue.training_added"), lambda _: "/catalogue")


@post("/catalogue/trainings/{training_id:str}", include_in_schema=False)
async def training_update(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                          training_id: str) -> Template | Redirect:
    """Rename a course or change how long it counts (catalogue.patch_training, as PATCH
    /api/v1/trainings/{id}); its id stays."""
    form = await request.form()

    async def save() -> TrainingOut:
        doc = _training_doc(form)
        _required(doc, "name")
        return await catalogue_service.patch_training(db_session, viewer, training_id, doc, request.url.path)

    return await _submit(request, save, _catalogue_redraw(request, db_session, form, f"training-{training_id}"),
                         i18n.N_("catalogue.training_saved"), lambda _: "/catalogue", existing=True)


def _training_doc(form: Any) -> dict[str, Any]:
    """A course's name and validity in months (blank: it does not expire)."""
    fp = FieldProblems()
    months = fp.number(form, "valid_months", integer=True)
    fp.raise_if_any()
    return {"name": text(form, "name"), "valid_months": months}


def _required(doc: dict[str, Any], *names: str) -> None:
    missing = [{"field": k, "message": "required"} for k in names if not doc.get(k)]
    if missing:
        raise Problem(422, "; ".join(f"{e['field']}: required" for e in missing), slug="validation", errors=missing)


def _decode(doc: dict[str, Any], kind: Any) -> Any:
    from service.register.common import decode_as

    _required(doc, "id", "name")
    return decode_as(doc, kind)


async def _sites_page(request: Request[Any, Any, Any], db_session: AsyncSession, status: int = 200,
                      **extra: Any) -> Template:
    ctx = await register_views.sites_page(db_session)
    return page(request, "sites.html", status_code=status, **ctx, **extra)


@get("/sites", include_in_schema=False)
async def sites(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    return await _sites_page(request, db_session)


def _sites_redraw(request: Request[Any, Any, Any], db_session: AsyncSession, form: Any,
                  form_kind: str) -> Callable[[dict[str, str]], Awaitable[Template]]:
    return lambda errors: _sites_page(request, db_session, 422, form_kind=form_kind, values=values_of(form),
                                      errors=errors)


@post("/sites", include_in_schema=False)
async def site_create(request: Request[Any, Any, Any], db_session: AsyncSession,
                      viewer: Principal) -> Template | Redirect:
    form = await request.form()

    async def save() -> SiteOut:
        site = _decode({"id": text(form, "id"), "name": text(form, "name"), "kind": text(form, "kind")}, Site)
        return await catalogue_service.create_site(db_session, viewer, site)

    return await _submit(request, save, _sites_redraw(request, db_session, form, "site"), i18n.N_("sites.added"),
                         lambda _: "/sites")


@post("/sites/{site_id:str}", include_in_schema=False)
async def site_update(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                      site_id: str) -> Template | Redirect:
    """Rename a site or organisation, or change its kind (catalogue.patch_site, as PATCH /api/v1/sites/{id})."""
    form = await request.form()

    async def save() -> SiteOut:
        doc = {"name": text(form, "name"), "kind": text(form, "kind")}
        _required(doc, "name")
        return await catalogue_service.patch_site(db_session, viewer, site_id, doc)

    return await _submit(request, save, _sites_redraw(request, db_session, form, f"edit-{site_id}"),
                         i18n.N_("sites.saved"), lambda _: f"/sites#site-{quote(site_id)}", existing=True)


@post("/sites/{site_id:str}/users", include_in_schema=False)
async def site_user_create(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                           site_id: str) -> Template | Redirect:
    """A contact person (frivilligkontakt) who signs in for this site: the same as
    `samspill users create --role site --site ID`."""
    form = await request.form()
    try:
        await catalogue_service.get_site(db_session, site_id)
    except Problem as exc:
        _404(exc)
        raise
    try:
        user = await create_user(db_session, email=text(form, "email"), password=str(form.get("password") or ""),
                                 role="site", name=text(form, "name") or None, site_id=site_id)
    except ValueError as exc:
        field = "password" if "password" in str(exc) else "email"
        values = {k: v for k, v in values_of(form).items() if k != "password"}  # never echo a password
        return await _sites_page(request, db_session, 422, form_kind=f"user-{site_id}", values=values,
                                 errors={field: i18n.t(lang_of(request), f"sites.err.{field}", detail=str(exc))})
    flash(request, "ok", i18n.t(lang_of(request), "sites.user_added", name=user.name))
    return redirect(f"/sites#site-{quote(site_id)}")


@post("/sites/{site_id:str}/users/{user_id:str}/{action:str}", include_in_schema=False)
async def site_user_access(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal,
                           site_id: str, user_id: str, action: str) -> Template | Redirect:
    """Disable a site contact's sign-in (they cannot sign in, and their sessions end now), or enable it
    again — accounts.set_disabled, as POST /api/v1/users/{id}/disable|enable."""
    if action not in ("disable", "enable"):
        raise NotFoundException()
    lang = lang_of(request)
    try:
        users = await list_users(db_session, viewer, site_id=site_id)
        if not any(u.id == user_id for u in users):
            raise NotFoundException()
        user = await set_disabled(db_session, viewer, user_id, action == "disable", request.url.path)
    except Problem as exc:
        _404(exc)
        return await _sites_page(request, db_session, 409, form_kind=f"contacts-{site_id}",
                                 refused=problem_text(lang, exc))
    said = i18n.t(lang, "sites.user_disabled", name=user.name) if action == "disable" else \
        i18n.t(lang, "sites.user_enabled", name=user.name)
    flash(request, "ok", said)
    return redirect(f"/sites#site-{quote(site_id)}")


# ------------------------------------------------------------------ statistics


def _period(request: Request[Any, Any, Any]) -> tuple[dt.date | None, dt.date | None]:
    """from/to from the query (this calendar year when absent); None where a date does not parse."""
    q = request.query_params
    today = clock.today()
    out: list[dt.date | None] = []
    for name, default in (("from", dt.date(today.year, 1, 1)), ("to", dt.date(today.year, 12, 31))):
        raw = q.get(name)
        try:
            out.append(dt.date.fromisoformat(raw) if raw else default)
        except ValueError:
            out.append(None)
    return out[0], out[1]


@get("/statistics", include_in_schema=False)
async def statistics(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    from service.web.charts import bar_chart, stacked_counts

    start, end = _period(request)
    lang = lang_of(request)
    values = {"from": request.query_params.get("from") or (start.isoformat() if start else ""),
              "to": request.query_params.get("to") or (end.isoformat() if end else "")}
    try:
        stats = await statistics_service.statistics(db_session, viewer, start, end)
    except Problem as exc:
        return page(request, "statistics.html", status_code=422, stats=None, values=values,
                    errors=field_errors(lang, exc))
    many = len(stats.months) > 12 or stats.months[0][:4] != stats.months[-1][:4]
    hours_chart = bar_chart([(i18n.month_label(lang, m, with_year=many), stats.total.hours[m])
                             for m in stats.months],
                            title=i18n.t(lang, "stats.chart.hours"))
    sites_chart = stacked_counts([(s.name, s.filled, s.places) for s in stats.sites if s.places],
                                 title=i18n.t(lang, "stats.chart.filled"),
                                 labels=(i18n.t(lang, "stats.filled"), i18n.t(lang, "stats.places")))
    return page(request, "statistics.html", stats=stats, values=values, errors={}, hours_chart=hours_chart,
                sites_chart=sites_chart, reasons=[*placements_service.END_REASONS, "unknown"])


@get("/statistics.csv", include_in_schema=False)
async def statistics_csv(request: Request[Any, Any, Any], db_session: AsyncSession,
                         viewer: Principal) -> Response[str]:
    start, end = _period(request)
    stats = await statistics_service.statistics(db_session, viewer, start, end)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(statistics_service.csv_rows(stats))
    name = f"samspill-statistikk-{stats.from_}-{stats.to}.csv"
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@get("/privacy", include_in_schema=False)
async def privacy(request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Principal) -> Template:
    """Stored texts that look like a national identity number, each with the page to correct it on."""
    scan = await privacy_service.identity_number_scan(db_session, viewer)
    return page(request, "privacy.html", scan=scan)


# ------------------------------------------------------------------ the site contact (frivilligkontakt)


def _site_only(member: Principal) -> None:
    if member.role != "site":
        raise NotCoordinator()  # the coordinator's own pages are elsewhere; see site_home


@get("/site", include_in_schema=False)
async def site_home(request: Request[Any, Any, Any], db_session: AsyncSession,
                    member: Principal) -> Template | Redirect:
    if member.is_coordinator:
        return redirect("/sites")
    _site_only(member)
    ctx = await register_views.site_home(db_session, _settings(request), member, lang_of(request), request.url.path)
    return page(request, "site.html", **ctx)


@post("/site/placements/{placement_id:str}/report", include_in_schema=False)
async def site_report(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal,
                      placement_id: str) -> Redirect:
    """The site reports that the volunteer did not come, or that the placement should end; it reaches the
    coordinator's at-risk list, and the coordinator decides."""
    _site_only(member)
    form = await request.form()
    fp = FieldProblems()
    lang = lang_of(request)
    try:
        on = fp.date(form, "on") or clock.today()
        fp.raise_if_any()
        await site_reports.report(db_session, member, placement_id, text(form, "kind"), on)
        flash(request, "ok", i18n.t(lang, f"site.reported.{text(form, 'kind')}"))
    except Problem as exc:
        _404(exc)
        flash(request, "error", "; ".join(field_errors(lang, exc).values()))
    return redirect(f"/site#plc-{quote(placement_id)}")


@post("/site/placements/{placement_id:str}/attendance", include_in_schema=False)
async def site_attendance(request: Request[Any, Any, Any], db_session: AsyncSession, member: Principal,
                          placement_id: str) -> Redirect:
    """The site confirms that an occurrence took place, or that the volunteer did not come — through the
    attendance service (register.attendance), which also puts three misses in a row on the at-risk list."""
    _site_only(member)
    form = await request.form()
    lang = lang_of(request)
    try:
        try:
            starts_at = dt.datetime.fromisoformat(text(form, "starts_at"))
        except ValueError:
            raise Problem(422, "starts_at: not a time", slug="validation",
                          errors=[{"field": "starts_at", "message": "not a date"}]) from None
        took_place = text(form, "took_place") == "1"
        await attendance.record_attendance(db_session, member, placement_id, starts_at, took_place, request.url.path)
        flash(request, "ok", i18n.t(lang, "site.attended") if took_place else i18n.t(lang, "site.reported.no_show"))
    except Problem as exc:
        _404(exc)
        flash(request, "error", "; ".join(field_errors(lang, exc).values()))
    return redirect(f"/site#plc-{quote(placement_id)}")


HANDLERS = [
    volunteer_new, volunteer_create, volunteer_edit, volunteer_update, onboarding_step, volunteer_export,
    volunteer_erase_confirm, volunteer_erase,
    needs_index, need_new, need_preview, need_create, need_edit, need_update, need_state,
    placement_end, placement_closing, placement_followup, placement_keep, at_risk,
    catalogue, activity_create, activity_update, activity_delete, training_create, training_update,
    sites, site_create, site_update, site_user_create, site_user_access,
    statistics, statistics_csv, privacy, site_home, site_report, site_attendance,
]
