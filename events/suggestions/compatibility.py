"""Compatibility: which offer answers which need (shared tags and stemmed words, category,
amount), and the pairs of participants those links make."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from events.schema import CATEGORY_LABELS, Amount, Need, Offer, Participant
from events.suggestions.structs import Link, SuggestionSettings
from matcher.scenario import Issue

# --- Compatibility --------------------------------------------------------------------------

_STOP = frozenset(
    [
        "the", "and", "for", "with", "our", "you", "your", "who", "are", "can", "will", "from", "that", "this",
        "have", "has", "into", "per", "about", "their", "them", "they", "not", "but", "all", "any", "out",
        "off", "was", "were", "been", "also", "more", "some", "such", "than", "then", "very", "what", "when",
        "where", "which", "while", "would", "could", "should", "just", "only", "own", "same", "other", "each",
        "help", "helping", "need", "needs", "needed", "offer", "offers", "offering", "want", "wants", "looking",
        "someone", "people", "volunteer", "volunteers", "person", "persons", "day", "days", "week", "weeks",
        "hour", "hours", "time", "times", "og", "for", "med", "til", "som", "det", "den", "des", "ett", "ene",
        "eller", "ikke", "har", "kan", "vil", "skal", "fra", "hos", "oss", "vår", "vårt", "våre", "dere",
        "deres", "man", "noe", "noen", "alle", "mer", "mye", "hva", "når", "der", "her", "også", "bare",
        "hjelp", "hjelpe", "trenger", "tilbyr", "ønsker", "behov", "tilbud", "frivillig", "frivillige",
        "person", "personer", "dag", "dager", "uke", "timer", "time"
    ]
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


@functools.lru_cache(maxsize=4096)
def _tag_stems(tag: str) -> frozenset[str]:
    return frozenset(_terms(tag))


def _index(entry: Offer | Need) -> _Indexed:
    return _Indexed(entry, *_indexed_text(entry.title, entry.description, tuple(entry.tags)))


@functools.lru_cache(maxsize=20_000)
def _indexed_text(title: str, description: str, tag_list: tuple[str, ...]) -> tuple[frozenset[str], dict[str, str]]:
    """Tags and terms of an entry's text; cached, because the broker pages score the same catalogue
    again on every agreement in the hall (callers must not mutate the returned dict)."""
    tags = _tags(tag_list)
    terms = _terms(f"{title} {description}")
    for tag in tags:
        for stem, word in _terms(tag).items():
            terms.setdefault(stem, word)
    return frozenset(tags), terms


def _amount_fit(offer: Amount | None, need: Amount | None) -> Literal["covers", "half", "partial",
                                                                      "other_unit", "unknown"]:
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
    common = o.terms.keys() & n.terms.keys()
    if not shared_tags and not common:
        return None  # the common case, decided before any stemming
    tag_stems = {stem for t in shared_tags for stem in _tag_stems(t)}
    shared_stems = sorted(common - tag_stems)
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


def check_catalogue(participants: Sequence[Participant], offers: Sequence[Offer],
                    needs: Sequence[Need]) -> list[Issue]:
    """Problems that make suggestions meaningless: duplicate ids, entries of unknown participants."""
    problems: list[Issue] = []
    groups: tuple[tuple[str, Sequence[Participant | Offer | Need]], ...] = (
        ("participants", participants), ("offers", offers), ("needs", needs))
    for what, items in groups:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(Issue(f"{what}[{i}].id", f"{item.id!r} appears twice", "duplicate-id", value=item.id))
            seen.add(item.id)
    known = {p.id for p in participants}
    for what, entries in (("offers", offers), ("needs", needs)):
        for i, e in enumerate(entries):
            if e.participant not in known:
                problems.append(Issue(f"{what}[{i}].participant", f"{e.participant!r} is not a participant",
                                      "unknown-participant", value=e.participant))
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
