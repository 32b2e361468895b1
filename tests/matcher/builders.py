"""Small builders for tiny scenarios and plans in code, with defaults that make a valid pair.

Defaults: horizon Monday 2026-01-05 .. Sunday 2026-01-18; one site `s1` in Tønsberg;
a volunteer `v1` at the site, doing `besoksvenn`, agreements signed, available every
day 08:00–20:00; a need `n1` for `besoksvenn` on Mondays 10:00–12:00.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from matcher.schema import (
    Activity,
    Coverage,
    HeldTraining,
    Horizon,
    Location,
    Match,
    Need,
    Objective,
    OnceSlot,
    Pair,
    Period,
    Plan,
    PoliceCertificate,
    Scenario,
    Site,
    Slot,
    Training,
    Unfilled,
    UnfilledReasons,
    Volunteer,
    Weights,
)

D = dt.date
HORIZON = Horizon(start=D(2026, 1, 5), end=D(2026, 1, 18))
TONSBERG = Location(lat=59.2675, lon=10.4076)
KM_PER_DEGREE_LAT = 6371.0 * 3.141592653589793 / 180

TRAININGS = [
    Training(id="intro", name="Introduksjonskurs"),
    Training(id="vakekurs", name="Våkekurs"),
    Training(id="demens", name="Demensopplæring"),
]
ACTIVITIES = [
    Activity(id="besoksvenn", name="Besøksvenn"),
    Activity(id="turvenn", name="Turvenn"),
    Activity(id="vaketjeneste", name="Våketjeneste", min_age=25, requires_training=["vakekurs"]),
    Activity(id="fritidsvenn", name="Fritidsvenn", police_certificate=True),
    Activity(id="aktivitetsvenn", name="Aktivitetsvenn", requires_training=["demens"]),
]
SITES = [
    Site(id="s1", name="Eikvn sykehjem", kind="service_site", location=TONSBERG),
    Site(id="s2", name="Frivilligsentralen", kind="organisation", location=None),
]

EVERY_DAY = [Slot(weekday=d, start="08:00", end="20:00") for d in range(1, 8)]


def north_of(location: Location, km: float) -> Location:
    """A point `km` kilometres due north (great-circle distance along a meridian)."""
    return Location(lat=location.lat + km / KM_PER_DEGREE_LAT, lon=location.lon)


def slot(weekday: int, start: str, end: str) -> Slot:
    return Slot(weekday=weekday, start=start, end=end)


def once(day: dt.date, start: str, end: str) -> OnceSlot:
    return OnceSlot(date=day, start=start, end=end)


def period(start: dt.date, end: dt.date) -> Period:
    return Period(from_=start, to=end)


COMPLETED = D(2025, 1, 1)


def held(training: str, completed: dt.date = COMPLETED, expires: dt.date | None = None) -> HeldTraining:
    return HeldTraining(training=training, completed=completed, expires=expires)


def certificate(issued: dt.date, shown: dt.date) -> PoliceCertificate:
    return PoliceCertificate(issued=issued, shown=shown, purpose="fritidsvenn")


def volunteer(id: str = "v1", **overrides: Any) -> Volunteer:
    fields: dict[str, Any] = dict(
        name=f"Frivillig {id}",
        birth_date=D(1980, 6, 1),
        activities=["besoksvenn", "turvenn"],
        location=TONSBERG,
        availability=EVERY_DAY,
        max_assignments=3,
        agreement_signed=D(2025, 1, 1),
        confidentiality_signed=D(2025, 1, 1),
    )
    fields.update(overrides)
    return Volunteer(id=id, **fields)


def need(id: str = "n1", **overrides: Any) -> Need:
    fields: dict[str, Any] = dict(site="s1", activity="besoksvenn", title=f"Behov {id}")
    fields.update(overrides)
    if "weekly" not in fields and "once" not in fields:
        fields["weekly"] = [slot(1, "10:00", "12:00")]
    return Need(id=id, **fields)


def pairs(*items: tuple[str, str]) -> list[Pair]:
    return [Pair(volunteer=v, need=n) for v, n in items]


def scenario(
    volunteers: list[Volunteer] | None = None,
    needs: list[Need] | None = None,
    **overrides: Any,
) -> Scenario:
    fields: dict[str, Any] = dict(
        format="samspill.scenario/1",
        horizon=HORIZON,
        trainings=TRAININGS,
        activities=ACTIVITIES,
        sites=SITES,
        volunteers=volunteers if volunteers is not None else [volunteer()],
        needs=needs if needs is not None else [need()],
    )
    for key in ("pinned", "forbidden", "previous", "committed"):
        if key in overrides:
            overrides[key] = pairs(*overrides[key])
    fields.update(overrides)
    return Scenario(**fields)


def plan_for(sc: Scenario, matched: list[tuple[str, str]], **overrides: Any) -> Plan:
    """A plan matching `matched`, with every derived field (scores, totals, unfilled) consistent.

    Scores come from `validate.pair_fit`; tests of the fit terms themselves compare
    with hand-computed numbers instead.
    """
    from matcher.validate import pair_fit

    volunteers = {v.id: v for v in sc.volunteers}
    needs = {n.id: n for n in sc.needs}
    pinned = {(p.volunteer, p.need) for p in sc.pinned}
    matches = []
    for v_id, n_id in matched:
        n = needs[n_id]
        score = sum(pair_fit(sc, volunteers[v_id], n).values()) if v_id in volunteers else 0
        matches.append(Match(volunteer=v_id, need=n_id, score=score, priority=n.priority,
                             pinned=(v_id, n_id) in pinned))
    count = Counter(n_id for _, n_id in matched)
    unfilled = [
        Unfilled(need=n.id, open=n.headcount - count[n.id], priority=n.priority,
                 reasons=UnfilledReasons(summary="no one eligible is free"))
        for n in sc.needs
        if n.headcount - count[n.id] > 0
    ]
    w = sc.weights or Weights()
    priority_filled = sum(m.priority for m in matches)
    spread = sum(w.spread * k * (k - 1) // 2 for k in Counter(v for v, _ in matched).values())
    fit = sum(m.score for m in matches) - spread
    fields: dict[str, Any] = dict(
        status="optimal",
        matches=matches,
        unfilled=unfilled,
        coverage=Coverage(places=sum(n.headcount for n in sc.needs), filled=len(matches),
                          priority_filled=priority_filled, priority_bound=priority_filled),
        objective=Objective(priority=priority_filled, priority_bound=priority_filled, fit=fit, fit_bound=fit,
                            spread_penalty=spread),
    )
    fields.update(overrides)
    return Plan(**fields)
