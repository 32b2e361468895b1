"""The coordinator's pages for an exchange event: create it, participants and the catalogue (by hand
or from CSV), the speed-meeting plan, floor sign-in links with QR codes, name badges, and after the
gong the follow-up overview with reminders through the notification outbox.

Behind the coordinator's web sign-in (the same dependency as service/web/pages.py); every rule is in
`store`, `events/` and `floor_auth`. Form posts answer with a redirect (post/redirect/get).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Request, Router, get, post
from litestar.channels import ChannelsPlugin
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from events import lifecycle, schema
from events.csv_import import CsvProblem, parse_catalogue, parse_participants
from events.suggestions import suggest_meetings
from service import clock
from service.auth import Principal
from service.exchange import floor_auth, live, store
from service.exchange.chart import bar_chart
from service.problems import Problem, fault
from service.register.common import DbSession
from service.web import forms, i18n
from service.web.i18n import N_
from service.web.pages import flash, lang_of, page, problem_text, provide_viewer, redirect

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

RUNTIME_KEYS = (
    N_("mail.follow_up_reminder.subject"), N_("mail.follow_up_reminder.body"),
    N_("setup.action.open_catalogue"), N_("setup.action.gong_open"), N_("setup.action.gong_close"),
    N_("setup.action.start_follow_up"), N_("setup.action.archive"),
    N_("setup.floor.status.unused"), N_("setup.floor.status.used"), N_("setup.floor.status.revoked"),
    # CSV problems: `exchange.csv.<code>` for every code of events/csv_import.py, the place, the
    # column names and the sectors' input words (tests/service/events/test_csv_problems.py keeps it complete)
    N_("exchange.csv.place.line"), N_("exchange.csv.place.column"), N_("exchange.csv.empty-file"),
    N_("exchange.csv.unknown-column"), N_("exchange.csv.too-many-fields"), N_("exchange.csv.required"),
    N_("exchange.csv.required.contact"), N_("exchange.csv.unknown-kind"), N_("exchange.csv.id-taken"),
    N_("exchange.csv.duplicate-id"), N_("exchange.csv.unknown-side"), N_("exchange.csv.unknown-participant"),
    N_("exchange.csv.unknown-category"), N_("exchange.csv.not-a-number"), N_("exchange.csv.hours-and-items"),
    N_("exchange.csv.money"), N_("exchange.csv.invalid-value"), N_("exchange.csv.invalid-value.column"),
    N_("exchange.csv.field.id"), N_("exchange.csv.field.name"), N_("exchange.csv.field.kind"),
    N_("exchange.csv.field.contact"), N_("exchange.csv.field.description"), N_("exchange.csv.field.side"),
    N_("exchange.csv.field.participant"), N_("exchange.csv.field.category"), N_("exchange.csv.field.title"),
    N_("exchange.csv.field.tags"), N_("exchange.csv.field.hours"), N_("exchange.csv.field.items"),
    N_("exchange.csv.kind.organisation"), N_("exchange.csv.kind.business"), N_("exchange.csv.kind.public"),
    N_("exchange.csv.kind.individual"),
)


def csv_problem_text(lang: str, problem: CsvProblem) -> str:
    """A CSV problem in the page's language, from its code and data (never from the English sentence)."""
    data: dict[str, Any] = dict(problem.data)
    if problem.code == "unknown-kind":
        data["allowed"] = ", ".join(i18n.t(lang, f"exchange.csv.kind.{k}") for k in problem.data["allowed"])
    elif problem.code == "unknown-category":
        data["allowed"] = ", ".join(i18n.t(lang, f"ex.category.{c}").lower() for c in problem.data["allowed"])
    else:
        data = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in data.items()}
    where = "column" if problem.code == "unknown-column" else "line"
    place = i18n.t(lang, f"exchange.csv.place.{where}", line=problem.line, position=data.get("position", ""))
    if problem.field:
        place = f"{place}, {i18n.t(lang, f'exchange.csv.field.{problem.field}')}"
    code = "required.contact" if problem.code == "required" and problem.field == "contact" else problem.code
    if code == "invalid-value" and problem.field:  # the column is named: the decoder's English stays out
        code = "invalid-value.column"
    return f"{place}: {i18n.t(lang, f'exchange.csv.{code}', **data)}"


