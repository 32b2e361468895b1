"""Independent validation of a plan against every rule: the executable spec.

Written apart from the solver on purpose: it imports only `matcher.schema` and the
standard library, uses plain scalar Python and checks only the matched pairs (plus
the pinned and committed pairs, the per-need counts and the at_risk list), so a solver
bug cannot hide behind a shared helper. One function per rule; each returns a
plain-English reason or None.

Weeks are ISO calendar weeks (`date.isocalendar`); an occurrence belongs to the week of
its start. A committed pair that breaks a rule, alone or with the other committed pairs,
is no violation of the plan's as long as `at_risk` says so (`check_committed`).

Times are naive local datetimes (Europe/Oslo wall clock); intervals are half-open.
Wall-clock arithmetic is deliberate: a 22:00–06:00 shift is 8 hours on the rota
even on the night the clocks change.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from matcher.schema import (
    FIT_REL_GAP,
    PLAN_FORMAT,
    Activity,
    Location,
    Need,
    Plan,
    Scenario,
    Site,
    Slot,
    Volunteer,
    Weights,
)

EARTH_RADIUS_KM = 6371.0
POLICE_CERTIFICATE_MAX_AGE_MONTHS = 3

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Violation:
    """One broken rule. `rule` is E1..E9, C1..C4, COMMITTED, AT_RISK, SCORE, COVERAGE, UNFILLED,
    FORMAT or REF."""

    rule: str
    message: str
    volunteer: str | None = None
    need: str | None = None


# ---------------------------------------------------------------- small helpers


def parse_time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def interval_on(day: dt.date, start: str, end: str) -> Interval:
    """The interval of a slot starting on `day`; an end not after the start is next day."""
    begin = dt.datetime.combine(day, parse_time(start))
    finish = dt.datetime.combine(day, parse_time(end))
    if finish <= begin:
        finish += dt.timedelta(days=1)
    return begin, finish


def slot_minutes(start: str, end: str) -> int:
    begin, finish = interval_on(dt.date(2001, 1, 1), start, end)
    return int((finish - begin).total_seconds()) // 60


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months, the day clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_of_next - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`; the birthday itself counts."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def haversine_km(a: Location, b: Location) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def weights_of(scenario: Scenario) -> Weights:
    return scenario.weights if scenario.weights is not None else Weights()


# ---------------------------------------------------------------- occurrences


def occurrences(scenario: Scenario, need: Need) -> list[Interval]:
    """The need's time intervals inside the horizon, sorted by start."""
    horizon = scenario.horizon
    result: list[Interval] = []
    if need.once is not None:
        if horizon.start <= need.once.date <= horizon.end:
            result.append(interval_on(need.once.date, need.once.start, need.once.end))
    elif need.weekly is not None:
        first = horizon.start if need.from_ is None else max(horizon.start, need.from_)
        last = horizon.end if need.until is None else min(horizon.end, need.until)
        day = first
        while day <= last:
            for slot in need.weekly:
                if slot.weekday == day.isoweekday():
                    result.append(interval_on(day, slot.start, slot.end))
            day += dt.timedelta(days=1)
    result.sort()
    return result


def start_date(occs: list[Interval]) -> dt.date | None:
    return occs[0][0].date() if occs else None


def weekly_minutes(need: Need) -> int:
    """The need's minutes in a full week of its pattern: its slots' total, or the once slot.
    (C2 counts the minutes of each ISO week: `week_loads`.)"""
    if need.once is not None:
        return slot_minutes(need.once.start, need.once.end)
    return sum(slot_minutes(s.start, s.end) for s in need.weekly or [])


