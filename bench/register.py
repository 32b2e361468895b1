"""An independent register generator for the benchmarks (not `matcher.generate`).

Written apart from the matcher and never tuned against it: uniform sites in a
30 × 30 km square, availability as random windows (or, `everyone`, every day round the
clock), needs weekly, one-off or overnight, paperwork missing at random. It produces
`samspill.scenario/1` JSON as plain dicts, so nothing here depends on `matcher/`.

    python bench/register.py 2000 500 --seed 3 [--everyone] > register.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from typing import Any

START = dt.date(2027, 3, 1)  # a Monday
DAYS = 28
CENTRE = (59.27, 10.41)
TRAININGS = ["night-course", "driving", "dementia", "first-aid"]
ACTIVITIES: list[dict[str, Any]] = [
    {"id": "visit", "name": "Visiting friend"},
    {"id": "walk", "name": "Walking friend", "min_age": 16},
    {"id": "night", "name": "Night watch", "requires_training": ["night-course"], "police_certificate": True},
    {"id": "drive", "name": "Driver", "min_age": 18, "requires_training": ["driving"]},
    {"id": "read", "name": "Reading aloud"},
    {"id": "dementia", "name": "Activity friend (dementia)", "requires_training": ["dementia"],
     "police_certificate": True},
    {"id": "cafe", "name": "Café host", "requires_training": ["first-aid"]},
]  # fmt: skip
ACTIVITY_WEIGHTS = [30, 20, 6, 8, 10, 14, 12]
TAGS = ["music", "garden", "chess", "hiking", "books", "football", "knitting", "cooking", "history", "birds"]
LANGS = ["no", "en", "ar", "pl", "so", "ti", "uk"]


def _hm(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _point(rng: random.Random) -> dict[str, float]:
    """Uniform in a 30 × 30 km square around the centre."""
    dlat = rng.uniform(-15, 15) / 111.2
    dlon = rng.uniform(-15, 15) / (111.2 * math.cos(math.radians(CENTRE[0])))
    return {"lat": round(CENTRE[0] + dlat, 5), "lon": round(CENTRE[1] + dlon, 5)}


def _times(rng: random.Random, activity: str) -> tuple[int, int]:
    """(start minute of day, length) of one occurrence."""
    if activity == "night":
        return rng.choice([(22 * 60, 8 * 60), (21 * 60, 9 * 60), (23 * 60, 7 * 60)])
    start = rng.randrange(8 * 2, 20 * 2) * 30
    length = rng.choice([60, 90, 120, 120, 180])
    return start, min(length, 22 * 60 - start)


def _need(rng: random.Random, k: int, sites: list[dict[str, Any]]) -> dict[str, Any]:
    act = rng.choices([a["id"] for a in ACTIVITIES], ACTIVITY_WEIGHTS)[0]
    need: dict[str, Any] = {
        "id": f"n{k:06d}",  # zero-padded: the matcher orders by id (`in_canonical_order`), and so does the list
        "site": rng.choice(sites)["id"],
        "activity": act,
        "title": f"{act} {k}",
        "headcount": rng.choices([1, 2, 3, 4], [65, 22, 9, 4])[0],
        "priority": rng.randint(1, 5),
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
    }
    if rng.random() < 0.3:  # one-off
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        s, length = _times(rng, act)
        need["once"] = {"date": day.isoformat(), "start": _hm(s), "end": _hm(s + length)}
    else:
        slots = []
        for day in rng.sample(range(1, 8), rng.choices([1, 2], [75, 25])[0]):
            s, length = _times(rng, act)
            slots.append({"weekday": day, "start": _hm(s), "end": _hm(s + length)})
        need["weekly"] = slots
        if rng.random() < 0.15:
            need["from"] = (START + dt.timedelta(days=rng.randrange(14))).isoformat()
        if rng.random() < 0.1:
            need["until"] = (START + dt.timedelta(days=rng.randrange(14, DAYS))).isoformat()
    if rng.random() < 0.1:
        need["languages"] = rng.sample(LANGS[1:], 1)
    if rng.random() < 0.05:
        need["min_age"] = 20
    return need


def _volunteer(rng: random.Random, k: int, everyone: bool) -> dict[str, Any]:
    acts = rng.sample([a["id"] for a in ACTIVITIES], rng.choices([1, 2, 3], [50, 35, 15])[0])
    v: dict[str, Any] = {"id": f"v{k:06d}", "name": f"Volunteer {k}", "activities": acts}
    age = rng.randint(15, 86)
    if rng.random() < 0.95:
        v["birth_date"] = (START - dt.timedelta(days=age * 365 + rng.randrange(365))).isoformat()
    if everyone:
        v["availability"] = [{"weekday": d, "start": "00:00", "end": "00:00"} for d in range(1, 8)]
    else:
        slots = []
        for _ in range(rng.randint(1, 4)):
            s = rng.randrange(7 * 2, 18 * 2) * 30
            slots.append({"weekday": rng.randint(1, 7), "start": _hm(s), "end": _hm(min(s + rng.randrange(3, 10) * 60,
                                                                                         23 * 60 + 30))})  # fmt: skip
        if "night" in acts:
            slots.append({"weekday": rng.randint(1, 7), "start": "21:00", "end": "07:30"})
        v["availability"] = slots
    if rng.random() < 0.1:
        a = START + dt.timedelta(days=rng.randrange(-10, DAYS))
        v["unavailable"] = [{"from": a.isoformat(), "to": (a + dt.timedelta(days=rng.randrange(3, 15))).isoformat()}]
    v["max_assignments"] = rng.choices([0, 1, 2, 3], [3, 55, 28, 14])[0]
    if rng.random() < 0.5:
        v["max_hours_per_week"] = rng.choice([2, 3, 4, 5, 6, 8, 2.5])
    v["trainings"] = []
    for t in TRAININGS:
        if rng.random() < 0.35:
            done = START - dt.timedelta(days=rng.randrange(1, 900))
            held: dict[str, Any] = {"training": t, "completed": done.isoformat()}
            if rng.random() < 0.4:
                held["expires"] = (done + dt.timedelta(days=rng.randrange(200, 1200))).isoformat()
            v["trainings"].append(held)
    if rng.random() < 0.88:
        v["agreement_signed"] = (START - dt.timedelta(days=rng.randrange(-20, 700))).isoformat()
    if rng.random() < 0.9:
        v["confidentiality_signed"] = (START - dt.timedelta(days=rng.randrange(-20, 700))).isoformat()
    if rng.random() < 0.5:
        issued = START - dt.timedelta(days=rng.randrange(5, 800))
        v["police_certificate"] = {"issued": issued.isoformat(),
                                   "shown": (issued + dt.timedelta(days=rng.randrange(0, 120))).isoformat(),
                                   }  # fmt: skip
    v["languages"] = ["no", *rng.sample(LANGS[1:], rng.choices([0, 1, 2], [60, 30, 10])[0])]
    if rng.random() < 0.9:
        v["location"] = _point(rng)
        if rng.random() < 0.7:
            v["max_travel_km"] = rng.choice([2, 4, 6, 8, 10, 15])
    v["interests"] = rng.sample(TAGS, rng.randint(0, 4))
    return v


def generate(volunteers: int, needs: int, seed: int = 0, *, everyone: bool = False) -> dict[str, Any]:
    """A register as a `samspill.scenario/1` dict; deterministic in its arguments."""
    rng = random.Random(f"bench-register/{seed}")
    n_sites = max(6, needs // 20)
    sites = [{"id": f"s{k:05d}", "name": f"Site {k}", "kind": rng.choice(["service_site", "organisation"]),
              "location": _point(rng)} for k in range(n_sites)]  # fmt: skip
    need_list = [_need(rng, k, sites) for k in range(needs)]
    vol_list = [_volunteer(rng, k, everyone) for k in range(volunteers)]
    for v in vol_list:
        if rng.random() < 0.2:
            v["history"] = [{"site": rng.choice(sites)["id"], "activity": rng.choice(v["activities"])}]
    pinned = [{"volunteer": rng.choice(vol_list)["id"], "need": rng.choice(need_list)["id"]}
              for _ in range(needs // 100)]  # fmt: skip
    forbidden = [{"volunteer": rng.choice(vol_list)["id"], "need": rng.choice(need_list)["id"]}
                 for _ in range(needs // 50)]  # fmt: skip
    # placements in force: a volunteer on a need of an activity they do (rules may have lapsed since)
    committed = []
    for _ in range(needs // 40):
        n = rng.choice(need_list)
        doers = [v for v in rng.sample(vol_list, min(40, len(vol_list))) if n["activity"] in v["activities"]]
        if doers:
            committed.append({"volunteer": doers[0]["id"], "need": n["id"]})
    return {
        "format": "samspill.scenario/1",
        "horizon": {"start": START.isoformat(), "end": (START + dt.timedelta(days=DAYS - 1)).isoformat()},
        "trainings": [{"id": t, "name": t} for t in TRAININGS],
        "activities": ACTIVITIES,
        "sites": sites,
        "volunteers": vol_list,
        "needs": need_list,
        "pinned": pinned,
        "forbidden": forbidden,
        "committed": committed,
        "previous": [],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("volunteers", type=int)
    ap.add_argument("needs", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--everyone", action="store_true", help="every volunteer available round the clock")
    a = ap.parse_args(argv)
    json.dump(generate(a.volunteers, a.needs, a.seed, everyone=a.everyone), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
