"""Small registers for the service tests, written out so each test can read what it uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from matcher.schema import (
    SCENARIO_FORMAT,
    Activity,
    HeldTraining,
    Horizon,
    Need,
    PoliceCertificate,
    Scenario,
    Site,
    Slot,
    Training,
    Volunteer,
)

START = dt.date(2027, 1, 4)  # a Monday


def planning_period(default_days: int = 90) -> Horizon:
    """The period a register holding `small_scenario()` plans in today (service.clock's today): the scenario's
    4–31 January 2027, or `default_days` from today once that has ended (commitments.horizon_of). Tests that
    need a date inside the period take it from here, so they hold whatever the day they run."""
    from service.register.commitments import horizon_of

    h = small_scenario().horizon
    return horizon_of(h.start, h.end, default_days)


def weekdays_in_period(weekday: int) -> tuple[dt.date, int]:
    """The first `weekday` (0 = Monday) of the planning period and how many the period holds, as the need
    form counts a weekly need's occurrences ('fra 5. januar 2027, 4 ganger')."""
    p = planning_period()
    first = p.start + dt.timedelta(days=(weekday - p.start.weekday()) % 7)
    return first, (p.end - first).days // 7 + 1


def expiring_in_period() -> dict[str, str]:
    """A demensopplæring that expires in the middle of the planning period (so a placement needing it through
    the period is at risk, `training-expires`), completed well before it."""
    p = planning_period()
    return {"training": "demens", "completed": (p.start - dt.timedelta(days=120)).isoformat(),
            "expires": (p.start + dt.timedelta(days=16)).isoformat()}


def weekly(weekday: int, start: str, end: str) -> list[Slot]:
    return [Slot(weekday=weekday, start=start, end=end)]


def small_scenario() -> Scenario:
    """Two sites, three activities, four volunteers, three needs; v1 and v2 both fit n1."""
    always = [Slot(weekday=d, start="08:00", end="22:00") for d in range(1, 8)]
    signed = {"agreement_signed": START - dt.timedelta(days=30),
              "confidentiality_signed": START - dt.timedelta(days=30)}
    return Scenario(
        format=SCENARIO_FORMAT,
        horizon=Horizon(start=START, end=START + dt.timedelta(days=27)),
        trainings=[Training(id="intro", name="Introduksjonskurs"), Training(id="demens", name="Demensopplæring")],
        activities=[
            Activity(id="besoksvenn", name="Besøksvenn"),
            Activity(id="turvenn", name="Turvenn"),
            Activity(id="aktivitetsvenn", name="Aktivitetsvenn", requires_training=["demens"]),
        ],
        sites=[
            Site(id="eik", name="Eik sykehjem", kind="service_site"),
            Site(id="rodekors", name="Røde Kors", kind="organisation"),
        ],
        volunteers=[
            Volunteer(
                id=f"v{i}",
                name=f"Frivillig {i}",
                birth_date=dt.date(1960 + i, 5, 1),
                activities=["besoksvenn", "turvenn", "aktivitetsvenn"],
                languages=["no"],
                availability=always,
                max_assignments=2,
                trainings=[HeldTraining(training="demens", completed=START - dt.timedelta(days=100))],
                police_certificate=PoliceCertificate(issued=START - dt.timedelta(days=20),
                                                     shown=START - dt.timedelta(days=10),
                                                     purpose="helse- og omsorgstjenesteloven § 5-4"),
                phone=f"4000000{i}",
                **signed,
            )
            for i in range(1, 5)
        ],
        needs=[
            Need(id="n1", site="eik", activity="besoksvenn", title="Besøksvenn mandag",
                 weekly=weekly(1, "10:00", "12:00")),
            Need(id="n2", site="eik", activity="aktivitetsvenn", title="Aktivitetsvenn mandag",
                 weekly=weekly(1, "11:00", "13:00")),
            Need(id="n3", site="rodekors", activity="turvenn", title="Turvenn onsdag",
                 weekly=weekly(3, "10:00", "12:00"), headcount=2),
        ],
    )


def need_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "site": "eik",
        "activity": "besoksvenn",
        "title": "Besøksvenn torsdag",
        "weekly": [{"weekday": 4, "start": "14:00", "end": "16:00"}],
    }
    doc.update(over)
    return doc


def volunteer_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "Kari Nordmann",
        "birth_date": "1970-02-03",
        "activities": ["besoksvenn"],
        "languages": ["no", "en"],
        "availability": [{"weekday": 4, "start": "12:00", "end": "18:00"}],
        "phone": "41234567",
    }
    doc.update(over)
    return doc


async def in_session(url: str, work: Any) -> Any:
    """`await work(session)` in one transaction on the database at `url` (as a command line or another
    process would reach it: its own engine, disposed after)."""
    from service.db.engine import create_engine, create_sessionmaker

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()
