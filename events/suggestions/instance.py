"""The speed-meeting problem as the model and the greedy plan both read it: rounds, tables, people
and their compatible pairs (indexed), built once by `meetings.suggest_meetings`."""

from __future__ import annotations

from dataclasses import dataclass

from events.suggestions.compatibility import Pair


@dataclass(slots=True)
class _Instance:
    rounds: int
    tables: int
    people: list[str]
    pairs: list[Pair]
    pairs_of: dict[str, list[int]]
