"""The volunteer's pages: sign-in by link (/login/link), my page (/me), the calendar feed, the
certificate; and the small staff pages that go with them (attendance for sites, sending a link).

A volunteer's session is its own kind of principal (`vid` in the session, never `uid`): it opens
/me and nothing of the coordinator's, and a coordinator's session does not open /me.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from service import clock
from service.accounts import principal_for
from service.auth import Principal
from service.db.models import PlacementRow, VolunteerRow, utcnow
from service.identity_numbers import OWN_CHECK
from service.notify.tell import tell_coordinators
from service.problems import Problem
from service.register import attendance
from service.register import placements as placements_service
from service.register import volunteers as volunteers_service
from service.register.common import audit
from service.settings import Settings
from service.volunteer import links
from service.volunteer.calendar import account, feed_for, renew_calendar_key, volunteer_for_key
from service.volunteer.me import my_page, split_words, typed_slots
from service.web import forms, i18n, register_views, views, week_grid
from service.web.pages import (
    SESSION_HOURS,
    Form,
    current_user,
    flash,
    is_htmx,
    lang_of,
    page,
    problem_text,
    redirect,
)
from service.web.sessions import current_session, start_session

# Asking for a link answers no sooner than this, found or not, so the time taken tells nothing.
LINK_ANSWER_SECONDS = 0.4


class VolunteerSignInRequired(HTTPException):
    status_code = 401


class StaffOnly(HTTPException):
    status_code = 403


async def current_volunteer(request: Request[Any, Any, Any], db_session: AsyncSession) -> VolunteerRow | None:
    """The volunteer this browser's session is for: a server-side session (service/web/sessions.py)
    whose subject is `volunteer:<id>`, never a coordinator's or site contact's."""
    sess = await current_session(request, db_session)
    vid = sess.payload.get("vid") if sess is not None else None
    if not isinstance(vid, str) or sess is None or sess.subject != f"volunteer:{vid}":
        return None
    row = await db_session.get(VolunteerRow, vid)
    return row if row is not None and row.data is not None else None


async def provide_me(request: Request[Any, Any, Any], db_session: AsyncSession) -> Principal:
    row = await current_volunteer(request, db_session)
    if row is None:
        raise VolunteerSignInRequired()
    request.state.volunteer = row
    return links.volunteer_principal(row)


async def provide_staff(request: Request[Any, Any, Any], db_session: AsyncSession) -> Principal:
    """The signed-in coordinator or site contact (a site sees its own placements only, by the services)."""
    user = await current_user(request, db_session)
    if user is None:
        raise VolunteerSignInRequired(extra={"staff": True})
    request.state.user = user
    return principal_for(user)


def me_page(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    volunteer = getattr(request.state, "volunteer", None)
    return page(request, template, status_code=status_code, volunteer=volunteer, **context)


# ------------------------------------------------------------------ sign-in by link


@get("/login/link", include_in_schema=False)
async def link_form(request: Request[Any, Any, Any], signed_out: bool = False) -> Template:
    return page(request, "link_request.html", signed_out=signed_out)


@post("/login/link", include_in_schema=False)
async def link_request(request: Request[Any, Any, Any], db_session: AsyncSession, data: Form) -> Template:
    began = time.monotonic()
    email = data.get("email", "")[:320]
    await links.request_link(db_session, request.app.state.settings, email)
    await db_session.commit()
    # The same page and (about) the same time whether or not anyone has this address.
    await asyncio.sleep(max(0.0, LINK_ANSWER_SECONDS - (time.monotonic() - began)))
    return page(request, "link_sent.html", email=email)


@get("/login/link/{secret:str}", include_in_schema=False)
async def link_open(request: Request[Any, Any, Any], db_session: AsyncSession, secret: str) -> Template:
    row = await links.peek(db_session, secret)
    if row is None:
        return page(request, "link_invalid.html", status_code=410)
    # Opening the link does not use it (mail scanners open links); the button does.
    return page(request, "link_open.html", secret=secret)


@post("/login/link/{secret:str}", include_in_schema=False)
async def link_redeem(
    request: Request[Any, Any, Any], db_session: AsyncSession, secret: str
) -> Template | Redirect:
    vid = await links.redeem(db_session, secret)
    if vid is None:
        return page(request, "link_invalid.html", status_code=410)
    await start_session(request, db_session, {"vid": vid}, subject=f"volunteer:{vid}",
                        lifetime=dt.timedelta(hours=SESSION_HOURS))
    return redirect("/me")


# ------------------------------------------------------------------ my page


@get("/me", include_in_schema=False)
async def me(request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal) -> Template:
    ctx = await my_page(db_session, request.app.state.settings, volunteer, lang_of(request), request.url.path)
    acc = await account(db_session, volunteer.volunteer_id or "")
    if acc.lang != lang_of(request):  # messages follow the language the volunteer reads the page in
        acc.lang = lang_of(request)
    return me_page(request, "me.html", **ctx)


@post("/me/placements/{placement_id:str}/answer", include_in_schema=False)
async def answer(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    volunteer: Principal,
    placement_id: str,
    data: Form,
) -> Redirect:
    lang = lang_of(request)
    choice = data.get("answer")
    if choice not in ("yes", "no"):
        flash(request, "error", i18n.t(lang, "me.answer_missing"))
        return redirect("/me")
    try:
        await placements_service.respond(
            db_session,
            request.app.state.settings,
            volunteer,
            placement_id,
            choice,
            data.get("reason", "")[:1000],
        )
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        flash(request, "error", problem_text(lang, exc))
        return redirect("/me")
    said = i18n.t(lang, "me.answered_yes") if choice == "yes" else i18n.t(lang, "me.answered_no")
    flash(request, "ok", said)
    return redirect("/me")


def _starts_at(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


@post("/me/placements/{placement_id:str}/attendance", include_in_schema=False)
async def my_attendance(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    volunteer: Principal,
    placement_id: str,
    data: Form,
) -> Redirect:
    await _record(request, db_session, volunteer, placement_id, data)
    return redirect("/me#current-h")


async def _record(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    who: Principal,
    placement_id: str,
    data: dict[str, str],
) -> str | None:
    lang = lang_of(request)
    starts_at = _starts_at(data.get("starts_at", ""))
    try:
        if starts_at is None or data.get("took_place") not in ("yes", "no"):
            raise Problem(422, "give the occurrence and whether it took place", slug="validation")
        await attendance.record_attendance(
            db_session, who, placement_id, starts_at, data["took_place"] == "yes", request.url.path
        )
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        text = problem_text(lang, exc)
        flash(request, "error", text)
        return text
    flash(request, "ok", i18n.t(lang, "attendance.saved"))
    return None


@post("/me/away", include_in_schema=False)
async def add_away(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal, data: Form
) -> Redirect | Template:
    lang = lang_of(request)
    vid = volunteer.volunteer_id or ""
    typed = {"from": data.get("from", ""), "to": data.get("to", "")}
    try:
        first, last = dt.date.fromisoformat(typed["from"]), dt.date.fromisoformat(typed["to"])
    except ValueError:
        return await _away_refused(request, db_session, volunteer, typed, i18n.t(lang, "me.away_dates"))
    doc = await volunteers_service.volunteer_record(db_session, volunteer, vid, request.url.path)
    periods = [*msgspec.to_builtins(doc.unavailable), {"from": first.isoformat(), "to": last.isoformat()}]
    error = await _patch(request, db_session, volunteer, {"unavailable": periods}, i18n.t(lang, "me.away_saved"),
                         flash_error=False)
    if error is not None:
        return await _away_refused(request, db_session, volunteer, typed, error)
    return redirect("/me#away-h")


async def _away_refused(request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal,
                        typed: dict[str, str], error: str) -> Template:
    """My page again (422) with the dates as typed and what is wrong beside them, as the register's forms."""
    ctx = await my_page(db_session, request.app.state.settings, volunteer, lang_of(request), request.url.path)
    return me_page(request, "me.html", status_code=422, away_error=error, away_typed=typed, **ctx)


