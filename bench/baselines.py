"""The comparison baseline: a textbook model written from the rule text, independent of `matcher/`.

Nothing here imports the matcher. The register is read as plain JSON (`samspill.scenario/1`),
eligibility (E1–E9 and the per-pair C2 check, docs/matching.md §1) is decided pair by pair
in plain Python, committed pairs are fixed and pins settled in the order given (C4), and
the plan is one MIP:

    x_p ∈ {0, 1} per eligible pair (volunteer v, need j) left after the pins
    C1  Σ_{p ∋ j} x_p ≤ headcount_j − pins on j
    C2  per ISO week w: Σ_{p ∋ v, j runs in w} x_p ≤ max_assignments_v − fixed of v in w;
                        Σ minutes_j(w) x_p ≤ max_hours_v·60 − fixed minutes of v in w
    C3  x_p + x_q ≤ 1 for two needs of one volunteer whose occurrences overlap
    spread  y_{v,k} ∈ [0, 1] for k = 2 … (pins + cap), cost spread·(k−1), Σ_v x − Σ_k y_{v,k} ≤ 1 − pins_v
    maximise  Σ priority_j x_p · M + Σ fit_p x_p − Σ spread cost y     (M > any fit difference)

solved with HiGHS (highspy, a dev dependency) or with CP-SAT on the same rows, each
reporting its proven bound. `python bench/baselines.py` checks the MIP against brute
force on tiny random registers.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import Any

DAY = 1440
WEEK = 7 * DAY


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _minute(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _length(start: str, end: str) -> int:
    """An end not after the start runs past midnight."""
    a, b = _minute(start), _minute(end)
    return b - a if b > a else b - a + DAY


def _plus_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(d.day, (nxt - dt.timedelta(days=1)).day))


def _km(a: dict[str, float], b: dict[str, float]) -> float:
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dl = math.radians(b["lon"] - a["lon"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, max(0.0, h))))


@dataclass
class NeedFacts:
    occ: list[tuple[int, int]]  # absolute minutes from the horizon's first midnight, half-open
    start: dt.date | None
    last: dt.date | None
    weeks: dict[tuple[int, int], int]  # minutes per ISO week in which occurrences start (C2)
    trainings: set[str]
    min_age: int
    police: bool


@dataclass
class Model:
    """The eligible pairs after the pins, and what the MIP needs about them."""

    pairs: list[tuple[int, int]]  # (volunteer index, need index)
    priority: list[int]
    fit: list[int]
    need_left: list[int]
    vol_max: list[int]  # max_assignments per ISO week
    week_rows: list[tuple[list[int], list[float], float]]  # C2 per (volunteer, ISO week): pairs, coefs, what is left
    vol_left: list[int]  # an upper bound on the assignments over the horizon (for the spread units)
    conflicts: list[tuple[int, int]]  # pair indices that overlap (C3)
    pinned: list[tuple[int, int]]  # the fixed pairs: committed, then the pins kept
    pin_priority: int
    pin_fit: int
    spread: int
    vol_pins: list[int]
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)


def need_facts(sc: dict[str, Any], need: dict[str, Any]) -> NeedFacts:
    h0, h1 = _date(sc["horizon"]["start"]), _date(sc["horizon"]["end"])
    occ: list[tuple[int, int]] = []
    if need.get("once"):
        o = need["once"]
        d = _date(o["date"])
        if h0 <= d <= h1:
            s = (d - h0).days * DAY + _minute(o["start"])
            occ.append((s, s + _length(o["start"], o["end"])))
    else:
        first = max(h0, _date(need["from"])) if need.get("from") else h0
        last = min(h1, _date(need["until"])) if need.get("until") else h1
        d = first
        while d <= last:
            for sl in need["weekly"]:
                if sl["weekday"] == d.isoweekday():
                    s = (d - h0).days * DAY + _minute(sl["start"])
                    occ.append((s, s + _length(sl["start"], sl["end"])))
            d += dt.timedelta(days=1)
    occ.sort()
    start = h0 + dt.timedelta(days=occ[0][0] // DAY) if occ else None
    last = h0 + dt.timedelta(days=occ[-1][0] // DAY) if occ else None
    weeks: dict[tuple[int, int], int] = {}
    for s, e in occ:
        iso = (h0 + dt.timedelta(days=s // DAY)).isocalendar()
        weeks[(iso[0], iso[1])] = weeks.get((iso[0], iso[1]), 0) + e - s
    act = next(a for a in sc["activities"] if a["id"] == need["activity"])
    return NeedFacts(
        occ=occ,
        start=start,
        last=last,
        weeks=weeks,
        trainings=set(act.get("requires_training", [])) | set(need.get("requires_training", [])),
        min_age=max(act.get("min_age", 0), need.get("min_age", 0)),
        police=bool(act.get("police_certificate", False) or need.get("police_certificate", False)),
    )


def eligible(sc: dict[str, Any], v: dict[str, Any], need: dict[str, Any], f: NeedFacts, site: dict[str, Any]) -> bool:
    """E1–E9 and the per-pair C2 check, as docs/matching.md states them."""
    if f.start is None or f.last is None:
        return False
    day, last = f.start, f.last
    if need["activity"] not in v.get("activities", []):  # E1
        return False
    a, c = v.get("agreement_signed"), v.get("confidentiality_signed")
    if a is None or c is None or _date(a) > day or _date(c) > day:  # E2
        return False
    for t in f.trainings:  # E3
        if not any(h["training"] == t and _date(h["completed"]) <= day
                   and (h.get("expires") is None or last <= _date(h["expires"]))
                   for h in v.get("trainings", [])):  # fmt: skip
            return False
    if f.min_age > 0:  # E4
        if not v.get("birth_date"):
            return False
        b = _date(v["birth_date"])
        if day.year - b.year - ((day.month, day.day) < (b.month, b.day)) < f.min_age:
            return False
    if f.police:  # E5
        pc = v.get("police_certificate")
        if pc is None or _date(pc["shown"]) > day or _date(pc["shown"]) > _plus_months(_date(pc["issued"]), 3):
            return False
    for p in v.get("unavailable", []):  # E6: away on the start date
        if _date(p["from"]) <= day <= _date(p["to"]):
            return False
    h0 = _date(sc["horizon"]["start"])
    offset = (h0.isoweekday() - 1) * DAY
    windows = [((w["weekday"] - 1) * DAY + _minute(w["start"]), _length(w["start"], w["end"]))
               for w in v.get("availability", [])]  # fmt: skip
    for s, e in f.occ:  # E6: every occurrence inside the union of the weekly windows (touching ones join)
        t = s
        while t < e:
            wm = (t + offset) % WEEK
            reach = [wl - (wm - ws) % WEEK for ws, wl in windows if (wm - ws) % WEEK < wl]
            if not reach:
                return False
            t += max(reach)
            if t - s > WEEK:
                break
    langs = {x.lower() for x in need.get("languages", [])}
    if langs and not langs & {x.lower() for x in v.get("languages", [])}:  # E7
        return False
    travel = v.get("max_travel_km")
    if travel is not None and v.get("location") and site.get("location") and _km(v["location"],
                                                                                 site["location"]) > travel:
        return False  # E8
    if v.get("max_assignments", 1) < 1:  # C2 for the pair alone
        return False
    cap = v.get("max_hours_per_week")
    return cap is None or max(f.weeks.values()) <= math.floor(cap * 60 + 1e-6)


def fit_points(sc: dict[str, Any], v: dict[str, Any], need: dict[str, Any], site: dict[str, Any]) -> int:
    """The four fit terms of docs/matching.md §3."""
    w = {"interests": 10, "interests_cap": 3, "continuity": 20, "continuity_site": 10, "travel": 10,
         "travel_scale_km": 20.0, "spread": 15, "previous": 30, **(sc.get("weights") or {})}  # fmt: skip
    shared = len({x.strip().lower() for x in v.get("interests",
                                                   [])} & {x.strip().lower() for x in need.get("tags", [])})
    pts = w["interests"] * min(shared, w["interests_cap"])
    hist = v.get("history", [])
    if any(h["site"] == need["site"] and h["activity"] == need["activity"] for h in hist):
        pts += w["continuity"]
    elif any(h["site"] == need["site"] for h in hist):
        pts += w["continuity_site"]
    if v.get("location") and site.get("location"):
        km = _km(v["location"], site["location"])
        pts += math.floor(w["travel"] * max(0.0, 1.0 - km / w["travel_scale_km"]) + 0.5)
    if any(p["volunteer"] == v["id"] and p["need"] == need["id"] for p in sc.get("previous", [])):
        pts += w["previous"]
    return pts


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    i = k = 0
    while i < len(a) and k < len(b):
        if a[i][0] < b[k][1] and b[k][0] < a[i][1]:
            return True
        if a[i][1] <= b[k][1]:
            i += 1
        else:
            k += 1
    return False


def build_model(sc: dict[str, Any]) -> Model:
    """Eligibility pair by pair (indexed by activity only), the pins, the overlaps."""
    t0 = time.perf_counter()
    vols, needs = sc["volunteers"], sc["needs"]
    sites = {s["id"]: s for s in sc["sites"]}
    facts = [need_facts(sc, n) for n in needs]
    vi = {v["id"]: i for i, v in enumerate(vols)}
    ni = {n["id"]: j for j, n in enumerate(needs)}
    forbidden = {(vi[p["volunteer"]], ni[p["need"]]) for p in sc.get("forbidden", [])}
    by_activity: dict[str, list[int]] = {}
    for i, v in enumerate(vols):
        for a in v.get("activities", []):
            by_activity.setdefault(a, []).append(i)
    ok: set[tuple[int, int]] = set()
    for j, n in enumerate(needs):
        site = sites[n["site"]]
        for i in by_activity.get(n["activity"], []):
            if (i, j) not in forbidden and eligible(sc, vols[i], n, facts[j], site):  # E9, E1–E8
                ok.add((i, j))
    weights = sc.get("weights") or {}
    spread = int(weights.get("spread", 15))
    vol_max = [v.get("max_assignments", 1) for v in vols]
    mcap = [math.floor(v["max_hours_per_week"] * 60 + 1e-6) if v.get("max_hours_per_week") is not None else None
            for v in vols]  # fmt: skip
    fixed: list[tuple[int, int]] = []
    held: dict[int, list[int]] = {}
    taken = [0] * len(needs)

    def fits(i: int, j: int) -> bool:
        """Pair (i, j) beside the fixed pairs: C1, C2 in each ISO week of need j, C3."""
        if taken[j] + 1 > needs[j].get("headcount", 1):
            return False
        mine = held.get(i, [])
        for wk, mins in facts[j].weeks.items():
            in_week = [q for q in mine if wk in facts[q].weeks]
            if len(in_week) + 1 > vol_max[i]:
                return False
            if mcap[i] is not None and sum(facts[q].weeks[wk] for q in in_week) + mins > mcap[i]:
                return False
        return not any(_overlap(facts[j].occ, facts[q].occ) for q in mine)

    def fix(i: int, j: int) -> None:
        fixed.append((i, j))
        held.setdefault(i, []).append(j)
        taken[j] += 1

    for p in sc.get("committed", []):  # in the plan whatever they break
        i, j = vi[p["volunteer"]], ni[p["need"]]
        if (i, j) not in fixed:
            fix(i, j)
    for p in sc.get("pinned", []):  # C4: in order
        i, j = vi[p["volunteer"]], ni[p["need"]]
        if (i, j) not in fixed and (i, j) in ok and fits(i, j):
            fix(i, j)
    fixed_set = set(fixed)
    pairs = [(i, j) for i, j in sorted(ok) if (i, j) not in fixed_set and fits(i, j)]
    need_left = [max(0, needs[j].get("headcount", 1) - taken[j]) for j in range(len(needs))]
    by_vol: dict[int, list[int]] = {}
    for k, (i, _j) in enumerate(pairs):
        by_vol.setdefault(i, []).append(k)
    week_rows = []
    vol_left = [0] * len(vols)
    for i, ks in by_vol.items():
        weeks = sorted({w for k in ks for w in facts[pairs[k][1]].weeks})
        for wk in weeks:
            in_week = [k for k in ks if wk in facts[pairs[k][1]].weeks]
            fixed_wk = [q for q in held.get(i, []) if wk in facts[q].weeks]
            week_rows.append((in_week, [1.0] * len(in_week), float(max(0, vol_max[i] - len(fixed_wk)))))
            if mcap[i] is not None:
                week_rows.append((in_week, [float(facts[pairs[k][1]].weeks[wk]) for k in in_week],
                                  float(max(0, mcap[i] - sum(facts[q].weeks[wk] for q in fixed_wk)))))  # fmt: skip
        vol_left[i] = len(ks)
    conflicts = []
    for ks in by_vol.values():
        for a in range(len(ks)):
            for b in range(a + 1, len(ks)):
                if _overlap(facts[pairs[ks[a]][1]].occ, facts[pairs[ks[b]][1]].occ):
                    conflicts.append((ks[a], ks[b]))
    fit = [fit_points(sc, vols[i], needs[j], sites[needs[j]["site"]]) for i, j in pairs]
    pins = [0] * len(vols)
    for i, _ in fixed:
        pins[i] += 1
    pinned = fixed
    return Model(
        pairs=pairs,
        priority=[needs[j].get("priority", 3) for _, j in pairs],
        fit=fit,
        need_left=need_left,
        vol_max=vol_max,
        week_rows=week_rows,
        vol_left=vol_left,
        conflicts=conflicts,
        pinned=pinned,
        pin_priority=sum(needs[j].get("priority", 3) for _, j in pinned),
        pin_fit=sum(fit_points(sc, vols[i], needs[j], sites[needs[j]["site"]]) for i, j in pinned),
        spread=spread,
        vol_pins=pins,
        seconds=time.perf_counter() - t0,
    )


@dataclass
class Result:
    solver: str
    status: str
    chosen: list[int]
    priority: int  # pins included, comparable with plan.coverage.priority_filled
    priority_bound: float
    fit: int  # pins included and spread subtracted, comparable with plan.objective.fit
    seconds: float  # model build + solve (eligibility not included: see Model.seconds)


def _rows(m: Model) -> tuple[list[tuple[list[int], list[float], float]], list[tuple[int, int, float]], int]:
    """Constraint rows over columns (pairs, then spread units) and the spread units (vol, column, cost)."""
    n = len(m.pairs)
    rows: list[tuple[list[int], list[float], float]] = []
    per_need: dict[int, list[int]] = {}
    per_vol: dict[int, list[int]] = {}
    for k, (i, j) in enumerate(m.pairs):
        per_need.setdefault(j, []).append(k)
        per_vol.setdefault(i, []).append(k)
    for j, ks in per_need.items():
        rows.append((ks, [1.0] * len(ks), float(m.need_left[j])))
    rows.extend(m.week_rows)  # C2 per ISO week
    for a, b in m.conflicts:
        rows.append(([a, b], [1.0, 1.0], 1.0))
    units: list[tuple[int, int, float]] = []
    col = n
    if m.spread > 0:
        for i, ks in per_vol.items():
            top = m.vol_pins[i] + min(m.vol_left[i], len(ks))
            if top < 2:
                continue
            ys = []
            for k in range(2, top + 1):
                units.append((i, col, -float(m.spread * (k - 1))))
                ys.append(col)
                col += 1
            rows.append((ks + ys, [1.0] * len(ks) + [-1.0] * len(ys), float(1 - m.vol_pins[i])))
    return rows, units, col


def _big_m(m: Model) -> float:
    """More than the whole range of the fit level."""
    caps = sum(max(0, c) for c in m.need_left)
    top = max([abs(f) for f in m.fit] + [0])
    spread = m.spread * sum((p + c) * (p + c - 1) // 2 for p, c in zip(m.vol_pins, m.vol_left, strict=True) if c > 0)
    return float(2 * top * caps + spread + 1)


def _score(m: Model, chosen: list[int]) -> tuple[int, int]:
    count = list(m.vol_pins)
    for k in chosen:
        count[m.pairs[k][0]] += 1
    spread = m.spread * sum(c * (c - 1) // 2 for c in count)
    return m.pin_priority + sum(m.priority[k] for k in chosen), m.pin_fit + sum(m.fit[k] for k in chosen) - spread


def solve_highs(m: Model, time_limit: float = 120.0) -> Result:
    """The MIP with highspy, lexicographic through M; `priority_bound` from HiGHS's dual bound."""
    import highspy
    import numpy as np

    t0 = time.perf_counter()
    rows, units, n_cols = _rows(m)
    big = _big_m(m)
    cost = np.zeros(n_cols)
    cost[: len(m.pairs)] = np.array(m.priority, dtype=float) * big + np.array(m.fit, dtype=float)
    for _i, c, w in units:
        cost[c] = w
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    h.addCols(n_cols, cost, np.zeros(n_cols), np.ones(n_cols), 0, np.zeros(0, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))  # fmt: skip
    starts, index, value, upper = [], [], [], []
    for cols, coefs, ub in rows:
        starts.append(len(index))
        index.extend(cols)
        value.extend(coefs)
        upper.append(ub)
    h.addRows(len(rows), np.full(len(rows), -highspy.kHighsInf), np.array(upper), len(index),
              np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value))  # fmt: skip
    n = len(m.pairs)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, 1, dtype=np.uint8))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    chosen: list[int] = []
    if info.primal_solution_status == 2:
        x = h.getSolution().col_value
        chosen = [k for k in range(n) if x[k] > 0.5]
    pri, fit = _score(m, chosen)
    bound = (m.pin_priority + math.floor((info.mip_dual_bound + 1e-6) / big)
             if math.isfinite(info.mip_dual_bound) else math.inf)
    label = "optimal" if status == highspy.HighsModelStatus.kOptimal else h.modelStatusToString(status)
    return Result("HiGHS", label, chosen, pri, min(bound, math.inf), fit, time.perf_counter() - t0)


