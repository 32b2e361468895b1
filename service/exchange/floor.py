"""The exchange floor's pages, all under `/events/{id}/floor`: the broker's (børsmegler), the
notary's (notarius), the børsgeneral's and the Frivilligtorg stand's, for a tablet held in one hand.

Sign-in is a one-time link (`floor_auth`); every page checks the link again, so a revoked link or an
archived event ends the session. Pages are server-rendered from the app's template engine (one
message catalogue, `_('key')`); a few lines of plain JavaScript (`/static/floor.js`) keep them live
from the board's stream and keep the broker's unsent agreements in the browser when the hall's Wi-Fi
drops. Handlers are thin: every rule is in `store` and `events/`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.channels import ChannelsPlugin
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from events import lifecycle, schema
from events.schema import CATEGORIES, GIVE_KINDS
from events.suggestions import counterparts_for, draft_agreement, met_needs, shared_terms
from service import clock
from service.auth import Principal
from service.exchange import floor_auth, live, store
from service.exchange.floor_auth import FloorSignInRequired, floor_principal
from service.exchange.schemas import AgreementOut
from service.identity_numbers import OWN_CHECK
from service.problems import Problem, edge_error, fault
from service.register.common import DbSession
from service.web import forms, i18n
from service.web.i18n import N_

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
BASE = "/events/{event_id:str}/floor"


def _lang(request: Request[Any, Any, Any]) -> str:
    return i18n.pick_lang(request.cookies.get(i18n.LANG_COOKIE))


def _channels(request: Request[Any, Any, Any]) -> ChannelsPlugin:
    return request.app.plugins.get(ChannelsPlugin)


def render(request: Request[Any, Any, Any], template: str, status_code: int = 200, **ctx: Any) -> Template:
    return Template(template_name=template, status_code=status_code,
                    context={"lang": _lang(request), "path": request.url.path, **ctx},
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _see(path: str) -> Redirect:
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def _state_text(lang: str, state: str) -> str:
    return i18n.t(lang, f"ex.state.{state}")


# Keys looked up at run time (pybabel extracts them from here).
RUNTIME_KEYS = (
    N_("floor.role.broker"), N_("floor.role.notary"), N_("floor.role.general"), N_("floor.role.stand"),
    N_("floor.role.coordinator"), N_("floor.link_used"), N_("floor.session_ended"), N_("floor.signed_out"),
    N_("mail.stand_receipt.subject"), N_("mail.stand_receipt.body"),
)


async def _context(session: DbSession, request: Request[Any, Any, Any], who: Principal,
                   event_id: str) -> dict[str, Any]:
    row = await store.load_event(session, who, event_id)
    return {"event": store.event_of(row), "event_id": event_id, "state": row.state, "who": who,
            "role": floor_auth.floor_role(who), "screen_key": row.screen_key,
            "state_text": _state_text(_lang(request), row.state)}


# --- Sign-in ------------------------------------------------------------------------------------


@get("/enter/{token:str}")
async def enter_form(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                     token: str) -> Template:
    """A page with one button, not a sign-in on GET: link previews and QR scanners that fetch
    the URL ahead must not use the one-time link up."""
    link = await floor_auth.peek(db_session, event_id, token)
    if link is None:
        return render(request, "exchange/floor/ended.html", status_code=404, reason="floor.link_used")
    return render(request, "exchange/floor/enter.html", link=link, event_id=event_id, token=token,
                  role_text=i18n.t(_lang(request), f"floor.role.{link.role}"))


@post("/enter/{token:str}")
async def enter(request: Request[Any, Any, Any], db_session: DbSession, event_id: str, token: str) -> Any:
    try:
        link = await floor_auth.redeem(db_session, event_id, token)
    except Problem:
        return render(request, "exchange/floor/ended.html", status_code=404, reason="floor.link_used")
    await floor_auth.start_floor_session(request, db_session, link)
    return _see(f"/events/{event_id}/floor")


@post("/signout")
async def signout(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    await floor_auth.end_floor_session(request, db_session)
    return render(request, "exchange/floor/ended.html", reason="floor.signed_out")


@get("/")
async def home(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Any:
    who = await floor_principal(request, db_session, event_id)
    role = floor_auth.floor_role(who)
    if role == "coordinator":
        return render(request, "exchange/floor/home.html", **await _context(db_session, request, who, event_id))
    return _see(f"/events/{event_id}/floor/{role}")


@get("/stream")
async def stream(request: Request[Any, Any, Any], event_id: str) -> ServerSentEvent:
    async with request.app.state.sessionmaker() as session, session.begin():
        await floor_principal(request, session, event_id)
    return await live.board_stream(request.app.state.board_hub, event_id)


# --- The broker -----------------------------------------------------------------------------------


@get("/broker")
async def broker_search(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                        q: str = "") -> Template:
    who = await floor_principal(request, db_session, event_id, "broker")
    parts = await store.participants(db_session, event_id)
    needle = q.strip().lower()
    found = [p for p in parts if needle in p.name.lower()] if needle else parts
    return render(request, "exchange/floor/broker_search.html", q=q, found=found[:60], more=max(0, len(found) - 60),
                  kinds=PARTICIPANT_KINDS, **await _context(db_session, request, who, event_id))


PARTICIPANT_KINDS = ("organisation", "business", "public", "individual")


async def _suggestions_ctx(session: DbSession, request: Request[Any, Any, Any], event_id: str,
                           pid: str) -> dict[str, Any]:
    parts, offers, needs, agreements = await store.live_parts(session, event_id)
    me = next((p for p in parts if p.id == pid), None)
    if me is None:
        raise Problem(404, f"participant {pid!r} does not exist", slug="not-found")
    suggestions = counterparts_for(pid, parts, offers, needs, agreements)
    offers_by_id, needs_by_id = {o.id: o for o in offers}, {n.id: n for n in needs}
    names = {p.id: p.name for p in parts}
    kinds = {p.id: p.kind for p in parts}
    lang = _lang(request)
    shown = []
    for s in suggestions:
        draft = draft_agreement(s, offers_by_id, needs_by_id)
        shown.append({"s": s, "name": names[s.counterpart], "kind": kinds[s.counterpart],
                      "shared": shared_terms(s),
                      "lines": [i18n.t(lang, "floor.link", giver=names[link.giver],
                                       offer=offers_by_id[link.offer].title,
                                       receiver=names[link.receiver]) for link in s.links],
                      "draft": json.dumps({**draft, "names": {pid: names[pid], s.counterpart: names[s.counterpart]}},
                                          ensure_ascii=False)})
    met = met_needs(agreements)
    mine = [a for a in agreements if pid in a.parties]
    return {"me": me, "suggestions": shown, "offers": [o for o in offers if o.participant == pid],
            "needs": [n for n in needs if n.participant == pid], "met": met, "pid": pid,
            "categories": {c: i18n.t(lang, f"ex.category.{c}") for c in CATEGORIES},
            "made": [i18n.give_summary(lang, a.parties, a.gives, names) for a in reversed(mine)][:10]}


@get("/broker/{pid:str}")
async def broker_participant(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                             pid: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "broker")
    ctx = await _context(db_session, request, who, event_id)
    lang = _lang(request)
    kinds = {k: i18n.t(lang, f"ex.give.kind.{k}") for k in GIVE_KINDS}
    return render(request, "exchange/floor/broker.html", give_kinds=kinds,
                  **ctx, **await _suggestions_ctx(db_session, request, event_id, pid))


@get("/broker/{pid:str}/suggestions")
async def broker_suggestions(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                             pid: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "broker")
    ctx = await _context(db_session, request, who, event_id)
    more = await _suggestions_ctx(db_session, request, event_id, pid)
    return render(request, "exchange/floor/_suggestions.html", **ctx, **more)


@post("/participants")
async def add_walk_in(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                      data: Form) -> Any:
    """A walk-in: the participant and, optionally, one offer or need, in one step."""
    who = await floor_principal(request, db_session, event_id, "broker")
    lang = _lang(request)
    try:
        p = await store.add_participant(db_session, who, event_id, {
            "name": data.get("name", "").strip(), "kind": data.get("kind", ""),
            "contact": data.get("contact", "").strip() or "-"})
        side = schema.entry_side(data.get("side", ""))
        if side is not None and data.get("title", "").strip():
            entry: dict[str, Any] = {"participant": p.id, "category": data.get("category", "hands"),
                                     "title": data["title"].strip(),
                                     "tags": [t.strip() for t in data.get("tags", "").split(",") if t.strip()]}
            await store.add_entry(db_session, who, event_id, side, entry)
    except Problem as exc:
        await db_session.rollback()
        ctx = await _context(db_session, request, who, event_id)
        parts = await store.participants(db_session, event_id)
        return render(request, "exchange/floor/broker_search.html", status_code=exc.status, q="",
                      found=parts[:60], more=0,
                      kinds=PARTICIPANT_KINDS, error=_problem_text(lang, exc), form=data, **ctx)
    await db_session.commit()
    live.publish(_channels(request), event_id, schema.CatalogueChanged(participant=p.id, at=store.now()))
    return _see(f"/events/{event_id}/floor/broker/{p.id}")


def _problem_text(lang: str, exc: Problem) -> str:
    said = i18n.t(lang, f"floor.problem.{exc.slug}")
    if said != f"floor.problem.{exc.slug}":
        return said
    if exc.errors:
        return "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors)
    return exc.detail


@post("/agreements")
async def register(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                   idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key", required=False)] = None,
                   ) -> Response[AgreementOut]:
    """The broker page's registration (JSON, as the API's, with the page's Idempotency-Key): a retry
    after a lost connection returns the first answer, never a twin. Refusals say why in the page's
    language (`detail`), with the API's `errors` beside."""
    who = await floor_principal(request, db_session, event_id, "broker")
    lang = _lang(request)
    try:
        raw = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise Problem(400, "the body is not JSON", slug="validation") from None
    try:
        a, body = await store.register_agreement(db_session, who, event_id, raw, request.app.state.exchange.rates,
                                                 idempotency_key=idempotency_key)
    except Problem as exc:
        if exc.slug == "not-trading":
            state = (await store.load_event(db_session, who, event_id)).state
            exc.detail = i18n.t(lang, "floor.not_trading", state=_state_text(lang, state))
        raise
    if a is not None:
        await db_session.commit()
        live.publish(_channels(request), event_id,
                     schema.AgreementRegistered(agreement=a, at=a.registered_at or store.now()))
    return Response(body, status_code=201)


