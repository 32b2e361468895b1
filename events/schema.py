"""The exchange event's structs: event, participant, catalogue, agreement, follow-up, live messages.

Input structs are frozen, keyword-only and reject unknown fields. Rules that need more
than one field (two distinct parties, a give's `from` among them, hours *or* items) live
in `__post_init__`, so they hold whether a struct is decoded or constructed; msgspec turns
the ValueError into a ValidationError while decoding. For readable, path-prefixed messages
on raw JSON — and above all the "no money" rule — call `validate_agreement_payload` (at the
end of this module) before decoding.

An agreement never involves money: there is no money kind, no price field, and unknown
fields are refused. Field names are a public contract: add fields, never rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeAlias

import msgspec
from msgspec import Meta, Struct, field

from matcher.scenario import Issue

Id = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                         description="An identifier, unique within its list: ASCII letters, digits and . _ : -.")]
Text = Annotated[str, Meta(max_length=4000)]
Name = Annotated[str, Meta(min_length=1, max_length=300)]
Tag = Annotated[str, Meta(min_length=1, max_length=60)]
PositiveHours = Annotated[float, Meta(gt=0, le=100_000, description="Hours, more than zero.")]
PositiveItems = Annotated[int, Meta(gt=0, le=1_000_000, description="A count of items, more than zero.")]
PositiveInt = Annotated[int, Meta(ge=1, le=1_000_000)]

ParticipantKind: TypeAlias = Literal["organisation", "business", "public", "individual"]
"""Sector of a participant: voluntary organisation, business (næringsliv), public unit, individual."""

Category: TypeAlias = Literal["hands", "knowledge", "goods", "event_help"]
"""The catalogue's corners: helping hands, knowledge and skills, goods and premises, help at an event."""

GiveKind: TypeAlias = Literal["time", "labour", "knowledge", "goods", "premises", "event_help"]
"""What one party gives. Deliberately no money kind."""

FollowUpStatus: TypeAlias = Literal["carried_out", "in_progress", "not_carried_out"]

EventState: TypeAlias = Literal["draft", "catalogue_open", "trading", "closed", "follow_up", "archived"]

EntrySide: TypeAlias = Literal["offer", "need"]
"""Which side of the catalogue an entry is on: an offer (tilbud) or a need (behov)."""


def entry_side(text: str) -> EntrySide | None:
    """`offer` or `need` as the catalogue side it names; anything else is None."""
    return "offer" if text == "offer" else "need" if text == "need" else None

PARTICIPANT_KINDS: tuple[ParticipantKind, ...] = ("organisation", "business", "public", "individual")
CATEGORIES: tuple[Category, ...] = ("hands", "knowledge", "goods", "event_help")
GIVE_KINDS: tuple[GiveKind, ...] = ("time", "labour", "knowledge", "goods", "premises", "event_help")
FOLLOW_UP_STATUSES: tuple[FollowUpStatus, ...] = ("carried_out", "in_progress", "not_carried_out")

CATEGORY_LABELS: dict[str, dict[Category, str]] = {
    "en": {
        "hands": "helping hands",
        "knowledge": "knowledge and skills",
        "goods": "goods and premises",
        "event_help": "help at an event",
    },
}
"""The catalogue corners in English (for the API, CSV and the suggestions' word matching). Other
languages come from the service's message catalogue (`ex.category.<id>`): the domain writes no Bokmål."""

CATEGORY_OF_KIND: dict[GiveKind, Category] = {
    "time": "hands",
    "labour": "hands",
    "knowledge": "knowledge",
    "goods": "goods",
    "premises": "goods",
    "event_help": "event_help",
}
"""The catalogue corner a kind of give belongs to; used when an agreement names no category."""


