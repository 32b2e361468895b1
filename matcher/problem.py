"""A scenario compiled into index maps and numpy arrays, so rules run on whole columns.

Times are minutes from the horizon's first midnight; dates are proleptic ordinals.
Nothing here decides eligibility: that is `matcher.rules`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matcher.schema import Need, Scenario, Volunteer, Weights

DAY = 1440
WEEK = 7 * DAY
NEVER = np.iinfo(np.int64).max // 4  # a date ordinal later than any real one
EARTH_RADIUS_KM = 6371.0


@functools.cache  # a register repeats a few hundred distinct times thousands of times
def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@functools.cache
def duration(start: str, end: str) -> int:
    """Minutes of a slot; an end not after the start runs past midnight."""
    a, b = minutes(start), minutes(end)
    return b - a if b > a else b - a + DAY


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, the day clamped to the month's end (31 Jan + 3 months = 30 Apr)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def need_minutes(need: Need) -> int:
    """A need's minutes in a full week of its pattern: a weekly need's slots in total, a once
    need its duration. C2 itself counts the minutes of each ISO week (`Problem.n_week_minutes`)."""
    if need.weekly is not None:
        return sum(duration(s.start, s.end) for s in need.weekly)
    assert need.once is not None
    return duration(need.once.start, need.once.end)


def occurrences(scenario: Scenario, need: Need) -> list[tuple[int, int]]:
    """The need's occurrences inside the horizon, as half-open minute intervals, sorted."""
    h0 = scenario.horizon.start
    out: list[tuple[int, int]] = []
    if need.once is not None:
        d = need.once.date
        if scenario.horizon.start <= d <= scenario.horizon.end:
            s = (d - h0).days * DAY + minutes(need.once.start)
            out.append((s, s + duration(need.once.start, need.once.end)))
        return out
    assert need.weekly is not None
    first = max(scenario.horizon.start, need.from_ or scenario.horizon.start)
    last = min(scenario.horizon.end, need.until or scenario.horizon.end)
    if last < first:
        return out
    for slot in need.weekly:
        offset = (slot.weekday - first.isoweekday()) % 7
        d = first + dt.timedelta(days=offset)
        dur = duration(slot.start, slot.end)
        while d <= last:
            s = (d - h0).days * DAY + minutes(slot.start)
            out.append((s, s + dur))
            d += dt.timedelta(days=7)
    out.sort()
    return out


