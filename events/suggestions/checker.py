"""Independent checks and views of a speed-meeting plan, written apart from the solver."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from events.suggestions.structs import Meeting

# --- Independent checks and views -----------------------------------------------------------


def check_schedule(
    meetings: Sequence[Meeting],
    rounds: int,
    tables: int,
    allowed_pairs: Iterable[tuple[str, str]] | None = None,
) -> list[str]:
    """Every broken rule in a speed-meeting plan, written apart from the model so tests can
    hold the solver to it: rounds and tables in range, one table per meeting, nobody twice in
    a round, no pair twice, at most `tables` meetings per round, only compatible pairs."""
    problems: list[str] = []
    allowed = None if allowed_pairs is None else {frozenset(p) for p in allowed_pairs}
    in_round: defaultdict[int, set[str]] = defaultdict(set)
    tables_used: defaultdict[int, set[int]] = defaultdict(set)
    met: set[frozenset[str]] = set()
    for i, m in enumerate(meetings):
        a, b = m.participants
        if a == b:
            problems.append(f"meeting {i}: {a} meets themself")
        if not 1 <= m.round <= rounds:
            problems.append(f"meeting {i}: round {m.round} outside 1..{rounds}")
        if not 1 <= m.table <= tables:
            problems.append(f"meeting {i}: table {m.table} outside 1..{tables}")
        if m.table in tables_used[m.round]:
            problems.append(f"meeting {i}: table {m.table} used twice in round {m.round}")
        tables_used[m.round].add(m.table)
        for person in (a, b):
            if person in in_round[m.round]:
                problems.append(f"meeting {i}: {person} is in two places in round {m.round}")
            in_round[m.round].add(person)
        key = frozenset((a, b))
        if key in met:
            problems.append(f"meeting {i}: {a} and {b} meet twice")
        met.add(key)
        if allowed is not None and key not in allowed:
            problems.append(f"meeting {i}: {a} and {b} are not a compatible pair")
    per_round: defaultdict[int, int] = defaultdict(int)
    for m in meetings:
        per_round[m.round] += 1
    for r, n in sorted(per_round.items()):
        if n > tables:
            problems.append(f"round {r}: {n} meetings for {tables} tables")
    return problems


def timetable(meetings: Sequence[Meeting]) -> dict[str, list[tuple[int, int, str]]]:
    """Each participant's own plan: (round, table, counterpart), by round — for name badges."""
    out: defaultdict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for m in meetings:
        a, b = m.participants
        out[a].append((m.round, m.table, b))
        out[b].append((m.round, m.table, a))
    return {k: sorted(v) for k, v in out.items()}
