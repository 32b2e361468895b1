"""Server-rendered pages: the big screen (storskjerm), the printable catalogue and report.

Browsers cannot send a bearer token when they open a page or an EventSource, so these take
the event's read-only screen key (`?key=…`, shown to the coordinator and the event's brokers
in `GET /api/v1/events/{id}`); it opens the board, the catalogue and the report of that one
event and nothing else. Jinja is used directly (not the app's TemplateConfig) so this package
stays self-contained beside other page packages.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

import jinja2
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from events.schema import CATEGORY_LABELS
from events.valuation import ESTIMATE_LABEL_NB
from service.db.models import EventAgreementRow, ExchangeEventRow
from service.exchange import live, store
from service.problems import Problem, not_found

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)

STATE_NB = {"draft": "Utkast", "catalogue_open": "Katalogen er åpen", "trading": "Børsen er åpen",
            "closed": "Børsen er stengt", "follow_up": "Oppfølging", "archived": "Arkivert"}
STATUS_NB = {"carried_out": "Gjennomført", "in_progress": "Pågår", "not_carried_out": "Ikke gjennomført",
             "no_report": "Ikke rapportert"}
KIND_NB = {"organisation": "frivillig organisasjon", "business": "næringsliv", "public": "offentlig",
           "individual": "privatperson"}


def _html(template: str, **ctx: Any) -> Response[str]:
    return Response(_env.get_template(template).render(**ctx), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def _event(session: AsyncSession, event_id: str, key: str | None) -> ExchangeEventRow:
    row = await session.get(ExchangeEventRow, event_id)
    # Same answer for a wrong key and an unknown event: the page does not tell which events exist.
    if row is None or not key or not hmac.compare_digest(row.screen_key, key):
        raise not_found("event", event_id)
    return row


def _pair_nb(pair: str) -> str:
    return " – ".join(KIND_NB.get(k, k) for k in pair.split("–"))


def _nok(n: int) -> str:
    return f"{n:,}".replace(",", " ")


@get("/events/{event_id:str}/board", include_in_schema=False)
async def board_page(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> Response[str]:
    async with request.app.state.read_sessionmaker() as session, session.begin():
        row = await _event(session, event_id, key)
        snap = await store.board(session, event_id, request.app.state.exchange.rates)
        event = store.event_of(row)
    return _html("board.html", event=event, state=STATE_NB[row.state], board=snap, key=key,
                 labels=CATEGORY_LABELS["nb"], estimate=ESTIMATE_LABEL_NB, nok=_nok)


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
        sections = report.catalogue(*await store.catalogue_parts(session, event_id), "nb")
    return _html("catalogue.html", event=store.event_of(row), sections=sections, kinds=KIND_NB)


@get("/events/{event_id:str}/report", include_in_schema=False)
async def report_page(request: Request[Any, Any, Any], event_id: str, key: str | None = None) -> Response[str]:
    async with request.app.state.read_sessionmaker() as session, session.begin():
        row = await _event(session, event_id, key)
        r = await store.build_report(session, row, request.app.state.exchange.rates)
    return _html("report.html", event=store.event_of(row), state=STATE_NB[row.state], r=r,
                 labels=CATEGORY_LABELS["nb"], statuses=STATUS_NB, estimate=ESTIMATE_LABEL_NB, nok=_nok,
                 pair_nb=_pair_nb)


async def _agreement(session: AsyncSession, event_id: str, agreement_id: str,
                     key: str | None) -> tuple[ExchangeEventRow, EventAgreementRow]:
    row = await session.get(EventAgreementRow, agreement_id)
    event = await session.get(ExchangeEventRow, event_id)
    if (row is None or event is None or row.event_id != event_id or not row.follow_up_key or not key
            or not hmac.compare_digest(row.follow_up_key, key)):
        raise not_found("agreement", agreement_id)
    return event, row


async def _follow_up_context(session: AsyncSession, event: ExchangeEventRow, row: EventAgreementRow) -> dict[str, Any]:
    from events.board import summarise

    a = store.agreement_of(row)
    names = {p.id: p.name for p in await store.participants(session, event.id)}
    reports = [f for f in await store.follow_ups(session, event.id) if f.agreement == row.id]
    return {"event": store.event_of(event), "state": event.state, "agreement": a, "names": names,
            "summary": summarise(a, names, "nb"), "reports": reports, "statuses": STATUS_NB,
            "open": event.state in store.FOLLOW_UP_STATES}


@get("/events/{event_id:str}/agreements/{agreement_id:str}/follow-up", include_in_schema=False)
async def follow_up_page(request: Request[Any, Any, Any], event_id: str, agreement_id: str,
                         key: str | None = None) -> Response[str]:
    """The parties' own follow-up form: the link is sent to them after the event."""
    async with request.app.state.read_sessionmaker() as session, session.begin():
        event, row = await _agreement(session, event_id, agreement_id, key)
        ctx = await _follow_up_context(session, event, row)
    return _html("follow_up.html", key=key, saved=False, error=None, **ctx)


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
        ctx = await _follow_up_context(session, event, row)
    return _html("follow_up.html", key=key, saved=error is None, error=error, **ctx)


PAGES = [board_page, board_page_stream, catalogue_page, report_page, follow_up_page, follow_up_submit]
