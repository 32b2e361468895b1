"""The coordinator's at-risk list for the web page: placements in force that need a decision.

INTERIM: branch c-commit-svc builds the rule-based at-risk list (`GET /api/v1/placements?at_risk=true`
and a function in service/register/placements.py). Until it lands, the page calls
`at_risk_for_page` here, which lists what the register already knows: a site contact's open report
(did not come, should end) and a follow-up conversation more than OVERDUE_DAYS overdue. When the
rule-based list lands, this function should call it and add the site reports — one list, one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import Principal
from service.register.placements import list_placements
from service.register.site_reports import open_reports
from service.settings import Settings

OVERDUE_DAYS = 14


async def at_risk_for_page(session: AsyncSession, settings: Settings, who: Principal,
                           today: dt.date | None = None) -> list[dict[str, Any]]:
    """[{placement, reasons: [{code, on}], reports: [...]}] sorted by the most urgent first."""
    who.require_coordinator()
    today = today or dt.date.today()
    reports: dict[str, list[dict[str, Any]]] = {}
    for r in await open_reports(session, who):
        reports.setdefault(r["placement"], []).append(r)
    out: list[dict[str, Any]] = []
    for p in await list_placements(session, settings, who):
        if p["state"] not in ("offered", "confirmed"):
            continue
        reasons = [{"code": r["kind"], "on": r["on"]} for r in reports.get(p["id"], [])]
        due = p["next_followup"]
        if due is not None and (today - due).days > OVERDUE_DAYS:
            reasons.append({"code": "followup_overdue", "on": due})
        if reasons:
            out.append({"placement": p, "reasons": reasons, "reports": reports.get(p["id"], [])})
    weight = {"should_end": 0, "no_show": 1, "followup_overdue": 2}
    out.sort(key=lambda x: (min(weight.get(r["code"], 3) for r in x["reasons"]), str(x["placement"]["start"])))
    return out