# --- The notary -----------------------------------------------------------------------------------


async def _queue_ctx(session: DbSession, request: Request[Any, Any, Any], event_id: str) -> dict[str, Any]:
    rows = await store.agreement_rows(session, event_id)
    names = {p.id: p.name for p in await store.participants(session, event_id)}
    lang = "nb" if _lang(request) == "nb" else "en"
    waiting = [r for r in rows if r.confirmed_at is None]
    waiting.sort(key=lambda r: (r.registered_at, r.id), reverse=True)
    items = []
    for r in waiting:
        a = store.agreement_of(r)
        items.append({"id": r.id, "parties": [names.get(p, p) for p in a.parties],
                      "summary": i18n.give_summary(lang, a.parties, a.gives, names),
                      "broker": a.broker, "at": r.registered_at})
    return {"queue": items, "confirmed": len(rows) - len(waiting), "left": len(waiting)}


@get("/notary")
async def notary(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "notary")
    return render(request, "exchange/floor/notary.html", **await _context(db_session, request, who, event_id),
                  **await _queue_ctx(db_session, request, event_id))


@get("/notary/queue")
async def notary_queue(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "notary")
    return render(request, "exchange/floor/_queue.html", **await _context(db_session, request, who, event_id),
                  **await _queue_ctx(db_session, request, event_id))