def inside_availability(occ: Interval, windows: list[Slot]) -> bool:
    """Is the occurrence fully inside the union of the weekly windows' occurrences?

    Windows that touch or overlap join (across midnight, from Sunday into Monday). A
    window lasts at most 24 hours, so only window occurrences starting from the day before
    the occurrence's start to the day of its end can meet it; they are merged in time order
    and the occurrence must lie inside one merged stretch.
    """
    found: list[Interval] = []
    day = occ[0].date() - dt.timedelta(days=1)
    while day <= occ[1].date():
        for w in windows:
            if w.weekday == day.isoweekday():
                found.append(interval_on(day, w.start, w.end))
        day += dt.timedelta(days=1)
    found.sort()
    merged: list[list[dt.datetime]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return any(a <= occ[0] and occ[1] <= b for a, b in merged)


def iso_week(occ: Interval) -> tuple[int, int]:
    """The ISO (year, week) an occurrence belongs to: the week of its start."""
    year, week, _ = occ[0].date().isocalendar()
    return year, week


def occ_minutes(occ: Interval) -> int:
    return int((occ[1] - occ[0]).total_seconds()) // 60


def week_loads(occurrences_of: dict[str, list[Interval]],
               need_ids: list[str]) -> dict[tuple[int, int], tuple[int, int]]:
    """C2's measure: per ISO week, how many of the needs have an occurrence starting in it, and
    the minutes of those occurrences."""
    needs_in: dict[tuple[int, int], set[str]] = defaultdict(set)
    minutes: Counter[tuple[int, int]] = Counter()
    for n_id in need_ids:
        for occ in occurrences_of[n_id]:
            week = iso_week(occ)
            needs_in[week].add(n_id)
            minutes[week] += occ_minutes(occ)
    return {week: (len(ids), minutes[week]) for week, ids in needs_in.items()}


def week_over(v: Volunteer, loads: dict[tuple[int, int], tuple[int, int]]) -> list[tuple[tuple[int, int], str]]:
    """The ISO weeks in which the loads break the volunteer's C2 limits, with the facts."""
    out = []
    for week in sorted(loads):
        count, minutes = loads[week]
        monday = dt.date.fromisocalendar(week[0], week[1], 1)
        if count > v.max_assignments:
            out.append((week, f"{count} needs in the week of {monday}, more than max_assignments {v.max_assignments}"))
        elif v.max_hours_per_week is not None and minutes > v.max_hours_per_week * 60 + 1e-6:
            out.append((week, (f"{minutes / 60:g} hours in the week of {monday}, more than max_hours_per_week "
                               f"{v.max_hours_per_week:g}")))
    return out


# ---------------------------------------------------------------- eligibility, one rule each
# Each returns None when the rule holds, otherwise the facts that break it.


def rule_willing(v: Volunteer, n: Need) -> str | None:
    if n.activity in v.activities:
        return None
    return f"volunteer {v.id} does not do activity {n.activity!r} (does: {sorted(v.activities)})"


def rule_agreements(v: Volunteer, start: dt.date) -> str | None:
    problems = []
    for label, signed in (("volunteer agreement", v.agreement_signed),
                          ("confidentiality declaration", v.confidentiality_signed)):
        if signed is None:
            problems.append(f"has not signed the {label}")
        elif signed > start:
            problems.append(f"signed the {label} on {signed}, after the start {start}")
    if not problems:
        return None
    return f"volunteer {v.id} " + " and ".join(problems)


def rule_training(
    v: Volunteer, n: Need, activity: Activity | None, start: dt.date, last: dt.date | None = None
) -> str | None:
    """Every required training valid on the start date and, where there is a later one, on the
    last occurrence's date too."""
    required = set(n.requires_training)
    if activity is not None:
        required |= set(activity.requires_training)
    days = [start] if last is None or last == start else [start, last]
    missing = []
    for training in sorted(required):
        for day in days:
            held = any(
                h.training == training and h.completed <= day and (h.expires is None or h.expires >= day)
                for h in v.trainings
            )
            if not held:
                missing.append((training, day))
                break
    if not missing:
        return None
    on_start = [t for t, day in missing if day == start]
    on_last = [t for t, day in missing if day != start]
    parts = []
    if on_start:
        parts.append(f"does not hold valid training {on_start} on the start {start}")
    if on_last:
        parts.append(f"holds training {on_last} on the start but not on the last occurrence {last}")
    return f"volunteer {v.id} " + " and ".join(parts)


def rule_age(v: Volunteer, n: Need, activity: Activity | None, start: dt.date) -> str | None:
    minimum = max(activity.min_age if activity is not None else 0, n.min_age)
    if minimum <= 0:
        return None
    if v.birth_date is None:
        return f"need {n.id} has minimum age {minimum} and volunteer {v.id} has no birth date"
    age = age_on(v.birth_date, start)
    if age >= minimum:
        return None
    return f"volunteer {v.id} is {age} on the start {start}, under the minimum age {minimum}"


def rule_police_certificate(v: Volunteer, n: Need, activity: Activity | None, start: dt.date) -> str | None:
    if not (n.police_certificate or (activity is not None and activity.police_certificate)):
        return None
    cert = v.police_certificate
    if cert is None:
        return f"need {n.id} requires a police certificate and volunteer {v.id} has shown none"
    if cert.shown > start:
        return f"volunteer {v.id} showed the police certificate on {cert.shown}, after the start {start}"
    latest = add_months(cert.issued, POLICE_CERTIFICATE_MAX_AGE_MONTHS)
    if cert.shown > latest:
        return (
            f"volunteer {v.id}'s police certificate was issued {cert.issued} and shown {cert.shown}, "
            f"more than {POLICE_CERTIFICATE_MAX_AGE_MONTHS} months later (latest {latest})"
        )
    return None


def rule_availability(v: Volunteer, n: Need, occs: list[Interval]) -> str | None:
    start = start_date(occs)
    if start is None:
        return f"need {n.id} has no occurrence in the horizon"
    outside = [occ for occ in occs if not inside_availability(occ, v.availability)]
    if outside:
        first = outside[0]
        return (
            f"volunteer {v.id} is not available for {len(outside)} of {len(occs)} occurrences of need "
            f"{n.id}, the first {first[0]:%Y-%m-%d %H:%M}–{first[1]:%Y-%m-%d %H:%M}"
        )
    for period in v.unavailable:
        if period.from_ <= start <= period.to:
            return (
                f"volunteer {v.id} is away {period.from_}–{period.to}, which includes the start {start} "
                f"of need {n.id}"
            )
    return None


def rule_language(v: Volunteer, n: Need) -> str | None:
    if not n.languages or {x.lower() for x in v.languages} & {x.lower() for x in n.languages}:
        return None
    return f"need {n.id} needs one of the languages {n.languages}; volunteer {v.id} speaks {v.languages}"


def rule_distance(v: Volunteer, n: Need, site: Site | None) -> str | None:
    if v.max_travel_km is None or v.location is None or site is None or site.location is None:
        return None
    distance = haversine_km(v.location, site.location)
    if distance <= v.max_travel_km:
        return None
    return (
        f"site {site.id} of need {n.id} is {distance:.1f} km from volunteer {v.id}, "
        f"beyond their limit of {v.max_travel_km} km"
    )


def rule_not_forbidden(v: Volunteer, n: Need, forbidden: set[tuple[str, str]]) -> str | None:
    if (v.id, n.id) in forbidden:
        return f"the pair volunteer {v.id} and need {n.id} is forbidden"
    return None


# ---------------------------------------------------------------- lookups shared by the checks


@dataclass
class _Lookup:
    activities: dict[str, Activity]
    sites: dict[str, Site]
    forbidden: set[tuple[str, str]]
    previous: set[tuple[str, str]]
    pinned: set[tuple[str, str]]
    committed: set[tuple[str, str]]
    occurrences: dict[str, list[Interval]]

    @classmethod
    def of(cls, scenario: Scenario) -> _Lookup:
        return cls(
            activities={a.id: a for a in scenario.activities},
            sites={s.id: s for s in scenario.sites},
            forbidden={(p.volunteer, p.need) for p in scenario.forbidden},
            previous={(p.volunteer, p.need) for p in scenario.previous},
            pinned={(p.volunteer, p.need) for p in scenario.pinned},
            committed={(p.volunteer, p.need) for p in scenario.committed},
            occurrences={},
        )

    def occurrences_of(self, scenario: Scenario, need: Need) -> list[Interval]:
        if need.id not in self.occurrences:
            self.occurrences[need.id] = occurrences(scenario, need)
        return self.occurrences[need.id]


def _pair_violations(scenario: Scenario, look: _Lookup, v: Volunteer, n: Need) -> list[Violation]:
    activity = look.activities.get(n.activity)
    occs = look.occurrences_of(scenario, n)
    start = start_date(occs)
    found: list[tuple[str, str | None]] = [("E1", rule_willing(v, n))]
    if start is not None:
        found += [
            ("E2", rule_agreements(v, start)),
            ("E3", rule_training(v, n, activity, start, occs[-1][0].date())),
            ("E4", rule_age(v, n, activity, start)),
            ("E5", rule_police_certificate(v, n, activity, start)),
        ]
    found += [
        ("E6", rule_availability(v, n, occs)),
        ("E7", rule_language(v, n)),
        ("E8", rule_distance(v, n, look.sites.get(n.site))),
        ("E9", rule_not_forbidden(v, n, look.forbidden)),
    ]
    return [Violation(rule, message, v.id, n.id) for rule, message in found if message is not None]


def pair_violations(scenario: Scenario, volunteer: Volunteer, need: Need) -> list[Violation]:
    """E1–E9 for one (volunteer, need) pair; empty if the pair is eligible.

    A need without occurrences has no start date, so only E6 (no occurrence) and the
    rules that do not depend on the start date are checked.
    """
    return _pair_violations(scenario, _Lookup.of(scenario), volunteer, need)


# ---------------------------------------------------------------- fit


def _pair_fit(look: _Lookup, v: Volunteer, n: Need, w: Weights) -> dict[str, int]:
    terms: dict[str, int] = {}
    shared = {i.strip().lower() for i in v.interests} & {t.strip().lower() for t in n.tags}
    terms["interests"] = w.interests * min(len(shared), w.interests_cap)
    if any(h.site == n.site and h.activity == n.activity for h in v.history):
        terms["continuity"] = w.continuity
    elif any(h.site == n.site for h in v.history):
        terms["continuity"] = w.continuity_site
    else:
        terms["continuity"] = 0
    site = look.sites.get(n.site)
    if v.location is not None and site is not None and site.location is not None:
        distance = haversine_km(v.location, site.location)
        terms["travel"] = math.floor(w.travel * max(0.0, 1 - distance / w.travel_scale_km) + 0.5)
    else:
        terms["travel"] = 0
    terms["previous"] = w.previous if (v.id, n.id) in look.previous else 0
    return terms


def pair_fit(scenario: Scenario, volunteer: Volunteer, need: Need, weights: Weights | None = None) -> dict[str, int]:
    """The fit terms of a pair, term -> points (every term, zeros included)."""
    w = weights if weights is not None else weights_of(scenario)
    return _pair_fit(_Lookup.of(scenario), volunteer, need, w)


# ---------------------------------------------------------------- the plan


def check_format(plan: Plan) -> list[Violation]:
    if plan.format == PLAN_FORMAT:
        return []
    return [Violation("FORMAT", f"plan format is {plan.format!r}, expected {PLAN_FORMAT!r}")]


def check_headcount(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """C1: at most headcount matches per need, each volunteer at most once per need. Committed
    pairs beyond a lowered headcount are no violation of the plan's (they are at risk) as long
    as nothing else is matched there."""
    out: list[Violation] = []
    needs = {n.id: n for n in scenario.needs}
    per_need = Counter(m.need for m in plan.matches)
    free = Counter(m.need for m in plan.matches if (m.volunteer, m.need) not in look.committed)
    for need_id, count in per_need.items():
        n = needs.get(need_id)
        if n is not None and count > n.headcount and free[need_id] > 0:
            out.append(Violation("C1", f"need {need_id} has {count} matches for headcount {n.headcount}",
                                 need=need_id))
    per_pair = Counter((m.volunteer, m.need) for m in plan.matches)
    for (v_id, n_id), count in per_pair.items():
        if count > 1:
            out.append(Violation("C1", f"volunteer {v_id} is matched {count} times to need {n_id}", v_id, n_id))
    return out


def _needs_by_volunteer(scenario: Scenario, plan: Plan) -> dict[str, list[Need]]:
    """Each volunteer's distinct matched needs (duplicates are C1's business)."""
    needs = {n.id: n for n in scenario.needs}
    result: dict[str, list[Need]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for m in plan.matches:
        if m.need in needs and (m.volunteer, m.need) not in seen:
            seen.add((m.volunteer, m.need))
            result[m.volunteer].append(needs[m.need])
    return result


def check_capacity(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """C2 per ISO week: in every week at most max_assignments matched needs with an occurrence
    that week, and their minutes that week within max_hours_per_week. A week broken by the
    committed pairs alone is no violation of the plan's (it is at risk) as long as no other
    match has an occurrence in it."""
    out: list[Violation] = []
    volunteers = {v.id: v for v in scenario.volunteers}
    for v_id, needs in _needs_by_volunteer(scenario, plan).items():
        v = volunteers.get(v_id)
        if v is None:
            continue
        occs = {n.id: look.occurrences_of(scenario, n) for n in needs}
        free_weeks = {iso_week(o) for n in needs if (v_id, n.id) not in look.committed for o in occs[n.id]}
        for week, facts in week_over(v, week_loads(occs, [n.id for n in needs])):
            if week in free_weeks:
                out.append(Violation("C2", f"volunteer {v_id} has {facts}", volunteer=v_id))
    return out


def _clash(scenario: Scenario, look: _Lookup, a: Need, b: Need) -> tuple[Interval, Interval] | None:
    return next(
        ((x, y) for x in look.occurrences_of(scenario, a) for y in look.occurrences_of(scenario, b) if overlaps(x, y)),
        None,
    )


def check_no_overlap(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """C3: no two matched needs of a volunteer have overlapping occurrences (two committed ones
    may: they are at risk)."""
    out: list[Violation] = []
    for v_id, needs in _needs_by_volunteer(scenario, plan).items():
        for i, a in enumerate(needs):
            for b in needs[i + 1:]:
                if (v_id, a.id) in look.committed and (v_id, b.id) in look.committed:
                    continue
                clash = _clash(scenario, look, a, b)
                if clash is not None:
                    x, y = clash
                    out.append(Violation(
                        "C3", f"volunteer {v_id} has overlapping needs {a.id} ({x[0]:%Y-%m-%d %H:%M}–"
                        f"{x[1]:%H:%M}) and {b.id} ({y[0]:%Y-%m-%d %H:%M}–{y[1]:%H:%M})",
                        volunteer=v_id, need=a.id))
    return out


def expected_at_risk(scenario: Scenario, look: _Lookup | None = None) -> set[tuple[str, str, str]]:
    """(volunteer, need, rule) of every committed pair that breaks a rule: E1–E9 on its own
    (a need without occurrence in the horizon is not checked), C1–C3 among the committed pairs."""
    look = look or _Lookup.of(scenario)
    volunteers = {v.id: v for v in scenario.volunteers}
    needs = {n.id: n for n in scenario.needs}
    out: set[tuple[str, str, str]] = set()
    live: list[tuple[str, str]] = []
    for pair in scenario.committed:
        v, n = volunteers.get(pair.volunteer), needs.get(pair.need)
        if v is None or n is None or (v.id, n.id) in live or not look.occurrences_of(scenario, n):
            continue
        live.append((v.id, n.id))
        out |= {(v.id, n.id, x.rule) for x in _pair_violations(scenario, look, v, n)}
    holders = Counter(n_id for _, n_id in live)
    out |= {(v_id, n_id, "C1") for v_id, n_id in live if holders[n_id] > needs[n_id].headcount}
    mine: dict[str, list[str]] = defaultdict(list)
    for v_id, n_id in live:
        mine[v_id].append(n_id)
    for v_id, n_ids in mine.items():
        occs = {n_id: look.occurrences_of(scenario, needs[n_id]) for n_id in n_ids}
        over = {week for week, _ in week_over(volunteers[v_id], week_loads(occs, n_ids))}
        out |= {(v_id, n_id, "C2") for n_id in n_ids if any(iso_week(o) in over for o in occs[n_id])}
        for i, a in enumerate(n_ids):
            for b in n_ids[i + 1:]:
                if _clash(scenario, look, needs[a], needs[b]) is not None:
                    out |= {(v_id, a, "C3"), (v_id, b, "C3")}
    return out


def check_committed(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """COMMITTED: every committed pair is matched and flagged committed, no other match is
    flagged; AT_RISK: the plan's at_risk lists exactly the committed pairs' broken rules."""
    out: list[Violation] = []
    matched = {(m.volunteer, m.need) for m in plan.matches}
    for pair in scenario.committed:
        if (pair.volunteer, pair.need) not in matched:
            out.append(Violation("COMMITTED", f"committed pair volunteer {pair.volunteer} and need {pair.need} is "
                                 "not in the plan", pair.volunteer, pair.need))
    for m in plan.matches:
        if m.committed != ((m.volunteer, m.need) in look.committed):
            out.append(Violation("COMMITTED", f"match volunteer {m.volunteer} and need {m.need} is flagged "
                                 f"committed={m.committed}, the scenario says {not m.committed}", m.volunteer, m.need))
    expected = expected_at_risk(scenario, look)
    listed = {(r.volunteer, r.need, r.rule) for r in plan.at_risk}
    for v_id, n_id, rule in sorted(expected - listed):
        out.append(Violation("AT_RISK", f"committed pair volunteer {v_id} and need {n_id} breaks {rule} but "
                             "at_risk does not say so", v_id, n_id))
    for v_id, n_id, rule in sorted(listed - expected):
        out.append(Violation("AT_RISK", f"at_risk lists volunteer {v_id} and need {n_id} under {rule}, which "
                             + ("holds" if (v_id, n_id) in look.committed else "is not a committed pair"),
                             v_id, n_id))
    for r in plan.at_risk:
        if not r.code or not r.message:
            out.append(Violation("AT_RISK", f"at_risk entry volunteer {r.volunteer} and need {r.need} has no "
                                 "code or message", r.volunteer, r.need))
    return out


def check_pins(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """C4: eligible pins are matched or reported as conflicts; broken pins are reported."""
    out: list[Violation] = []
    volunteers = {v.id: v for v in scenario.volunteers}
    needs = {n.id: n for n in scenario.needs}
    matched = {(m.volunteer, m.need) for m in plan.matches}
    conflicts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in plan.conflicts:
        conflicts[(c.volunteer, c.need)].add(c.rule)
    for pair in scenario.pinned:
        key = (pair.volunteer, pair.need)
        v, n = volunteers.get(pair.volunteer), needs.get(pair.need)
        if v is None or n is None or key in matched:
            continue  # unknown ids are the scenario's fault; a matched pin is checked as a match
        broken = {x.rule for x in _pair_violations(scenario, look, v, n)}
        if not broken:
            if key not in conflicts:
                out.append(Violation(
                    "C4", f"pinned pair volunteer {v.id} and need {n.id} is eligible but neither matched "
                    "nor reported as a conflict", v.id, n.id))
        elif not broken & conflicts.get(key, set()):
            reported = sorted(conflicts.get(key, set()))
            out.append(Violation(
                "C4", f"pinned pair volunteer {v.id} and need {n.id} breaks {sorted(broken)} but the plan's "
                f"conflicts list " + (f"gives {reported}" if reported else "does not mention it"), v.id, n.id))
    for m in plan.matches:
        if m.pinned and (m.volunteer, m.need) not in look.pinned:
            out.append(Violation(
                "C4", f"match volunteer {m.volunteer} and need {m.need} is flagged pinned but is not in the "
                "scenario's pinned pairs", m.volunteer, m.need))
    return out


def check_matches(scenario: Scenario, plan: Plan, look: _Lookup) -> list[Violation]:
    """REF, E1–E9 and SCORE for every match."""
    out: list[Violation] = []
    volunteers = {v.id: v for v in scenario.volunteers}
    needs = {n.id: n for n in scenario.needs}
    w = weights_of(scenario)
    for m in plan.matches:
        v, n = volunteers.get(m.volunteer), needs.get(m.need)
        if v is None or n is None:
            unknown = []
            if v is None:
                unknown.append(f"volunteer {m.volunteer}")
            if n is None:
                unknown.append(f"need {m.need}")
            out.append(Violation("REF", f"a match names unknown {' and '.join(unknown)}", m.volunteer, m.need))
            continue
        if (v.id, n.id) not in look.committed:  # a committed pair breaking a rule is at risk: check_committed
            out += _pair_violations(scenario, look, v, n)
        terms = _pair_fit(look, v, n, w)
        expected = sum(terms.values())
        if m.score != expected:
            shown = ", ".join(f"{k} {p}" for k, p in terms.items() if p)
            out.append(Violation(
                "SCORE", f"match volunteer {v.id} and need {n.id} has score {m.score}, expected {expected} "
                f"({shown or 'no fit terms'})", v.id, n.id))
        if m.priority != n.priority:
            out.append(Violation(
                "SCORE", f"match volunteer {v.id} and need {n.id} has priority {m.priority}, "
                f"the need's priority is {n.priority}", v.id, n.id))
    return out


def check_coverage(scenario: Scenario, plan: Plan) -> list[Violation]:
    """COVERAGE: the plan's totals and objective agree with its matches."""
    out: list[Violation] = []

    def bad(message: str) -> None:
        out.append(Violation("COVERAGE", message))

    needs = {n.id: n for n in scenario.needs}
    places = sum(n.headcount for n in scenario.needs)
    filled = len(plan.matches)
    priority_filled = sum(needs[m.need].priority for m in plan.matches if m.need in needs)
    optimal = plan.status == "optimal"
    cov = plan.coverage
    if cov is None:
        bad("the plan has no coverage")
    else:
        if cov.places != places:
            bad(f"coverage.places is {cov.places}, the needs' headcounts sum to {places}")
        if cov.filled != filled:
            bad(f"coverage.filled is {cov.filled}, the plan has {filled} matches")
        if cov.priority_filled != priority_filled:
            bad(f"coverage.priority_filled is {cov.priority_filled}, the matches' priorities sum to "
                f"{priority_filled}")
        if cov.priority_bound < priority_filled:
            bad(f"coverage.priority_bound {cov.priority_bound} is below priority_filled {priority_filled}")
        if optimal and cov.priority_bound != priority_filled:
            bad(f"the plan is optimal but coverage.priority_bound {cov.priority_bound} is not "
                f"priority_filled {priority_filled}")
    obj = plan.objective
    if obj is not None:
        w = weights_of(scenario)
        per_volunteer = Counter(m.volunteer for m in plan.matches)
        spread = sum(w.spread * k * (k - 1) // 2 for k in per_volunteer.values())
        fit = sum(m.score for m in plan.matches) - spread
        if obj.priority != priority_filled:
            bad(f"objective.priority is {obj.priority}, the matches' priorities sum to {priority_filled}")
        if obj.priority_bound < priority_filled:
            bad(f"objective.priority_bound {obj.priority_bound} is below the priority filled {priority_filled}")
        if obj.spread_penalty != spread:
            bad(f"objective.spread_penalty is {obj.spread_penalty}, expected {spread}")
        if obj.fit != fit:
            bad(f"objective.fit is {obj.fit}, expected {fit} (scores minus the spread penalty)")
        if obj.fit_bound < fit:
            bad(f"objective.fit_bound {obj.fit_bound} is below the fit {fit}")
        if optimal and obj.priority_bound != priority_filled:
            bad(f"the plan is optimal but objective.priority_bound {obj.priority_bound} is not "
                f"the priority filled {priority_filled}")
        if optimal and obj.fit_bound - fit > FIT_REL_GAP * max(1, abs(obj.fit_bound)):
            bad(f"the plan is optimal but objective.fit_bound {obj.fit_bound} is more than 0.1 % above the fit {fit}")
    return out


def check_unfilled(scenario: Scenario, plan: Plan) -> list[Violation]:
    """UNFILLED: every need with open places is listed once, with the right count; no other."""
    out: list[Violation] = []
    per_need = Counter(m.need for m in plan.matches)
    listed: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(plan.unfilled):
        listed[u.need].append(i)
    needs = {n.id: n for n in scenario.needs}
    for need_id in listed:
        if need_id not in needs:
            out.append(Violation("REF", f"unfilled names unknown need {need_id}", need=need_id))
    for n in scenario.needs:
        open_ = n.headcount - per_need[n.id]
        entries = [plan.unfilled[i] for i in listed.get(n.id, [])]
        if open_ > 0:
            if len(entries) != 1:
                out.append(Violation(
                    "UNFILLED", f"need {n.id} has {open_} open places and is listed {len(entries)} times in "
                    "unfilled", need=n.id))
                continue
            u = entries[0]
            if u.open != open_:
                out.append(Violation(
                    "UNFILLED", f"need {n.id} is listed with {u.open} open places, it has {open_}", need=n.id))
            if u.priority != n.priority:
                out.append(Violation(
                    "UNFILLED", f"need {n.id} is listed with priority {u.priority}, its priority is {n.priority}",
                    need=n.id))
        elif entries:
            out.append(Violation("UNFILLED", f"need {n.id} is full but listed in unfilled", need=n.id))
    return out


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every violation of every rule in the plan; empty if the plan is valid."""
    look = _Lookup.of(scenario)
    return (
        check_format(plan)
        + check_matches(scenario, plan, look)
        + check_headcount(scenario, plan, look)
        + check_capacity(scenario, plan, look)
        + check_no_overlap(scenario, plan, look)
        + check_pins(scenario, plan, look)
        + check_committed(scenario, plan, look)
        + check_coverage(scenario, plan)
        + check_unfilled(scenario, plan)
    )
