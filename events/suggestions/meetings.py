"""The entry point: every participant's best counterparts and, with rounds and tables, the
speed-meeting plan."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from events.schema import ExchangeEvent, Need, Offer, Participant
from events.suggestions.compatibility import Pair, _why, check_catalogue, compatible_pairs
from events.suggestions.instance import _Instance
from events.suggestions.model import _solve
from events.suggestions.structs import (
    Meeting,
    ParticipantSuggestions,
    Suggestion,
    SuggestionResult,
    SuggestionSettings,
    Unscheduled,
    UnscheduledCode,
)

# --- The entry point ------------------------------------------------------------------------


def suggest_meetings(
    event: ExchangeEvent,
    participants: Sequence[Participant],
    offers: Sequence[Offer],
    needs: Sequence[Need],
    settings: SuggestionSettings | None = None,
) -> SuggestionResult:
    """Best counterparts per participant and, when the event has rounds and tables, a
    speed-meeting schedule. Raises ValueError on an inconsistent catalogue (see `check_catalogue`)."""
    s = settings or SuggestionSettings()
    problems = check_catalogue(participants, offers, needs)
    if problems:
        raise ValueError("; ".join(problems))
    started = time.perf_counter()
    names = {p.id: p.name for p in participants}
    offers_by_id = {o.id: o for o in offers}
    needs_by_id = {n.id: n for n in needs}
    pairs = compatible_pairs(participants, offers, needs, s)

    pairs_of: defaultdict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        pairs_of[pair.a].append(i)
        pairs_of[pair.b].append(i)

    def suggestion(person: str, pair: Pair) -> Suggestion:
        other = pair.b if pair.a == person else pair.a
        return Suggestion(
            participant=person,
            counterpart=other,
            score=pair.score,
            two_way=pair.two_way,
            links=pair.links(),
            why=_why(pair, offers_by_id, needs_by_id, names),
        )

    suggestions = [
        ParticipantSuggestions(
            participant=p.id,
            counterparts=[suggestion(p.id, pairs[i]) for i in pairs_of.get(p.id, [])[: s.top_k]],
        )
        for p in participants
    ]
    has_entries = {e.participant for e in (*offers, *needs)}
    without = [
        Unscheduled(
            participant=p.id,
            reason=(
                "no compatible counterpart: none of their offers or needs shares a tag or a word "
                "with another participant's"
                if p.id in has_entries
                else "no offers or needs in the catalogue"
            ),
            code="no-counterpart" if p.id in has_entries else "no-entries",
        )
        for p in participants
        if p.id not in pairs_of
    ]

    if not event.has_speed_meetings:
        return SuggestionResult(
            suggestions=suggestions,
            schedule=None,
            unscheduled=[],
            without_counterpart=without,
            status="no_schedule",
            seating_optimal=True,
            compatible_pairs=len(pairs),
            solve_seconds=time.perf_counter() - started,
        )
    assert event.rounds is not None and event.tables is not None
    rounds, tables = event.rounds, event.tables

    if len(pairs) <= s.all_pairs_below:
        candidates = pairs
    else:
        keep = {i for ps in pairs_of.values() for i in ps[: max(s.candidates_per_participant, rounds)]}
        candidates = [pairs[i] for i in sorted(keep)]
    cand_of: defaultdict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(candidates):
        cand_of[pair.a].append(i)
        cand_of[pair.b].append(i)
    people = [p.id for p in participants if p.id in cand_of]
    inst = _Instance(rounds=rounds, tables=tables, people=people, pairs=candidates, pairs_of=dict(cand_of))
    plan, status, max_seated = _solve(inst, s)

    meetings: list[Meeting] = []
    order = {p.id: i for i, p in enumerate(participants)}
    for r in range(rounds):
        in_round = sorted(
            (candidates[p] for p, rr in plan if rr == r), key=lambda q: (-q.score, order[q.a], order[q.b])
        )
        for t, pair in enumerate(in_round, start=1):
            meetings.append(
                Meeting(
                    round=r + 1,
                    table=t,
                    participants=(pair.a, pair.b),
                    score=pair.score,
                    two_way=pair.two_way,
                    why=_why(pair, offers_by_id, needs_by_id, names),
                )
            )

    seated = {person for m in meetings for person in m.participants}
    seating_optimal = status == "optimal" or len(seated) >= max_seated
    full = len(meetings) == rounds * tables
    unscheduled = []
    for person in people:
        if person in seated:
            continue
        others = [candidates[i].b if candidates[i].a == person else candidates[i].a for i in cand_of[person]]
        shown = ", ".join(names[o] for o in others[:5]) + (" …" if len(others) > 5 else "")
        code: UnscheduledCode
        data: dict[str, Any] = {"rounds": rounds, "time_limit": not seating_optimal}
        if full:
            reason = f"no table left: all {rounds} rounds × {tables} tables are taken"
            code, data["tables"] = "no-table", tables
        else:
            reason = (
                f"every compatible counterpart ({shown}) is busy in all {rounds} rounds, or meeting them "
                "would leave someone else without any meeting"
            )
            code, data["counterparts"] = "counterparts-busy", others
        if not seating_optimal:
            reason += " (the solver stopped at its time limit; a plan seating more people may exist)"
        unscheduled.append(Unscheduled(participant=person, reason=reason, code=code, data=data))

    return SuggestionResult(
        suggestions=suggestions,
        schedule=meetings,
        unscheduled=unscheduled,
        without_counterpart=without,
        status=status,
        seating_optimal=seating_optimal,
        compatible_pairs=len(pairs),
        solve_seconds=time.perf_counter() - started,
    )