@post("/notary/{agreement_id:str}/confirm")
async def confirm(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                  agreement_id: str) -> Any:
    who = await floor_principal(request, db_session, event_id, "notary")
    a = await store.confirm_agreement(db_session, who, event_id, agreement_id)
    await db_session.commit()
    live.publish(_channels(request), event_id, schema.AgreementConfirmed(
        agreement=agreement_id, confirmed_by=a.confirmed_by or "", at=a.confirmed_at or store.now()))
    if request.headers.get("x-floor") == "1":
        return render(request, "exchange/floor/_queue.html", **await _context(db_session, request, who, event_id),
                      **await _queue_ctx(db_session, request, event_id))
    return _see(f"/events/{event_id}/floor/notary")


# --- The børsgeneral ------------------------------------------------------------------------------


async def _general_ctx(session: DbSession, event_id: str) -> dict[str, Any]:
    history = await store.transitions(session, event_id)
    opened = lifecycle.time_of(history, "gong_open")
    closed = lifecycle.time_of(history, "gong_close")
    counts = (await store.agreement_counts(session, [event_id])).get(event_id, (0, 0))
    return {"opened_at": opened, "closed_at": closed, "agreements": counts[0], "confirmed": counts[1],
            "now": clock.now()}


@get("/general")
async def general(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "general")
    return render(request, "exchange/floor/general.html", **await _context(db_session, request, who, event_id),
                  **await _general_ctx(db_session, event_id))