@post("/me/away/remove", include_in_schema=False)
async def remove_away(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal, data: Form
) -> Redirect:
    vid = volunteer.volunteer_id or ""
    doc = await volunteers_service.volunteer_record(db_session, volunteer, vid, request.url.path)
    periods = [p for p in doc.unavailable if f"{p.from_}/{p.to}" != data.get("period", "")]
    await _patch(request, db_session, volunteer, {"unavailable": msgspec.to_builtins(periods)},
                 i18n.t(lang_of(request), "me.away_removed"))
    return redirect("/me#away-h")


@post("/me/profile", include_in_schema=False, opt=OWN_CHECK)
async def profile(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal
) -> Redirect | Template:
    lang = lang_of(request)
    form = await request.form()  # the week grid posts one `availability_cell` per marked half hour
    data = {k: str(form.get(k) or "") for k in form if k != "availability_cell"}
    cells = form.getall("availability_cell", [])
    rows = typed_slots(data)
    if any(r["bad"] for r in rows):
        return await _profile_refused(request, db_session, volunteer, data, rows, cells, None)
    slots = [{k: r[k] for k in ("weekday", "start", "end")} for r in rows]
    # The grid's windows after the rows; saved unchanged, the stored windows stay as they were.
    before = (await volunteers_service.volunteer_record(db_session, volunteer, volunteer.volunteer_id or "",
                                                        request.url.path)).availability
    grid = week_grid.windows_from_grid(week_grid.cells_from_keys(cells), before)
    error = await _patch(
        request,
        db_session,
        volunteer,
        {
            "availability": week_grid.keep_order([*slots, *grid], before),
            "interests": split_words(data.get("interests", "")),
            "languages": split_words(data.get("languages", "")),
        },
        i18n.t(lang, "me.profile_saved"),
        flash_error=False,
    )
    if error is not None:
        return await _profile_refused(request, db_session, volunteer, data, rows, cells, error)
    return redirect("/me#profile-h")


