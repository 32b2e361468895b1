"""Live counterparts for one participant on the broker's page, and a draft agreement from one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from events.schema import Agreement, Need, Offer, Participant
from events.suggestions.compatibility import Pair, _index, _link, _why
from events.suggestions.structs import Link, Suggestion, SuggestionSettings

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
    pairs = []
    for other in gives.keys() | gets.keys():
        ab, ba = gives.get(other), gets.get(other)
        a, b = (person, other) if order[person] < order[other] else (other, person)
        pairs.append((other, Pair(a=a, b=b, a_to_b=ab if a == person else ba, b_to_a=ba if a == person else ab,
                                  score=(ab.score if ab else 0) + (ba.score if ba else 0)
                                  + (s.two_way_bonus if ab and ba else 0))))
    # Only the top_k shown are explained: the reasons are the costly part on a large floor.
    pairs.sort(key=lambda op: (-op[1].score, order[op[0]]))
    return [Suggestion(participant=person, counterpart=other, score=pair.score, two_way=pair.two_way,
                       links=pair.links(), why=_why(pair, offers_by_id, needs_by_id, names))
            for other, pair in pairs[:top_k]]


def shared_terms(suggestion: Suggestion) -> list[str]:
    """What the two have in common (shared tags first, then words), for "dere deler: …"."""
    seen: list[str] = []
    for link in suggestion.links:
        for t in (*link.shared_tags, *link.shared_words):
            if t not in seen:
                seen.append(t)
    return seen


def draft_agreement(suggestion: Suggestion, offers: Mapping[str, Offer],
                    needs: Mapping[str, Need]) -> dict[str, object]:
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
