"""The coordinator's pages: thin handlers that call the register services and render templates.

Every page needs a signed-in coordinator (session cookie); a bearer token is not a
sign-in here. Form posts work without JavaScript (post, then redirect); with htmx the
same routes answer with the fragment to swap in.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_303_SEE_OTHER

from service import clock
from service.accounts import User, authenticate, principal_for, remember_lang, signed_in_user
from service.auth import Principal
from service.problems import Problem
from service.register import plans as plans_service
from service.register.common import DbSession
from service.register.onboarding import record_first_conversation
from service.register.period import clear_planning_period, planning_period, set_planning_period
from service.register.schemas import PlanProgress
from service.settings import Settings
from service.web import HERE, forms, i18n, views
from service.web.sessions import TolerantCookieBackendConfig, current_session, end_session, start_session

log = logging.getLogger("samspill.service")

SESSION_HOURS = 8
LANG_COOKIE = i18n.LANG_COOKIE
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class SignInRequired(HTTPException):
    status_code = 401


class NotCoordinator(HTTPException):
    status_code = 403


def lang_of(request: Request[Any, Any, Any]) -> str:
    return i18n.pick_lang(request.cookies.get(LANG_COOKIE))


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil` or `https://…`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def flash(request: Request[Any, Any, Any], kind: str, text: str) -> None:
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "text": text})
    request.session["flash"] = messages[-3:]


async def current_user(request: Request[Any, Any, Any], db_session: DbSession) -> User | None:
    sess = await current_session(request, db_session)
    uid = sess.payload.get("uid") if sess is not None else None
    if not isinstance(uid, str) or sess is None or sess.subject != f"user:{uid}":
        return None
    return await signed_in_user(db_session, uid)


async def provide_viewer(request: Request[Any, Any, Any], db_session: DbSession) -> Principal:
    """The signed-in coordinator, as the principal the register services expect."""
    user = await current_user(request, db_session)
    if user is None:
        raise SignInRequired()
    request.state.user = user
    if user.role != "coordinator":
        raise NotCoordinator()
    return principal_for(user)


async def provide_member(request: Request[Any, Any, Any], db_session: DbSession) -> Principal:
    """Any signed-in web user: the coordinator, or a site contact (frivilligkontakt) bound to one site.

    The register services scope what a site user may see and change (their own site's needs).
    """
    user = await current_user(request, db_session)
    if user is None:
        raise SignInRequired()
    request.state.user = user
    return principal_for(user)


def home_of(user: User) -> str:
    return "/site" if user.role == "site" else "/"


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    lang = lang_of(request)
    user = getattr(request.state, "user", None)
    messages = []
    if request.session and request.session.get("flash"):
        messages = request.session.pop("flash")
    return Template(
        template_name=template,
        context={"lang": lang, "user": user, "path": request.url.path, "flash": messages, **context},
        status_code=status_code,
    )


def problem_text(lang: str, exc: Problem) -> str:
    key = f"problem.{exc.slug}"
    said = i18n.t(lang, key)
    rule = exc.extra.get("rule")
    if rule:  # refused for a matching rule: say which
        named = i18n.t(lang, "problem.rule", rule=rule, name=i18n.rule_name(lang, str(rule)))
        return f"{said} {named}" if said != key else named
    if said == key and exc.errors:  # the service's own checks, each said from its code where it can be
        each = [forms.coded(lang, e) for e in exc.errors]
        if all(each):
            return " ".join(str(e) for e in each)
    return said if said != key else exc.detail


# ------------------------------------------------------------------ sign-in, sign-out, language


@get("/login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any], db_session: DbSession,
                     next_: Annotated[str | None, Parameter(query="next")] = None,
                     signed_out: bool = False) -> Template | Redirect:
    user = await current_user(request, db_session)
    if user is not None:
        target = safe_next(next_)
        return redirect(home_of(user) if target == "/" else target)
    return page(request, "login.html", next=safe_next(next_), signed_out=signed_out)


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Template | Redirect:
    lang = lang_of(request)
    email, password = data.get("email", ""), data.get("password", "")
    target = safe_next(data.get("next"))
    ip = request.client.host if request.client else "unknown"
    result = await authenticate(db_session, email, password, ip)
    if result.user is None:
        # The failure is recorded even though this answer is an error page.
        await db_session.commit()
        error, status = ((i18n.t(lang, "signin.limited"), 429) if result.limited
                         else (i18n.t(lang, "signin.wrong"), 401))
        return page(request, "login.html", status_code=status, next=target, email=email, error=error)
    await remember_lang(db_session, result.user.id, lang)  # their mail follows the pages' language
    await start_session(request, db_session, {"uid": result.user.id}, subject=f"user:{result.user.id}",
                        lifetime=dt.timedelta(hours=SESSION_HOURS))
    return redirect(home_of(result.user) if target == "/" else target)


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any], db_session: DbSession) -> Redirect:
    volunteer = bool(request.session and request.session.get("vid"))
    await end_session(request, db_session)
    return redirect("/login/link?signed_out=true" if volunteer else "/login?signed_out=true")


def _readable(request: Request[Any, Any, Any], target: str) -> str:
    """`target`, or the nearest address above it that a GET can read: a page shown in answer to a form
    (a refused save at /matching/period, an onboarding step) has the form's address, which only takes a POST."""
    asked = path = target.split("?", 1)[0].split("#", 1)[0]
    while path not in ("", "/"):
        try:
            request.app.asgi_router.handle_routing(path, "GET")
        except HTTPException:
            path = path.rsplit("/", 1)[0]
            continue
        return target if path == asked else path
    return "/"


@post("/lang", include_in_schema=False)
async def switch_language(request: Request[Any, Any, Any], db_session: DbSession, data: Form) -> Redirect:
    lang = i18n.pick_lang(data.get("lang"))
    uid = request.session.get("uid") if request.session else None
    if isinstance(uid, str):  # a signed-in user's mail follows their choice (a volunteer's: on /me)
        await remember_lang(db_session, uid, lang)
    response = redirect(_readable(request, safe_next(data.get("next"))))
    response.cookies.append(Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 24 * 3600, samesite="lax",
                                   httponly=True, path="/"))
    return response