def _channels(request: Request[Any, Any, Any]) -> ChannelsPlugin:
    return request.app.plugins.get(ChannelsPlugin)


def _back(event_id: str, anchor: str = "") -> Redirect:
    return redirect(f"/events/{event_id}/setup{anchor}")


@get("/events")
async def events_index(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal) -> Template:
    return page(request, "exchange/setup/events.html", events=await store.list_events(db_session, viewer))


@post("/events")
async def events_create(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                        data: Form) -> Template | Redirect:
    doc: dict[str, Any] = {"name": data.get("name", "").strip(), "venue": data.get("venue", "").strip(),
                           "description": data.get("description", "").strip()}
    problems = [fault(field, "required") for field in ("name", "venue") if not doc[field]]
    try:
        when = dt.datetime.fromisoformat(data.get("starts_at", ""))
        doc["starts_at"] = (when if when.tzinfo else when.replace(tzinfo=clock.OSLO)).isoformat()
        if not clock.within_a_century(when.date()):  # as the API's JSON edge (api/hygiene.py)
            problems.append(fault("starts_at", "far-date", date=when.date().isoformat()))
    except ValueError:
        problems.append(fault("starts_at", "not-a-datetime"))
    for field in ("trading_minutes", "rounds", "tables"):
        raw = data.get(field, "").strip()
        if raw:
            whole = forms.whole_number(raw)
            if whole is not None:
                doc[field] = whole
            else:
                problems.append(fault(field, "not-whole"))
    # said beside each field, in the page's language (forms.field_errors), as the register's forms do
    lang = lang_of(request)
    errors = forms.field_errors(lang, Problem(422, "invalid", errors=problems)) if problems else {}
    if not problems:
        try:
            async with db_session.begin_nested():
                created = await store.create_event(db_session, viewer, doc)
            return _back(created.id)
        except Problem as exc:
            errors = forms.field_errors(lang, exc)
    return page(request, "exchange/setup/events.html", status_code=422, errors=errors, form=data,
                events=await store.list_events(db_session, viewer))


async def _setup_ctx(session: DbSession, viewer: Principal, event_id: str) -> dict[str, Any]:
    row = await store.load_event(session, viewer, event_id)
    parts, offers, needs = await store.catalogue_parts(session, event_id)
    counts = (await store.agreement_counts(session, [event_id])).get(event_id, (0, 0))
    return {"event": store.event_of(row), "event_id": event_id, "row": row, "state": row.state,
            "allowed": lifecycle.allowed_actions(row.state),
            "participants": parts, "offers": offers, "needs": needs, "names": {p.id: p.name for p in parts},
            "links": await floor_auth.list_links(session, viewer, event_id), "agreements": counts[0],
            "confirmed": counts[1], "suggestions": row.suggestions, "roles": floor_auth.FLOOR_ROLES,
            "kinds": schema.PARTICIPANT_KINDS, "categories": schema.CATEGORIES}


@get("/events/{event_id:str}/setup")
async def setup_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                     event_id: str) -> Template:
    return page(request, "exchange/setup/event.html", **await _setup_ctx(db_session, viewer, event_id))


async def _publish_catalogue(request: Request[Any, Any, Any], db_session: DbSession, event_id: str,
                             participant: str) -> None:
    await db_session.commit()
    live.publish(_channels(request), event_id, schema.CatalogueChanged(participant=participant, at=store.now()))


