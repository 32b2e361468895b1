"""Hypothesis strategies for small random registers: dense but varied eligibility.

Times mix day needs, nights across midnight, needs that end or start inside the horizon
(so C2 counts differ week by week), one-off needs in either week and one outside the
horizon; windows include a night split over two touching windows. With `committed=True`
some random pairs are placements in force, eligible or not.
"""

from __future__ import annotations

from builders import TONSBERG, D, certificate, held, need, north_of, once, period, scenario, slot, volunteer
from hypothesis import strategies as st

from matcher.schema import HistoryEntry, Scenario, Volunteer, Weights

NEED_TIMES = [
    ("weekly", [slot(1, "10:00", "12:00")]),
    ("weekly", [slot(1, "10:00", "12:00")]),
    ("weekly", [slot(1, "11:00", "13:00")]),
    ("weekly", [slot(1, "11:00", "13:00")]),
    ("weekly", [slot(1, "12:00", "14:00")]),
    ("weekly", [slot(2, "18:00", "21:00")]),
    ("weekly", [slot(3, "22:00", "06:00")]),
    ("weekly", [slot(1, "10:00", "11:00"), slot(6, "10:00", "12:00")]),
    ("once", once(D(2026, 1, 12), "11:30", "12:30")),
    ("once", once(D(2026, 1, 17), "09:00", "13:00")),
    ("once", once(D(2026, 2, 2), "10:00", "12:00")),  # outside the horizon: no occurrence
]
LATER_TIMES = [  # with from/until: only in one of the horizon's two weeks
    ("weekly", [slot(2, "10:00", "12:00")], {"until": D(2026, 1, 11)}),
    ("weekly", [slot(2, "10:00", "12:00")], {"from_": D(2026, 1, 12)}),
    ("weekly", [slot(7, "22:00", "06:00")], {"from_": D(2026, 1, 12)}),
    ("once", once(D(2026, 1, 6), "10:00", "13:00"), {}),
]
WINDOWS = [
    [slot(d, "08:00", "20:00") for d in range(1, 8)],
    [slot(1, "08:00", "14:00")],
    [slot(1, "09:00", "13:00"), slot(6, "09:00", "13:00")],
    [slot(3, "21:00", "07:00")],
    [slot(2, "17:00", "22:00"), slot(6, "08:00", "14:00")],
    [slot(3, "18:00", "00:00"), slot(4, "00:00", "08:00"), slot(7, "20:00", "00:00"), slot(1, "00:00", "07:00")],
]
ACTIVITIES = ["besoksvenn", "turvenn", "fritidsvenn", "aktivitetsvenn"]
TAGS = ["musikk", "hage", "sjakk", "turer"]
LANGS = ["no", "ar", "pl"]


def often(common: object, *rare: object) -> st.SearchStrategy:
    """`common` about five times in six, else one of `rare`: dense but varied eligibility."""
    return st.sampled_from([common] * (5 * len(rare)) + list(rare))


@st.composite
def volunteers_st(draw: st.DrawFn, vid: str) -> Volunteer:
    windows = draw(st.lists(often(0, *range(1, len(WINDOWS))), min_size=1, max_size=2, unique=True))
    km = draw(st.sampled_from([0.0, 3.0, 8.0, 14.0]))
    return volunteer(
        vid,
        activities=draw(
            st.lists(
                often("besoksvenn", "turvenn", "fritidsvenn", "aktivitetsvenn"),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ),
        availability=[s for w in windows for s in WINDOWS[w]],
        agreement_signed=draw(often(D(2025, 1, 1), D(2026, 1, 8))),
        birth_date=draw(often(D(1980, 6, 1), D(2009, 1, 10), None)),
        trainings=draw(often([held("demens")], [], [held("demens", expires=D(2026, 1, 1))])),
        police_certificate=draw(
            often(
                certificate(D(2025, 12, 1), D(2025, 12, 10)), None, certificate(D(2025, 1, 1), D(2025, 12, 1))
            )
        ),
        location=north_of(TONSBERG, km),
        max_travel_km=draw(often(None, 5.0, 10.0)),
        languages=draw(st.lists(st.sampled_from(LANGS), max_size=2, unique=True)),
        max_assignments=draw(often(2, 0, 1, 3)),
        max_hours_per_week=draw(often(None, 2.0, 3.0, 5.0)),
        interests=draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
        history=draw(
            often(
                [],
                [HistoryEntry(site="s1", activity="besoksvenn")],
                [HistoryEntry(site="s1", activity="turvenn")],
            )
        ),
        unavailable=draw(often([], [period(D(2026, 1, 5), D(2026, 1, 6))])),
    )


@st.composite
def scenarios_st(
    draw: st.DrawFn, max_volunteers: int = 6, max_needs: int = 5, pins: bool = True, committed: bool = False
) -> Scenario:
    nv = draw(st.integers(2, max_volunteers))
    nn = draw(st.integers(2, max_needs))
    vols = [draw(volunteers_st(f"v{i}")) for i in range(nv)]
    needs = []
    for j in range(nn):
        kind, when = draw(st.sampled_from(NEED_TIMES))
        extra: dict[str, object] = {}
        if committed and draw(st.booleans()):
            kind, when, extra = draw(st.sampled_from(LATER_TIMES))
        needs.append(
            need(
                f"n{j}",
                activity=draw(often("besoksvenn", "turvenn", "fritidsvenn", "aktivitetsvenn")),
                site=draw(often("s1", "s2")),
                headcount=draw(st.integers(1, 2)),
                priority=draw(st.integers(1, 5)),
                languages=draw(often([], ["ar"])),
                min_age=draw(often(0, 18)),
                tags=draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
                **{kind: when},
                **extra,
            )
        )
    all_pairs = [(v.id, n.id) for v in vols for n in needs]
    some = st.lists(st.sampled_from(all_pairs), max_size=3)
    weights = draw(often(None, Weights(spread=0), Weights(spread=40, travel=25)))
    return scenario(
        vols,
        needs,
        pinned=draw(some) if pins else [],
        forbidden=draw(st.lists(st.sampled_from(all_pairs), max_size=2)),
        previous=draw(some),
        weights=weights,
        committed=draw(st.lists(st.sampled_from(all_pairs), max_size=4)) if committed else [],
    )


