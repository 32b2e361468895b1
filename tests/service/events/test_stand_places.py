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