def merge_windows(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of weekly windows as (week minute of start, duration), touching or overlapping
    windows joined — across midnight and from Sunday into Monday. A union that covers the whole
    week is one window of duration 2 × WEEK starting at 0, which contains any occurrence."""
    if not windows:
        return []
    runs: list[list[int]] = []
    for start, dur in sorted(windows):
        if runs and start <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], start + dur)
        else:
            runs.append([start, start + dur])
    # the last run may reach past Sunday midnight into the first runs of the next week
    while len(runs) > 1 and runs[-1][1] >= runs[0][0] + WEEK:
        first = runs.pop(0)
        runs[-1][1] = max(runs[-1][1], first[1] + WEEK)
    if len(runs) == 1 and runs[0][1] - runs[0][0] >= WEEK:
        return [(0, 2 * WEEK)]
    return [(a, b - a) for a, b in runs]


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    """Great-circle distance in km (R = 6371), arrays against one point, degrees in."""
    p1, p2 = np.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dl = math.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _words(sets: list[frozenset[str]], vocab: dict[str, int]) -> np.ndarray:
    """Tag sets as rows of 64-bit words, so shared tags are a bitwise AND and a popcount."""
    n_words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(sets), n_words), dtype=np.uint64)
    for i, tags in enumerate(sets):
        for t in tags:
            b = vocab[t]
            out[i, b // 64] |= np.uint64(1) << np.uint64(b % 64)
    return out


@dataclass
class Problem:
    """The compiled scenario. Index i is `scenario.volunteers[i]`, j is `scenario.needs[j]`."""

    scenario: Scenario
    weights: Weights
    vol_index: dict[str, int]
    need_index: dict[str, int]
    activity_index: dict[str, int]
    training_index: dict[str, int]
    site_index: dict[str, int]
    # volunteers
    willing: np.ndarray  # (activities, volunteers) bool: E1
    by_activity: list[np.ndarray]  # volunteer indices willing to do each activity
    v_signed: np.ndarray  # ordinal of the later of agreement and declaration, NEVER if missing
    tr_vol: np.ndarray  # held trainings, flattened: volunteer, training, valid from, valid to
    tr_train: np.ndarray
    tr_from: np.ndarray
    tr_to: np.ndarray
    v_birth_year: np.ndarray
    v_birth_md: np.ndarray  # month*100 + day
    v_has_birth: np.ndarray
    v_police_shown: np.ndarray  # ordinal shown, NEVER if none or shown more than 3 months after issue
    v_police_any: np.ndarray  # a record exists (for the explanation)
    v_langs: list[frozenset[str]]
    v_lang_mask: dict[str, np.ndarray]
    v_lat: np.ndarray
    v_lon: np.ndarray
    v_max_km: np.ndarray  # inf where no limit
    w_vol: np.ndarray  # the union of each volunteer's weekly windows (merge_windows), flattened:
    # volunteer, week minute of start, duration
    w_start: np.ndarray
    w_dur: np.ndarray
    u_vol: np.ndarray  # unavailable periods: volunteer, from, to (ordinals)
    u_from: np.ndarray
    u_to: np.ndarray
    v_cap: np.ndarray  # max_assignments
    v_minutes_cap: np.ndarray  # max weekly minutes, -1 where no limit
    v_interest_words: np.ndarray
    history_pair: dict[tuple[int, int], np.ndarray]  # (site, activity) -> volunteers
    history_site: dict[int, np.ndarray]
    # needs
    n_site: np.ndarray
    n_activity: np.ndarray
    n_headcount: np.ndarray
    n_priority: np.ndarray
    n_minutes: np.ndarray  # the most minutes the need has in any one ISO week of the horizon (C2 alone)
    n_occ: list[np.ndarray]  # (k, 2) minute intervals
    n_start: np.ndarray  # start date ordinal, -1 where no occurrence
    n_last: np.ndarray  # date ordinal of the last occurrence's start, -1 where no occurrence
    n_week_minutes: np.ndarray  # (needs, weeks): minutes of the need's occurrences starting in each ISO week
    n_week_slots: list[list[tuple[int, int]]]  # distinct (week minute, duration) of the occurrences
    n_trainings: list[tuple[int, ...]]
    n_min_age: np.ndarray
    n_police: np.ndarray
    n_langs: list[tuple[str, ...]]
    n_lat: np.ndarray
    n_lon: np.ndarray
    n_tag_words: np.ndarray
    n_time_class: np.ndarray  # needs with identical occurrences share a class
    class_occ: list[np.ndarray]
    forbidden_by_need: list[np.ndarray]
    previous_by_need: list[np.ndarray]
    pinned: list[tuple[int, int]]
    committed: list[tuple[int, int]]  # placements in force, deduplicated, in the scenario's order
    week0: dt.date  # the Monday of ISO week 0, the week of the horizon's first day
    _cache: dict[object, np.ndarray] = field(default_factory=dict)

    @property
    def n_volunteers(self) -> int:
        return len(self.vol_index)

    @property
    def n_needs(self) -> int:
        return len(self.need_index)

    def column(self, key: tuple[object, ...], build: Callable[[], np.ndarray]) -> np.ndarray:
        """A derived array, built once per problem: rules ask the same questions for many needs."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = build()
        return hit

    def volunteer(self, i: int) -> Volunteer:
        return self.scenario.volunteers[i]

    def need(self, j: int) -> Need:
        return self.scenario.needs[j]

    @property
    def n_weeks(self) -> int:
        return int(self.n_week_minutes.shape[1])

    def monday(self, week: int) -> dt.date:
        """The Monday that starts ISO week `week` (0 = the week of the horizon's first day)."""
        return self.week0 + dt.timedelta(days=7 * week)


def _ord(d: dt.date | None) -> int:
    return NEVER if d is None else d.toordinal()


def compile_problem(scenario: Scenario, weights: Weights | None = None) -> Problem:
    s = scenario
    w = weights or s.weights or Weights()
    vol_index = {v.id: i for i, v in enumerate(s.volunteers)}
    need_index = {n.id: j for j, n in enumerate(s.needs)}
    activity_index = {a.id: k for k, a in enumerate(s.activities)}
    training_index = {t.id: k for k, t in enumerate(s.trainings)}
    site_index = {x.id: k for k, x in enumerate(s.sites)}
    nv, nn = len(s.volunteers), len(s.needs)

    willing = np.zeros((len(s.activities), nv), dtype=bool)
    v_signed = np.full(nv, NEVER, dtype=np.int64)
    v_birth_year = np.zeros(nv, dtype=np.int64)
    v_birth_md = np.zeros(nv, dtype=np.int64)
    v_has_birth = np.zeros(nv, dtype=bool)
    v_police_shown = np.full(nv, NEVER, dtype=np.int64)
    v_police_any = np.zeros(nv, dtype=bool)
    v_lat = np.full(nv, np.nan)
    v_lon = np.full(nv, np.nan)
    v_max_km = np.full(nv, np.inf)
    v_cap = np.zeros(nv, dtype=np.int64)
    v_minutes_cap = np.full(nv, -1, dtype=np.int64)
    tr: list[tuple[int, int, int, int]] = []
    win: list[tuple[int, int, int]] = []
    una: list[tuple[int, int, int]] = []
    v_langs: list[frozenset[str]] = []
    lang_mask: dict[str, np.ndarray] = {}
    interests: list[frozenset[str]] = []
    hist_pair: dict[tuple[int, int], list[int]] = defaultdict(list)
    hist_site: dict[int, list[int]] = defaultdict(list)

    for i, v in enumerate(s.volunteers):
        for a in v.activities:
            willing[activity_index[a], i] = True
        if v.agreement_signed is not None and v.confidentiality_signed is not None:
            v_signed[i] = max(v.agreement_signed, v.confidentiality_signed).toordinal()
        if v.birth_date is not None:
            v_has_birth[i] = True
            v_birth_year[i] = v.birth_date.year
            v_birth_md[i] = v.birth_date.month * 100 + v.birth_date.day
        pc = v.police_certificate
        if pc is not None:
            v_police_any[i] = True
            if pc.shown <= add_months(pc.issued, 3):
                v_police_shown[i] = pc.shown.toordinal()
        if v.location is not None:
            v_lat[i], v_lon[i] = v.location.lat, v.location.lon
        if v.max_travel_km is not None:
            v_max_km[i] = v.max_travel_km
        v_cap[i] = v.max_assignments
        if v.max_hours_per_week is not None:
            v_minutes_cap[i] = math.floor(v.max_hours_per_week * 60 + 1e-6)
        for t in v.trainings:
            tr.append((i, training_index[t.training], t.completed.toordinal(), _ord(t.expires)))
        own = [((slot.weekday - 1) * DAY + minutes(slot.start), duration(slot.start, slot.end))
               for slot in v.availability]
        win.extend((i, a, b) for a, b in merge_windows(own))
        for p in v.unavailable:
            una.append((i, p.from_.toordinal(), p.to.toordinal()))
        langs = frozenset(x.lower() for x in v.languages)
        v_langs.append(langs)
        for lang in langs:
            lang_mask.setdefault(lang, np.zeros(nv, dtype=bool))[i] = True
        interests.append(frozenset(x.strip().lower() for x in v.interests))
        for h in v.history:
            hist_pair[(site_index[h.site], activity_index[h.activity])].append(i)
            hist_site[site_index[h.site]].append(i)

    activities = s.activities
    n_site = np.array([site_index[n.site] for n in s.needs], dtype=np.int64)
    n_activity = np.array([activity_index[n.activity] for n in s.needs], dtype=np.int64)
    n_occ: list[np.ndarray] = []
    n_start = np.full(nn, -1, dtype=np.int64)
    n_last = np.full(nn, -1, dtype=np.int64)
    n_week_slots: list[list[tuple[int, int]]] = []
    n_trainings: list[tuple[int, ...]] = []
    n_min_age = np.zeros(nn, dtype=np.int64)
    n_police = np.zeros(nn, dtype=bool)
    n_langs: list[tuple[str, ...]] = []
    tags: list[frozenset[str]] = []
    class_of: dict[bytes, int] = {}
    class_occ: list[np.ndarray] = []
    n_time_class = np.zeros(nn, dtype=np.int64)
    h0 = s.horizon.start.toordinal()
    # the horizon's first day has some weekday; week minute 0 is Monday 00:00
    h0_week_offset = (s.horizon.start.isoweekday() - 1) * DAY
    n_weeks = ((s.horizon.end - s.horizon.start).days + s.horizon.start.isoweekday() - 1) // 7 + 1
    n_weeks = max(1, n_weeks)
    week_minutes = np.zeros((nn, n_weeks), dtype=np.int64)
    for j, n in enumerate(s.needs):
        occ = np.array(occurrences(s, n), dtype=np.int64).reshape(-1, 2)
        n_occ.append(occ)
        key = occ.tobytes()
        cls = class_of.get(key)
        if cls is None:
            cls = class_of[key] = len(class_occ)
            class_occ.append(occ)
        n_time_class[j] = cls
        if len(occ):
            n_start[j] = h0 + int(occ[0, 0]) // DAY
            n_last[j] = h0 + int(occ[:, 0].max()) // DAY
            np.add.at(week_minutes[j], (occ[:, 0] + h0_week_offset) // WEEK, occ[:, 1] - occ[:, 0])
        n_week_slots.append(
            sorted({(int((a + h0_week_offset) % WEEK), int(b - a)) for a, b in occ})
        )
        act = activities[activity_index[n.activity]]
        n_trainings.append(
            tuple(sorted({training_index[t] for t in (*act.requires_training, *n.requires_training)}))
        )
        n_min_age[j] = max(act.min_age, n.min_age)
        n_police[j] = act.police_certificate or n.police_certificate
        n_langs.append(tuple(sorted({x.lower() for x in n.languages})))
        tags.append(frozenset(x.strip().lower() for x in n.tags))

    vocab: dict[str, int] = {}
    for words in [*interests, *tags]:
        for x in words:
            vocab.setdefault(x, len(vocab))

    site_lat = np.array([x.location.lat if x.location else np.nan for x in s.sites])
    site_lon = np.array([x.location.lon if x.location else np.nan for x in s.sites])

    def by_need(pairs: list[object]) -> list[np.ndarray]:
        lists: list[list[int]] = [[] for _ in range(nn)]
        for p in pairs:
            lists[need_index[p.need]].append(vol_index[p.volunteer])  # type: ignore[attr-defined]
        return [np.array(sorted(set(x)), dtype=np.int64) for x in lists]

    def arr(rows: list[tuple[int, ...]], k: int) -> list[np.ndarray]:
        a = np.array(rows, dtype=np.int64).reshape(-1, k)
        return [a[:, c].copy() for c in range(k)]

    tr_cols = arr(tr, 4)  # type: ignore[arg-type]
    win_cols = arr(win, 3)  # type: ignore[arg-type]
    una_cols = arr(una, 3)  # type: ignore[arg-type]
    committed = list(dict.fromkeys((vol_index[c.volunteer], need_index[c.need]) for c in s.committed))
    seen_pins: set[tuple[int, int]] = set()
    pinned: list[tuple[int, int]] = []
    for pin in s.pinned:
        key2 = (vol_index[pin.volunteer], need_index[pin.need])
        if key2 not in seen_pins:
            seen_pins.add(key2)
            pinned.append(key2)

    return Problem(
        scenario=s,
        weights=w,
        vol_index=vol_index,
        need_index=need_index,
        activity_index=activity_index,
        training_index=training_index,
        site_index=site_index,
        willing=willing,
        by_activity=[np.flatnonzero(willing[a]) for a in range(len(activities))],
        v_signed=v_signed,
        tr_vol=tr_cols[0],
        tr_train=tr_cols[1],
        tr_from=tr_cols[2],
        tr_to=tr_cols[3],
        v_birth_year=v_birth_year,
        v_birth_md=v_birth_md,
        v_has_birth=v_has_birth,
        v_police_shown=v_police_shown,
        v_police_any=v_police_any,
        v_langs=v_langs,
        v_lang_mask=lang_mask,
        v_lat=v_lat,
        v_lon=v_lon,
        v_max_km=v_max_km,
        w_vol=win_cols[0],
        w_start=win_cols[1],
        w_dur=win_cols[2],
        u_vol=una_cols[0],
        u_from=una_cols[1],
        u_to=una_cols[2],
        v_cap=v_cap,
        v_minutes_cap=v_minutes_cap,
        v_interest_words=_words(interests, vocab),
        history_pair={k: np.array(sorted(set(x)), dtype=np.int64) for k, x in hist_pair.items()},
        history_site={k: np.array(sorted(set(x)), dtype=np.int64) for k, x in hist_site.items()},
        n_site=n_site,
        n_activity=n_activity,
        n_headcount=np.array([n.headcount for n in s.needs], dtype=np.int64),
        n_priority=np.array([n.priority for n in s.needs], dtype=np.int64),
        n_minutes=week_minutes.max(axis=1) if nn else np.zeros(0, dtype=np.int64),
        n_occ=n_occ,
        n_start=n_start,
        n_last=n_last,
        n_week_minutes=week_minutes,
        n_week_slots=n_week_slots,
        n_trainings=n_trainings,
        n_min_age=n_min_age,
        n_police=n_police,
        n_langs=n_langs,
        n_lat=site_lat[n_site] if nn else np.zeros(0),
        n_lon=site_lon[n_site] if nn else np.zeros(0),
        n_tag_words=_words(tags, vocab),
        n_time_class=n_time_class,
        class_occ=class_occ,
        forbidden_by_need=by_need(list(s.forbidden)),
        previous_by_need=by_need(list(s.previous)),
        pinned=pinned,
        committed=committed,
        week0=s.horizon.start - dt.timedelta(days=s.horizon.start.isoweekday() - 1),
    )
