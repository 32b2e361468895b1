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
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from msgspec import Struct
from ortools.sat.python import cp_model

from events.schema import CATEGORY_LABELS, Agreement, Amount, Event, Need, Offer, Participant

# --- Settings and results -------------------------------------------------------------------


class SuggestionSettings(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    top_k: int = 5
    """How many counterparts each participant is shown."""
    tag_points: int = 10
    word_points: int = 4
    max_words: int = 4
    """Shared words beyond this add nothing: long descriptions should not win by length."""
    category_points: int = 5
    amount_points: int = 6
    """For an offer that covers the need in full; half of it when it covers at least half."""
    two_way_bonus: int = 25
    candidates_per_participant: int = 12
    """When the event has many compatible pairs, the schedule considers only each
    participant's best this-many counterparts (all pairs when there are at most `all_pairs_below`)."""
    all_pairs_below: int = 1500
    score_gap: float = 0.01
    """The solver stops once the plan's score is provably within this share of the best;
    the number of people seated is always the best (see `_weights`)."""
    time_limit_s: float = 0.3
    """On 150 participants the plan after 0.2 s scores as the plan after 0.5 s, and 2 s adds
    about 0.2 %; seating is proven maximal long before (see `SuggestionResult.seating_optimal`)."""
    workers: int = 2
    seed: int = 0


class Link(Struct, frozen=True, kw_only=True):
    """One offer that answers one need, across two participants."""

    offer: str
    need: str
    giver: str
    receiver: str
    score: int
    same_category: bool
    shared_tags: list[str]
    shared_words: list[str]
    amount_fit: Literal["covers", "half", "partial", "other_unit", "unknown"]


class Suggestion(Struct, frozen=True, kw_only=True):
    """A suggested counterpart for `participant`, with the links behind it and a plain-English why."""

    participant: str
    counterpart: str
    score: int
    two_way: bool
    links: list[Link]
    why: str


class Meeting(Struct, frozen=True, kw_only=True):
    round: int
    """1-based."""
    table: int
    """1-based."""
    participants: tuple[str, str]
    score: int
    two_way: bool
    why: str


class Unscheduled(Struct, frozen=True, kw_only=True):
    participant: str
    reason: str


class ParticipantSuggestions(Struct, frozen=True, kw_only=True):
    participant: str
    counterparts: list[Suggestion]


class SuggestionResult(Struct, frozen=True, kw_only=True):
    suggestions: list[ParticipantSuggestions]
    """Per participant (in input order), its best counterparts, best first."""
    schedule: list[Meeting] | None
    """The speed-meeting plan by round and table; None when the event has no rounds/tables."""
    unscheduled: list[Unscheduled]
    """Participants with a compatible counterpart who got no meeting, and why."""
    without_counterpart: list[Unscheduled]
    """Participants none of whose offers or needs match another participant's."""
    status: Literal["optimal", "feasible", "greedy", "no_schedule"]
    """`optimal`: proven best; `feasible`: time limit hit, best found; `greedy`: solver found
    nothing in time, the greedy plan stands."""
    seating_optimal: bool
    """True when no plan could give more participants a meeting (proven by the solver's
    bound, or because everyone with a counterpart is seated), whatever `status` says."""
    compatible_pairs: int
    solve_seconds: float


# --- Compatibility --------------------------------------------------------------------------

_STOP = frozenset(
    """
    the and for with our you your who are can will from that this have has into per about
    their them they not but all any out off was were been also more some such than then very
    what when where which while would could should just only own same other each
    help helping need needs needed offer offers offering want wants looking someone people
    volunteer volunteers person persons day days week weeks hour hours time times
    og for med til som det den des ett ene eller ikke har kan vil skal fra hos oss vår vårt
    våre dere deres man noe noen alle mer mye hva når der her også bare hjelp hjelpe trenger
    tilbyr ønsker behov tilbud frivillig frivillige person personer dag dager uke timer time
    """.split()
)
_SUFFIXES = ("ene", "er", "en", "et", "s")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _stem(word: str) -> str:
    # Twice, so that "drivers" and "driver" (or "sjåførene" and "sjåfør") meet at one stem.
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
    return word


def _terms(text: str) -> dict[str, str]:
    """Meaningful words of a text as stem → the word as written (for the `why`)."""
    out: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) >= 3 and word not in _STOP:
            out.setdefault(_stem(word), word)
    return out