@post("/events/{event_id:str}/setup/participant")
async def add_participant(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                          event_id: str, data: Form) -> Redirect:
    try:
        p = await store.add_participant(db_session, viewer, event_id, {
            "name": data.get("name", "").strip(), "kind": data.get("kind", ""),
            "contact": data.get("contact", "").strip(),
            "description": data.get("description", "").strip()})
    except Problem as exc:
        await db_session.rollback()
        flash(request, "error", problem_text(lang_of(request), exc))
        return _back(event_id, "#participants")
    await _publish_catalogue(request, db_session, event_id, p.id)
    return _back(event_id, "#participants")


@post("/events/{event_id:str}/setup/entry")
async def add_entry(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, event_id: str,
                    data: Form) -> Redirect:
    side = schema.entry_side(data.get("side", ""))
    doc: dict[str, Any] = {"participant": data.get("participant", ""), "category": data.get("category", ""),
                           "title": data.get("title", "").strip(), "description": data.get("description", "").strip(),
                           "tags": [t.strip() for t in data.get("tags", "").split(",") if t.strip()]}
    unit, amount = data.get("unit", "hours"), data.get("amount", "").strip().replace(",", ".")
    try:
        if side is None:
            raise Problem(422, "side: offer or need", slug="validation",
                          errors=[fault("side", "not-one-of", value=data.get("side", ""), allowed=["offer", "need"])])
        if amount:
            doc["amount"] = {unit: _amount(amount, unit)}
        await store.add_entry(db_session, viewer, event_id, side, doc)
    except Problem as exc:
        await db_session.rollback()
        lang = lang_of(request)
        said = [f"{i18n.t(lang, 'floor.agreement.amount')}: {text}" if name == "amount" else text
                for name, text in forms.field_errors(lang, exc).items()] if exc.errors else [problem_text(lang, exc)]
        flash(request, "error", " ".join(said))
        return _back(event_id, "#catalogue")
    await _publish_catalogue(request, db_session, event_id, doc["participant"])
    return _back(event_id, "#catalogue")


def _amount(typed: str, unit: str) -> float | int:
    """The catalogue entry's amount as typed ("2,5" is 2.5): a finite number, whole for items; else 422."""
    try:
        value = float(typed)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Problem(422, f"amount: {typed!r} is not a number", slug="validation",
                      errors=[fault("amount", "not-a-number")])
    if unit != "items":
        return value
    if not value.is_integer():
        raise Problem(422, f"amount: {typed!r} is not a whole number", slug="validation",
                      errors=[fault("amount", "not-whole")])
    return int(value)


@post("/events/{event_id:str}/setup/import")
async def import_csv(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                     event_id: str) -> Template | Redirect:
    """All lines or none: every problem is listed by line and column, and nothing is stored."""
    data = await request.form()
    what = str(data.get("what", ""))
    upload = data.get("file")
    text = str(data.get("text", "") or "")
    if isinstance(upload, UploadFile):
        raw = await upload.read()
        if raw:
            text = raw.decode("utf-8-sig", errors="replace")
    existing = await store.participants(db_session, event_id)
    problems: list[CsvProblem]
    if what == "participants":
        rows, problems = parse_participants(text, {p.id for p in existing})
        todo: list[tuple[Literal["participant"] | schema.EntrySide, dict[str, Any], int]] = [
            ("participant", r, i + 2) for i, r in enumerate(rows)]
    else:
        entries, problems = parse_catalogue(text, {p.id: p.name for p in existing})
        todo = [(e.side, e.doc, e.line) for e in entries]
    lang = lang_of(request)
    texts = [csv_problem_text(lang, p) for p in problems]
    if not problems:
        line = 0
        try:
            async with db_session.begin_nested():  # one savepoint: nothing half-imported
                for kind, doc, line in todo:  # noqa: B007 - `line` names the failing row below
                    if kind == "participant":
                        await store.add_participant(db_session, viewer, event_id, doc)
                    else:
                        await store.add_entry(db_session, viewer, event_id, kind, doc)
        except Problem as exc:
            texts.append(f"{i18n.t(lang, 'exchange.csv.place.line', line=line)}: {problem_text(lang, exc)}")
    if texts:
        ctx = await _setup_ctx(db_session, viewer, event_id)
        return page(request, "exchange/setup/event.html", status_code=422, import_problems=texts,
                    import_what=what, import_text=text, **ctx)
    await _publish_catalogue(request, db_session, event_id, "*")
    flash(request, "ok", i18n.t(lang, "setup.imported", n=len(todo)))
    return _back(event_id, "#import")


