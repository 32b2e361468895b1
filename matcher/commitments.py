"""Committed placements (in force) that break a rule now: the plan's `at_risk` list.

A committed pair stays in the plan whatever happens — it is in force until the
coordinator ends it — but when the register changes (a course expires, a need moves, a
headcount drops) it may no longer hold. `at_risk(scenario)` says which, why and what to
do, without solving: the service calls it on every accept (with a small scenario) and on
the whole register, and `matcher.solve` calls the same `check_committed` for
`plan.at_risk`, so the two cannot disagree.

Each committed pair is checked against E1–E9 on the need's first occurrence in the
horizon (E3 also on its last one, `matcher.rules`), and the committed pairs together
against C1 (holders beyond the headcount), C2 (per ISO week) and C3 (overlaps)
(`matcher.constraints`). A pair whose need has no occurrence in the horizon is not
checked: it takes no time in the planning period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import cast

import msgspec
import numpy as np

from matcher import rules
from matcher.codes import AtRiskCode
from matcher.constraints import day_text, first_overlap, needs_overlap, week_break
from matcher.problem import DAY, WEEK, Problem, compile_problem
from matcher.scenario import in_canonical_order
from matcher.schema import AtRisk, Scenario

RULE_ORDER = {name: k for k, (name, _) in enumerate(rules.RULES)} | {"C1": 10, "C2": 11, "C3": 12}

# Every `AtRisk.code`, with its rule: a stable list for programs and message catalogues.
AT_RISK_CODES: dict[str, str] = {
    "not-willing": "E1",
    "agreements-missing": "E2",
    "training-missing": "E3",
    "training-expires": "E3",
    "under-age": "E4",
    "police-certificate": "E5",
    "away-at-start": "E6",
    "not-available": "E6",
    "language": "E7",
    "too-far": "E8",
    "forbidden": "E9",
    "over-headcount": "C1",
    "over-assignments": "C2",
    "over-hours": "C2",
    "overlap": "C3",
}


def at_risk(scenario: Scenario) -> list[AtRisk]:
    """Every committed pair of the scenario that breaks a rule (E1–E9 on its own, C1–C3
    together with the other committed pairs), with a stable code, facts and what to do.
    Empty when every placement in force still holds.

    Only the committed pairs' volunteers and needs are compiled (the rules of a pair read
    nothing else but the catalogue, the horizon and the forbidden pairs), so a call on the
    whole register costs what its placements in force cost, not what the register does."""
    vols = {c.volunteer for c in scenario.committed}
    needs = {c.need for c in scenario.committed}
    narrow = msgspec.structs.replace(
        scenario,
        volunteers=[v for v in scenario.volunteers if v.id in vols],
        needs=[n for n in scenario.needs if n.id in needs],
        forbidden=[f for f in scenario.forbidden if f.volunteer in vols and f.need in needs],
        pinned=[],
        previous=[],
    )
    return check_committed(compile_problem(in_canonical_order(narrow)))  # the order `matcher.solve` reports in


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _e3(p: Problem, v: int, j: int) -> list[tuple[str, str, dt.date | None, dict[str, object]]]:
    out: list[tuple[str, str, dt.date | None, dict[str, object]]] = []
    start, last = int(p.n_start[j]), int(p.n_last[j])
    for t in p.n_trainings[j]:
        name = p.scenario.trainings[t].name
        tid = p.scenario.trainings[t].id
        if not rules.trainings_held(p, t, start)[v]:
            out.append((
                "training-missing",
                f"{name} is not valid on the start {_iso(start)}: renew it or end the placement",
                dt.date.fromordinal(start), {"training": tid, "training_name": name, "start": _iso(start)},
            ))
        elif not rules.trainings_held(p, t, last)[v]:
            valid = (p.tr_vol == v) & (p.tr_train == t) & (p.tr_from <= start) & (p.tr_to >= start)
            expires = int(p.tr_to[valid].max())
            out.append((
                "training-expires",
                (f"{name} expires {_iso(expires)}, before the last occurrence on {_iso(last)}:"
                 " renew it or end the placement"),
                dt.date.fromordinal(expires),
                {"training": tid, "training_name": name, "expires": _iso(expires), "last": _iso(last)},
            ))
    return out


def _e6(p: Problem, v: int, j: int) -> tuple[str, str, dt.date | None, dict[str, object]]:
    start = int(p.n_start[j])
    for period in p.volunteer(v).unavailable:
        if period.from_.toordinal() <= start <= period.to.toordinal():
            return (
                "away-at-start",
                (f"away {period.from_.isoformat()} – {period.to.isoformat()}, when the need starts on"
                 f" {_iso(start)}: find cover or end the placement"),
                dt.date.fromordinal(start),
                {"from": period.from_.isoformat(), "to": period.to.isoformat(), "start": _iso(start)},
            )
    occ = p.n_occ[j]
    h0 = p.scenario.horizon.start
    offset = (h0.isoweekday() - 1) * DAY
    week_minute = (occ[:, 0] + offset) % WEEK
    outside = np.zeros(len(occ), dtype=bool)
    for wm, length in p.n_week_slots[j]:
        if not rules.covered_slot(p, wm, length)[v]:
            outside |= (week_minute == wm) & (occ[:, 1] - occ[:, 0] == length)
    k = np.flatnonzero(outside)
    first = h0 + dt.timedelta(days=int(occ[k[0], 0]) // DAY) if len(k) else None
    return (
        "not-available",
        f"not available for {len(k)} of {len(occ)} occurrences"
        + (f", the first on {first.isoformat()}" if first else "")
        + ": agree new times or end the placement",
        first,
        {"outside": len(k), "occurrences": len(occ), **({"first": first.isoformat()} if first else {})},
    )


def _describe(p: Problem, v: int, j: int, rule: str) -> list[tuple[str, str, dt.date | None, dict[str, object]]]:
    """(code, message, date, data) for one broken eligibility rule of a committed pair."""
    start = int(p.n_start[j])
    need = p.need(j)
    activity = p.scenario.activities[int(p.n_activity[j])]
    on_start = dt.date.fromordinal(start)
    if rule == "E1":
        return [("not-willing", f"no longer does {activity.name}: end the placement or add the activity",
                 None, {"activity": activity.id, "activity_name": activity.name})]
    if rule == "E2":
        return [("agreements-missing",
                 (f"the volunteer agreement or confidentiality declaration is not signed by the start {_iso(start)}:"
                  " have them signed or end the placement"), on_start, {"start": _iso(start)})]
    if rule == "E3":
        return _e3(p, v, j)
    if rule == "E4":
        m = int(p.n_min_age[j])
        return [("under-age", (f"under the minimum age {m} on the start {_iso(start)}, or no birth date registered:"
                               " end the placement"), on_start, {"min_age": m, "start": _iso(start)})]
    if rule == "E5":
        return [("police-certificate",
                 (f"no valid police certificate shown by the start {_iso(start)} (at most 3 months old when shown):"
                  " ask for one or end the placement"), on_start, {"start": _iso(start)})]
    if rule == "E6":
        return [_e6(p, v, j)]
    if rule == "E7":
        return [("language", f"speaks none of {', '.join(need.languages)}: end the placement",
                 None, {"languages": list(need.languages)})]
    if rule == "E8":
        km = float(rules.distances(p, j, np.array([v]))[0])
        limit = float(p.v_max_km[v])
        return [("too-far", f"lives {km:.1f} km away, beyond their limit of {limit:g} km: end the placement",
                 None, {"km": round(km, 1), "max_km": limit})]
    return [("forbidden", "the pair is rejected by the coordinator: end the placement", None, {})]


def check_committed(p: Problem) -> list[AtRisk]:
    """`at_risk` on a compiled problem: what `matcher.solve` puts in `plan.at_risk`."""
    found: list[tuple[int, int, AtRisk]] = []  # (committed position, rule order, entry)
    position = {pair: k for k, pair in enumerate(p.committed)}

    def add(v: int, j: int, rule: str, code: str, message: str, date: dt.date | None, data: dict[str, object]) -> None:
        found.append((position[(v, j)], RULE_ORDER[rule], AtRisk(
            volunteer=p.volunteer(v).id, need=p.need(j).id, rule=rule, code=cast(AtRiskCode, code), message=message,
            date=date,
            data=dict(data),
        )))

    live = [(v, j) for v, j in p.committed if rules.has_occurrence(p, j)]
    by_need: dict[int, list[int]] = defaultdict(list)
    for v, j in live:
        by_need[j].append(v)
    for j, vs in by_need.items():  # each rule over the need's column of holders, as candidates do
        vols = np.array(vs, dtype=np.int64)
        for name, rule in rules.RULES:
            for v in vols[~rule(p, j, vols)].tolist():
                for code, message, date, data in _describe(p, v, j, name):
                    add(v, j, name, code, message, date, data)

    holders: dict[int, list[int]] = defaultdict(list)
    held: dict[int, list[int]] = defaultdict(list)
    for v, j in live:
        holders[j].append(v)
        held[v].append(j)
    for j, vs in holders.items():
        cap = int(p.n_headcount[j])
        if len(vs) > cap:
            for v in vs:
                add(v, j, "C1", "over-headcount",
                    f"need {p.need(j).id} has {len(vs)} volunteers in force for {cap} place(s):"
                    " end a placement or raise the headcount", None, {"headcount": cap, "holders": len(vs)})
    for v, js in held.items():
        if week_break(p, v, js) is not None:
            for j in js:
                b = week_break(p, v, js, p.n_week_minutes[j] > 0)
                if b is None:
                    continue
                if b.code == "over-assignments":
                    text = (f"{b.data['assignments']} assignments in force in the week of {b.data['week']},"
                            f" more than max_assignments {b.data['max_assignments']}")
                else:
                    text = (f"{b.data['hours']:g} hours in force in the week of {b.data['week']},"
                            f" more than {b.data['max_hours']:g} a week")
                add(v, j, "C2", b.code, f"{text}: end a placement or raise the limit", b.date, b.data)
        for a_i, a in enumerate(js):
            for b_need in js[a_i + 1 :]:
                if needs_overlap(p, a, b_need):
                    day = first_overlap(p, a, b_need)
                    when = f" on {day_text(day)} {day.year}" if day else ""
                    for x, y in ((a, b_need), (b_need, a)):
                        add(v, x, "C3", "overlap",
                            f"overlaps need {p.need(y).id}{when}: end one of the placements or move a need",
                            day, {"other_need": p.need(y).id, **({"date": day.isoformat()} if day else {})})
    found.sort(key=lambda t: (t[0], t[1]))
    return [entry for _, _, entry in found]
