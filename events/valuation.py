"""Estimated value of agreements: hours (or items) × a configurable rate per kind of help.

Dutch organisers value each agreement this way to show what an event was worth. It is an
estimate of what the help would have cost, never money that changed hands, and every
output that shows it carries `ESTIMATE_LABEL`.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct, field

from events.schema import Agreement, Give, GiveKind

ESTIMATE_LABEL = (
    "estimated value in NOK (an estimate: hours or items × a rate per kind of help; no money changes hands)"
)

Nok = Annotated[float, Meta(ge=0)]


class Rate(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """NOK per hour and per item for one kind of help; None where the unit does not apply."""

    per_hour: Nok | None = None
    per_item: Nok | None = None


def _default_rates() -> dict[GiveKind, Rate]:
    return {
        "time": Rate(per_hour=400),
        "labour": Rate(per_hour=400),
        "knowledge": Rate(per_hour=800),
        "event_help": Rate(per_hour=400),
        # Premises are lent by the hour or by the booking (an evening, a day).
        "premises": Rate(per_hour=500, per_item=2000),
        "goods": Rate(per_item=250),
    }


class Rates(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The rate table. Decode a partial table from settings and `merged()` fills the rest from defaults."""

    by_kind: dict[GiveKind, Rate] = field(default_factory=_default_rates)

    def merged(self) -> Rates:
        return Rates(by_kind={**_default_rates(), **self.by_kind})


DEFAULT_RATES = Rates()


def give_value(give: Give, rates: Rates = DEFAULT_RATES) -> float | None:
    """The estimated NOK value of one give, or None when the table has no rate for its unit."""
    rate = rates.by_kind.get(give.kind)
    if rate is None:
        return None
    if give.hours is not None:
        return None if rate.per_hour is None else give.hours * rate.per_hour
    if give.items is not None:
        return None if rate.per_item is None else give.items * rate.per_item
    return None


class Valuation(Struct, frozen=True, kw_only=True):
    """The estimate for one agreement; `unvalued` counts gives the rate table could not price."""

    nok: int
    unvalued: int
    label: str = ESTIMATE_LABEL


def agreement_value(agreement: Agreement, rates: Rates = DEFAULT_RATES) -> Valuation:
    total = 0.0
    unvalued = 0
    for give in agreement.gives:
        value = give_value(give, rates)
        if value is None:
            unvalued += 1
        else:
            total += value
    return Valuation(nok=round(total), unvalued=unvalued)


def agreement_value_nok(agreement: Agreement, rates: Rates = DEFAULT_RATES) -> int:
    return agreement_value(agreement, rates).nok
