"""The synthetic municipality generator: valid, deterministic, plausibly messy."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from matcher import at_risk
from matcher.generate import generate
from matcher.scenario import check_scenario, decode_scenario
from matcher.schema import Scenario


def _roundtrip(s: Scenario) -> Scenario:
    return decode_scenario(msgspec.json.encode(s))


@pytest.mark.parametrize(
    ("volunteers", "needs", "seed", "broad"),
    [(0, 0, 0, False), (1, 1, 0, False), (40, 15, 1, False), (400, 150, 2, False), (400, 150, 3, True),
     (1200, 400, 4, True)],
)  # fmt: skip
def test_valid_and_counts(volunteers: int, needs: int, seed: int, broad: bool) -> None:
    s = generate(volunteers, needs, seed, broad=broad)
    assert check_scenario(s) == []
    back = _roundtrip(s)
    assert back == s
    assert len(back.volunteers) == volunteers
    assert len(back.needs) == needs
    assert back.horizon.start == date(2027, 1, 4)
    assert back.horizon.end == date(2027, 1, 31)
    assert back.previous == []
    assert len({v.id for v in s.volunteers}) == volunteers
    assert len({n.id for n in s.needs}) == needs
    assert len(s.sites) >= 10
    assert {x.kind for x in s.sites} == {"service_site", "organisation"}


def test_same_seed_same_bytes() -> None:
    a = msgspec.json.encode(generate(300, 100, 7))
    b = msgspec.json.encode(generate(300, 100, 7))
    assert a == b
    assert msgspec.json.encode(generate(300, 100, 7, broad=True)) == msgspec.json.encode(
        generate(300, 100, 7, broad=True)
    )


def test_different_seed_differs() -> None:
    assert msgspec.json.encode(generate(300, 100, 7)) != msgspec.json.encode(generate(300, 100, 8))


def test_horizon_follows_start_and_weeks() -> None:
    s = generate(50, 20, 0, start=date(2027, 3, 1), weeks=2)
    assert (s.horizon.start, s.horizon.end) == (date(2027, 3, 1), date(2027, 3, 14))
    for n in s.needs:
        if n.once is not None:
            assert s.horizon.start <= n.once.date <= s.horizon.end
        for d in (n.from_, n.until):
            assert d is None or s.horizon.start <= d <= s.horizon.end


def test_realistic_mix() -> None:
    s = generate(2000, 500, 11)
    start = s.horizon.start
    vols = s.volunteers
    signed = [v for v in vols if v.agreement_signed is not None and v.agreement_signed < start]
    assert len(signed) > 0.5 * len(vols)
    # messiness exists, but is a minority
    assert 0 < sum(v.agreement_signed is None for v in vols) < 0.3 * len(vols)
    assert any(v.agreement_signed is not None and v.agreement_signed >= start for v in vols)
    assert any(v.location is None for v in vols)
    assert any(v.max_travel_km is None and v.location is not None for v in vols)
    assert any(t.expires is not None and t.expires < start for v in vols for t in v.trainings)
    assert any(t.completed >= start for v in vols for t in v.trainings)
    assert any(v.police_certificate is not None for v in vols)
    assert any(v.history for v in vols)
    assert sum(v.phone is not None for v in vols) > 0.3 * len(vols)
    assert all(v.phone is None or (v.phone.startswith("+47 9") and len(v.phone) == 12) for v in vols)
    assert all(1 <= len(v.activities) <= 3 for v in vols)
    assert all(2 <= len(v.interests) <= 5 for v in vols)
    assert sum(len(v.availability) > 0 for v in vols) > 0.9 * len(vols)
    # needs: mostly headcount 1 and priority 3; every activity of the catalogue occurs
    needs = s.needs
    assert sum(n.headcount == 1 for n in needs) > 0.6 * len(needs)
    assert max(n.headcount for n in needs) <= 4
    assert {n.priority for n in needs} == {1, 2, 3, 4, 5}
    assert {n.activity for n in needs} == {a.id for a in s.activities}
    assert any(n.once is not None for n in needs) and any(n.weekly is not None for n in needs)
    assert any(n.languages for n in needs)
    assert any("demensopplaering" in n.requires_training for n in needs)
    nights = [n for n in needs if n.activity == "vaketjeneste"]
    assert nights and all((n.once or n.weekly[0]).start == "22:00" for n in nights)  # type: ignore[index]
    # everyone lives and works within reach of Tønsberg
    for loc in [x.location for x in s.sites] + [v.location for v in vols]:
        if loc is not None:
            assert 59.1 < loc.lat < 59.45 and 10.1 < loc.lon < 10.7
    # pins and vetoes: a few, distinct, referring to a volunteer doing that activity
    assert 1 <= len(s.pinned) <= 10 and 1 <= len(s.forbidden) <= 10
    by_id = {v.id: v for v in vols}
    need_by_id = {n.id: n for n in needs}
    for p in s.pinned + s.forbidden:
        assert need_by_id[p.need].activity in by_id[p.volunteer].activities
    assert not {(p.volunteer, p.need) for p in s.pinned} & {(p.volunteer, p.need) for p in s.forbidden}


def test_broad_is_available_all_day_and_otherwise_equal() -> None:
    narrow = generate(300, 100, 5)
    broad = generate(300, 100, 5, broad=True)
    assert narrow.needs == broad.needs
    for a, b in zip(narrow.volunteers, broad.volunteers, strict=True):
        days = {(x.weekday, x.start, x.end) for x in b.availability}
        assert all((d, "08:00", "22:00") in days for d in range(1, 8))
        assert msgspec.structs.replace(a, availability=[]) == msgspec.structs.replace(b, availability=[])


def test_generated_scenario_has_overnight_and_one_off_needs() -> None:
    sc = generate(300, 120, seed=3)
    nights = [n for n in sc.needs if n.weekly and any(s.end <= s.start for s in n.weekly)]
    nights += [n for n in sc.needs if n.once and n.once.end <= n.once.start]
    assert nights and any(n.activity == "vaketjeneste" for n in nights)
    assert sum(n.once is not None for n in sc.needs) >= 5


def test_generated_committed_pairs_share_and_determinism() -> None:
    sc = generate(300, 120, seed=3, committed=0.5)
    places = sum(n.headcount for n in sc.needs)
    assert 0.3 * places <= len(sc.committed) <= 0.5 * places
    assert len({(p.volunteer, p.need) for p in sc.committed}) == len(sc.committed)
    assert msgspec.json.encode(sc) == msgspec.json.encode(generate(300, 120, seed=3, committed=0.5))
    # the rest of the register does not depend on the share
    assert generate(300, 120, seed=3).volunteers == sc.volunteers
    # most placements in force hold; a few have gone wrong, as in a real register
    risky = {(r.volunteer, r.need) for r in at_risk(sc)}
    assert 0 < len(risky) < 0.25 * len(sc.committed)