def solve_cpsat(m: Model, time_limit: float = 120.0, workers: int = 2) -> Result:
    """The same rows with CP-SAT (integer coefficients), lexicographic through M; its own bound."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    rows, units, _n_cols = _rows(m)
    big = int(_big_m(m))
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(len(m.pairs))]
    y = [model.new_int_var(0, 1, f"y{c}") for _i, c, _w in units]
    col = x + y
    for cols, coefs, ub in rows:
        if len(cols) == 2 and coefs == [1.0, 1.0] and ub == 1.0:
            model.add_at_most_one(col[c] for c in cols)
        else:
            model.add(sum(int(a) * col[c] for c, a in zip(cols, coefs, strict=True)) <= int(ub))
    obj = [(p * big + f) for p, f in zip(m.priority, m.fit, strict=True)]
    model.maximize(sum(o * v for o, v in zip(obj, x, strict=True)) + sum(int(w) * col[c] for _i, c, w in units))
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = time_limit
    s.parameters.num_workers = workers
    st = s.solve(model)
    chosen = [k for k in range(len(x)) if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) and s.boolean_value(x[k])]
    pri, fit = _score(m, chosen)
    bound = m.pin_priority + math.floor(s.best_objective_bound / big + 1e-9) if st != cp_model.UNKNOWN else math.inf
    return Result("CP-SAT", s.status_name(st).lower(), chosen, pri, bound, fit, time.perf_counter() - t0)


def check(m: Model, chosen: list[int]) -> list[str]:
    """C1–C3 on a choice of the model's pairs."""
    errors = []
    on = set(chosen)
    need: dict[int, int] = {}
    for k in chosen:
        need[m.pairs[k][1]] = need.get(m.pairs[k][1], 0) + 1
    errors += [f"C1 need {j}" for j, c in need.items() if c > m.need_left[j]]
    for cols, coefs, ub in m.week_rows:
        if sum(a for c, a in zip(cols, coefs, strict=True) if c in on) > ub:
            errors.append(f"C2 week row {cols[:3]}")
    errors += [f"C3 {a} {b}" for a, b in m.conflicts if a in on and b in on]
    return errors


def _self_check(trials: int = 60) -> None:
    """The MIP equals brute force (lexicographic) on tiny random registers from bench/register.py."""
    import itertools

    from register import generate  # type: ignore[import-not-found]

    for t in range(trials):
        sc = generate(6, 3, seed=1000 + t)
        m = build_model(sc)
        if len(m.pairs) > 14:
            continue
        best = (m.pin_priority, m.pin_fit - m.spread * sum(p * (p - 1) // 2 for p in m.vol_pins))
        for r in range(1, len(m.pairs) + 1):
            for combo in itertools.combinations(range(len(m.pairs)), r):
                if not check(m, list(combo)):
                    best = max(best, _score(m, list(combo)))
        res = solve_highs(m, 10)
        assert not check(m, res.chosen) and (res.priority, res.fit) == best, (t, res, best)
    print(f"baselines self-check: {trials} tiny registers, HiGHS = brute force")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _self_check()
