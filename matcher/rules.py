"""The eligibility rules E1–E9, one function each, over a column of volunteers for one need.

This is the one place the rules live: candidate generation, pin checks and the
explanations of unfilled needs all call these. Each function takes the compiled
problem, a need index `j` and an array of volunteer indices, and returns a boolean
array: True where the volunteer passes. `matcher.validate` re-states the same rules
independently, pair by pair, as the executable spec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from matcher.problem import WEEK, Problem, haversine_km

Rule = Callable[[Problem, int, np.ndarray], np.ndarray]


def e1_willing(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E1: the need's activity is one the volunteer is willing to do."""
    return np.asarray(p.willing[p.n_activity[j], vols])


def e2_agreements(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E2: volunteer agreement and confidentiality declaration signed by the start date."""
    return np.asarray(p.v_signed[vols] <= p.n_start[j])


def trainings_held(p: Problem, t: int, day: int) -> np.ndarray:
    """Volunteers holding training t valid on `day` (completed ≤ day ≤ expiry), all volunteers."""

    def build() -> np.ndarray:
        ok = np.zeros(p.n_volunteers, dtype=bool)
        ok[p.tr_vol[(p.tr_train == t) & (p.tr_from <= day) & (p.tr_to >= day)]] = True
        return ok

    return p.column(("training", t, day), build)


def e3_training(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E3: every training the activity or the need requires, valid on the start date and still
    valid on the last occurrence in the horizon (so a placement never outlives its course)."""
    ok = np.ones(len(vols), dtype=bool)
    for t in p.n_trainings[j]:
        ok &= trainings_held(p, t, int(p.n_start[j]))[vols]
        if p.n_last[j] != p.n_start[j]:
            ok &= trainings_held(p, t, int(p.n_last[j]))[vols]
    return ok


def age_on(p: Problem, day_ordinal: int, vols: np.ndarray) -> np.ndarray:
    """Age in whole years on a date; meaningless where the birth date is unknown."""
    d = dt.date.fromordinal(day_ordinal)
    md = d.month * 100 + d.day
    return np.asarray(d.year - p.v_birth_year[vols] - (md < p.v_birth_md[vols]))


def e4_age(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E4: where there is a minimum age, a known birth date and old enough on the start date."""
    m = int(p.n_min_age[j])
    if m <= 0:
        return np.ones(len(vols), dtype=bool)
    return np.asarray(p.v_has_birth[vols] & (age_on(p, int(p.n_start[j]), vols) >= m))


def e5_police_certificate(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E5: where required, a certificate shown by the start date, at most 3 months after issue."""
    if not p.n_police[j]:
        return np.ones(len(vols), dtype=bool)
    return np.asarray(p.v_police_shown[vols] <= p.n_start[j])


def covered_slot(p: Problem, week_minute: int, length: int) -> np.ndarray:
    """Volunteers whose weekly availability (the union of their windows) contains
    [week_minute, +length), all volunteers."""

    def build() -> np.ndarray:
        ok = np.zeros(p.n_volunteers, dtype=bool)
        ok[p.w_vol[((week_minute - p.w_start) % WEEK) + length <= p.w_dur]] = True
        return ok

    return p.column(("slot", week_minute, length), build)


def away_on(p: Problem, day: int) -> np.ndarray:
    """Volunteers inside one of their unavailable periods on `day`, all volunteers."""

    def build() -> np.ndarray:
        ok = np.zeros(p.n_volunteers, dtype=bool)
        ok[p.u_vol[(p.u_from <= day) & (p.u_to >= day)]] = True
        return ok

    return p.column(("away", day), build)


def e6_availability(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E6: every occurrence inside the union of the weekly windows; not away on the start date."""
    ok = ~away_on(p, int(p.n_start[j]))[vols]
    for week_minute, length in p.n_week_slots[j]:
        ok &= covered_slot(p, week_minute, length)[vols]
    return np.asarray(ok)


def e7_language(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E7: if the need names languages, the volunteer speaks one of them."""
    langs = p.n_langs[j]
    if not langs:
        return np.ones(len(vols), dtype=bool)
    ok = np.zeros(len(vols), dtype=bool)
    for lang in langs:
        mask = p.v_lang_mask.get(lang)
        if mask is not None:
            ok |= mask[vols]
    return ok


def distances(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """Great-circle km from each volunteer to the need's site; NaN where a location is unknown."""
    if np.isnan(p.n_lat[j]):
        return np.full(len(vols), np.nan)
    return haversine_km(p.v_lat[vols], p.v_lon[vols], float(p.n_lat[j]), float(p.n_lon[j]))


def e8_distance(p: Problem, j: int, vols: np.ndarray, dist: np.ndarray | None = None) -> np.ndarray:
    """E8: within the volunteer's maximum travel distance, where both locations are known. Asked for
    every volunteer (an explanation), the answer is kept per site location: needs share sites."""
    if dist is None and len(vols) == p.n_volunteers and not np.isnan(p.n_lat[j]):
        every = np.arange(p.n_volunteers)
        at = ("E8", float(p.n_lat[j]), float(p.n_lon[j]))
        return np.asarray(p.column(at, lambda: e8_distance(p, j, every, distances(p, j, every)))[vols])
    d = distances(p, j, vols) if dist is None else dist
    with np.errstate(invalid="ignore"):
        return np.asarray(~(d > p.v_max_km[vols]))  # NaN (unknown) compares False: passes


def e9_not_forbidden(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """E9: the coordinator has not forbidden the pair."""
    f = p.forbidden_by_need[j]
    if len(f) == 0:
        return np.ones(len(vols), dtype=bool)
    return ~np.isin(vols, f)


def fits_capacity(p: Problem, j: int, vols: np.ndarray) -> np.ndarray:
    """C2 for the pair alone: the volunteer takes assignments, and the need's busiest ISO week
    is within their weekly hours."""
    cap = p.v_minutes_cap[vols]
    return np.asarray((p.v_cap[vols] >= 1) & ((cap < 0) | (p.n_minutes[j] <= cap)))


RULES: tuple[tuple[str, Rule], ...] = (
    ("E1", e1_willing),
    ("E2", e2_agreements),
    ("E3", e3_training),
    ("E4", e4_age),
    ("E5", e5_police_certificate),
    ("E6", e6_availability),
    ("E7", e7_language),
    ("E8", e8_distance),
    ("E9", e9_not_forbidden),
)

# what an explanation checks each volunteer against (`rule_matrix`): the rules, then C2 for the pair alone
EXPLAINED: tuple[tuple[str, Rule], ...] = (*RULES, ("C2", fits_capacity))
RULE_ORDER: tuple[str, ...] = tuple(name for name, _ in EXPLAINED)  # the rows of an explanation's fail matrix

RULE_NAMES = {
    "E1": "not willing to do this activity",
    "E2": "agreement or confidentiality declaration not signed by the start date",
    "E3": "missing or expired training",
    "E4": "under the minimum age, or birth date unknown",
    "E5": "no valid police certificate shown",
    "E6": "not available at the need's times",
    "E7": "speaks none of the need's languages",
    "E8": "lives beyond their maximum travel distance",
    "E9": "forbidden by the coordinator",
    "C2": "max assignments is 0 or the need's hours in one week exceed their limit",
}


def has_occurrence(p: Problem, j: int) -> bool:
    return bool(p.n_start[j] >= 0)


def rule_matrix(p: Problem, j: int, vols: np.ndarray) -> dict[str, np.ndarray]:
    """Every rule's pass mask for one need: what explanations are built from."""
    return {name: rule(p, j, vols) for name, rule in EXPLAINED}


def failed_rules(p: Problem, v: int, j: int) -> list[str]:
    """The rules one pair breaks, in order; ["E6"] alone when the need has no occurrence."""
    if not has_occurrence(p, j):
        return ["E6"]
    vols = np.array([v], dtype=np.int64)
    return [name for name, ok in rule_matrix(p, j, vols).items() if not ok[0]]