async def _profile_refused(request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal,
                           data: dict[str, str], typed_rows: list[dict[str, Any]], cells: list[str],
                           error: str | None) -> Template:
    """My page again (422) with the profile as typed — the rows (`typed_slots`; each that is no weekday with
    two times says so beside it), the grid's marks, interests and languages — and `error` (the register's
    refusal) above."""
    lang = lang_of(request)
    ctx = await my_page(db_session, request.app.state.settings, volunteer, lang, request.url.path)
    said = i18n.t(lang, "me.slots_invalid")
    rows = [{**r, "error": said if r["bad"] else None} for r in typed_rows]
    typed = {"interests": data.get("interests", ""), "languages": data.get("languages", ""), "error": error}
    ctx.update(slots=rows, grid=week_grid.view(week_grid.cells_from_keys(cells)), profile_typed=typed)
    return me_page(request, "me.html", status_code=422, **ctx)


async def _patch(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    who: Principal,
    patch: dict[str, Any],
    done: str,
    flash_error: bool = True,
) -> str | None:
    """Save; flash `done`. A refusal is said in the page's language (never the API's field paths) and
    returned, and flashed unless `flash_error` is False (the caller shows it beside the field)."""
    lang = lang_of(request)
    try:
        await volunteers_service.patch_volunteer(
            db_session, who, who.volunteer_id or "", patch, request.url.path
        )
    except Problem as exc:
        said = [forms.error_text(lang, e) for e in exc.errors or []]
        text = i18n.t(lang, "me.not_saved", detail=" ".join(dict.fromkeys(said)) or problem_text(lang, exc))
        if flash_error:
            flash(request, "error", text)
        return text
    flash(request, "ok", done)
    return None


@post("/me/calendar/renew", include_in_schema=False)
async def renew_calendar(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal
) -> Redirect:
    await renew_calendar_key(db_session, volunteer.volunteer_id or "")
    flash(request, "ok", i18n.t(lang_of(request), "me.calendar_renewed"))
    return redirect("/me#calendar-h")


@get("/me/export", include_in_schema=False)
async def export(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal
) -> Response[bytes]:
    doc = await volunteers_service.export_volunteer(
        db_session, volunteer, volunteer.volunteer_id or "", request.url.path
    )
    body = json.dumps(msgspec.to_builtins(doc), ensure_ascii=False, indent=2).encode()
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="samspill-{volunteer.volunteer_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@post("/me/leave", include_in_schema=False)
async def leave(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal, data: Form
) -> Redirect:
    vid = volunteer.volunteer_id or ""
    acc = await account(db_session, vid)
    if acc.leave_requested_at is None:
        acc.leave_requested_at = utcnow()
        acc.leave_note = data.get("note", "").strip()[:1000] or None
        settings: Settings = request.app.state.settings
        await tell_coordinators(
            db_session,
            "leave_requested",
            {
                "volunteer": volunteer.name,
                "note": f"\n\n«{acc.leave_note}»" if acc.leave_note else "",
                "url": f"{settings.public_url}/volunteers/{quote(vid)}",
            },
            f"leave:{vid}",
            volunteer_id=vid,
        )
        await audit(db_session, volunteer, "leave", [vid], request.url.path)
    flash(request, "ok", i18n.t(lang_of(request), "me.leave_sent"))
    return redirect("/me#leave-h")


@get("/me/attest", include_in_schema=False)
async def my_certificate(
    request: Request[Any, Any, Any], db_session: AsyncSession, volunteer: Principal
) -> Template:
    return await _certificate(request, db_session, volunteer, volunteer.volunteer_id or "")


async def _certificate(
    request: Request[Any, Any, Any], db_session: AsyncSession, who: Principal, volunteer_id: str
) -> Template:
    try:
        cert = await attendance.certificate(db_session, who, volunteer_id, request.url.path)
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        raise
    n = await views.names(db_session, need_ids={p["need"] for p in cert["placements"]})
    for p in cert["placements"]:
        p["title"], p["site_name"], p["activity_name"] = (
            n.need_title(p["need"]),
            n.site(p["site"]),
            n.activity(p["activity"]),
        )
    for s in cert["sites"]:
        s["name"] = n.site(s["site"])
        s["hours"] = round(s["minutes"] / 60, 1)
    return me_page(
        request, "attest.html", cert=cert, hours=round(cert["total_minutes"] / 60, 1), today=clock.today()
    )