@post("/events/{event_id:str}/setup/state")
async def move(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, event_id: str,
               data: Form) -> Redirect:
    action = data.get("action", "")
    try:
        _, record = await store.move(db_session, viewer, event_id, action)
    except Problem as exc:
        await db_session.rollback()
        flash(request, "error", problem_text(lang_of(request), exc))
        return _back(event_id)
    await db_session.commit()
    message: schema.LiveMessage = (schema.Gong(action="open" if action == "gong_open" else "close", at=record.at,
                                               state=record.to_state)
                                   if action.startswith("gong_") else
                                   schema.StateChanged(state=record.to_state, at=record.at))
    live.publish(_channels(request), event_id, message)
    return _back(event_id)


@post("/events/{event_id:str}/setup/suggestions")
async def run_suggestions(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                          event_id: str) -> Redirect:
    row = await store.load_event(db_session, viewer, event_id)
    parts, offers, needs = await store.catalogue_parts(db_session, event_id)
    result = await anyio.to_thread.run_sync(suggest_meetings, store.event_of(row), parts, offers, needs, None)
    row = await store.load_event(db_session, viewer, event_id, lock="update")
    store.save_suggestions(row, result)
    return _back(event_id, "#meetings")


@get("/events/{event_id:str}/setup/schedule")
async def schedule(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                   event_id: str) -> Template:
    ctx = await _setup_ctx(db_session, viewer, event_id)
    meetings = (ctx["suggestions"] or {}).get("schedule") or []
    rounds: dict[int, list[dict[str, Any]]] = {}
    for m in meetings:
        rounds.setdefault(int(m["round"]), []).append(m)
    return page(request, "exchange/setup/schedule.html", rounds=sorted(rounds.items()), **ctx)


@post("/events/{event_id:str}/setup/links")
async def make_link(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, event_id: str,
                    data: Form) -> Template | Redirect:
    try:
        link = await floor_auth.create_link(db_session, viewer, event_id, data.get("role", ""), data.get("name", ""),
                                            str(request.base_url))
    except Problem as exc:
        flash(request, "error", problem_text(lang_of(request), exc))
        return _back(event_id, "#floor")
    await db_session.commit()
    ctx = await _setup_ctx(db_session, viewer, event_id)
    # The link is shown once, here: it is stored only as a hash.
    return page(request, "exchange/setup/event.html", new_link=link, new_qr=floor_auth.qr_svg(link.url, scale=5),
                **ctx)


@post("/events/{event_id:str}/setup/links/{link_id:str}/revoke")
async def revoke(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, event_id: str,
                 link_id: str) -> Redirect:
    await floor_auth.revoke_link(db_session, viewer, event_id, link_id)
    return _back(event_id, "#floor")


@get("/events/{event_id:str}/setup/badges")
async def badges(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                 event_id: str) -> Template:
    """Name badges to print: each QR code opens that participant on a broker's tablet."""
    ctx = await _setup_ctx(db_session, viewer, event_id)
    base = str(request.base_url).rstrip("/")
    cards = [{"p": p, "qr": floor_auth.qr_svg(f"{base}/events/{event_id}/floor/broker/{p.id}", scale=3)}
             for p in ctx["participants"]]
    return page(request, "exchange/setup/badges.html", cards=cards, **ctx)


# --- After the gong -------------------------------------------------------------------------------


