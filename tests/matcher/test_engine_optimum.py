"""The engines' coverage equals the optimum of an independent MIP written here from the rule text.

Nothing of the matcher's model, rules or validator is used to compute the optimum:
eligibility (docs/matching.md §1), pins (C4), overlaps (C3) and hours (C2) are decided
below in plain Python on the scenario structs, and the coverage level (Σ priority of
the filled places) is maximised with HiGHS (highspy). The registers are random and
small, with committed pairs, pins, overnight needs (also held only by two joined
windows), one-off needs (some outside the horizon), expiring trainings, missing
signatures, multi-assignment volunteers with weekly hour limits per ISO week.
"""

from __future__ import annotations

import datetime as dt

import highspy
import pytest
from builders import D, held, need, once, scenario, slot, volunteer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.schema import Scenario
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan

DAY = 1440
WEEK = 7 * DAY

NEED_TIMES = [
    ("weekly", [slot(1, "10:00", "12:00")]),
    ("weekly", [slot(1, "11:00", "13:00")]),
    ("weekly", [slot(1, "12:00", "14:00")]),
    ("weekly", [slot(2, "18:00", "21:00")]),
    ("weekly", [slot(3, "22:00", "06:00")]),  # overnight
    ("weekly", [slot(7, "23:00", "07:00")]),  # overnight into Monday
    ("weekly", [slot(1, "10:30", "11:00"), slot(6, "10:00", "12:00")]),
    ("once", once(D(2026, 1, 12), "11:30", "12:30")),
    ("once", once(D(2026, 1, 14), "23:00", "05:00")),  # one-off overnight
    ("once", once(D(2026, 1, 17), "09:00", "13:00")),
    ("once", once(D(2026, 2, 2), "10:00", "12:00")),  # outside the horizon
]
WINDOWS = [
    [slot(d, "08:00", "20:00") for d in range(1, 8)],
    [slot(1, "08:00", "15:00"), slot(6, "09:00", "13:00")],
    [slot(3, "21:00", "07:00"), slot(7, "22:00", "08:00")],
    [slot(3, "18:00", "00:00"), slot(4, "00:00", "08:00"), slot(7, "20:00", "00:00"), slot(1, "00:00", "12:00")],
    [slot(d, "00:00", "00:00") for d in range(1, 8)],  # round the clock
    [slot(2, "17:00", "22:00"), slot(6, "08:00", "14:00")],
]
ACTS = ["besoksvenn", "turvenn", "aktivitetsvenn"]


@st.composite
def registers(draw: st.DrawFn) -> Scenario:
    n_vol = draw(st.integers(2, 7))
    n_need = draw(st.integers(1, 6))
    vols = []
    for i in range(n_vol):
        demens = draw(st.sampled_from([None, None, D(2026, 1, 10), D(2027, 1, 1)]))  # expiry, if held
        vols.append(volunteer(
            f"v{i}",
            activities=draw(st.lists(st.sampled_from(ACTS), min_size=1, max_size=3, unique=True)),
            availability=draw(st.sampled_from(WINDOWS)),
            max_assignments=draw(st.sampled_from([0, 1, 1, 2, 3])),
            max_hours_per_week=draw(st.sampled_from([None, None, 2, 3.5, 6])),
            trainings=[] if demens is None else [held("demens", D(2025, 1, 1), demens if demens.year < 2027 else None)],
            agreement_signed=draw(st.sampled_from([D(2025, 1, 1), D(2025, 1, 1), D(2026, 1, 13), None])),
        ))  # fmt: skip
    needs = []
    for j in range(n_need):
        kind, times = draw(st.sampled_from(NEED_TIMES))
        needs.append(need(
            f"n{j}",
            activity=draw(st.sampled_from(ACTS)),
            headcount=draw(st.integers(1, 3)),
            priority=draw(st.integers(1, 5)),
            **({"weekly": times} if kind == "weekly" else {"once": times}),
        ))  # fmt: skip
    def pair_list(k: int) -> list[tuple[str, str]]:
        got = draw(st.lists(st.tuples(st.integers(0, n_vol - 1), st.integers(0, n_need - 1)), max_size=k))
        return [(f"v{i}", f"n{j}") for i, j in got]

    return scenario(vols, needs, pinned=pair_list(3), forbidden=pair_list(2), committed=pair_list(2))


# ---------------------------------------------------------------- the rules, from the text