# ------------------------------------------------------------------ overview


@get("/", include_in_schema=False)
async def overview(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal) -> Template:
    settings: Settings = request.app.state.settings
    ctx = await views.overview(db_session, settings, viewer, lang_of(request), request.url.path)
    return page(request, "overview.html", **ctx)


# ------------------------------------------------------------------ matching


def _reader(request: Request[Any, Any, Any]) -> Any:
    """The sessions the run's progress is read in (the read replica's, where there is one)."""
    state = request.app.state
    return state.get("read_sessionmaker") or state.sessionmaker


async def _progress(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """Seconds so far against the time limit of the queued or running plan; None when none is."""
    row = await plans_service.latest_run(_reader(request))
    if row is None or row.status not in plans_service.RUNNING:
        return None
    out = plans_service.plan_status_out(row, request.app.state.settings).progress
    assert isinstance(out, PlanProgress)  # a queued or running plan's status always has it
    return {"elapsed": int(out.elapsed), "limit": int(out.limit), "state": row.status}


@get("/matching", include_in_schema=False)
async def matching(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal) -> Template:
    return await _matching_page(request, db_session, viewer)


async def _matching_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                         status: int = 200, **form: Any) -> Template:
    """The matching page; `form`: the planning period's form as sent, with its errors, after a refusal."""
    ctx = await views.matching(db_session, viewer, lang_of(request), request.url.path)
    progress = await _progress(request)
    period = await planning_period(db_session, request.app.state.settings.default_horizon_days)
    return page(request, "matching.html", status_code=status, running=progress is not None, run=progress,
                period=period, **ctx, **form)


@post("/matching/period", include_in_schema=False)
async def set_period(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal) -> Template | Redirect:
    """The planning period set (both dates) or cleared (`action=clear`: from today again)."""
    form = await request.form()
    lang = lang_of(request)
    days = request.app.state.settings.default_horizon_days
    try:
        if forms.text(form, "action") == "clear":
            await clear_planning_period(db_session, viewer, days)
        else:
            fp = forms.FieldProblems()
            start, end = fp.required_date(form, "start"), fp.required_date(form, "end")
            fp.raise_if_any()
            assert start is not None and end is not None
            await set_planning_period(db_session, viewer, start, end, days)
    except Problem as exc:
        return await _matching_page(request, db_session, viewer, status=422, period_values=forms.values_of(form),
                                 period_errors=forms.field_errors(lang, exc))  # fmt: skip
    flash(request, "ok", i18n.t(lang, "period.saved"))
    return redirect("/matching#period")


