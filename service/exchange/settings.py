"""The exchange event's settings, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import msgspec

from events.valuation import DEFAULT_RATES, Rates
from service.settings import SettingsError, env_float


def _rates() -> Rates:
    raw = os.environ.get("SAMSPILL_EXCHANGE_RATES")
    if not raw:
        return DEFAULT_RATES
    try:
        return msgspec.json.decode(raw, type=Rates).merged()
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise SettingsError(f"SAMSPILL_EXCHANGE_RATES is not valid rates JSON: {exc}") from None


@dataclass(frozen=True)
class ExchangeSettings:
    # NOK per hour or item per kind of help, for the *estimated* value; e.g.
    # SAMSPILL_EXCHANGE_RATES='{"by_kind": {"knowledge": {"per_hour": 900}}}' (others keep their defaults).
    rates: Rates = field(default_factory=lambda: DEFAULT_RATES)
    # How often each server process checks that its board streams show what the database holds.
    board_resync_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> ExchangeSettings:
        return cls(rates=_rates(), board_resync_seconds=env_float("SAMSPILL_BOARD_RESYNC_SECONDS", 5.0))