def _m(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _len(a: str, b: str) -> int:
    d = _m(b) - _m(a)
    return d if d > 0 else d + DAY


def _occurrences(sc: Scenario, n: object) -> list[tuple[int, int]]:
    h0, h1 = sc.horizon.start, sc.horizon.end
    out = []
    if n.once is not None:  # type: ignore[attr-defined]
        o = n.once  # type: ignore[attr-defined]
        if h0 <= o.date <= h1:
            s = (o.date - h0).days * DAY + _m(o.start)
            out.append((s, s + _len(o.start, o.end)))
        return out
    day = h0
    while day <= h1:
        for sl in n.weekly:  # type: ignore[attr-defined]
            if sl.weekday == day.isoweekday():
                s = (day - h0).days * DAY + _m(sl.start)
                out.append((s, s + _len(sl.start, sl.end)))
        day += dt.timedelta(days=1)
    return sorted(out)


def _eligible(sc: Scenario, v: object, n: object, occ: list[tuple[int, int]]) -> bool:
    if not occ:
        return False
    start = sc.horizon.start + dt.timedelta(days=occ[0][0] // DAY)
    last = sc.horizon.start + dt.timedelta(days=occ[-1][0] // DAY)
    act = next(a for a in sc.activities if a.id == n.activity)  # type: ignore[attr-defined]
    if n.activity not in v.activities:  # E1  # type: ignore[attr-defined]
        return False
    if v.agreement_signed is None or v.confidentiality_signed is None:  # E2  # type: ignore[attr-defined]
        return False
    if max(v.agreement_signed, v.confidentiality_signed) > start:  # type: ignore[attr-defined]
        return False
    for t in [*act.requires_training, *n.requires_training]:  # E3  # type: ignore[attr-defined]
        if not any(h.training == t and h.completed <= start and (h.expires is None or last <= h.expires)
                   for h in v.trainings):  # type: ignore[attr-defined]  # fmt: skip
            return False
    if any(p.from_ <= start <= p.to for p in v.unavailable):  # E6: away on the start date  # type: ignore[attr-defined]
        return False
    offset = (sc.horizon.start.isoweekday() - 1) * DAY
    windows = [((w.weekday - 1) * DAY + _m(w.start), _len(w.start, w.end)) for w in v.availability]  # type: ignore[attr-defined]
    for s, e in occ:  # E6: each occurrence inside the union of the weekly windows (touching ones join)
        t = s
        while t < e:
            wm = (t + offset) % WEEK
            reach = [wl - (wm - ws) % WEEK for ws, wl in windows if (wm - ws) % WEEK < wl]
            if not reach:
                return False
            t += max(reach)
            if t - s > WEEK:  # covered all week round
                break
    if any((p.volunteer, p.need) == (v.id, n.id) for p in sc.forbidden):  # E9  # type: ignore[attr-defined]
        return False
    if v.max_assignments < 1:  # C2 for the pair alone  # type: ignore[attr-defined]
        return False
    cap = v.max_hours_per_week  # type: ignore[attr-defined]
    return cap is None or max(_by_week(sc, occ).values()) <= int(cap * 60 + 1e-6)


def _by_week(sc: Scenario, occ: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Minutes per ISO week (the week in which an occurrence starts)."""
    out: dict[tuple[int, int], int] = {}
    for s, e in occ:
        iso = (sc.horizon.start + dt.timedelta(days=s // DAY)).isocalendar()
        out[(iso[0], iso[1])] = out.get((iso[0], iso[1]), 0) + (e - s)
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def independent_coverage(sc: Scenario) -> int:
    """max Σ priority of filled places: committed pairs, then pins in order (C4), then a HiGHS MIP."""
    occ = {n.id: _occurrences(sc, n) for n in sc.needs}
    weeks = {n.id: _by_week(sc, occ[n.id]) for n in sc.needs}
    vols = {v.id: v for v in sc.volunteers}
    needs = {n.id: n for n in sc.needs}
    ok = {(v.id, n.id) for v in sc.volunteers for n in sc.needs if _eligible(sc, v, n, occ[n.id])}
    fixed: list[tuple[str, str]] = []  # committed pairs (always in the plan), then the pins kept

    def mcap(vid: str) -> int | None:
        h = vols[vid].max_hours_per_week
        return None if h is None else int(h * 60 + 1e-6)

    def fits(pairs: list[tuple[str, str]], key: tuple[str, str]) -> bool:
        """The pair `key` beside `pairs`: C1, C2 in each ISO week of its need, C3 (what `pairs`
        already break among themselves, committed pairs may, is not the new pair's fault)."""
        vid, nid = key
        if sum(1 for _, q in pairs if q == nid) + 1 > needs[nid].headcount:
            return False
        mine = [q for u, q in pairs if u == vid]
        for wk, minutes in weeks[nid].items():
            in_week = [q for q in mine if wk in weeks[q]]
            if len(in_week) + 1 > vols[vid].max_assignments:
                return False
            cap = mcap(vid)
            if cap is not None and sum(weeks[q][wk] for q in in_week) + minutes > cap:
                return False
        return not any(_overlap(occ[nid], occ[q]) for q in mine)

    for p in sc.committed:
        if (p.volunteer, p.need) not in fixed:
            fixed.append((p.volunteer, p.need))
    committed_set = set(fixed)
    for p in sc.pinned:
        key = (p.volunteer, p.need)
        if key in fixed or key not in ok or not fits(fixed, key):
            continue
        fixed.append(key)
    base = sum(needs[nid].priority for _, nid in fixed)
    cand = sorted(k for k in ok if k not in committed_set and k not in fixed and fits(fixed, k))
    if not cand:
        return base
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)
    n = len(cand)
    for _ in cand:
        h.addVar(0, 1)
    h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
    h.changeColsCost(n, list(range(n)), [float(needs[nid].priority) for _, nid in cand])
    inf = highspy.kHighsInf

    def row(idx: list[int], coef: list[float], ub: float) -> None:
        if idx:
            h.addRow(-inf, ub, len(idx), idx, coef)

    for nid, nd in needs.items():  # C1: the places the fixed pairs leave
        idx = [k for k, c in enumerate(cand) if c[1] == nid]
        row(idx, [1.0] * len(idx), max(0, nd.headcount - sum(1 for _, q in fixed if q == nid)))
    for vid, vol in vols.items():  # C2 in every ISO week, what the fixed pairs leave
        mine = [k for k, c in enumerate(cand) if c[0] == vid]
        held = [q for u, q in fixed if u == vid]
        for wk in {w for k in mine for w in weeks[cand[k][1]]}:
            idx = [k for k in mine if wk in weeks[cand[k][1]]]
            row(idx, [1.0] * len(idx), max(0, vol.max_assignments - sum(1 for q in held if wk in weeks[q])))
            cap = mcap(vid)
            if cap is not None:
                row(idx, [float(weeks[cand[k][1]][wk]) for k in idx],
                    max(0, cap - sum(weeks[q].get(wk, 0) for q in held)))
    for a in range(n):  # C3: no two overlapping needs for one volunteer
        for b in range(a + 1, n):
            if cand[a][0] == cand[b][0] and _overlap(occ[cand[a][1]], occ[cand[b][1]]):
                row([a, b], [1.0, 1.0], 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return base + round(h.getInfo().objective_function_value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.sampled_from(["mip", "auto", "cpsat"]))
def test_engine_coverage_equals_independent_optimum(sc: Scenario, engine: str) -> None:
    plan = solve(sc, SolveOptions(engine=engine, time_limit=20))
    assert plan.coverage is not None
    assert check_plan(sc, plan) == []
    assert plan.coverage.priority_filled == independent_coverage(sc)
    assert plan.coverage.priority_bound == plan.coverage.priority_filled  # coverage proven


def test_engine_coverage_on_a_hand_made_register() -> None:
    """The independent model itself on a case worked by hand: the overnight need and the
    evening need overlap nobody; v0 (2 assignments, 3.5 h) takes both 2-hour needs? No: 4 h > 3.5 h."""
    sc = scenario(
        [volunteer("v0", max_assignments=2, max_hours_per_week=3.5), volunteer("v1", max_assignments=0)],
        [need("a", priority=5, weekly=[slot(1, "10:00", "12:00")]),
         need("b", priority=2, weekly=[slot(2, "10:00", "12:00")])],
    )  # fmt: skip
    assert independent_coverage(sc) == 5
    plan = solve(sc, SolveOptions(engine="mip"))
    assert plan.coverage is not None and plan.coverage.priority_filled == 5


@pytest.mark.parametrize(("core_direct", "handoff"), [(30_000, 10_000), (0, 10**9), (0, 0)],
                         ids=["core-branched", "core-priced", "core-priced-handed-over"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=registers())
def test_mip_pricing_path_coverage_equals_independent_optimum(sc: Scenario, core_direct: int, handoff: int) -> None:
    """The path above `direct_max_pairs`, forced on small registers: the coverage core (`mip.coverage_core`)
    with one branch and bound over it, or priced (restricted LP, pricing, reduced-cost selection), its last
    branch and bound its own or (`core_handoff_pairs` 0) handed to the decomposition (`mip.solve_large`)."""
    plan = solve(sc, SolveOptions(engine="mip", direct_max_pairs=0, core_direct_max_pairs=core_direct,
                                  core_handoff_pairs=handoff, time_limit=20))  # fmt: skip
    assert plan.coverage is not None
    assert check_plan(sc, plan) == []
    assert plan.coverage.priority_filled == independent_coverage(sc)
    assert plan.coverage.priority_bound == plan.coverage.priority_filled


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_mip_large_path_coverage_equals_independent_optimum(sc: Scenario) -> None:
    """The largest registers' path (`mip.solve_large`: pricing, easy and hard needs, the fill), forced
    on small registers (about one in twenty breaks a side constraint in the flow and reaches it): its
    coverage is the optimum and it proves it."""
    plan = solve(sc, SolveOptions(engine="mip", mip_exact_max_pairs=0, time_limit=20))
    assert plan.coverage is not None
    assert check_plan(sc, plan) == []
    assert plan.coverage.priority_filled == independent_coverage(sc)
    assert plan.coverage.priority_bound == plan.coverage.priority_filled
