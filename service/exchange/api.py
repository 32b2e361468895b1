"""`/api/v1/events`: the exchange event (Frivilligbørs) — thin handlers over `service.exchange.store`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.channels import ChannelsPlugin
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from events import report, schema
from events.report import CatalogueSection, EventReport
from events.schema import FollowUp, Need, Offer, Participant
from events.suggestions import SuggestionSettings, suggest_meetings
from service.api.deps import PROBLEMS, principal
from service.auth import Principal
from service.db.models import EventParticipantRow
from service.exchange import floor_auth, live, store
from service.exchange.schemas import (
    AgreementOut,
    EventIn,
    EventOut,
    FloorLinkOut,
    FollowUpIn,
    NewFloorLinkOut,
    ParticipantIn,
    SignedUpOut,
    SignUpOut,
    SuggestionsOut,
)
from service.exchange.settings import ExchangeSettings
from service.problems import Problem, fault, invalid, not_found
from service.register import volunteers as volunteer_register
from service.web import i18n

Lang = Literal["en", "nb"]


def _xs(request: Request[Any, Any, Any]) -> ExchangeSettings:
    xs = request.app.state.exchange
    if not isinstance(xs, ExchangeSettings):  # app.state is untyped: set once in create_app()
        raise TypeError("app.state.exchange is not ExchangeSettings")
    return xs


def _channels(request: Request[Any, Any, Any]) -> ChannelsPlugin:
    return request.app.plugins.get(ChannelsPlugin)


def _csv(text: str, filename: str) -> Response[str]:
    # Headers are Latin-1: an id outside it went out raw and was a 500. An ASCII name plus RFC 6266's
    # UTF-8 `filename*` for the real one.
    plain = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"{plain}\"; "
                                                    f"filename*=UTF-8''{quote(filename, safe='')}"})


async def _catalogue_changed(request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                             participant: str) -> None:
    """Committed first, then told to the floor: brokers' suggestions re-read the catalogue."""
    await db_session.commit()
    live.publish(_channels(request), event_id, schema.CatalogueChanged(participant=participant, at=store.now()))


class FloorLinkIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A one-time sign-in link for the floor: `broker`, `notary`, `general` (børsgeneral) or `stand`."""

    role: Literal["broker", "notary", "general", "stand"]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class StateRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A lifecycle move other than the gong: `open_catalogue`, `start_follow_up` or `archive`."""

    action: Literal["open_catalogue", "start_follow_up", "archive"]


class EventVolunteerIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Someone who signs up at the Frivilligtorg: what matching needs, nothing verified yet (the
    agreement, declaration, trainings and police certificate are recorded later by the coordinator)."""

    name: str
    phone: str | None = None
    email: str | None = None
    birth_date: dt.date | None = None
    activities: list[str] = msgspec.field(default_factory=list)
    interests: list[str] = msgspec.field(default_factory=list)
    languages: list[str] = msgspec.field(default_factory=list)
    availability: list[dict[str, Any]] = msgspec.field(default_factory=list)
    max_hours_per_week: float | None = None
    max_assignments: int = 1
    participant: str | None = None
    """The event participant (kind individual) this person is, if registered as one."""


async def sign_up_volunteer(session: AsyncSession, who: Principal, event_id: str, data: EventVolunteerIn,
                            path: str) -> SignUpOut:
    """The Frivilligtorg sign-up, shared by the API and the stand's page: a volunteer in the
    register through the register's own service (same validation, audit-logged), onboarding pending."""
    store.require_role(who, "broker", "stand")
    row = await store.load_event(session, who, event_id, lock="share")
    if row.state == "archived":
        raise Problem(409, "the event is archived", slug="event-state")
    doc = {k: v for k, v in msgspec.to_builtins(data).items() if k != "participant" and v is not None}
    if data.participant is not None:
        part = await session.get(EventParticipantRow, (event_id, data.participant))
        if part is None:
            raise invalid([fault("participant", "not-a-participant-here", value=data.participant)])
    # The register's answer as a document, whichever type it is returned as.
    created = msgspec.to_builtins(await volunteer_register.register_volunteer(session, who, doc, path))
    out = msgspec.convert({**created, "event": event_id, "onboarding": "pending",
                           "pending": ["agreement_signed", "confidentiality_signed"]}, SignUpOut)
    await store.signed_up(session, event_id, out.id, data.participant)
    return out