# ---------------------------------------- the calendar feed (no sign-in: the key is the secret)


@get("/calendar/{key:str}", include_in_schema=False)
async def calendar_feed(db_session: AsyncSession, key: str) -> Response[bytes]:
    volunteer = await volunteer_for_key(db_session, key.removesuffix(".ics"))
    if volunteer is None:
        raise NotFoundException()
    return Response(
        await feed_for(db_session, volunteer),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="samspill.ics"',
        },
    )


# ---------------------------------------- staff: attendance, sending a link, the certificate


@get("/placements/{placement_id:str}/attendance", include_in_schema=False)
async def attendance_page(
    request: Request[Any, Any, Any], db_session: AsyncSession, staff: Principal, placement_id: str
) -> Template:
    return await _attendance_view(request, db_session, staff, placement_id)


async def _attendance_view(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    who: Principal,
    placement_id: str,
    error: str | None = None,
) -> Template:
    try:
        occurrences = await attendance.occurrences_of(db_session, who, placement_id, weeks=8)
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        raise
    p = await db_session.get(PlacementRow, placement_id)
    assert p is not None
    n = await views.names(db_session, need_ids={p.need_id}, volunteer_ids={p.volunteer_id})
    await audit(db_session, who, "read", [p.volunteer_id], request.url.path)
    template = "_attendance.html" if is_htmx(request) else "attendance.html"
    return page(
        request,
        template,
        placement=p,
        occurrences=occurrences,
        error=error,
        need_title=n.need_title(p.need_id),
        site_name=n.site(p.site_id),
        # a site contact sees the volunteer by first name only, as on /site (DOMAIN.md: only what it needs)
        volunteer_name=n.volunteer(p.volunteer_id) if who.is_coordinator
        else register_views.first_name(n.volunteer(p.volunteer_id)),
    )


@post("/placements/{placement_id:str}/attendance", include_in_schema=False)
async def attendance_record(
    request: Request[Any, Any, Any], db_session: AsyncSession, staff: Principal, placement_id: str, data: Form
) -> Template | Redirect:
    error = await _record(request, db_session, staff, placement_id, data)
    if is_htmx(request):
        request.session.pop("flash", None)
        return await _attendance_view(request, db_session, staff, placement_id, error)
    return redirect(f"/placements/{quote(placement_id)}/attendance")


def _coordinator(who: Principal) -> None:
    if not who.is_coordinator:
        raise StaffOnly()


@post("/volunteers/{volunteer_id:str}/send-link", include_in_schema=False)
async def send_link(
    request: Request[Any, Any, Any], db_session: AsyncSession, staff: Principal, volunteer_id: str
) -> Redirect:
    _coordinator(staff)
    lang = lang_of(request)
    sent = await links.send_link_for(db_session, request.app.state.settings, staff, volunteer_id)
    flash(
        request,
        "ok" if sent else "error",
        i18n.t(lang, "volunteer.link_sent") if sent else i18n.t(lang, "volunteer.link_not_sent"),
    )
    return redirect(f"/volunteers/{quote(volunteer_id)}")


@get("/volunteers/{volunteer_id:str}/attest", include_in_schema=False)
async def certificate_for(
    request: Request[Any, Any, Any], db_session: AsyncSession, staff: Principal, volunteer_id: str
) -> Template:
    _coordinator(staff)
    return await _certificate(request, db_session, staff, volunteer_id)


# ------------------------------------------------------------------ assembly


def _sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    staff = isinstance(exc, HTTPException) and isinstance(exc.extra, dict) and bool(exc.extra.get("staff"))
    start = "/login" if staff else "/login/link"
    target = start + "?next=" + quote(request.url.path)
    if is_htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return redirect(target)


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Template:
    return page(request, "forbidden.html", status_code=403)


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Template:
    return page(request, "notfound.html", status_code=404)


def volunteer_router() -> Router:
    return Router(
        path="/",
        route_handlers=[
            link_form,
            link_request,
            link_open,
            link_redeem,
            me,
            answer,
            my_attendance,
            add_away,
            remove_away,
            profile,
            renew_calendar,
            export,
            leave,
            my_certificate,
            calendar_feed,
            attendance_page,
            attendance_record,
            send_link,
            certificate_for,
        ],
        dependencies={"volunteer": Provide(provide_me), "staff": Provide(provide_staff)},
        exception_handlers={
            VolunteerSignInRequired: _sign_in,
            StaffOnly: _forbidden,
            NotFoundException: _not_found,
        },
        include_in_schema=False,
    )
