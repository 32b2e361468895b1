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
from typing import Any

import jinja2
from litestar import Request, Response, get
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from events.schema import CATEGORY_LABELS
from events.valuation import ESTIMATE_LABEL_NB
from service.db.models import ExchangeEventRow
from service.exchange import live, store
from service.problems import not_found

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


PAGES = [board_page, board_page_stream, catalogue_page, report_page]
