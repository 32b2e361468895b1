"""The live board (the big screen) from the agreements registered so far."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from events.schema import CATEGORIES, Agreement, BoardLine, BoardSnapshot, Leader, Participant
from events.valuation import DEFAULT_RATES, ESTIMATE_LABEL, Rates, agreement_value_nok

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _sort_time(a: Agreement) -> dt.datetime:
    t = a.registered_at
    if t is None:
        return _EPOCH
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _amount(hours: float | None, items: int | None) -> str:
    if hours is not None:
        return f"{hours:g} h"
    return f"{items} item{'s' if items != 1 else ''}"


def summarise(agreement: Agreement, names: Mapping[str, str]) -> str:
    """One English line for logs and the API, e.g. "Bilhuset gives goods (1 item) to Røde Kors; Røde Kors
    gives time (4 h)". Screens in other languages render it from the agreement's gives (the service's
    catalogue), not from this sentence."""
    parts = []
    for g in agreement.gives:
        other = agreement.parties[1] if g.from_ == agreement.parties[0] else agreement.parties[0]
        what = f"{g.kind.replace('_', ' ')} ({_amount(g.hours, g.items)})"
        desc = f": {g.description}" if g.description else ""
        parts.append(f"{names.get(g.from_, g.from_)} gives {what}{desc} to {names.get(other, other)}")
    return "; ".join(parts)


def board_snapshot(
    agreements: Sequence[Agreement],
    participants: Sequence[Participant] | Mapping[str, Participant] = (),
    *,
    latest: int = 5,
    leaders: int = 5,
    rates: Rates = DEFAULT_RATES,
) -> BoardSnapshot:
    """Totals, the latest `latest` agreements (newest first), the top `leaders` participants by
    number of agreements and by estimated value, and counts per catalogue category
    (keyed by category id; `CATEGORY_LABELS` has the English and Norwegian labels)."""
    by_id = dict(participants) if isinstance(participants, Mapping) else {p.id: p for p in participants}
    names = {pid: p.name for pid, p in by_id.items()}

    count: Counter[str] = Counter()
    value: defaultdict[str, int] = defaultdict(int)
    per_category: dict[str, int] = {c: 0 for c in CATEGORIES}
    total_value = 0
    for a in agreements:
        v = agreement_value_nok(a, rates)
        total_value += v
        cat = a.primary_category
        per_category[cat] += 1
        for p in a.parties:
            count[p] += 1
            # Both parties made the agreement happen, so both are credited with its value.
            value[p] += v

    def leader(pid: str) -> Leader:
        return Leader(participant=pid, name=names.get(pid, pid), agreements=count[pid], estimated_value_nok=value[pid])

    # Ties break by name so the screen does not flicker between equals.
    by_count = sorted(count, key=lambda p: (-count[p], -value[p], names.get(p, p)))[:leaders]
    by_value = sorted(count, key=lambda p: (-value[p], -count[p], names.get(p, p)))[:leaders]
    newest = sorted(enumerate(agreements), key=lambda ia: (_sort_time(ia[1]), ia[0]), reverse=True)[:latest]
    lines = [
        BoardLine(
            agreement=a.id,
            parties=[names.get(p, p) for p in a.parties],
            category=a.primary_category,
            summary=summarise(a, names),
            two_way=a.is_two_way,
            registered_at=a.registered_at,
            confirmed=a.confirmed_by is not None,
        )
        for _, a in newest
    ]
    return BoardSnapshot(
        total=len(agreements),
        confirmed=sum(a.confirmed_by is not None for a in agreements),
        two_way=sum(a.is_two_way for a in agreements),
        per_category=per_category,
        latest=lines,
        leaders_by_agreements=[leader(p) for p in by_count],
        leaders_by_value=[leader(p) for p in by_value],
        estimated_value_nok=total_value,
        value_label=ESTIMATE_LABEL,
    )
