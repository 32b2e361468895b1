"""The stand's answer (service/exchange/stand.py) on a register with placements in force: the other
volunteers' placements take their places and never reach the one-person copy the matcher reads."""

from __future__ import annotations

import msgspec

from matcher.schema import Pair
from service.exchange.stand import open_places_for
from tests.service.factories import small_scenario


def test_open_places_with_placements_in_force_of_other_volunteers() -> None:
    # v1 holds n3's first place and v2 holds n1's only place, in force: as build_scenario says it
    in_force = [Pair(volunteer="v1", need="n3"), Pair(volunteer="v2", need="n1")]
    scenario = msgspec.structs.replace(small_scenario(), previous=in_force, committed=in_force)
    places = {p.need: p.open_places for p in open_places_for(scenario, "v4")}
    assert places == {"n2": 1, "n3": 1}  # n1 is full; n3 has one place left


def test_a_returning_volunteers_placements_in_force_are_weighed() -> None:
    """Their own place is not offered again, nor one that overlaps it (C3: n2 is Monday 11-13 beside n1's
    Monday 10-12), nor one past their weekly cap (C2: with one assignment a week, Monday's n1 and n2
    beside Wednesday's n3)."""

    holds_n1 = [Pair(volunteer="v4", need="n1")]
    scenario = msgspec.structs.replace(small_scenario(), previous=holds_n1, committed=holds_n1)
    assert {p.need: p.open_places for p in open_places_for(scenario, "v4")} == {"n3": 2}
    # another volunteer's view of the same register: n1 is full, n2 is free for them
    assert {p.need for p in open_places_for(scenario, "v3")} == {"n2", "n3"}

    holds_n3 = [Pair(volunteer="v4", need="n3")]
    base = small_scenario()
    one_a_week = [msgspec.structs.replace(v, max_assignments=1) if v.id == "v4" else v for v in base.volunteers]
    scenario = msgspec.structs.replace(base, volunteers=one_a_week, previous=holds_n3, committed=holds_n3)
    assert open_places_for(scenario, "v4") == []
    assert {p.need for p in open_places_for(msgspec.structs.replace(scenario, previous=[], committed=[]),
                                            "v4")} == {"n1", "n2", "n3"}


def test_places_of_equal_fit_come_in_the_order_of_their_ids_whatever_the_register_order() -> None:
    """The register's need order (the database's: created_at, id) never decides between places of the same
    fit: they come by need id, as the matcher's canonical order has them (`scenario.in_canonical_order`)."""
    base = small_scenario()
    twin = next(n for n in base.needs if n.id == "n3")
    needs = [*base.needs, msgspec.structs.replace(twin, id="n0-twin"), msgspec.structs.replace(twin, id="n9-twin")]
    answers = []
    for listed in (needs, needs[::-1]):
        answer = open_places_for(msgspec.structs.replace(base, needs=listed), "v4", top=10)
        answers.append([(p.need, p.fit) for p in answer])
    assert answers[0] == answers[1]
    got = answers[0]
    fit_of = dict(got)
    assert fit_of["n3"] == fit_of["n0-twin"] == fit_of["n9-twin"]  # the twins tie with n3 …
    tied = [need for need, fit in got if fit == fit_of["n3"]]
    assert tied == sorted(tied) and {"n3", "n0-twin", "n9-twin"} <= set(tied)  # … and come by id