def _tags(tags: Iterable[str]) -> set[str]:
    return {" ".join(t.lower().split()) for t in tags if t.strip()}


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: Offer | Need
    tags: frozenset[str]
    terms: dict[str, str]


def _index(entry: Offer | Need) -> _Indexed:
    tags = _tags(entry.tags)
    terms = _terms(f"{entry.title} {entry.description}")
    for tag in tags:
        for stem, word in _terms(tag).items():
            terms.setdefault(stem, word)
    return _Indexed(entry, frozenset(tags), terms)


def _amount_fit(offer: Amount | None, need: Amount | None) -> Literal["covers", "half", "partial", "other_unit", "unknown"]:
    if offer is None or need is None:
        return "unknown"
    if (offer.hours is None) != (need.hours is None):
        return "other_unit"
    have = offer.hours if offer.hours is not None else offer.items
    want = need.hours if need.hours is not None else need.items
    assert have is not None and want is not None
    if have >= want:
        return "covers"
    return "half" if 2 * have >= want else "partial"


def score_link(offer: Offer, need: Need, settings: SuggestionSettings | None = None) -> Link | None:
    """The link from an offer to a need, or None when they share no tag and no word."""
    s = settings or SuggestionSettings()
    return _link(_index(offer), _index(need), s)


def _link(o: _Indexed, n: _Indexed, s: SuggestionSettings) -> Link | None:
    shared_tags = sorted(o.tags & n.tags)
    tag_stems = {stem for t in shared_tags for stem in _terms(t)}
    shared_stems = sorted((o.terms.keys() & n.terms.keys()) - tag_stems)
    if not shared_tags and not shared_stems:
        return None
    offer, need = o.entry, n.entry
    same_category = offer.category == need.category
    fit = _amount_fit(offer.amount, need.amount)
    score = (
        s.tag_points * len(shared_tags)
        + s.word_points * min(len(shared_stems), s.max_words)
        + (s.category_points if same_category else 0)
        + {"covers": s.amount_points, "half": s.amount_points // 2}.get(fit, 0)
    )
    return Link(
        offer=offer.id,
        need=need.id,
        giver=offer.participant,
        receiver=need.participant,
        score=score,
        same_category=same_category,
        shared_tags=shared_tags,
        shared_words=[n.terms[stem] for stem in shared_stems],
        amount_fit=fit,
    )


def _amount_text(a: Amount | None) -> str:
    if a is None:
        return ""
    return f"{a.hours:g} h" if a.hours is not None else f"{a.items} item{'s' if a.items != 1 else ''}"


def explain_link(link: Link, offers: Mapping[str, Offer], needs: Mapping[str, Need], names: Mapping[str, str]) -> str:
    """E.g. "Røde Kors needs 'drivers for a summer trip' (hands); Bilhuset offers 'lend a
    minibus' (goods); shared tags: transport"."""
    offer, need = offers[link.offer], needs[link.need]
    labels = CATEGORY_LABELS["en"]
    parts = [
        f"{names.get(link.receiver, link.receiver)} needs '{need.title}' ({labels[need.category]})",
        f"{names.get(link.giver, link.giver)} offers '{offer.title}' ({labels[offer.category]})",
    ]
    if link.shared_tags:
        parts.append("shared tags: " + ", ".join(link.shared_tags))
    if link.shared_words:
        parts.append("shared words: " + ", ".join(link.shared_words))
    if link.amount_fit in ("covers", "half", "partial"):
        verb = {"covers": "covers", "half": "covers at least half of", "partial": "covers part of"}[link.amount_fit]
        parts.append(f"the offer ({_amount_text(offer.amount)}) {verb} the need ({_amount_text(need.amount)})")
    return "; ".join(parts)


# --- Pairs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    """Two participants (a < b in input order) and their best link each way."""

    a: str
    b: str
    a_to_b: Link | None
    b_to_a: Link | None
    score: int

    @property
    def two_way(self) -> bool:
        return self.a_to_b is not None and self.b_to_a is not None

    def links(self) -> list[Link]:
        return [link for link in (self.a_to_b, self.b_to_a) if link is not None]


def check_catalogue(participants: Sequence[Participant], offers: Sequence[Offer], needs: Sequence[Need]) -> list[str]:
    """Problems that make suggestions meaningless: duplicate ids, entries of unknown participants."""
    problems: list[str] = []
    for what, items in (("participants", participants), ("offers", offers), ("needs", needs)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(f"{what}[{i}].id: {item.id!r} appears twice")
            seen.add(item.id)
    known = {p.id for p in participants}
    for what, entries in (("offers", offers), ("needs", needs)):
        for i, e in enumerate(entries):
            if e.participant not in known:
                problems.append(f"{what}[{i}].participant: {e.participant!r} is not a participant")
    return problems


def compatible_pairs(
    participants: Sequence[Participant],
    offers: Sequence[Offer],
    needs: Sequence[Need],
    settings: SuggestionSettings | None = None,
) -> list[Pair]:
    """Every pair of participants with at least one link, best first."""
    s = settings or SuggestionSettings()
    order = {p.id: i for i, p in enumerate(participants)}
    ioffers = [_index(o) for o in offers]
    ineeds = [_index(n) for n in needs]
    # Inverted index on tags and stems, so we only score offer/need pairs that share something.
    by_key: defaultdict[str, list[int]] = defaultdict(list)
    for j, n in enumerate(ineeds):
        for key in {f"t:{t}" for t in n.tags} | {f"w:{w}" for w in n.terms}:
            by_key[key].append(j)
    best: dict[tuple[str, str], Link] = {}
    for o in ioffers:
        candidates: set[int] = set()
        for key in {f"t:{t}" for t in o.tags} | {f"w:{w}" for w in o.terms}:
            candidates.update(by_key.get(key, ()))
        for j in candidates:
            n = ineeds[j]
            if n.entry.participant == o.entry.participant:
                continue
            link = _link(o, n, s)
            if link is None:
                continue
            key2 = (link.giver, link.receiver)
            current = best.get(key2)
            if current is None or (link.score, current.offer, current.need) > (current.score, link.offer, link.need):
                best[key2] = link
    pairs: dict[tuple[str, str], Pair] = {}
    for (giver, receiver) in best:
        a, b = sorted((giver, receiver), key=order.__getitem__)
        if (a, b) in pairs:
            continue
        ab, ba = best.get((a, b)), best.get((b, a))
        score = (ab.score if ab else 0) + (ba.score if ba else 0) + (s.two_way_bonus if ab and ba else 0)
        pairs[(a, b)] = Pair(a=a, b=b, a_to_b=ab, b_to_a=ba, score=score)
    return sorted(pairs.values(), key=lambda p: (-p.score, order[p.a], order[p.b]))


def _why(pair: Pair, offers: Mapping[str, Offer], needs: Mapping[str, Need], names: Mapping[str, str]) -> str:
    texts = [explain_link(link, offers, needs, names) for link in pair.links()]
    if pair.two_way:
        return "Two-way exchange: " + " — and ".join(texts)
    return texts[0]


# --- The speed-meeting model (one small builder per constraint or objective term) ----------


@dataclass(slots=True)
class _Instance:
    rounds: int
    tables: int
    people: list[str]
    pairs: list[Pair]
    pairs_of: dict[str, list[int]]


@dataclass(slots=True)
class _Vars:
    x: list[list[cp_model.IntVar]]
    """x[p][r]: pair p meets in round r."""
    covered: dict[str, cp_model.IntVar]


class _OneMeetingPerRound:
    """Nobody is in two places at once."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for person, ps in inst.pairs_of.items():
            for r in range(inst.rounds):
                model.add_at_most_one(v.x[p][r] for p in ps)


class _PairAtMostOnce:
    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for xs in v.x:
            model.add_at_most_one(xs)


class _TablesPerRound:
    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for r in range(inst.rounds):
            model.add(sum(xs[r] for xs in v.x) <= inst.tables)


class _RoundOrder:
    """Rounds are interchangeable; fuller rounds first removes mirror-image plans."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for r in range(inst.rounds - 1):
            model.add(sum(xs[r] for xs in v.x) >= sum(xs[r + 1] for xs in v.x))


class _Coverage:
    """covered[i] only if participant i has a meeting."""

    def build(self, inst: _Instance, model: cp_model.CpModel, v: _Vars) -> None:
        for person, ps in inst.pairs_of.items():
            model.add(v.covered[person] <= sum(v.x[p][r] for p in ps for r in range(inst.rounds)))


def _weights(inst: _Instance, s: SuggestionSettings) -> tuple[int, int]:
    """The weight of seating one more person, and the gap at which the solver may stop.

    Lexicographic by weight: one more person seated outweighs any gain in score. With the
    weight above twice the best possible score, a plan within the gap of the bound can
    never have seated fewer people than the best plan — the gap only ever costs score.
    """
    scores = sorted((p.score for p in inst.pairs), reverse=True)
    max_total = sum(scores[: inst.rounds * inst.tables])
    return 2 * max_total + 1, max(0, int(s.score_gap * max_total))


def _objective(inst: _Instance, model: cp_model.CpModel, v: _Vars, s: SuggestionSettings) -> None:
    cover_weight, _ = _weights(inst, s)
    model.maximize(
        cover_weight * sum(v.covered.values())
        + sum(inst.pairs[p].score * x for p, xs in enumerate(v.x) for x in xs)
    )


_CONSTRAINTS = (_OneMeetingPerRound(), _PairAtMostOnce(), _TablesPerRound(), _RoundOrder(), _Coverage())


def _greedy(inst: _Instance) -> list[tuple[int, int]]:
    """A quick plan as the solver's hint and fallback: seat the uncovered first, then by score."""
    busy: set[tuple[str, int]] = set()
    load = [0] * inst.rounds
    met: set[str] = set()
    plan: list[tuple[int, int]] = []
    used: set[int] = set()
    for phase in (2, 1, 0):
        for p, pair in enumerate(inst.pairs):
            if p in used or ((pair.a not in met) + (pair.b not in met)) < phase:
                continue
            for r in range(inst.rounds):
                if load[r] < inst.tables and (pair.a, r) not in busy and (pair.b, r) not in busy:
                    busy.update({(pair.a, r), (pair.b, r)})
                    load[r] += 1
                    met.update({pair.a, pair.b})
                    plan.append((p, r))
                    used.add(p)
                    break
    return plan


def _colour(inst: _Instance) -> list[tuple[int, int]]:
    """Greedy round assignment for chosen pairs (phase 2's hint): the busiest people first,
    each meeting into the emptiest round both are free in, so rounds fill evenly."""
    degree = {person: len(ps) for person, ps in inst.pairs_of.items()}
    order = sorted(range(len(inst.pairs)), key=lambda p: -(degree[inst.pairs[p].a] + degree[inst.pairs[p].b]))
    busy: set[tuple[str, int]] = set()
    load = [0] * inst.rounds
    plan: list[tuple[int, int]] = []
    for p in order:
        pair = inst.pairs[p]
        free = [r for r in range(inst.rounds) if load[r] < inst.tables and (pair.a, r) not in busy and (pair.b, r) not in busy]
        if free:
            r = min(free, key=lambda r: (load[r], r))
            busy.update({(pair.a, r), (pair.b, r)})
            load[r] += 1
            plan.append((p, r))
    return plan


def _solver(s: SuggestionSettings, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = s.workers
    solver.parameters.random_seed = s.seed
    return solver


def _select_meetings(
    inst: _Instance, s: SuggestionSettings, hint: set[int], seconds: float
) -> tuple[list[int] | None, bool, int]:
    """Phase 1, a relaxation without rounds: which pairs meet. Everyone meets at most
    `rounds` counterparts, at most rounds × tables meetings in all; seat as many people as
    possible, then maximise score. Small (one variable per pair) and proven fast."""
    model = cp_model.CpModel()
    z = [model.new_bool_var(f"z{p}") for p in range(len(inst.pairs))]
    covered = {person: model.new_bool_var(f"c{i}") for i, person in enumerate(inst.people)}
    for person, ps in inst.pairs_of.items():
        model.add(cp_model.LinearExpr.sum([z[p] for p in ps]) <= inst.rounds)
        model.add(covered[person] <= cp_model.LinearExpr.sum([z[p] for p in ps]))
    model.add(cp_model.LinearExpr.sum(z) <= inst.rounds * inst.tables)
    scores = [pair.score for pair in inst.pairs]
    cover_weight, gap = _weights(inst, s)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(list(covered.values()), [cover_weight] * len(covered))
        + cp_model.LinearExpr.weighted_sum(z, scores)
    )
    for p, var in enumerate(z):
        model.add_hint(var, p in hint)
    seated = {person for p in hint for person in (inst.pairs[p].a, inst.pairs[p].b)}
    for person, var in covered.items():
        model.add_hint(var, person in seated)
    solver = _solver(s, seconds)
    solver.parameters.absolute_gap_limit = gap
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False, len(inst.people)
    # The score part is below half the weight, so the bound caps how many can be seated.
    max_seated = min(len(inst.people), int(solver.best_objective_bound) // cover_weight)
    chosen = [p for p, var in enumerate(z) if solver.boolean_value(var)]
    return chosen, status == cp_model.OPTIMAL, max_seated


def _assign_rounds(
    inst: _Instance, s: SuggestionSettings, hint: list[tuple[int, int]], seconds: float
) -> tuple[list[tuple[int, int]] | None, bool]:
    """Phase 2, the full rules on the chosen pairs only: which round each meeting is in.
    Usually every chosen pair fits (an edge colouring); when one does not, the objective
    drops the least valuable, still seating as many people as possible."""
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{p}_{r}") for r in range(inst.rounds)] for p in range(len(inst.pairs))]
    covered = {person: model.new_bool_var(f"c{i}") for i, person in enumerate(inst.people)}
    v = _Vars(x=x, covered=covered)
    for constraint in _CONSTRAINTS:
        constraint.build(inst, model, v)
    _objective(inst, model, v, s)
    # The hint must respect _RoundOrder, so rounds are renumbered fullest first.
    load = [0] * inst.rounds
    for _, r in hint:
        load[r] += 1
    rank = {r: i for i, r in enumerate(sorted(range(inst.rounds), key=lambda r: -load[r]))}
    chosen = {(p, rank[r]) for p, r in hint}
    for p, xs in enumerate(x):
        for r, var in enumerate(xs):
            model.add_hint(var, (p, r) in chosen)
    solver = _solver(s, seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    plan = [(p, r) for p, xs in enumerate(x) for r, var in enumerate(xs) if solver.boolean_value(var)]
    return plan, status == cp_model.OPTIMAL


def _solve(inst: _Instance, s: SuggestionSettings) -> tuple[list[tuple[int, int]], str, int]:
    """Pairs (index into inst.pairs) with their 0-based round, how sure we are of them, and
    an upper bound on how many people any plan could seat."""
    if not inst.pairs:
        return [], "optimal", 0
    deadline = time.perf_counter() + s.time_limit_s
    greedy = _greedy(inst)
    chosen, proven, max_seated = _select_meetings(inst, s, {p for p, _ in greedy}, s.time_limit_s * 0.7)
    if chosen is None:
        return greedy, "greedy", max_seated
    sub_pairs = [inst.pairs[p] for p in chosen]
    sub_of: defaultdict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(sub_pairs):
        sub_of[pair.a].append(i)
        sub_of[pair.b].append(i)
    sub = _Instance(
        rounds=inst.rounds, tables=inst.tables, people=[p for p in inst.people if p in sub_of], pairs=sub_pairs,
        pairs_of=dict(sub_of),
    )
    sub_hint = _better(sub, _colour(sub), _greedy(sub))
    if len(sub_hint) == len(sub_pairs):
        plan, proven2 = sub_hint, True
    else:
        found, proven2 = _assign_rounds(sub, s, sub_hint, deadline - time.perf_counter())
        plan = found if found is not None else sub_hint
    result = [(chosen[p], r) for p, r in plan]
    # Phase 1 is a relaxation of the whole problem, so when phase 2 keeps every chosen
    # meeting and both are proven, the plan is optimal for the whole problem.
    if len(result) == len(chosen):
        return result, "optimal" if proven and proven2 else "feasible", max_seated
    # Some chosen meetings do not fit into the rounds (a triangle in two rounds, say): solve
    # the whole model with what we have as the hint, for the time that is left.
    hint = _better(inst, result, greedy)
    full, proven_full = _assign_rounds(inst, s, hint, deadline - time.perf_counter())
    if full is None:
        return hint, "feasible", max_seated
    full = _better(inst, full, hint)
    return full, "optimal" if proven_full else "feasible", max_seated


def _value(inst: _Instance, plan: list[tuple[int, int]]) -> tuple[int, int]:
    seated = {person for p, _ in plan for person in (inst.pairs[p].a, inst.pairs[p].b)}
    return len(seated), sum(inst.pairs[p].score for p, _ in plan)


def _better(inst: _Instance, a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return a if _value(inst, a) >= _value(inst, b) else b


# --- The entry point ------------------------------------------------------------------------


def suggest_meetings(
    event: Event,
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
            participant=p.id, counterparts=[suggestion(p.id, pairs[i]) for i in pairs_of.get(p.id, [])[: s.top_k]]
        )
        for p in participants
    ]
    has_entries = {e.participant for e in (*offers, *needs)}
    without = [
        Unscheduled(
            participant=p.id,
            reason=(
                "no compatible counterpart: none of their offers or needs shares a tag or a word with another participant's"
                if p.id in has_entries
                else "no offers or needs in the catalogue"
            ),
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
        in_round = sorted((candidates[p] for p, rr in plan if rr == r), key=lambda q: (-q.score, order[q.a], order[q.b]))
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
        if full:
            reason = f"no table left: all {rounds} rounds × {tables} tables are taken"
        else:
            reason = (
                f"every compatible counterpart ({shown}) is busy in all {rounds} rounds, or meeting them "
                "would leave someone else without any meeting"
            )
        if not seating_optimal:
            reason += " (the solver stopped at its time limit; a plan seating more people may exist)"
        unscheduled.append(Unscheduled(participant=person, reason=reason))

    return SuggestionResult(
        suggestions=suggestions,
        schedule=meetings,
        unscheduled=unscheduled,
        without_counterpart=without,
        status=status,  # type: ignore[arg-type]
        seating_optimal=seating_optimal,
        compatible_pairs=len(pairs),
        solve_seconds=time.perf_counter() - started,
    )


# --- Independent checks and views -----------------------------------------------------------


def check_schedule(
    meetings: Sequence[Meeting], rounds: int, tables: int, allowed_pairs: Iterable[tuple[str, str]] | None = None
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


# --- Live counterparts for one participant (the broker's page) ------------------------------

KIND_OF_CATEGORY: dict[str, str] = {"hands": "labour", "knowledge": "knowledge", "goods": "goods",
                                    "event_help": "event_help"}
"""The kind of give a catalogue entry's category suggests when a broker registers from it."""


def met_needs(agreements: Iterable[Agreement]) -> set[str]:
    """Needs an agreement has answered: named by the agreement, or by one of its gives."""
    out: set[str] = set()
    for a in agreements:
        if a.need is not None:
            out.add(a.need)
        out.update(g.need for g in a.gives if g.need is not None)
    return out


def counterparts_for(
    person: str,
    participants: Sequence[Participant],
    offers: Sequence[Offer],
    needs: Sequence[Need],
    agreements: Sequence[Agreement] = (),
    settings: SuggestionSettings | None = None,
    top_k: int = 8,
) -> list[Suggestion]:
    """`person`'s best counterparts right now, best first: the same scoring as `suggest_meetings`,
    but only `person`'s links are scored (fast enough to run on every agreement in the hall), and
    needs an agreement has already met are left out — so a met need drops from every broker's list,
    and a walk-in whose entries match appears as soon as they are in the catalogue."""
    s = settings or SuggestionSettings()
    met = met_needs(agreements)
    open_needs = [n for n in needs if n.id not in met]
    order = {p.id: i for i, p in enumerate(participants)}
    if person not in order:
        return []
    mine_o = [_index(o) for o in offers if o.participant == person]
    mine_n = [_index(n) for n in open_needs if n.participant == person]
    gives: dict[str, Link] = {}
    gets: dict[str, Link] = {}
    if mine_o:
        for need in open_needs:
            if need.participant == person or need.participant not in order:
                continue
            their_need = _index(need)
            for mine in mine_o:
                link = _link(mine, their_need, s)
                if link is not None and (need.participant not in gives or link.score > gives[need.participant].score):
                    gives[need.participant] = link
    if mine_n:
        for offer in offers:
            if offer.participant == person or offer.participant not in order:
                continue
            their_offer = _index(offer)
            for mine in mine_n:
                link = _link(their_offer, mine, s)
                if link is not None and (offer.participant not in gets or link.score > gets[offer.participant].score):
                    gets[offer.participant] = link
    names = {p.id: p.name for p in participants}
    offers_by_id = {o.id: o for o in offers}
    needs_by_id = {n.id: n for n in needs}
    out = []
    for other in gives.keys() | gets.keys():
        ab, ba = gives.get(other), gets.get(other)
        a, b = (person, other) if order[person] < order[other] else (other, person)
        pair = Pair(a=a, b=b, a_to_b=ab if a == person else ba, b_to_a=ba if a == person else ab,
                    score=(ab.score if ab else 0) + (ba.score if ba else 0) + (s.two_way_bonus if ab and ba else 0))
        out.append(Suggestion(participant=person, counterpart=other, score=pair.score, two_way=pair.two_way,
                              links=pair.links(), why=_why(pair, offers_by_id, needs_by_id, names)))
    out.sort(key=lambda x: (-x.score, order[x.counterpart]))
    return out[:top_k]


def shared_terms(suggestion: Suggestion) -> list[str]:
    """What the two have in common (shared tags first, then words), for "dere deler: …"."""
    seen: list[str] = []
    for link in suggestion.links:
        for t in (*link.shared_tags, *link.shared_words):
            if t not in seen:
                seen.append(t)
    return seen


def draft_agreement(suggestion: Suggestion, offers: Mapping[str, Offer], needs: Mapping[str, Need]) -> dict[str, object]:
    """An agreement to pre-fill the broker's form from a suggestion: the parties, and for each link
    a give from its offer's owner (kind from the offer's category, hours or items from the need's
    amount, else the offer's, else one hour), naming the offer and the need it answers."""
    gives: list[dict[str, object]] = []
    for link in suggestion.links:
        offer, need = offers[link.offer], needs[link.need]
        amount = need.amount or offer.amount
        give: dict[str, object] = {"from": link.giver, "kind": KIND_OF_CATEGORY[offer.category],
                                   "description": offer.title, "offer": offer.id, "need": need.id}
        if amount is not None and amount.items is not None:
            give["items"] = amount.items
        else:
            give["hours"] = amount.hours if amount is not None and amount.hours is not None else 1
        gives.append(give)
    first = suggestion.links[0]
    return {"parties": [suggestion.participant, suggestion.counterpart], "gives": gives,
            "category": offers[first.offer].category, "title": needs[first.need].title,
            "asked_by": first.receiver, "offer": first.offer, "need": first.need}
