"""Small factories for exchange-event tests (no mocks): one line per participant or entry."""

from __future__ import annotations

import datetime as dt

from events.schema import Agreement, Amount, ExchangeEvent, Give, Need, Offer, Participant

T0 = dt.datetime(2025, 10, 16, 18, 0, tzinfo=dt.UTC)


def event(rounds: int | None = None, tables: int | None = None) -> ExchangeEvent:
    return ExchangeEvent(id="ev", name="Frivilligbørsen", starts_at=T0, venue="Rådhuset", rounds=rounds, tables=tables)


def person(pid: str, kind: str = "organisation", name: str | None = None) -> Participant:
    return Participant(id=pid, name=name or pid, kind=kind, contact=f"{pid}@example.no")  # type: ignore[arg-type]


def offer(eid: str, who: str, category: str, title: str, tags: tuple[str, ...] = (), hours: float | None = None,
          items: int | None = None) -> Offer:
    amount = Amount(hours=hours, items=items) if (hours or items) else None
    return Offer(id=eid, participant=who, category=category, title=title, tags=list(tags), amount=amount)  # type: ignore[arg-type]


def need(eid: str, who: str, category: str, title: str, tags: tuple[str, ...] = (), hours: float | None = None,
         items: int | None = None) -> Need:
    amount = Amount(hours=hours, items=items) if (hours or items) else None
    return Need(id=eid, participant=who, category=category, title=title, tags=list(tags), amount=amount)  # type: ignore[arg-type]


def give(frm: str, kind: str, hours: float | None = None, items: int | None = None, description: str = "") -> Give:
    return Give(from_=frm, kind=kind, hours=hours, items=items, description=description)  # type: ignore[arg-type]


def agreement(
    aid: str, a: str, b: str, *gives: Give, minutes: int = 0, confirmed: bool = False, **kw: object
) -> Agreement:
    return Agreement(
        id=aid,
        parties=[a, b],
        gives=list(gives),
        registered_at=T0 + dt.timedelta(minutes=minutes),
        confirmed_by="notarius" if confirmed else None,
        **kw,  # type: ignore[arg-type]
    )
