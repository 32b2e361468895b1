"""The coordinator's at-risk page: every placement in force that needs a decision, with why.

One list from the places that know: the rule-based check of placements in force
(`placements.at_risk_placements`, through matcher.at_risk: a course expiring, an agreement
missing, times that no longer fit …), attendance (`attendance.missed_in_a_row`: three
occurrences missed in a row), the site contacts' reports that a placement should end
(`site_reports`), and follow-up conversations more than OVERDUE_DAYS late. Nothing here ends a
placement: the coordinator decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service import clock
from service.auth import Principal
from service.register.attendance import missed_in_a_row
from service.register.placements import IN_FORCE, at_risk_placements, list_placements
from service.register.site_reports import open_reports
from service.settings import Settings

OVERDUE_DAYS = 14
# Most urgent first: the site asks to end it, attendance has stopped, a rule is broken, follow-up is late.
_WEIGHT = {"should_end": 0, "missed_in_a_row": 1, "rule": 2, "followup_overdue": 3}


async def at_risk_for_page(session: AsyncSession, settings: Settings, who: Principal,
                           today: dt.date | None = None) -> list[dict[str, Any]]:
    """[{placement (a PlacementOut), reasons: [{kind, …}]}], most urgent first. `kind` is should_end |
    missed_in_a_row | rule (with the at-risk entry's code, rule, message, date, data) | followup_overdue."""
    who.require_coordinator()
    today = today or clock.today()
    reasons: dict[str, list[dict[str, Any]]] = {}
    for r in await open_reports(session, who):
        reasons.setdefault(r.placement, []).append({"kind": r.kind, "on": r.on, "report": r.id})
    for m in await missed_in_a_row(session, who):
        reasons.setdefault(m.placement, []).append(
            {"kind": "missed_in_a_row", "missed": m.missed, "on": m.last_missed})
    for e in await at_risk_placements(session, today, default_horizon_days=settings.default_horizon_days):
        reasons.setdefault(e["placement"], []).append({"kind": "rule", **e})
    out: list[dict[str, Any]] = []
    for p in await list_placements(session, settings, who):
        if p.state not in IN_FORCE:
            continue
        mine = list(reasons.get(p.id, []))
        due = p.next_followup
        if due is not None and (today - due).days > OVERDUE_DAYS:
            mine.append({"kind": "followup_overdue", "on": due})
        if mine:
            out.append({"placement": p, "reasons": mine})
    out.sort(key=lambda x: (min(_WEIGHT.get(r["kind"], 9) for r in x["reasons"]), str(x["placement"].start)))
    return out
