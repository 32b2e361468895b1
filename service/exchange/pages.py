"""Server-rendered pages: the big screen (storskjerm), the printable catalogue and report.

Browsers cannot send a bearer token when they open a page or an EventSource, so these take
the event's read-only screen key (`?key=…`, shown to the coordinator and the event's brokers
in `GET /api/v1/events/{id}`); it opens the board, the catalogue and the report of that one
event and nothing else. The pages share the coordinator pages' Jinja environment and
message catalogue (service/web/templating.py, service/locale/): Bokmål by default, English
when the reader chose it (the language cookie) or asks with `?lang=en`.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import ServerSentEvent

from events.schema import CATEGORIES, EventState
from service.exchange import live, store
from service.exchange.chart import bar_chart
from service.problems import Problem
from service.register.common import DbSession
from service.web import i18n, templating


def _lang(request: Request[Any, Any, Any]) -> i18n.Lang:
    return i18n.pick_lang(request.query_params.get("lang") or request.cookies.get(i18n.LANG_COOKIE))


def _html(request: Request[Any, Any, Any], template: str, **ctx: Any) -> Response[str]:
    html = templating.render(f"exchange/{template}", _lang(request), request=request, **ctx)
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


_event = store.event_by_screen_key


@get("/events/{event_id:str}/board", include_in_schema=False)
async def board_page(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> Response[str]:
    async with request.app.state.read_sessionmaker() as session, session.begin():
        row = await _event(session, event_id, key)
        snap = await store.board(session, event_id, request.app.state.exchange.rates)
        event = store.event_of(row)
    lang = _lang(request)
    # The page's script re-renders the board from the stream: it gets the words it needs.
    words = {"live": i18n.t(lang, "ex.board.live"), "reconnecting": i18n.t(lang, "ex.board.reconnecting"),
             "ended": i18n.t(lang, "ex.board.ended"), "nok": i18n.t(lang, "ex.nok")}
    return _html(request, "board.html", event=event, state=row.state, board=snap, key=key, words=words,
                 labels={c: i18n.t(lang, f"ex.category.{c}") for c in CATEGORIES},
                 states={s: i18n.t(lang, f"ex.state.{s}") for s in get_args(EventState)})


@get("/events/{event_id:str}/board/stream", include_in_schema=False)
async def board_page_stream(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> ServerSentEvent:
    async with request.app.state.read_sessionmaker() as session, session.begin():
        await _event(session, event_id, key)
    return await live.board_stream(request.app.state.board_hub, event_id)


@get("/events/{event_id:str}/catalogue", include_in_schema=False)
async def catalogue_page(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> Response[str]:
    from events import report

    async with request.app.state.read_sessionmaker() as session, session.begin():
        row = await _event(session, event_id, key)
        sections = report.catalogue(*await store.catalogue_parts(session, event_id), i18n.report_words(_lang(request)))
    return _html(request, "catalogue.html", event=store.event_of(row), sections=sections)


@get("/events/{event_id:str}/report", include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> Response[str]:
    async with request.app.state.read_sessionmaker() as session, session.begin():
        row = await _event(session, event_id, key)
        r = await store.build_report(session, row, request.app.state.exchange.rates)
    lang = _lang(request)
    kinds = {k: i18n.t(lang, f"ex.kind.{k}") for k in ("organisation", "business", "public", "individual")}
    charts = {
        "category": bar_chart([(i18n.t(lang, f"ex.category.{c}"), n) for c, n in r.by_category.items()],
                              title=i18n.t(lang, "ex.report.chart_category")),
        "pairs": bar_chart([(" – ".join(kinds.get(k, k) for k in pair.split("–")), n)
                            for pair, n in sorted(r.by_sector_pair.items(), key=lambda kv: -kv[1])],
                           title=i18n.t(lang, "ex.report.chart_pairs"), label_width=340),
    }
    return _html(request, "report.html", event=store.event_of(row), state=row.state, r=r, charts=charts)


_agreement = store.agreement_by_follow_up_key


async def _follow_up_context(session: DbSession, event: store.EventRecord, row: store.AgreementRecord,
                             lang: str) -> dict[str, Any]:

    a = store.agreement_of(row)
    names = {p.id: p.name for p in await store.participants(session, event.id)}
    reports = [f for f in await store.follow_ups(session, event.id) if f.agreement == row.id]
    return {"event": store.event_of(event), "state": event.state, "agreement": a, "names": names,
            "summary": i18n.give_summary(lang, a.parties, a.gives, names), "reports": reports,
            "parties": [names.get(p, p) for p in a.parties],
            "open": event.state in store.FOLLOW_UP_STATES}


@get("/events/{event_id:str}/agreements/{agreement_id:str}/follow-up", include_in_schema=False)
async def follow_up_page(request: Request[Any, Any, Any], event_id: str, agreement_id: str,
                         key: str | None = None) -> Response[str]:
    """The parties' own follow-up form: the link is sent to them after the event."""
    async with request.app.state.read_sessionmaker() as session, session.begin():
        event, row = await _agreement(session, event_id, agreement_id, key)
        ctx = await _follow_up_context(session, event, row, _lang(request))
    return _html(request, "follow_up.html", key=key, saved=False, error=None, **ctx)


@post("/events/{event_id:str}/agreements/{agreement_id:str}/follow-up", include_in_schema=False, status_code=200)
async def follow_up_submit(
    request: Request[Any, Any, Any], event_id: str, agreement_id: str,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)], key: str | None = None,
) -> Response[str]:
    async with request.app.state.sessionmaker() as session, session.begin():
        event, row = await _agreement(session, event_id, agreement_id, key)
        error = None
        try:
            await store.record_follow_up(session, event, row, {
                "status": data.get("status", ""), "reported_by": data.get("reported_by", ""),
                "note": data.get("note", "")[:4000]})
        except Problem as exc:
            error = exc.detail
        ctx = await _follow_up_context(session, event, row, _lang(request))
    return _html(request, "follow_up.html", key=key, saved=error is None, error=error, **ctx)


PAGES = [board_page, board_page_stream, catalogue_page, report_page, follow_up_page, follow_up_submit]
