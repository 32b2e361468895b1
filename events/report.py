"""After the event: the report (agreements by category and sector pair, follow-up, estimated
value, overdue follow-ups) and CSV renderers for the report and the catalogue (børskatalog)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from msgspec import Struct

from events.schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    FOLLOW_UP_STATUSES,
    Agreement,
    Category,
    ExchangeEvent,
    FollowUp,
    Need,
    Offer,
    Participant,
)
from events.valuation import DEFAULT_RATES, ESTIMATE_LABEL, Rates, agreement_value

FOLLOW_UP_DAYS = 14
"""The asking party should have reported back this long after the trading hour closed."""



class OverdueFollowUp(Struct, frozen=True, kw_only=True):
    agreement: str
    parties: list[str]
    asked_by: str | None
    days_since_close: int


class AgreementRow(Struct, frozen=True, kw_only=True):
    """One agreement as the report lists it."""

    agreement: str
    parties: list[str]
    sector_pair: str
    category: Category
    two_way: bool
    hours: float
    items: int
    estimated_value_nok: int
    follow_up: str
    """The latest follow-up status, or `no_report`."""


class EventReport(Struct, frozen=True, kw_only=True):
    event: str
    agreements: int
    confirmed: int
    two_way: int
    by_category: dict[str, int]
    by_sector_pair: dict[str, int]
    """Keyed by the two parties' kinds in alphabetical order, e.g. `business–organisation`."""
    by_status: dict[str, int]
    """carried_out, in_progress, not_carried_out and no_report (the latest report counts)."""
    follow_up_rate: float
    """Share of agreements with at least one follow-up report (0 when there are none)."""
    estimated_value_nok: int
    estimated_value_by_category: dict[str, int]
    unvalued_gives: int
    value_label: str
    overdue: list[OverdueFollowUp]
    """Agreements without a report `FOLLOW_UP_DAYS` days or more after closing."""
    rows: list[AgreementRow]


_OSLO = ZoneInfo("Europe/Oslo")


def _oslo_day(t: dt.datetime) -> dt.date:
    """The calendar day of an instant in Oslo, where the event and its follow-ups happen (an aware
    instant in UTC is a day behind between midnight and 01:00 there); a naive one as it is."""
    return t.astimezone(_OSLO).date() if t.tzinfo is not None else t.date()


def sector_pair(kind_a: str, kind_b: str) -> str:
    return "–".join(sorted((kind_a, kind_b)))


def latest_follow_ups(follow_ups: Sequence[FollowUp]) -> dict[str, FollowUp]:
    """The latest report per agreement (by `reported_at`, else by order given)."""
    out: dict[str, FollowUp] = {}
    for f in follow_ups:
        current = out.get(f.agreement)
        if (current is None or current.reported_at is None or f.reported_at is None
                or f.reported_at >= current.reported_at):
            out[f.agreement] = f
    return out


def build_report(
    event: ExchangeEvent,
    participants: Sequence[Participant],
    agreements: Sequence[Agreement],
    follow_ups: Sequence[FollowUp] = (),
    *,
    closed_at: dt.datetime | None = None,
    today: dt.date | dt.datetime | None = None,
    rates: Rates = DEFAULT_RATES,
) -> EventReport:
    """The event report. `closed_at` is when the gong closed trading (`lifecycle.time_of`);
    with `today`, agreements without a report 14 days after closing are listed as overdue.
    Every agreement must have an id; parties must be known participants."""
    kinds = {p.id: p.kind for p in participants}
    names = {p.id: p.name for p in participants}
    for i, a in enumerate(agreements):
        if a.id is None:
            raise ValueError(f"agreements[{i}]: has no id (the service assigns one when it stores it)")
        for party in a.parties:
            if party not in kinds:
                raise ValueError(f"agreements[{i}]: party {party!r} is not a participant")
    latest = latest_follow_ups(follow_ups)

    by_category: dict[str, int] = {c: 0 for c in CATEGORIES}
    value_by_category: dict[str, int] = {c: 0 for c in CATEGORIES}
    by_pair: Counter[str] = Counter()
    by_status = {s: 0 for s in (*FOLLOW_UP_STATUSES, "no_report")}
    rows: list[AgreementRow] = []
    total_value = unvalued = 0
    for a in agreements:
        assert a.id is not None
        cat = a.primary_category
        valuation = agreement_value(a, rates)
        pair = sector_pair(kinds[a.parties[0]], kinds[a.parties[1]])
        status = latest[a.id].status if a.id in latest else "no_report"
        by_category[cat] += 1
        value_by_category[cat] += valuation.nok
        by_pair[pair] += 1
        by_status[status] += 1
        total_value += valuation.nok
        unvalued += valuation.unvalued
        rows.append(
            AgreementRow(
                agreement=a.id,
                parties=[names[p] for p in a.parties],
                sector_pair=pair,
                category=cat,
                two_way=a.is_two_way,
                hours=sum(g.hours or 0 for g in a.gives),
                items=sum(g.items or 0 for g in a.gives),
                estimated_value_nok=valuation.nok,
                follow_up=status,
            )
        )

    overdue: list[OverdueFollowUp] = []
    if closed_at is not None and today is not None:
        day = _oslo_day(today) if isinstance(today, dt.datetime) else today
        days = (day - _oslo_day(closed_at)).days
        if days >= FOLLOW_UP_DAYS:
            overdue = [
                OverdueFollowUp(
                    agreement=a.id, parties=[names[p] for p in a.parties],
                    asked_by=names.get(a.asked_by) if a.asked_by else None, days_since_close=days,
                )
                for a in agreements
                if a.id is not None and a.id not in latest
            ]

    n = len(agreements)
    reported = sum(1 for a in agreements if a.id in latest)
    return EventReport(
        event=event.id,
        agreements=n,
        confirmed=sum(a.confirmed_by is not None for a in agreements),
        two_way=sum(a.is_two_way for a in agreements),
        by_category=by_category,
        by_sector_pair=dict(sorted(by_pair.items())),
        by_status=by_status,
        follow_up_rate=reported / n if n else 0.0,
        estimated_value_nok=total_value,
        estimated_value_by_category=value_by_category,
        unvalued_gives=unvalued,
        value_label=ESTIMATE_LABEL,
        overdue=overdue,
        rows=rows,
    )