@get("/general/status")
async def general_status(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "general")
    return render(request, "exchange/floor/_general_status.html", **await _context(db_session, request, who, event_id),
                  **await _general_ctx(db_session, event_id))


@post("/general/gong")
async def gong(request: Request[Any, Any, Any], db_session: DbSession, event_id: str, data: Form) -> Any:
    who = await floor_principal(request, db_session, event_id, "general")
    said = data.get("action")
    action: Literal["open", "close"] | None = "open" if said == "open" else "close" if said == "close" else None
    if action is None:
        raise Problem(400, "action: open or close", slug="validation",
                      errors=[fault("action", "not-one-of", value=said or "", allowed=["open", "close"])])
    try:
        _, record = await store.move(db_session, who, event_id, "gong_open" if action == "open" else "gong_close")
    except Problem as exc:
        await db_session.rollback()
        ctx = await _context(db_session, request, who, event_id)
        return render(request, "exchange/floor/general.html", status_code=exc.status, error=exc.detail, **ctx,
                      **await _general_ctx(db_session, event_id))
    await db_session.commit()
    live.publish(_channels(request), event_id,
                 schema.Gong(action=action, at=record.at, state=record.to_state))
    return _see(f"/events/{event_id}/floor/general")


def _floor_sign_in(request: Request[Any, Any, Any], exc: FloorSignInRequired) -> Response[Any] | Template:
    if request.method != "GET" or request.url.path.endswith(("/suggestions", "/queue", "/status", "/stream")):
        from service.problems import handle_problem

        return handle_problem(request, exc)
    return render(request, "exchange/floor/ended.html", status_code=401, reason="floor.session_ended")


def floor_router(extra: list[Any] | None = None) -> Router:
    return Router(
        path=BASE,
        route_handlers=[enter_form, enter, signout, home, stream, broker_search, broker_participant,
                        broker_suggestions, add_walk_in, register, notary, notary_queue, confirm, general,
                        general_status, gong, stand, stand_sign_up, *(extra or [])],
        exception_handlers={FloorSignInRequired: _floor_sign_in},
        include_in_schema=False,
    )


# --- The Frivilligtorg stand -----------------------------------------------------------------------


_activities = store.activity_choices


def _when(lang: str, slots: list[tuple[int, str, str]]) -> str:
    def hour(t: str) -> str:
        return t[:2].lstrip("0") or "0" if t.endswith(":00") else t

    parts = []
    for day, start, end in slots[:3]:
        name = i18n.weekday(lang, day)
        name = name + "er" if lang == "nb" else name + "s"
        parts.append(f"{name} {hour(start)}–{hour(end)}")
    return i18n.and_list(lang, parts) if parts else ""


