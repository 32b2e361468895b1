"""The CP-SAT model of a sub-instance: one small class per constraint or objective term.

Each module has `build(sub, model, x)`; `build_model` composes them in one place, so
a new rule is a new module, not an edit in the middle of a long function.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from matcher.instance import Instance


@dataclass
class SubInstance:
    """A subset of an instance's pairs, solved together (one or more components)."""

    inst: Instance
    pairs: np.ndarray  # indices into the instance's pairs
    cliques: list[np.ndarray]  # at-most-one groups, in *local* pair positions
    need_cap: np.ndarray  # open places per need for these pairs (less what stays fixed outside)

    @property
    def vol(self) -> np.ndarray:
        return np.asarray(self.inst.pair_vol[self.pairs])

    @property
    def need(self) -> np.ndarray:
        return np.asarray(self.inst.pair_need[self.pairs])


@dataclass
class Built:
    model: cp_model.CpModel
    x: list[cp_model.IntVar]
    coverage: cp_model.LinearExpr
    fit: cp_model.LinearExpr
    aux: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)  # volunteer -> spread units


def _groups(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    cuts = np.flatnonzero(np.diff(ks)) + 1
    return [(int(keys[g[0]]), g) for g in np.split(order, cuts) if len(g)]


class NeedCapacity:
    """C1: at most the need's open places (one variable per pair: a volunteer once per need)."""

    def build(self, sub: SubInstance, model: cp_model.CpModel, x: list[cp_model.IntVar], built: Built) -> None:
        for j, pos in _groups(sub.need):
            cap = int(sub.need_cap[j])
            if len(pos) > cap:
                model.add(sum(x[k] for k in pos) <= cap)


class WeeklyCapacity:
    """C2 per ISO week: the rows of `Instance.week_rows` (assignments with an occurrence that
    week at most what is left of max_assignments; their minutes that week at most what is left
    of the weekly hours)."""

    def build(self, sub: SubInstance, model: cp_model.CpModel, x: list[cp_model.IntVar], built: Built) -> None:
        rows = sub.inst.week_rows
        if len(rows) == 0:
            return
        local = np.full(sub.inst.n_pairs, -1, dtype=np.int64)
        local[sub.pairs] = np.arange(len(sub.pairs))
        for r, pairs, minutes in rows.rows():
            pos = local[pairs]
            mine = pos >= 0
            pos, minutes = pos[mine], minutes[mine]
            cap = int(rows.count_cap[r])
            if rows.count_binds[r] and len(pos) > cap:
                if cap == 1:
                    model.add_at_most_one(x[int(k)] for k in pos)
                else:
                    model.add(sum(x[int(k)] for k in pos) <= cap)
            mcap = int(rows.minutes_cap[r])
            if rows.minutes_binds[r] and int(minutes.sum()) > mcap:
                model.add(sum(int(m) * x[int(k)] for k, m in zip(pos, minutes, strict=True)) <= mcap)


class NoOverlap:
    """C3: no two needs of a volunteer with overlapping occurrences."""

    def build(self, sub: SubInstance, model: cp_model.CpModel, x: list[cp_model.IntVar], built: Built) -> None:
        for clique in sub.cliques:
            model.add_at_most_one(x[int(k)] for k in clique)


class Coverage:
    """Objective level one: the priority-weighted number of filled places."""

    def build(self, sub: SubInstance, model: cp_model.CpModel, x: list[cp_model.IntVar], built: Built) -> None:
        prio = sub.inst.pair_priority[sub.pairs]
        built.coverage = cp_model.LinearExpr.weighted_sum(x, [int(c) for c in prio])


class Fit:
    """Objective level two: pair fit, less the spread penalty (the k-th extra assignment of a
    volunteer costs spread*k more), so work is shared before anyone gets a second need."""

    def build(self, sub: SubInstance, model: cp_model.CpModel, x: list[cp_model.IntVar], built: Built) -> None:
        inst = sub.inst
        fit = inst.pair_fit[sub.pairs]
        terms = list(x)
        coefs = [int(c) for c in fit]
        for v, pos in _groups(sub.vol):
            fixed = int(inst.vol_fixed[v])
            cap = min(int(inst.vol_cap[v]), len(pos))
            if inst.spread == 0 or cap == 0:
                continue
            if cap == 1:
                if fixed:
                    terms.extend(x[k] for k in pos)
                    coefs.extend([-inst.spread * fixed] * len(pos))
                continue
            units = [model.new_bool_var(f"u{v}_{i}") for i in range(cap)]
            for a, b in itertools.pairwise(units):
                model.add_implication(b, a)
            model.add(sum(units) == sum(x[k] for k in pos))
            built.aux[v] = units
            terms.extend(units)
            coefs.extend(-inst.spread * (fixed + i) for i in range(cap))
        built.fit = cp_model.LinearExpr.weighted_sum(terms, coefs)


MODULES = (NeedCapacity(), WeeklyCapacity(), NoOverlap(), Coverage(), Fit())


def build_model(sub: SubInstance) -> Built:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(len(sub.pairs))]
    built = Built(model, x, cp_model.LinearExpr.constant(0), cp_model.LinearExpr.constant(0))
    for module in MODULES:
        module.build(sub, model, x, built)
    return built


def hint(built: Built, sub: SubInstance, chosen_local: np.ndarray) -> None:
    """A complete hint: every variable, the spread units too (the primer's advice)."""
    built.model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves it unannotated
    for k, var in enumerate(built.x):
        built.model.add_hint(var, bool(chosen_local[k]))
    if built.aux:
        counts = np.bincount(sub.vol[chosen_local], minlength=sub.inst.n_volunteers)
        for v, units in built.aux.items():
            for i, u in enumerate(units):
                built.model.add_hint(u, i < counts[v])