@post("/matching/run", include_in_schema=False)
async def run_matching(request: Request[Any, Any, Any], db_session: DbSession,
                       viewer: Principal) -> Template | Redirect:
    """Queue a matcher run (service/jobs.py); the page polls `/matching/status` for its progress."""
    # The sign-in check may have written (last seen): end that transaction first, so queueing, which
    # takes the register's lock in its own, never waits on this request (SQLite has one writer).
    await db_session.commit()
    state = request.app.state
    queued = await plans_service.queue_plan(state.sessionmaker, state.settings, state.jobs, viewer)
    request.session["following"] = queued.id
    if is_htmx(request):
        return page(request, "_run_status.html", running=True,
                    run=await _progress(request) or {"elapsed": 0, "limit": 0})
    return redirect("/matching")


@get("/matching/status", include_in_schema=False)
async def run_status(request: Request[Any, Any, Any], viewer: Principal) -> Template | Response[str]:
    progress = await _progress(request)
    if progress is not None:
        return page(request, "_run_status.html", running=True, run=progress)
    row = await plans_service.latest_run(_reader(request))
    following = request.session.get("following") if request.session else None
    if row is not None and row.status == "failed" and row.id == following:
        request.session.pop("following", None)
        return page(request, "_run_status.html", running=False, error=str((row.summary or {}).get("error", "")))
    # Done: reload the page so the new plan shows.
    return Response("", headers={"HX-Redirect": "/matching"})


async def _decide(request: Request[Any, Any, Any], db_session: DbSession, proposal_id: str,
                  action: Any) -> Template | Redirect:
    lang = lang_of(request)
    error = None
    try:
        proposal = await action()
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        # The services refuse before they change anything, so the transaction stays clean.
        error = problem_text(lang, exc)
        proposal = next(p for p in await plans_service.list_proposals(db_session, principal_for(request.state.user))
                        if p.id == proposal_id)
    if not is_htmx(request):
        if error:
            flash(request, "error", error)
        return redirect(f"/matching#prop-{proposal_id}")
    ctx = await views.proposal_fragment(db_session, lang, proposal)
    return page(request, "_proposal.html", error=error, **ctx)


@post("/proposals/{proposal_id:str}/accept", include_in_schema=False)
async def accept(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                 proposal_id: str) -> Template | Redirect:
    settings = request.app.state.settings
    return await _decide(request, db_session, proposal_id,
                         lambda: plans_service.accept(db_session, settings, viewer, proposal_id))


@post("/proposals/{proposal_id:str}/pin", include_in_schema=False)
async def pin(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
              proposal_id: str) -> Template | Redirect:
    settings = request.app.state.settings
    return await _decide(request, db_session, proposal_id,
                         lambda: plans_service.accept(db_session, settings, viewer, proposal_id, pin=True))


@post("/proposals/{proposal_id:str}/reject", include_in_schema=False)
async def reject(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, proposal_id: str,
                 data: Form) -> Template | Redirect:
    reason = data.get("reason", "").strip()
    if not reason:
        async def refuse() -> dict[str, Any]:
            raise Problem(422, i18n.t(lang_of(request), "proposal.reason_required"), slug="reason-required")
        return await _decide(request, db_session, proposal_id, refuse)
    return await _decide(request, db_session, proposal_id,
                         lambda: plans_service.reject(db_session, viewer, proposal_id, reason[:1000]))


@get("/plans/{plan_id:str}/release", include_in_schema=False)
async def release_preview(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                          plan_id: str) -> Template | Redirect:
    try:
        ctx = await views.release_page(db_session, viewer, plan_id, request.url.path, lang_of(request),
                                       request.app.state.settings.default_horizon_days)
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        flash(request, "error", problem_text(lang_of(request), exc))
        return redirect("/matching")
    return page(request, "release.html", **ctx)


@post("/plans/{plan_id:str}/release", include_in_schema=False)
async def release(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                  plan_id: str, data: Form) -> Redirect:
    lang = lang_of(request)
    try:
        settings: Settings = request.app.state.settings
        result = await plans_service.release(db_session, viewer, plan_id, settings.public_url,
                                             default_horizon_days=settings.default_horizon_days,
                                             keep_at_risk=data.get("keep_at_risk") == "on")
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        flash(request, "error", problem_text(lang, exc))
        # a rule broken since the accept: back to the preview, which names it and offers to keep it at risk
        return redirect(f"/plans/{plan_id}/release" if exc.status == 409 and exc.extra.get("at_risk")
                        else "/matching")
    created = result.summary.get("placements_created", 0)
    flash(request, "ok", i18n.t(lang, "release.done_one") if created == 1 else i18n.t(lang, "release.done", n=created))
    return redirect("/matching")