class _In(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every input struct."""


class _Out(Struct, frozen=True, kw_only=True):
    """Base of output structs (reports, board, suggestions): tolerant readers."""


def _one_of_hours_items(hours: float | None, items: int | None, where: str) -> None:
    if (hours is None) == (items is None):
        raise ValueError(f"{where}: give exactly one of `hours` or `items`")


class ExchangeEvent(_In, frozen=True):
    """An exchange event (Frivilligbørs). `rounds` and `tables` are set together when the
    event has speed meetings before or during the trading hour."""

    id: Id
    name: Name
    starts_at: dt.datetime
    venue: Name
    description: Text = ""
    host: Annotated[str, Meta(max_length=300)] | None = None
    trading_minutes: Annotated[int, Meta(ge=5, le=480)] = 60
    rounds: Annotated[int, Meta(ge=1, le=50)] | None = None
    tables: Annotated[int, Meta(ge=1, le=1000)] | None = None
    round_minutes: Annotated[int, Meta(ge=1, le=120)] = 7

    def __post_init__(self) -> None:
        if (self.rounds is None) != (self.tables is None):
            raise ValueError("give both `rounds` and `tables` for speed meetings, or neither")

    @property
    def has_speed_meetings(self) -> bool:
        return self.rounds is not None and self.tables is not None


class Participant(_In, frozen=True):
    """A business, voluntary organisation, public unit or individual volunteer at the event."""

    id: Id
    name: Name
    kind: ParticipantKind
    contact: Annotated[str, Meta(min_length=1, max_length=300, description="Contact person, e-mail or phone.")]
    description: Text = ""


class Amount(_In, frozen=True):
    """How much is offered or needed: hours or items, exactly one."""

    hours: PositiveHours | None = None
    items: PositiveItems | None = None

    def __post_init__(self) -> None:
        _one_of_hours_items(self.hours, self.items, "amount")


class _Entry(_In, frozen=True):
    id: Id
    participant: Id
    category: Category
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    description: Text = ""
    tags: list[Tag] = field(default_factory=list)
    amount: Amount | None = None


class Offer(_Entry, frozen=True):
    """An offer (tilbud) in the catalogue (børskatalog)."""


class Need(_Entry, frozen=True):
    """A need (behov) in the catalogue (børskatalog)."""


class Give(_In, frozen=True):
    """What one party gives the other in an agreement: hours or items of one kind of help."""

    from_: Id = field(name="from")
    kind: GiveKind
    hours: PositiveHours | None = None
    items: PositiveItems | None = None
    description: Text = ""
    offer: Id | None = None
    """The catalogue offer this give answers from, when registered from a suggestion."""
    need: Id | None = None
    """The catalogue need this give meets: a met need drops out of the live suggestions."""

    def __post_init__(self) -> None:
        _one_of_hours_items(self.hours, self.items, "give")


class Agreement(_In, frozen=True):
    """An agreement (avtale) made during the trading hour: two parties, what each gives.

    One-way (only one party gives) or two-way; never money. `asked_by` is the asking
    party, who contacts the other afterwards and reports the follow-up. `id` is assigned
    by the service when the agreement is stored; reports need it.
    """

    parties: Annotated[list[Id], Meta(min_length=2, max_length=2)]
    gives: Annotated[list[Give], Meta(min_length=1, max_length=50)]
    id: Id | None = None
    category: Category | None = None
    title: Annotated[str, Meta(max_length=300)] = ""
    asked_by: Id | None = None
    offer: Id | None = None
    need: Id | None = None
    broker: Annotated[str, Meta(max_length=300)] | None = None
    registered_at: dt.datetime | None = None
    confirmed_by: Annotated[str, Meta(max_length=300)] | None = None
    confirmed_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if len(self.parties) != 2 or self.parties[0] == self.parties[1]:
            raise ValueError("parties: an agreement has exactly two distinct parties")
        for i, give in enumerate(self.gives):
            if give.from_ not in self.parties:
                raise ValueError(f"gives[{i}].from: {give.from_!r} is not one of the parties")
        if self.asked_by is not None and self.asked_by not in self.parties:
            raise ValueError(f"asked_by: {self.asked_by!r} is not one of the parties")

    @property
    def is_two_way(self) -> bool:
        return {g.from_ for g in self.gives} == set(self.parties)

    @property
    def primary_category(self) -> Category:
        """The explicit category, else the corner of the first give's kind."""
        return self.category if self.category is not None else CATEGORY_OF_KIND[self.gives[0].kind]


class FollowUp(_In, frozen=True):
    """A follow-up report (oppfølging): was the agreement carried out?"""

    agreement: Id
    status: FollowUpStatus
    reported_by: Annotated[str, Meta(min_length=1, max_length=300)]
    note: Text = ""
    reported_at: dt.datetime | None = None


class GongRequest(_In, frozen=True):
    """The børsgeneral's gong: `open` starts the trading hour, `close` ends it."""

    action: Literal["open", "close"]


# --- The live board -------------------------------------------------------------------------


class BoardLine(_Out, frozen=True):
    """One agreement as the big screen shows it."""

    agreement: str | None
    parties: list[str]
    """Participant names, in the agreement's order."""
    category: Category
    summary: str
    two_way: bool
    registered_at: dt.datetime | None
    confirmed: bool
    summary_nb: str = ""
    """`summary` in Norwegian Bokmål, for the big screen in the hall: filled by the service from the
    agreement's gives through its message catalogue (the domain writes no Norwegian)."""


class Leader(_Out, frozen=True):
    participant: str
    name: str
    agreements: int
    estimated_value_nok: int


class BoardSnapshot(_Out, frozen=True):
    """What the big screen shows. Values are estimates (hours or items × a rate), never money."""

    total: int
    confirmed: int
    two_way: int
    per_category: dict[str, int]
    latest: list[BoardLine]
    leaders_by_agreements: list[Leader]
    leaders_by_value: list[Leader]
    estimated_value_nok: int
    value_label: str


# --- Live-channel messages (tagged union on `type`) -----------------------------------------


class _Message(Struct, frozen=True, kw_only=True, tag_field="type"):
    pass


class AgreementRegistered(_Message, tag="agreement_registered", frozen=True):
    """A broker (børsmegler) registered an agreement."""

    agreement: Agreement
    at: dt.datetime


class AgreementConfirmed(_Message, tag="agreement_confirmed", frozen=True):
    """The notary (notarius) signed an agreement off."""

    agreement: Id
    confirmed_by: str
    at: dt.datetime


class Gong(_Message, tag="gong", frozen=True):
    """The gong sounded: the trading hour opened or closed; `state` is the state it led to."""

    action: Literal["open", "close"]
    at: dt.datetime
    state: EventState


class StateChanged(_Message, tag="state_changed", frozen=True):
    """The event moved outside the gong (catalogue opened, follow-up, archived); screens and
    streams of an archived event close."""

    state: EventState
    at: dt.datetime


class CatalogueChanged(_Message, tag="catalogue_changed", frozen=True):
    """A participant (a walk-in) or a catalogue entry was added: brokers' suggestions change."""

    participant: Id
    at: dt.datetime


class BoardSnapshotMessage(_Message, tag="board_snapshot", frozen=True):
    board: BoardSnapshot
    at: dt.datetime


LiveMessage: TypeAlias = (AgreementRegistered | AgreementConfirmed | Gong | StateChanged | CatalogueChanged
                           | BoardSnapshotMessage)

_live_decoder = msgspec.json.Decoder(LiveMessage)
_encoder = msgspec.json.Encoder()


def encode_live(message: LiveMessage) -> bytes:
    """JSON for the live channel, with `type` naming the message."""
    return _encoder.encode(message)


def decode_live(data: bytes | str) -> LiveMessage:
    return _live_decoder.decode(data)


# --- Validation of raw payloads, before decoding ---------------------------------------------

_MONEY_WORDS = frozenset(
    {
        "money", "price", "prices", "pricing", "pris", "priser", "kroner", "krone", "kr", "nok",
        "currency", "valuta", "cost", "costs", "kostnad", "fee", "fees", "payment", "payments",
        "pay", "paid", "betaling", "penger", "cash", "kontant", "kontanter", "salary", "wage",
        "wages", "lonn", "lønn", "honorar", "invoice", "faktura", "eur", "euro", "usd", "sek",
        "dkk", "value", "worth", "verdi", "budget", "sponsorship", "funding", "grant",
    }
)
# Key fragments that read as money even when glued together (amountnok, valueNOK, prisKr).
_MONEY_FRAGMENTS = ("nok", "kroner", "price", "money", "currency", "penger", "payment", "betaling")
_KIND_LIKE_KEYS = frozenset({"kind", "category", "type", "unit"})


def _words(key: str) -> list[str]:
    spaced = "".join(f" {c}" if c.isupper() else c for c in key)
    return ["".join(ch for ch in w if ch.isalnum()).lower() for w in spaced.replace("-", " ").replace("_", " ").split()]


def _is_money_key(key: str) -> bool:
    words = [w for w in _words(key) if w]
    if any(w in _MONEY_WORDS for w in words):
        return True
    glued = "".join(words)
    return any(glued.endswith(f) or glued.startswith(f) for f in _MONEY_FRAGMENTS)


def _is_money_word(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().replace("-", "_") in _MONEY_WORDS | {"in_kind_money"}


def money_problems(raw: object, path: str = "") -> list[Issue]:
    """Every place in a raw payload that carries money: a money-like key anywhere, or a
    kind/category/type/unit whose value is money. An agreement never involves money."""
    problems: list[Issue] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _is_money_key(key):
                problems.append(Issue(f"{here}", "money is never part of an agreement (remove the field)", "money"))
                continue
            if isinstance(key, str) and key in _KIND_LIKE_KEYS and _is_money_word(value):
                problems.append(Issue(f"{here}", f"{value} is never part of an agreement", "money"))
                continue
            problems.extend(money_problems(value, here))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            problems.extend(money_problems(value, f"{path}[{i}]"))
    return problems


def _positive(value: object, where: str, integer: bool) -> Issue | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Issue(f"{where}", f"expected a number, got {type(value).__name__}", "not-a-number")
    if integer and not isinstance(value, int):
        return Issue(f"{where}", "expected a whole number of items", "not-whole")
    if value <= 0:
        return Issue(f"{where}", f"must be more than zero (got {value})", "not-positive")
    return None


def validate_agreement_payload(raw: object, *, participants: set[str] | None = None) -> list[Issue]:
    """Problems with a raw agreement payload (decoded JSON), each as `path: message`; empty when
    it decodes to an `Agreement`. Pass `participants` (ids at the event) to check the parties exist.

    Checks money first and everywhere, then the structure (two distinct parties, at least one
    give, each give from a party, hours or items positive), then msgspec's own decoding.
    """
    if not isinstance(raw, dict):
        return [Issue("agreement", "expected a JSON object", "not-an-object")]
    problems = money_problems(raw)
    money_paths = {p.path for p in problems}

    parties = raw.get("parties")
    party_ids: list[str] = []
    if parties is None:
        problems.append(Issue("parties", "required (the two parties of the agreement)", "required"))
    elif not isinstance(parties, list):
        problems.append(Issue("parties", "expected a list of two participant ids", "not-a-list"))
    else:
        party_ids = [p for p in parties if isinstance(p, str) and p]
        if len(party_ids) != len(parties):
            problems.append(Issue("parties", "each party is a participant id (a non-empty string)",
                                  "not-a-participant-id"))
        if len(parties) != 2:
            problems.append(Issue("parties", f"an agreement has exactly two parties (got {len(parties)})",
                                  "two-parties"))
        elif len(party_ids) == 2 and party_ids[0] == party_ids[1]:
            problems.append(Issue("parties", f"the same party appears twice ({party_ids[0]!r}); the parties must be"
                                  " distinct", "duplicate-party", value=party_ids[0]))
        if participants is not None:
            for i, p in enumerate(party_ids):
                if p not in participants:
                    problems.append(Issue(f"parties[{i}]", f"{p!r} is not a participant at this event",
                                          "unknown-participant"))

    gives = raw.get("gives")
    if gives is None or (isinstance(gives, list) and not gives):
        problems.append(Issue("gives", "at least one give is required (what one party gives the other)", "required"))
    elif not isinstance(gives, list):
        problems.append(Issue("gives", "expected a list", "not-a-list"))
    else:
        for i, give in enumerate(gives):
            where = f"gives[{i}]"
            if not isinstance(give, dict):
                problems.append(Issue(f"{where}", "expected an object", "not-an-object"))
                continue
            giver = give.get("from")
            if giver is None:
                problems.append(Issue(f"{where}.from", "required (which party gives)", "required"))
            elif party_ids and giver not in party_ids:
                problems.append(Issue(f"{where}.from", f"{giver!r} is not one of the parties", "not-a-party"))
            kind = give.get("kind")
            if f"{where}.kind" not in money_paths:
                if kind is None:
                    problems.append(Issue(f"{where}.kind", f"required (one of {', '.join(GIVE_KINDS)})", "required"))
                elif kind not in GIVE_KINDS:
                    problems.append(Issue(f"{where}.kind",
                                          f"{kind!r} is not a kind of help (one of {', '.join(GIVE_KINDS)})",
                                          "unknown-kind", value=kind))
            has_hours, has_items = give.get("hours") is not None, give.get("items") is not None
            if has_hours == has_items:
                problems.append(Issue(f"{where}", "give exactly one of `hours` or `items`", "hours-or-items"))
            if has_hours and (msg := _positive(give["hours"], f"{where}.hours", integer=False)):
                problems.append(msg)
            if has_items and (msg := _positive(give["items"], f"{where}.items", integer=True)):
                problems.append(msg)

    asked_by = raw.get("asked_by")
    if asked_by is not None and party_ids and asked_by not in party_ids:
        problems.append(Issue("asked_by", f"{asked_by!r} is not one of the parties", "not-a-party"))

    if not problems:
        try:
            msgspec.convert(raw, Agreement)
        except msgspec.ValidationError as e:
            problems.append(Issue("agreement", str(e), "invalid-value"))
    return problems


class PayloadError(ValueError):
    """A payload failed validation; `problems` lists each as `path: message`."""

    def __init__(self, problems: list[Issue]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def decode_agreement(raw: object, *, participants: set[str] | None = None) -> Agreement:
    """Validate a raw payload and decode it, raising `PayloadError` with every problem."""
    problems = validate_agreement_payload(raw, participants=participants)
    if problems:
        raise PayloadError(problems)
    return msgspec.convert(raw, Agreement)


def validate_entry_payload(raw: object, side: EntrySide) -> list[Issue]:
    """Problems with a raw catalogue entry (offer or need): money anywhere, then decoding."""
    if not isinstance(raw, dict):
        return [Issue(side, "expected a JSON object", "not-an-object")]
    problems = [Issue(p.path, p.message.replace("part of an agreement", "part of the exchange"), p.code)
                for p in money_problems(raw)]
    if not problems:
        try:
            msgspec.convert(raw, Offer if side == "offer" else Need)
        except msgspec.ValidationError as e:
            problems.append(Issue(side, str(e), "invalid-value"))
    return problems