def _email(contact: str) -> str | None:
    words = [w.strip(" ,;<>()") for w in contact.split()]
    return next((w for w in words if "@" in w and "." in w.split("@")[-1]), None)


@get("/events/{event_id:str}/setup/follow-up")
async def follow_up(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal,
                    event_id: str) -> Template:
    row = await store.load_event(db_session, viewer, event_id)
    r = await store.build_report(db_session, row, request.app.state.exchange.rates)
    rows = {a.id: a for a in await store.agreement_rows(db_session, event_id)}
    parts = {p.id: p for p in await store.participants(db_session, event_id)}
    overdue = {o.agreement for o in r.overdue}
    lang = lang_of(request)
    items = []
    for line in r.rows:
        a = store.agreement_of(rows[line.agreement])
        items.append({"id": line.agreement, "parties": line.parties, "status": line.follow_up,
                      "overdue": line.agreement in overdue,
                      "reachable": [parts[p].name for p in a.parties if p in parts and _email(parts[p].contact)]})
    chart = bar_chart([(i18n.t(lang, f"ex.status.{k}"), n) for k, n in r.by_status.items()],
                      title=i18n.t(lang, "setup.follow_up.chart"))
    return page(request, "exchange/setup/follow_up.html", event=store.event_of(row), event_id=event_id,
                state=row.state, r=r, items=items, chart=chart, screen_key=row.screen_key)


@post("/events/{event_id:str}/setup/follow-up/{agreement_id:str}/remind")
async def remind(request: Request[Any, Any, Any], db_session: DbSession, viewer: Principal, event_id: str,
                 agreement_id: str) -> Redirect:
    """A reminder to each party with an e-mail address, with the agreement's own follow-up link, through
    the outbox (at most one a day per party and agreement)."""
    from service.notify.outbox import enqueue

    row = await store.get_agreement(db_session, viewer, event_id, agreement_id)
    event = store.event_of(await store.load_event(db_session, viewer, event_id))
    a = store.agreement_of(row)
    parts = {p.id: p for p in await store.participants(db_session, event_id)}
    lang = lang_of(request)
    if not row.follow_up_key:
        flash(request, "error", i18n.t(lang, "setup.follow_up.no_link"))
        return redirect(f"/events/{event_id}/setup/follow-up")
    url = f"{str(request.base_url).rstrip('/')}/events/{event_id}/agreements/{row.id}/follow-up?key={row.follow_up_key}"
    names = {pid: p.name for pid, p in parts.items()}
    sent = 0
    for pid in a.parties:
        address = _email(parts[pid].contact) if pid in parts else None
        if address is None:
            continue
        other = names.get(a.parties[1] if pid == a.parties[0] else a.parties[0], "")
        words = {"name": names.get(pid, ""), "other": other, "event": event.name, "url": url,
                 "title": a.title or i18n.t(lang, "setup.follow_up.untitled")}
        if await enqueue(db_session, address, "follow_up_reminder", words, lang=lang,
                         key=f"event-reminder:{row.id}:{pid}:{clock.today().isoformat()}",
                         subject=i18n.t(lang, "mail.follow_up_reminder.subject", **words),
                         body=i18n.t(lang, "mail.follow_up_reminder.body", **words)):
            sent += 1
    flash(request, "ok" if sent else "error", i18n.t(lang, "setup.follow_up.reminded", n=sent))
    return redirect(f"/events/{event_id}/setup/follow-up")


def setup_router() -> Router:
    from service.web.pages import web_router

    handlers = web_router().exception_handlers
    return Router(
        path="/",
        route_handlers=[events_index, events_create, setup_page, add_participant, add_entry, import_csv, move,
                        run_suggestions, schedule, make_link, revoke, badges, follow_up, remind],
        dependencies={"viewer": Provide(provide_viewer)},
        exception_handlers=handlers,
        include_in_schema=False,
    )
