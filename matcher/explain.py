"""Reasons: why each match was made, and why each unfilled place is unfilled.

Built from the same rule functions and fit columns the solver used, so an
explanation can never disagree with the decision it explains. Every explanation has
a stable `code` (matcher/codes.py) and its parameters in `data`: pages render their
own language from those. The English `text` beside them is for the CLI and logs,
and is never parsed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple, cast

import numpy as np

from matcher import rules
from matcher.candidates import Candidates
from matcher.codes import ElsewhereCode, NearMissCode, SummaryCode
from matcher.constraints import blocking, day_text
from matcher.problem import DAY, Problem, duration, minutes
from matcher.schema import (
    AtRisk,
    Match,
    NearMiss,
    PlacedElsewhere,
    Reason,
    RuleCount,
    Unfilled,
    UnfilledReasons,
)

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
LIST_AT_MOST = 10


def _hhmm(m: int) -> str:
    m %= DAY
    return f"{m // 60:02d}:{m % 60:02d}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _dates_text(days: list[dt.date]) -> str:
    """'16 and 23 February', '30 January, 6 and 13 February' (English, for the plan's sentences)."""
    parts: list[str] = []
    for k, d in enumerate(days):
        same_month_next = k + 1 < len(days) and (days[k + 1].year, days[k + 1].month) == (d.year, d.month)
        parts.append(str(d.day) if same_month_next else day_text(d))
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def away_dates(p: Problem, v: int, j: int) -> tuple[list[dt.date], int]:
    """The dates of a weekly need's occurrences on which the volunteer is away, and how many there are."""
    need = p.need(j)
    occ = p.n_occ[j]
    if need.weekly is None or len(occ) == 0 or not p.volunteer(v).unavailable:
        return [], len(occ)
    h0 = p.scenario.horizon.start.toordinal()
    days = sorted({h0 + int(s) // DAY for s in occ[:, 0].tolist()})
    away = [d for d in days if any(x.from_.toordinal() <= d <= x.to.toordinal() for x in p.volunteer(v).unavailable)]
    return [dt.date.fromordinal(d) for d in away], len(days)


def explain_matches(
    p: Problem,
    c: Candidates,
    pairs: list[tuple[int, int, int]],
    pinned: set[tuple[int, int]],
    committed: set[tuple[int, int]] | None = None,
    at_risk: list[AtRisk] | None = None,
) -> list[Match]:
    committed = committed or set()
    risky: dict[tuple[str, str], list[AtRisk]] = defaultdict(list)
    for r in at_risk or []:
        risky[(r.volunteer, r.need)].append(r)
    out: list[Match] = []
    for v, j, k in pairs:
        vol, need = p.volunteer(v), p.need(j)
        site = p.scenario.sites[int(p.n_site[j])]
        activity = p.scenario.activities[int(p.n_activity[j])]
        t = c.terms(k)
        reasons = [
            Reason(
                code="priority",
                text=f"fills a place in a priority-{need.priority} need",
                data={"priority": need.priority},
            ),
        ]
        if (v, j) in committed:
            reasons.append(Reason(code="committed", text="a placement in force: kept as it is"))
        broken = risky.get((vol.id, need.id), [])
        if broken:
            rules_broken = sorted({r.rule for r in broken})
            reasons.append(Reason(
                code="at_risk",
                text=f"at risk: breaks {', '.join(rules_broken)} (see at_risk)",
                data={"rules": rules_broken, "codes": [r.code for r in broken]},
            ))
        else:
            reasons.append(Reason(code="eligible", text="meets every placement rule (E1–E9)"))
        if (v, j) in pinned:
            reasons.append(Reason(code="pinned", text="pinned by the coordinator"))
        away, of = away_dates(p, v, j)
        if away:
            reasons.append(Reason(
                code="away",
                text=f"away {len(away)} of {of} dates: {_dates_text(away)}; the site may need cover",
                data={"away": len(away), "dates": [d.isoformat() for d in away], "of": of},
            ))
        if t["interests"]:
            shared = sorted({x.strip().lower() for x in vol.interests} & {x.strip().lower() for x in need.tags})
            reasons.append(
                Reason(
                    code="interests",
                    text=f"shares interests: {', '.join(shared)}",
                    points=t["interests"],
                    data={"shared": shared},
                )
            )
        if t["continuity"]:
            same_activity = int(c.continuity[k]) == 2
            text = (
                f"has been {activity.name} at {site.name} before"
                if same_activity
                else f"has volunteered at {site.name} before"
            )
            reasons.append(
                Reason(code="continuity", text=text, points=t["continuity"],
                       data={"same_activity": same_activity, "site": site.id, "activity": activity.id})
            )
        if not np.isnan(c.km[k]):
            km = round(float(c.km[k]), 1)
            reasons.append(
                Reason(code="travel", text=f"lives {km:g} km away", points=t["travel"], data={"km": km})
            )
        if t["previous"]:
            reasons.append(Reason(code="previous", text="keeps a placement already in force", points=t["previous"]))
        out.append(
            Match(
                volunteer=vol.id,
                need=need.id,
                score=sum(t.values()),
                priority=need.priority,
                pinned=(v, j) in pinned,
                committed=(v, j) in committed,
                reasons=reasons,
            )
        )
    return out


VERBS = {"is": ("is", "are"), "has": ("has", "have"), "speaks": ("speaks", "speak"), "lives": ("lives", "live"),
         "was": ("was", "were")}
DETAIL_AT_MOST = 200  # volunteers per rule whose availability is described one by one


def _sentence(n: int, predicate: str) -> str:
    """'1 volunteer is …' / '3 volunteers are …' from a predicate with {is}, {has}, … verbs."""
    forms = {k: v[0] if n == 1 else v[1] for k, v in VERBS.items()}
    return f"{_plural(n, 'volunteer', 'volunteers')} {predicate.format(**forms)}"


Miss = tuple[NearMissCode, str, tuple[tuple[str, Any], ...]]  # code, English predicate, data (hashable)


def _availability_misses(p: Problem, j: int, vols: np.ndarray) -> list[Miss]:
    """Why each volunteer's availability misses need j: away when it starts, or the nearest window on
    the day of the first occurrence their weekly windows do not cover. One pass over the need's slots
    for all of `vols` (the availability columns are the rules' own, cached)."""
    start = int(p.n_start[j])
    away = rules.away_on(p, start)[vols]
    slots = p.n_week_slots[j]
    if slots:
        covered = np.stack([rules.covered_slot(p, wm, length)[vols] for wm, length in slots])
        first = np.argmin(covered, axis=0)
        missed = ~np.all(covered, axis=0)
    else:
        first = np.zeros(len(vols), dtype=np.int64)
        missed = np.zeros(len(vols), dtype=bool)
    per_slot: dict[int, tuple[int, str, tuple[tuple[str, Any], ...]]] = {}  # slot -> (day, need text, times)
    out: list[Miss] = []
    for i, v in enumerate(vols.tolist()):
        vol = p.volunteer(v)
        if away[i]:
            period = next(q for q in vol.unavailable if q.from_.toordinal() <= start <= q.to.toordinal())
            out.append(("away-at-start",
                        f"{{is}} away {period.from_.isoformat()} – {period.to.isoformat()}, when the need starts",
                        (("from", period.from_.isoformat()), ("to", period.to.isoformat()))))
            continue
        if not missed[i]:
            out.append(("not-available", "{is} not available at the need's times", ()))
            continue
        k = int(first[i])
        week_minute, length = slots[k]
        if k not in per_slot:
            day = week_minute // DAY
            need_from, need_to = _hhmm(week_minute), _hhmm(week_minute + length)
            per_slot[k] = day, f"{need_from}–{need_to}", (("weekday", day + 1), ("start", need_from), ("end", need_to))
        day, need_text, times = per_slot[k]
        same_day = [s for s in vol.availability if s.weekday - 1 == day]
        if not same_day:
            out.append(("not-available-on-day",
                        f"{{is}} not available on {WEEKDAYS[day]} (the need is {need_text})", times))
            continue
        best = max(same_day, key=lambda s: _overlap(s.start, s.end, week_minute % DAY, length))
        b0 = minutes(best.start)
        if b0 <= week_minute % DAY:
            b1 = _hhmm(b0 + duration(best.start, best.end))
            out.append(("available-until",
                        f"{{is}} available {WEEKDAYS[day]} but only until {b1} (the need is {need_text})",
                        (*times, ("time", b1))))
        else:
            out.append(("available-from",
                        f"{{is}} available {WEEKDAYS[day]} but only from {_hhmm(b0)} (the need is {need_text})",
                        (*times, ("time", _hhmm(b0)))))
    return out


def _overlap(start: str, end: str, a: int, length: int) -> int:
    s = minutes(start)
    e = s + duration(start, end)
    return max(0, min(e, a + length) - max(s, a))


def _near_misses(p: Problem, j: int, fails: np.ndarray, single: np.ndarray) -> list[NearMiss]:
    """Volunteers who break exactly one rule (`single`), grouped by what they lack; `fails` is the need's
    fail matrix (`RuleFacts.fails`: a row per rule of `rules.RULE_ORDER`, a column per volunteer)."""
    need = p.need(j)
    activity = p.scenario.activities[int(p.n_activity[j])]
    groups: dict[tuple[str, Miss], list[int]] = defaultdict(list)
    start = int(p.n_start[j])
    hours = int(p.n_minutes[j]) / 60
    fixed: dict[str, Miss] = {
        "E1": ("not-willing", f"would qualify if they took on {activity.name}", (("activity", activity.id),)),
        "E2": ("agreements-missing", "would qualify once the agreement and confidentiality declaration are signed",
               ()),
        "E4": ("under-age",
               f"would qualify but {{is}} under {int(p.n_min_age[j])} or {{has}} no birth date registered",
               (("min_age", int(p.n_min_age[j])),)),
        "E5": ("police-certificate",
               "would qualify with a police certificate shown (at most 3 months old when shown)", ()),
        "E6": ("not-available", "{is} not available at the need's times", ()),
        "E7": ("language", f"would qualify but {{speaks}} none of {', '.join(need.languages)}",
               (("languages", tuple(need.languages)),)),
        "E8": ("too-far", "would qualify but {lives} beyond their maximum travel distance", ()),
        "E9": ("forbidden", "would qualify but {was} rejected for this need by the coordinator", ()),
        "C2": ("over-hours",
               f"would qualify but {{has}} too few weekly hours ({hours:g} h in the need's busiest week)",
               (("hours", hours),)),
    }
    lone = np.flatnonzero(single)
    which = np.argmax(fails[:, lone], axis=0) if len(lone) else np.zeros(0, dtype=np.int64)  # the one rule each breaks
    by_rule = np.argsort(which, kind="stable")
    cut = np.searchsorted(which[by_rule], np.arange(len(rules.RULE_ORDER) + 1))
    for i, rule in enumerate(rules.RULE_ORDER):
        who = lone[by_rule[cut[i]:cut[i + 1]]]
        if len(who) == 0:
            continue
        if rule == "E3":
            for v in who.tolist():
                missing = next((t for t in p.n_trainings[j] if not rules.trainings_held(p, t, start)[v]), None)
                if missing is not None:
                    tr = p.scenario.trainings[missing]
                    groups[("E3", ("training-missing", f"would qualify with a valid {tr.name}",
                                   (("training", tr.id),)))].append(v)
                    continue
                last = int(p.n_last[j])
                expiring = next(t for t in p.n_trainings[j] if not rules.trainings_held(p, t, last)[v])
                tr = p.scenario.trainings[expiring]
                until = dt.date.fromordinal(last).isoformat()
                groups[("E3", ("training-expires", f"would qualify with {tr.name} renewed to last until {until}",
                               (("training", tr.id), ("until", until))))].append(v)
        elif rule == "E6":
            detail = who[:DETAIL_AT_MOST]
            for v, miss in zip(detail.tolist(), _availability_misses(p, j, detail), strict=True):
                groups[("E6", miss)].append(v)
            groups[("E6", fixed["E6"])].extend(who[DETAIL_AT_MOST:].tolist())
        else:
            groups[(rule, fixed[rule])].extend(who.tolist())
    ranked = sorted(((k, v) for k, v in groups.items() if v), key=lambda kv: (-len(kv[1]), kv[0][0], kv[0][1][1]))
    return [
        NearMiss(
            rule=rule,
            count=len(vols),
            text=_sentence(len(vols), text),
            code=code,
            data={k: list(x) if isinstance(x, tuple) else x for k, x in data},
            volunteers=[p.volunteer(v).id for v in vols[:LIST_AT_MOST]],
        )
        for (rule, (code, text, data)), vols in ranked
    ]


def _placed_elsewhere(
    p: Problem, j: int, eligible: np.ndarray, placed: dict[int, list[int]]
) -> list[PlacedElsewhere]:
    out: list[PlacedElsewhere] = []
    for v in np.flatnonzero(eligible).tolist():
        if j in placed.get(v, []):
            continue
        theirs = placed.get(v, [])
        vid = p.volunteer(v).id
        if not theirs:
            out.append(
                PlacedElsewhere(
                    volunteer=vid,
                    text="meets every rule but is not placed: the plan stopped at the time limit,"
                    " or a pinned placement blocks it",
                    code="not-placed",
                )
            )
        else:
            other = max(theirs, key=lambda k: int(p.n_priority[k]))
            on = p.need(other)
            broken = blocking(p, v, theirs, j)
            why = broken.message if broken else "the plan as a whole fills more or better places this way"
            code = cast(ElsewhereCode, broken.code) if broken is not None else "plan-prefers"  # a C2/C3 Break code
            out.append(
                PlacedElsewhere(
                    volunteer=vid,
                    need=on.id,
                    text=f"placed at {on.title!r} ({on.id}, priority {on.priority}) instead: {why}",
                    code=code,
                    data={"need": on.id, "priority": on.priority, **(broken.data if broken else {})},
                )
            )
        if len(out) >= LIST_AT_MOST:
            break
    return out


_E1 = rules.RULE_ORDER.index("E1")


class RuleFacts(NamedTuple):
    """What an open place's reasons take from the rules alone, whatever the plan (`unfilled_facts`)."""

    fails: np.ndarray  # bool, a row per rule of `rules.RULE_ORDER`, a column per volunteer: True where it fails
    n_fail: np.ndarray  # per volunteer: how many rules they fail
    misses: list[NearMiss]


def unfilled_facts(p: Problem, j: int) -> RuleFacts:
    """Per rule, which volunteers fail it for need j, and the near misses. (Computed beside the solver's
    last steps at 20 000 x 5 000, where the unfilled needs are known once coverage is.)"""
    passes = rules.rule_matrix(p, j, np.arange(p.n_volunteers))
    fails = ~np.stack([passes[r] for r in rules.RULE_ORDER])
    n_fail = fails.sum(axis=0, dtype=np.int8)  # at most len(RULE_ORDER); int8 keeps 20 000 x 400 open needs small
    return RuleFacts(fails, n_fail, _near_misses(p, j, fails, n_fail == 1))


def explain_unfilled(
    p: Problem,
    pairs: list[tuple[int, int, int]],
    filled: np.ndarray,
    *,
    detailed: bool = True,
    known: dict[int, RuleFacts] | None = None,
) -> list[Unfilled]:
    """Why each place is open; `known` holds needs' `unfilled_facts` computed before (any missing are
    computed here)."""
    placed: dict[int, list[int]] = defaultdict(list)
    for v, j, _ in pairs:
        placed[v].append(j)
    out: list[Unfilled] = []
    for j in range(p.n_needs):
        open_ = int(p.n_headcount[j]) - int(filled[j])
        if open_ <= 0:
            continue
        need = p.need(j)
        if not rules.has_occurrence(p, j):
            out.append(
                Unfilled(
                    need=need.id,
                    open=open_,
                    priority=need.priority,
                    reasons=UnfilledReasons(summary="the need has no occurrence inside the planning period",
                                            code="no-occurrence"),
                )
            )
            continue
        if not detailed:
            out.append(Unfilled(need=need.id, open=open_, priority=need.priority, reasons=UnfilledReasons(summary="")))
            continue
        fails, n_fail, misses = (known or {}).get(j) or unfilled_facts(p, j)
        eligible = n_fail == 0
        here = [v for v in np.flatnonzero(eligible).tolist() if j in placed.get(v, ())]
        eligible[here] = False  # those already placed on this need do not explain its open places
        per_rule = fails.sum(axis=1).tolist()
        excluded = [
            RuleCount(rule=r, excluded=k, text=rules.RULE_NAMES[r]) for r, k in zip(rules.RULE_ORDER, per_rule,
                                                                                     strict=True) if k
        ]
        elsewhere = _placed_elsewhere(p, j, eligible, placed)
        n_eligible = int(eligible.sum())
        code: SummaryCode
        data: dict[str, Any]
        if n_eligible == 0:
            others = ~fails[_E1]
            if not others.any():
                activity = p.scenario.activities[int(p.n_activity[j])]
                summary = f"no volunteer is willing to do {activity.name}"
                code, data = "unwilling", {"activity": activity.id}
            else:
                others[here] = False
                counts = (fails & others).sum(axis=1).tolist()
                among = {r: k for r, k in zip(rules.RULE_ORDER, counts, strict=True) if r != "E1"}
                worst = max(among, key=lambda r: among[r])
                summary = "no volunteer meets every rule" if not here else (
                    f"{_plural(len(here), 'eligible volunteer is', 'eligible volunteers are')} placed here"
                    " already and no one else meets every rule"
                )
                code = "placed-here" if here else "none-eligible"
                data = {"here": len(here), "willing": int(others.sum()),
                        "obstacle": worst if among[worst] else None, "obstacle_count": among[worst]}
                if among[worst]:
                    summary += (
                        f"; of {int(others.sum())}{' other' if here else ''} willing, the most common obstacle is:"
                        f" {rules.RULE_NAMES[worst]} ({among[worst]})"
                    )
        else:
            summary = (
                f"{_plural(n_eligible, 'volunteer meets', 'volunteers meet')} every rule"
                " but the plan places them elsewhere"
            )
            code, data = "eligible-elsewhere", {"eligible": n_eligible}
        if misses:
            summary += f"; nearest miss: {misses[0].text}"
        out.append(
            Unfilled(
                need=need.id,
                open=open_,
                priority=need.priority,
                reasons=UnfilledReasons(
                    summary=summary,
                    code=code,
                    data=data,
                    eligible=n_eligible,
                    excluded=excluded,
                    nearest_misses=misses,
                    placed_elsewhere=elsewhere,
                ),
            )
        )
    return out
