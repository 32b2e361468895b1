"""The coordinator's pages for placements in force: at risk at the top of the overview, and the
matching page keeping them as they are (never proposed again)."""

from __future__ import annotations

import pytest

from tests.service.test_register import _place
from tests.service.web.test_pages import run_matching

pytestmark = pytest.mark.anyio


async def test_overview_lists_placements_at_risk_first_and_nothing_when_none(coordinator_client, db_url):
    c = coordinator_client
    assert "Plasseringer som bryter en regel nå" not in (await c.get("/")).text
    await _place(db_url, "v1", "n3")  # Wednesdays 10–12, two places
    html = (await c.get("/")).text
    assert "Plasseringer som bryter en regel nå" not in html

    from service.db.engine import create_engine, create_sessionmaker
    from service.db.models import VolunteerRow

    engine = create_engine(db_url)  # v1 now comes on Mondays only (as an import or another page might say)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            row = await session.get(VolunteerRow, "v1")
            assert row is not None and row.data is not None
            row.data = {**row.data, "availability": [{"weekday": 1, "start": "08:00", "end": "22:00"}]}
    finally:
        await engine.dispose()
    html = (await c.get("/")).text
    at = html.index("Plasseringer som bryter en regel nå")
    assert at < html.index("Forslag som venter på vurdering")  # at the top
    assert "Frivillig 1" in html[at:] and "Turvenn onsdag" in html[at:]
    assert "avtal nye tider eller avslutt plasseringen" in html  # what to do, in Bokmål


async def test_matching_page_keeps_placements_in_force(coordinator_client, db_url):
    c = coordinator_client
    await _place(db_url, "v1", "n3")
    html = await run_matching(c)
    assert "Plasseringer som gjelder: 1." in html
    assert "1 har plass fra før" in html  # n3: one of its two places is taken already
    assert "Plasseringer i planen som bryter en regel" not in html
