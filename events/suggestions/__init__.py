"""Meeting suggestions for the exchange event: who should talk to whom, and a speed-meeting plan.

Compatibility pairs one participant's offer with another's need. A link needs at least one
shared tag or shared meaningful word (after a light stemming) between the offer and the
need; the same catalogue category and an amount that fits add to its score. A pair of
participants scores its best link each way, plus a bonus when the exchange is two-way
(A offers what B needs *and* B offers what A needs) — the børs values those most.

Every participant gets its best `top_k` counterparts. When the event has rounds and
tables, CP-SAT plans the speed meetings: a participant meets at most one counterpart per
round, no pair meets twice, at most `tables` meetings per round. The objective is
lexicographic — first as many participants with a compatible counterpart as possible get
at least one meeting, then the total pair score — and whoever cannot be seated is reported
with a reason. `check_schedule` checks a plan independently of the solver.

The package is split the way `matcher/` is: `structs` (settings and results), `compatibility`
(links and pairs), `instance` (the problem the model and the greedy plan read), `model` (the
CP-SAT speed-meeting model, one builder per constraint), `greedy` (its hint and fallback),
`meetings` (the entry point), `checker` (independent checks, written apart from the solver) and
`live` (the broker's page). This module re-exports the public names.
"""

from __future__ import annotations

from events.suggestions.checker import check_schedule, timetable
from events.suggestions.compatibility import Pair, check_catalogue, compatible_pairs, explain_link, score_link
from events.suggestions.live import (
    KIND_OF_CATEGORY,
    counterparts_for,
    draft_agreement,
    met_needs,
    shared_terms,
)
from events.suggestions.meetings import suggest_meetings
from events.suggestions.structs import (
    Link,
    Meeting,
    ParticipantSuggestions,
    Suggestion,
    SuggestionResult,
    SuggestionSettings,
    Unscheduled,
)

__all__ = [
    "KIND_OF_CATEGORY",
    "Link",
    "Meeting",
    "Pair",
    "ParticipantSuggestions",
    "Suggestion",
    "SuggestionResult",
    "SuggestionSettings",
    "Unscheduled",
    "check_catalogue",
    "check_schedule",
    "compatible_pairs",
    "counterparts_for",
    "draft_agreement",
    "explain_link",
    "met_needs",
    "score_link",
    "shared_terms",
    "suggest_meetings",
    "timetable",
]
