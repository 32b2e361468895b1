"""The calendar feed, expanded by an independent library (recurring-ical-events), has exactly the
matcher's occurrences: weekly slots, a night across midnight, the change to and from summer time,
one-off needs, dates away, `from`/`until`; ended placements are gone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import recurring_ical_events

from matcher.problem import occurrences
from matcher.schema import Horizon, Need, Scenario
from service.clock import OSLO
from service.db.models import PlacementRow
from service.register.common import from_doc
from service.register.schedule import away
from service.volunteer.calendar import build_feed

# Across the change to summer time (28 March 2027) and back (31 October 2027).
H0, H1 = dt.date(2027, 3, 1), dt.date(2027, 11, 14)

NEEDS: dict[str, dict[str, Any]] = {
    "monday": {
        "id": "monday",
        "site": "eik",
        "activity": "besoksvenn",
        "title": "Besøk mandag",
        "weekly": [
            {"weekday": 1, "start": "10:00", "end": "12:00"},
            {"weekday": 4, "start": "17:30", "end": "19:00"},
        ],
    },
    # Saturday night to Sunday morning: the night the clocks go forward and the night they go back.
    "night": {
        "id": "night",
        "site": "eik",
        "activity": "vaketjeneste",
        "title": "Våkevakt lørdag",
        "weekly": [{"weekday": 6, "start": "22:00", "end": "06:00"}],
        "from": "2027-03-06",
        "until": "2027-11-06",
    },
    "once": {
        "id": "once",
        "site": "bib",
        "activity": "kulturvert",
        "title": "Konsert",
        "once": {"date": "2027-03-28", "start": "01:30", "end": "04:00"},
    },
    "ended": {
        "id": "ended",
        "site": "bib",
        "activity": "turvenn",
        "title": "Tur",
        "weekly": [{"weekday": 3, "start": "10:00", "end": "11:00"}],
    },
}
AWAY = [{"from": "2027-04-05", "to": "2027-04-18"}, {"from": "2027-07-01", "to": "2027-07-31"}]


def placement(pid: str, need: str, state: str, start: dt.date) -> PlacementRow:
    return PlacementRow(
        id=pid,
        volunteer_id="v1",
        need_id=need,
        site_id=NEEDS[need]["site"],
        activity_id="a",
        state=state,
        start=start,
        followups_done=[],
    )


def matcher_times(
    placements: list[PlacementRow],
    periods: list[dict[str, str]] = AWAY,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The matcher's own occurrences of each placement's need, from the placement's start, less days away."""
    out = []
    for p in placements:
        if p.state not in ("offered", "confirmed"):
            continue
        scenario = Scenario(format="samspill.scenario/1", horizon=Horizon(start=max(H0, p.start), end=H1))
        origin = dt.datetime.combine(scenario.horizon.start, dt.time())
        for s, e in occurrences(scenario, from_doc(NEEDS[p.need_id], Need)):
            start = origin + dt.timedelta(minutes=s)
            if not away(periods, start.date()):
                out.append((start, origin + dt.timedelta(minutes=e)))
    return sorted(out)


def feed_times(feed: bytes) -> list[tuple[dt.datetime, dt.datetime]]:
    cal = icalendar.Calendar.from_ical(feed)
    events = recurring_ical_events.of(cal).between(
        dt.datetime(2027, 3, 1, tzinfo=OSLO), dt.datetime(2027, 11, 15, tzinfo=OSLO)
    )
    out = []
    for ev in events:
        start, end = ev["DTSTART"].dt, ev["DTEND"].dt
        out.append((start.astimezone(OSLO).replace(tzinfo=None), end.astimezone(OSLO).replace(tzinfo=None)))
    return sorted(out)


def test_feed_expands_to_the_matchers_occurrences() -> None:
    placements = [
        placement("p-monday", "monday", "confirmed", dt.date(2027, 3, 1)),
        placement("p-night", "night", "offered", dt.date(2027, 3, 1)),
        placement("p-once", "once", "confirmed", dt.date(2027, 3, 1)),
        placement("p-ended", "ended", "ended", dt.date(2027, 3, 1)),
    ]
    feed = build_feed(
        {"name": "Kari", "unavailable": AWAY}, placements, NEEDS, {"eik": "Eik", "bib": "Biblioteket"}
    )
    got, want = feed_times(feed), matcher_times(placements)
    assert got == want
    assert len(want) > 60
    # The night the clocks go forward: 22:00 to 06:00 on the wall clock, as the matcher counts it.
    assert (dt.datetime(2027, 3, 27, 22), dt.datetime(2027, 3, 28, 6)) in got
    # and the night they go back
    assert (dt.datetime(2027, 10, 30, 22), dt.datetime(2027, 10, 31, 6)) in got
    # Mondays stay at 10:00 across both changes.
    assert (dt.datetime(2027, 3, 22, 10), dt.datetime(2027, 3, 22, 12)) in got
    assert (dt.datetime(2027, 3, 29, 10), dt.datetime(2027, 3, 29, 12)) in got
    assert (dt.datetime(2027, 11, 1, 10), dt.datetime(2027, 11, 1, 12)) in got
    # Away: no Monday in the Easter fortnight, nothing in July.
    assert not any(s.date() == dt.date(2027, 4, 12) or s.month == 7 for s, _ in got)
    # The ended placement is not in the feed; the night stops at its `until`.
    text = feed.decode()
    assert "p-ended" not in text and "Tur" not in text
    assert max(s for s, _ in got if s.hour == 22) == dt.datetime(2027, 11, 6, 22)
    cal = icalendar.Calendar.from_ical(feed)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
    assert statuses["p-night-0@samspill"] == "TENTATIVE" and statuses["p-monday-0@samspill"] == "CONFIRMED"


def test_feed_starts_at_the_placement_not_the_need() -> None:
    late = [placement("p-late", "monday", "confirmed", dt.date(2027, 6, 9))]
    got = feed_times(build_feed({"name": "Ola"}, late, NEEDS, {}))
    assert got == matcher_times(late, [])
    assert got[0] == (dt.datetime(2027, 6, 10, 17, 30), dt.datetime(2027, 6, 10, 19, 0))