class EventController(Controller):
    path = "/api/v1/events"
    tags = ("exchange event",)

    # --- the event and its state ------------------------------------------------------------

    @post("/", summary="Create an exchange event (coordinator)", status_code=201, responses=PROBLEMS)
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: EventIn) -> EventOut:
        return await store.create_event(db_session, principal(request), msgspec.to_builtins(data))

    @get("/", summary="Events (a broker or notary sees its own)", responses=PROBLEMS)
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[EventOut]:
        return await store.list_events(db_session, principal(request))

    @get("/{event_id:str}", summary="One event with its state history", responses=PROBLEMS)
    async def get_one(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str) -> EventOut:
        return await store.event_out(db_session, await store.load_event(db_session, principal(request), event_id))

    @post("/{event_id:str}/gong", summary="The gong: open or close the trading hour (coordinator)", status_code=200,
          responses=PROBLEMS)
    async def gong(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                   data: schema.GongRequest) -> EventOut:
        out, record = await store.move(db_session, principal(request), event_id,
                                       "gong_open" if data.action == "open" else "gong_close")
        await db_session.commit()
        live.publish(_channels(request), event_id, schema.Gong(action=data.action, at=record.at, state=record.to_state))
        return out

    @post("/{event_id:str}/state", summary="Open the catalogue, start follow-up, archive (coordinator)",
          status_code=200, responses=PROBLEMS)
    async def move(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                   data: StateRequest) -> EventOut:
        out, record = await store.move(db_session, principal(request), event_id, data.action)
        await db_session.commit()
        live.publish(_channels(request), event_id, schema.StateChanged(state=record.to_state, at=record.at))
        return out

    # --- floor sign-in links ------------------------------------------------------------------

    @post("/{event_id:str}/floor-links", summary="A one-time sign-in link (and QR code) for the floor: broker, "
          "notary, general (børsgeneral) or stand (coordinator)", status_code=201, responses=PROBLEMS)
    async def create_floor_link(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                                data: FloorLinkIn) -> NewFloorLinkOut:
        return await floor_auth.create_link(db_session, principal(request), event_id, data.role, data.name,
                                            str(request.base_url))

    @get("/{event_id:str}/floor-links", summary="The event's floor links (never their URLs)", responses=PROBLEMS)
    async def floor_links(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                          event_id: str) -> list[FloorLinkOut]:
        return await floor_auth.list_links(db_session, principal(request), event_id)

    @post("/{event_id:str}/floor-links/{link_id:str}/revoke", summary="Revoke a floor link: its session ends",
          status_code=200, responses=PROBLEMS)
    async def revoke_floor_link(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                                link_id: str) -> FloorLinkOut:
        return await floor_auth.revoke_link(db_session, principal(request), event_id, link_id)

    # --- participants and catalogue -------------------------------------------------------

    @post("/{event_id:str}/participants", summary="Add a participant (coordinator, broker)", status_code=201,
          responses=PROBLEMS)
    async def add_participant(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                              data: ParticipantIn) -> Participant:
        out = await store.add_participant(db_session, principal(request), event_id, msgspec.to_builtins(data))
        await _catalogue_changed(request, db_session, event_id, out.id)
        return out

    @get("/{event_id:str}/participants", summary="The event's participants", responses=PROBLEMS)
    async def list_participants(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                                event_id: str) -> list[Participant]:
        await store.load_event(db_session, principal(request), event_id)
        return await store.participants(db_session, event_id)

    @post("/{event_id:str}/offers", summary="Add an offer (tilbud) to the catalogue", status_code=201,
          responses=PROBLEMS)
    async def add_offer(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                        data: dict[str, Any]) -> Offer | Need:
        out = await store.add_entry(db_session, principal(request), event_id, "offer", data)
        await _catalogue_changed(request, db_session, event_id, out.participant)
        return out

    @post("/{event_id:str}/needs", summary="Add a need (behov) to the catalogue", status_code=201, responses=PROBLEMS)
    async def add_need(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                       data: dict[str, Any]) -> Offer | Need:
        out = await store.add_entry(db_session, principal(request), event_id, "need", data)
        await _catalogue_changed(request, db_session, event_id, out.participant)
        return out

    @get("/{event_id:str}/offers", summary="The catalogue's offers", responses=PROBLEMS)
    async def list_offers(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                          event_id: str) -> list[Offer]:
        await store.load_event(db_session, principal(request), event_id)
        return (await store.entries(db_session, event_id))[0]

    @get("/{event_id:str}/needs", summary="The catalogue's needs", responses=PROBLEMS)
    async def list_needs(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                         event_id: str) -> list[Need]:
        await store.load_event(db_session, principal(request), event_id)
        return (await store.entries(db_session, event_id))[1]

    @get("/{event_id:str}/catalogue", summary="The catalogue (børskatalog) by category", responses=PROBLEMS)
    async def catalogue(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                        lang: Lang = "en") -> list[CatalogueSection]:
        await store.load_event(db_session, principal(request), event_id)
        parts = await store.catalogue_parts(db_session, event_id)
        return report.catalogue(*parts, i18n.report_words(lang))

    @get("/{event_id:str}/catalogue.csv", summary="The catalogue as CSV, grouped by category", responses=PROBLEMS)
    async def catalogue_csv(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                            lang: Lang = "en") -> Response[str]:
        await store.load_event(db_session, principal(request), event_id)
        parts = await store.catalogue_parts(db_session, event_id)
        return _csv(report.catalogue_csv(*parts, i18n.report_words(lang)), f"{event_id}-catalogue.csv")

    # --- meeting suggestions --------------------------------------------------------------

    @post("/{event_id:str}/suggestions", summary="Meeting suggestions and, with rounds and tables, a "
          "speed-meeting schedule (CP-SAT; coordinator, broker)", status_code=201, responses=PROBLEMS)
    async def suggest(self, request: Request[Any, Any, Any], event_id: str,
                      data: SuggestionSettings | None = None) -> SuggestionsOut:
        who = principal(request)
        store.require_role(who, "broker")
        maker = request.app.state.sessionmaker
        async with maker() as session, session.begin():
            row = await store.load_event(session, who, event_id)
            event = store.event_of(row)
            parts, offers, needs = await store.catalogue_parts(session, event_id)
        # CPU-bound: off the event loop, no transaction open.
        result = await anyio.to_thread.run_sync(suggest_meetings, event, parts, offers, needs, data)
        async with maker() as session, session.begin():
            row = await store.load_event(session, who, event_id, lock="update")
            return store.save_suggestions(row, result)

    @get("/{event_id:str}/suggestions", summary="The latest meeting suggestions", responses=PROBLEMS)
    async def suggestions(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                          event_id: str) -> SuggestionsOut:
        out = store.suggestions_of(await store.load_event(db_session, principal(request), event_id))
        if out is None:
            raise not_found("suggestions for event", event_id)
        return out

    # --- agreements -------------------------------------------------------------------------

    @post("/{event_id:str}/agreements", summary="Register an agreement (broker; only while trading; never money)",
          description="Body: `{parties: [P1, P2], gives: [{from, kind, hours|items, description}], asked_by?, "
          "offer?, need?, category?, title?}`; kinds time, labour, knowledge, goods, premises, event_help — "
          "no money kind, and any money-like field is 422 naming it. Outside trading: 409 naming the state. "
          "The same `Idempotency-Key` and body return the first answer (also after the gong).",
          status_code=201, responses=PROBLEMS)
    async def register(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str, data: Any,
        idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key", required=False)] = None,
    ) -> Response[AgreementOut]:
        rates = _xs(request).rates
        a, body = await store.register_agreement(db_session, principal(request), event_id, data, rates,
                                                 idempotency_key=idempotency_key)
        if a is not None:
            await db_session.commit()  # stored before anyone hears of it
            live.publish(_channels(request), event_id,
                         schema.AgreementRegistered(agreement=a, at=a.registered_at or store.now()))
        return Response(body, status_code=201)

    @get("/{event_id:str}/agreements", summary="The event's agreements", responses=PROBLEMS)
    async def list_agreements(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                              event_id: str) -> list[AgreementOut]:
        await store.load_event(db_session, principal(request), event_id)
        rates = _xs(request).rates
        return [store.agreement_out(store.agreement_of(r), rates, r)
                for r in await store.agreement_rows(db_session, event_id)]

    @get("/{event_id:str}/agreements/{agreement_id:str}", summary="One agreement", responses=PROBLEMS)
    async def get_agreement(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                            agreement_id: str) -> AgreementOut:
        row = await store.get_agreement(db_session, principal(request), event_id, agreement_id)
        return store.agreement_out(store.agreement_of(row), _xs(request).rates, row)

    @post("/{event_id:str}/agreements/{agreement_id:str}/confirm", summary="The notary confirms an agreement",
          status_code=200, responses=PROBLEMS)
    async def confirm(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                      agreement_id: str) -> AgreementOut:
        a = await store.confirm_agreement(db_session, principal(request), event_id, agreement_id)
        await db_session.commit()
        live.publish(_channels(request), event_id, schema.AgreementConfirmed(
            agreement=agreement_id, confirmed_by=a.confirmed_by or "", at=a.confirmed_at or store.now()))
        return store.agreement_out(a, _xs(request).rates)

    @post("/{event_id:str}/agreements/{agreement_id:str}/follow-up", summary="A party reports whether the "
          "agreement was carried out (after closing)", status_code=201, responses=PROBLEMS)
    async def follow_up(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                        agreement_id: str, data: FollowUpIn) -> FollowUp:
        return await store.report_follow_up(db_session, principal(request), event_id, agreement_id,
                                            msgspec.to_builtins(data))

    # --- report and board ---------------------------------------------------------------------

    @get("/{event_id:str}/report", summary="Agreements by category and sector pair, follow-up rate, overdue "
         "follow-ups, estimated value", responses=PROBLEMS)
    async def report(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                     event_id: str) -> EventReport:
        row = await store.load_event(db_session, principal(request), event_id)
        return await store.build_report(db_session, row, _xs(request).rates)

    @get("/{event_id:str}/report.csv", summary="The report's figures as CSV", responses=PROBLEMS)
    async def report_csv(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                         lang: Lang = "en") -> Response[str]:
        row = await store.load_event(db_session, principal(request), event_id)
        r = await store.build_report(db_session, row, _xs(request).rates)
        return _csv(report.report_summary_csv(r, i18n.report_words(lang)), f"{event_id}-report.csv")

    @get("/{event_id:str}/report/agreements.csv", summary="One CSV row per agreement", responses=PROBLEMS)
    async def report_agreements_csv(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                                    lang: Lang = "en") -> Response[str]:
        row = await store.load_event(db_session, principal(request), event_id)
        r = await store.build_report(db_session, row, _xs(request).rates)
        return _csv(report.report_agreements_csv(r, i18n.report_words(lang)), f"{event_id}-agreements.csv")

    @get("/{event_id:str}/board", summary="The live board: totals, latest agreements, leaders", responses=PROBLEMS)
    async def board(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                    event_id: str) -> schema.BoardSnapshot:
        await store.load_event(db_session, principal(request), event_id)
        return await store.board(db_session, event_id, _xs(request).rates)

    @get("/{event_id:str}/board/stream", summary="The live board as server-sent events (`board_snapshot`, "
         "`agreement_registered`, `agreement_confirmed`, `gong`)", responses=PROBLEMS)
    async def board_stream(self, request: Request[Any, Any, Any], event_id: str) -> ServerSentEvent:
        async with request.app.state.read_sessionmaker() as session, session.begin():
            await store.load_event(session, principal(request), event_id)
        return await live.board_stream(request.app.state.board_hub, event_id)

    # --- Frivilligtorg ----------------------------------------------------------------------

    @post("/{event_id:str}/volunteers", summary="Frivilligtorg: sign someone up as a volunteer in the register, "
          "onboarding pending (coordinator, broker)", status_code=201, responses=PROBLEMS)
    async def sign_up(self, request: Request[Any, Any, Any], db_session: AsyncSession, event_id: str,
                      data: EventVolunteerIn) -> SignUpOut:
        return await sign_up_volunteer(db_session, principal(request), event_id, data, request.url.path)

    @get("/{event_id:str}/volunteers", summary="Who signed up at the Frivilligtorg, and whose onboarding is pending",
         responses=PROBLEMS)
    async def signed_up(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                        event_id: str) -> list[SignedUpOut]:
        who = principal(request)
        await store.load_event(db_session, who, event_id)
        return await store.signed_up_list(db_session, event_id)