@get("/stand")
async def stand(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    who = await floor_principal(request, db_session, event_id, "stand")
    return render(request, "exchange/floor/stand.html", activities=await _activities(db_session), form={},
                  **await _context(db_session, request, who, event_id))


WEEKDAYS = range(1, 8)


def _stand_body(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The form as the API's `EventVolunteerIn` body; problems name the field."""
    errors: list[dict[str, str]] = []

    def listed(name: str) -> list[str]:
        return [x.strip() for x in str(data.get(name, "")).split(",") if x.strip()]

    body: dict[str, Any] = {"name": str(data.get("name", "")).strip()}
    for field in ("phone", "email"):
        if str(data.get(field, "")).strip():
            body[field] = str(data[field]).strip()
    if str(data.get("birth_date", "")).strip():
        body["birth_date"] = str(data["birth_date"]).strip()
    acts = data.get("activities", [])
    body["activities"] = [acts] if isinstance(acts, str) else list(acts)
    body["interests"], body["languages"] = listed("interests"), listed("languages")
    days = data.get("days", [])
    days = [days] if isinstance(days, str) else list(days)
    start, end = str(data.get("from", "")).strip() or "09:00", str(data.get("to", "")).strip() or "21:00"
    weekdays = [forms.whole_number(d) for d in days]
    body["availability"] = [{"weekday": d, "start": start, "end": end} for d in weekdays if d is not None]
    if str(data.get("max_hours_per_week", "")).strip():
        try:
            body["max_hours_per_week"] = float(str(data["max_hours_per_week"]).replace(",", "."))
        except ValueError:
            errors.append(fault("max_hours_per_week", "not-a-number"))
    if not body["name"]:
        errors.append(fault("name", "required"))
    return body, errors


@post("/stand", opt=OWN_CHECK)
async def stand_sign_up(request: Request[Any, Any, Any], db_session: DbSession, event_id: str) -> Template:
    """Sign up a volunteer (onboarding pending) and answer at once with where they could help."""
    from service.exchange.api import EventVolunteerIn, sign_up_volunteer
    from service.exchange.stand import places_for
    from service.notify.outbox import enqueue

    who = await floor_principal(request, db_session, event_id, "stand")
    lang = _lang(request)
    form = await request.form()
    data = {k: (form.getall(k) if k in ("activities", "days") else form.get(k)) for k in form}
    body, errors = _stand_body(data)
    ctx = await _context(db_session, request, who, event_id)
    activities = await _activities(db_session)
    if not errors:
        try:
            created = await sign_up_volunteer(db_session, who, event_id, msgspec.convert(body, EventVolunteerIn),
                                              request.url.path)
        except (Problem, msgspec.ValidationError) as exc:
            await db_session.rollback()
            errors = (exc.errors or [fault("", "refused", detail=exc.detail)]) if isinstance(exc, Problem) else [
                edge_error("", str(exc))]
    if errors:
        # each problem beside its field, in the page's language; the ticked boxes and times come back too
        shown = forms.field_errors(lang, Problem(422, "invalid", errors=errors))
        return render(request, "exchange/floor/stand.html", status_code=422, activities=activities, form=data,
                      errors=shown, **ctx)
    settings = request.app.state.settings
    answer = await places_for(db_session, created.id, settings.default_horizon_days)
    lines = [i18n.t(lang, "floor.stand.place", activity=p.activity.lower(), site=p.site, when=_when(lang, p.slots))
             .strip() for p in answer.places]
    receipt = False
    if body.get("email"):
        words = {"name": body["name"], "event": ctx["event"].name,
                 "places": "\n".join(f"- {line}" for line in lines) or i18n.t(lang, "floor.stand.none")}
        await enqueue(db_session, body["email"], "stand_receipt", words, lang=lang,
                      key=f"stand-receipt:{created.id}", volunteer_id=created.id,
                      subject=i18n.t(lang, "mail.stand_receipt.subject", **words),
                      body=i18n.t(lang, "mail.stand_receipt.body", **words))
        receipt = True
    await db_session.commit()
    return render(request, "exchange/floor/stand.html", activities=activities, form={}, created=created,
                  lines=lines, places=answer.places, millis=answer.millis, receipt=receipt, **ctx)
