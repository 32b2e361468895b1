"""The API answers with the register services' structs (service/register/schemas.py) unchanged.

A field a service gives only in some answers (`at_risk` after a change, the volunteer's own
`calendar_url`, a running plan's `progress`) is left out of the others, never sent as null:
the JSON is what the services' dicts gave before they became structs.
"""

from __future__ import annotations

import pytest

from tests.service.test_plans import release_all, run

pytestmark = pytest.mark.anyio


async def test_need_answers_leave_out_at_risk_unless_a_change_kept_it(client, loaded, coordinator):
    need = (await client.get("/api/v1/needs/n1", headers=coordinator)).json()
    assert "at_risk" not in need and need["state"] == "open" and need["priority"] >= 1
    assert all("at_risk" not in n for n in (await client.get("/api/v1/needs", headers=coordinator)).json())
    changed = await client.patch("/api/v1/needs/n1", params={"keep_at_risk": "true"}, json={"title": "Ny tittel"},
                                 headers=coordinator)
    assert changed.status_code == 200, changed.text
    assert changed.json()["at_risk"] == [] and changed.json()["title"] == "Ny tittel"
    plain = await client.patch("/api/v1/needs/n1", json={"title": "Igjen"}, headers=coordinator)
    assert "at_risk" not in plain.json()


async def test_volunteer_answers_give_calendar_url_to_the_person_only(client, loaded, coordinator, tokens):
    record = (await client.get("/api/v1/volunteers/v1", headers=coordinator)).json()
    assert "calendar_url" not in record and "at_risk" not in record and record["created_at"]
    own = await tokens.headers("volunteer", volunteer="v1")
    mine = (await client.get("/api/v1/volunteers/v1", headers=own)).json()
    assert mine["calendar_url"].startswith("http") and "at_risk" not in mine
    listed = (await client.get("/api/v1/volunteers", headers=own)).json()
    assert [v["id"] for v in listed] == ["v1"] and listed[0]["calendar_url"] == mine["calendar_url"]
    patched = (await client.patch("/api/v1/volunteers/v1", json={"phone": "+47 99887766"},
                                  headers=coordinator)).json()
    assert patched["at_risk"] == [] and "calendar_url" not in patched
    export = (await client.get("/api/v1/volunteers/v1/export", headers=coordinator)).json()
    assert "calendar_url" not in export["volunteer"] and "at_risk" not in export["volunteer"]


async def test_plan_and_placement_answers_leave_out_what_they_do_not_have(client, loaded, coordinator):
    plan = await run(client, coordinator)
    assert plan["status"] == "draft" and "progress" not in plan and "error" not in plan
    assert all(set(p) == {"id", "plan", "volunteer", "need", "score", "reasons", "state", "pinned",
                          "reject_reason"} for p in plan["proposals"])
    await release_all(client, coordinator, plan)
    placements = (await client.get("/api/v1/placements", headers=coordinator)).json()
    assert placements and all("at_risk" not in p for p in placements)
    one = (await client.get(f"/api/v1/placements/{placements[0]['id']}", headers=coordinator)).json()
    assert "at_risk" not in one and one["decline_reason"] is None  # always there, null when none
    asked = (await client.get("/api/v1/placements", params={"at_risk": "false"}, headers=coordinator)).json()
    assert asked and all(p["at_risk"] == [] for p in asked)
