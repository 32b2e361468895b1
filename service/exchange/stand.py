"""The Frivilligtorg stand: where a newly signed-up volunteer could help, at once.

The matcher's own rules (E1–E9) and fit decide, run for that one person against the register's
open places only: the volunteer's agreement and confidentiality declaration are treated as signed
(as in `provisional`), nothing else is relaxed (trainings, police certificate, age, availability,
distance still apply), and a returning volunteer's placements in force are weighed: not offered
again, and no place that would break C2 or C3 beside them. It builds the candidates
(`matcher.candidates.build_candidates`), not a full solve: one person's eligible needs ranked by fit
is the answer, and it is fast enough to give while they stand at the table. The result is
provisional: nobody is placed until onboarding is done and the coordinator accepts a proposal from
an ordinary run.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import anyio.to_thread
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from matcher.candidates import build_candidates
from matcher.constraints import blocking
from matcher.problem import compile_problem
from matcher.schema import Scenario
from service.register.scenario_io import build_scenario


@dataclass(frozen=True)
class OpenPlace:
    need: str
    title: str
    activity: str
    site: str
    slots: list[tuple[int, str, str]]
    """(weekday 1–7, start, end) of the need's weekly times."""
    open_places: int
    fit: int
    shared: list[str]


@dataclass(frozen=True)
class StandAnswer:
    places: list[OpenPlace]
    millis: float
    """Time from reading the register to the ranked answer."""


def open_places_for(scenario: Scenario, volunteer_id: str, top: int = 5) -> list[OpenPlace]:
    """`volunteer_id`'s eligible open places, best fit first (pure: the register as a scenario)."""
    me = next((v for v in scenario.volunteers if v.id == volunteer_id), None)
    if me is None:
        return []
    signed_on = scenario.horizon.start
    me = msgspec.structs.replace(me, agreement_signed=me.agreement_signed or signed_on,
                                 confidentiality_signed=me.confidentiality_signed or signed_on)
    taken = Counter(p.need for p in scenario.previous)
    # a returning volunteer's own placements in force: not offered again, and every place offered must fit
    # beside them (C2: assignments and hours in a week; C3: no overlap), as the next plan would require
    mine = {p.need for p in scenario.committed if p.volunteer == me.id}
    needs = [msgspec.structs.replace(n, headcount=n.headcount - taken[n.id])
             for n in scenario.needs if n.headcount - taken[n.id] > 0 and n.id not in mine]
    if not needs:
        return []
    held = [n for n in scenario.needs if n.id in mine]  # after `needs` in the copy: indices len(needs)…
    # the placements in force (committed) took their places above; they name other volunteers, who are
    # not in this one-person copy
    copy = msgspec.structs.replace(scenario, volunteers=[me], needs=needs + held, pinned=[], previous=[],
                                   committed=[], forbidden=[p for p in scenario.forbidden if p.volunteer == me.id])
    problem = compile_problem(copy)
    cands = build_candidates(problem)
    held_idx = list(range(len(needs), len(needs) + len(held)))
    fits = [k for k in range(len(cands)) if int(cands.need[k]) < len(needs)
            and (not held_idx or blocking(problem, 0, held_idx, int(cands.need[k])) is None)]
    # ties by need id, not by the register's order (the database's): the matcher's canonical order
    order = sorted(fits, key=lambda k: (-int(cands.fit[k]), needs[int(cands.need[k])].id))[:top]
    sites = {s.id: s.name for s in scenario.sites}
    activities = {a.id: a.name for a in scenario.activities}
    interests = {x.strip().lower() for x in me.interests}
    out = []
    for k in order:
        need = needs[int(cands.need[k])]
        out.append(OpenPlace(
            need=need.id, title=need.title, activity=activities.get(need.activity, need.activity),
            site=sites.get(need.site, need.site),
            slots=[(int(s.weekday), s.start, s.end) for s in (need.weekly or [])],
            open_places=need.headcount, fit=int(cands.fit[k]),
            shared=sorted(interests & {t.strip().lower() for t in need.tags}),
        ))
    return out


async def places_for(session: AsyncSession, volunteer_id: str, default_horizon_days: int) -> StandAnswer:
    started = time.perf_counter()
    scenario = await build_scenario(session, default_horizon_days=default_horizon_days)
    places = await anyio.to_thread.run_sync(open_places_for, scenario, volunteer_id)
    return StandAnswer(places=places, millis=(time.perf_counter() - started) * 1000)