# --- CSV ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Words:
    """The words a CSV or a catalogue shows. English by default (`ENGLISH`); the service passes the
    words of another language from its message catalogue, so the domain writes no Bokmål."""

    categories: Mapping[str, str] = field(default_factory=lambda: {str(c): x for c, x in CATEGORY_LABELS["en"].items()})
    sides: Mapping[str, str] = field(default_factory=lambda: {"offer": "offer", "need": "need"})
    estimate_label: str = ESTIMATE_LABEL
    estimate_column: str = "estimated_value_nok (estimate)"
    summary_head: tuple[str, ...] = ("section", "key", "value")
    agreements_head: tuple[str, ...] = ("agreement", "party_1", "party_2", "sector_pair", "category", "two_way",
                                        "hours", "items", "estimated_value_nok (estimate)", "follow_up")
    catalogue_head: tuple[str, ...] = ("category", "side", "participant", "kind", "contact", "title",
                                       "description", "tags", "hours", "items")


ENGLISH = Words()


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def report_summary_csv(report: EventReport, words: Words = ENGLISH) -> str:
    """The report's figures as `section,key,value` rows; value rows say they are estimates."""
    labels = words.categories
    label = words.estimate_label
    est = words.estimate_column
    rows: list[list[object]] = [list(words.summary_head)]
    rows += [
        ["total", "agreements", report.agreements],
        ["total", "confirmed", report.confirmed],
        ["total", "two_way", report.two_way],
        ["follow_up", "rate", f"{report.follow_up_rate:.4f}"],
    ]
    rows += [["by_category", labels[c], n] for c, n in report.by_category.items()]
    rows += [["by_sector_pair", k, n] for k, n in report.by_sector_pair.items()]
    rows += [["by_status", k, n] for k, n in report.by_status.items()]
    rows.append([est, "total", report.estimated_value_nok])
    rows += [[est, labels[c], v] for c, v in report.estimated_value_by_category.items()]
    rows.append([est, "note", label])
    rows += [["overdue_follow_up", o.agreement, " & ".join(o.parties)] for o in report.overdue]
    return _csv(rows)


def report_agreements_csv(report: EventReport, words: Words = ENGLISH) -> str:
    """One row per agreement, for a spreadsheet."""
    labels = words.categories
    rows: list[list[object]] = [list(words.agreements_head)]
    for r in report.rows:
        rows.append([r.agreement, *r.parties, r.sector_pair, labels[r.category], int(r.two_way),
                     f"{r.hours:g}", r.items,
                     r.estimated_value_nok, r.follow_up])
    return _csv(rows)


class CatalogueItem(Struct, frozen=True, kw_only=True):
    side: Literal["offer", "need"]
    entry: str
    participant: str
    participant_name: str
    participant_kind: str
    contact: str
    title: str
    description: str
    tags: list[str]
    hours: float | None
    items: int | None


class CatalogueSection(Struct, frozen=True, kw_only=True):
    category: Category
    label: str
    offers: list[CatalogueItem]
    needs: list[CatalogueItem]


def catalogue(
    participants: Sequence[Participant], offers: Sequence[Offer], needs: Sequence[Need], words: Words = ENGLISH
) -> list[CatalogueSection]:
    """The catalogue (børskatalog) by category, in the fixed order of the corners; entries by
    participant name then title."""
    by_id = {p.id: p for p in participants}

    def item(side: Literal["offer", "need"], e: Offer | Need) -> CatalogueItem:
        p = by_id.get(e.participant)
        return CatalogueItem(
            side=side, entry=e.id, participant=e.participant, participant_name=p.name if p else e.participant,
            participant_kind=p.kind if p else "", contact=p.contact if p else "", title=e.title,
            description=e.description, tags=list(e.tags),
            hours=e.amount.hours if e.amount else None, items=e.amount.items if e.amount else None,
        )

    def key(i: CatalogueItem) -> tuple[str, str]:
        return (i.participant_name.lower(), i.title.lower())

    return [
        CatalogueSection(
            category=c,
            label=words.categories[c],
            offers=sorted((item("offer", o) for o in offers if o.category == c), key=key),
            needs=sorted((item("need", n) for n in needs if n.category == c), key=key),
        )
        for c in CATEGORIES
    ]


def catalogue_csv(
    participants: Sequence[Participant], offers: Sequence[Offer], needs: Sequence[Need], words: Words = ENGLISH
) -> str:
    """The catalogue as CSV, grouped by category (offers, then needs, within each)."""
    side_label = words.sides
    rows: list[list[object]] = [list(words.catalogue_head)]
    for section in catalogue(participants, offers, needs, words):
        for i in (*section.offers, *section.needs):
            rows.append([
                section.label, side_label[i.side], i.participant_name, i.participant_kind, i.contact, i.title,
                i.description, "; ".join(i.tags), "" if i.hours is None else f"{i.hours:g}",
                "" if i.items is None else i.items,
            ])
    return _csv(rows)