# ------------------------------------------------------------------ volunteers and needs


@get("/volunteers", include_in_schema=False)
async def volunteers(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                     q: str = "", activity: str = "",
                     onboarding: Annotated[str, Parameter(query="state")] = "", expiring: bool = False,
                     unplaced: bool = False) -> Template:
    from service.web import register_views

    ctx = await register_views.volunteer_list(db_session, request.app.state.settings, viewer, request.url.path,
                                              query=q, activity=activity, state=onboarding, expiring=expiring,
                                              unplaced=unplaced)
    return page(request, "volunteers.html", **ctx)


@get("/volunteers/{volunteer_id:str}", include_in_schema=False)
async def volunteer(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                    volunteer_id: str) -> Template:
    from service.web.register_pages import volunteer_page

    return await volunteer_page(request, db_session, viewer, volunteer_id)


def _date_field(data: dict[str, str], name: str) -> dt.date | None:
    """A date from a form, or None when it is not one or lies more than a century from today."""
    try:
        day = dt.date.fromisoformat(data.get(name, "")[:10])
    except ValueError:
        return None
    today = clock.today()
    return day if abs((day - today).days) <= 36525 else None


@post("/volunteers/{volunteer_id:str}/first-conversation", include_in_schema=False)
async def first_conversation(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                             volunteer_id: str, data: Form) -> Redirect:
    held = _date_field(data, "held")
    try:
        if held is None:
            raise Problem(422, "give a date", slug="validation")
        await record_first_conversation(db_session, viewer, volunteer_id, held)
    except Problem as exc:
        if exc.status == 404:
            raise NotFoundException() from None
        flash(request, "error", problem_text(lang_of(request), exc))
    return redirect(f"/volunteers/{quote(volunteer_id)}#onboarding")


@get("/needs/{need_id:str}", include_in_schema=False)
async def need(request: Request[Any, Any, Any], db_session: DbSession, member: Principal,
               need_id: str) -> Template:
    from service.web.register_pages import need_page

    return await need_page(request, db_session, member, need_id)


# ------------------------------------------------------------------ errors and assembly


def _sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if is_htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect(path=target, status_code=HTTP_303_SEE_OTHER)


def _error_page(template: str, status: int) -> Any:
    def handler(request: Request[Any, Any, Any], exc: Exception) -> Template | Redirect:
        user = getattr(request.state, "user", None)
        if status == 403 and user is not None and user.role == "site" and request.url.path == "/":
            return redirect("/site")  # a site contact's home is their site's page
        return page(request, template, status_code=status)

    return handler


def _problem(request: Request[Any, Any, Any], exc: Problem) -> Template:
    return page(request, "error.html", status_code=exc.status, detail=problem_text(lang_of(request), exc))


def session_config(settings: Settings, session_key: bytes, cookie: str = "samspill_session") -> CookieBackendConfig:
    """An encrypted cookie (AES-GCM) holding the session id, its CSRF token and the user id; the session
    itself lives in the database (service/web/sessions.py), so logout ends it for good."""
    return TolerantCookieBackendConfig(
        secret=session_key,
        key=cookie,
        max_age=SESSION_HOURS * 3600,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=["^/api/", "^/schema", "^/swagger", "^/health", "^/static/"],
    )


def web_router() -> Router:
    from service.web import register_pages
    return Router(
        path="/",
        route_handlers=[
            login_form, login, logout, switch_language,
            overview, matching, set_period, run_matching, run_status, accept, pin, reject, release_preview, release,
            *register_pages.HANDLERS,
            volunteers, volunteer, first_conversation, need,
            create_static_files_router(path="/static", directories=[HERE / "static"], name="static",
                                       include_in_schema=False),
        ],
        dependencies={"viewer": Provide(provide_viewer), "member": Provide(provide_member)},
        exception_handlers={
            SignInRequired: _sign_in,
            NotCoordinator: _error_page("forbidden.html", 403),
            PermissionDeniedException: _error_page("forbidden.html", 403),
            NotFoundException: _error_page("notfound.html", 404),
            Problem: _problem,
        },
        include_in_schema=False,
    )
