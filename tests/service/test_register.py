"""Catalogue, sites, needs and volunteers over HTTP: validation, problem details, roles."""

from __future__ import annotations

from typing import Any

import pytest

from service import clock
from tests.service.factories import need_doc, volunteer_doc

pytestmark = pytest.mark.anyio


def assert_problem(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and "detail" in body
    if field is not None:
        assert any(e["field"] == field for e in body["errors"]), body
    return body


async def test_api_without_token_is_401_problem(client):
    assert_problem(await client.get("/api/v1/needs"), 401)
    assert_problem(await client.get("/api/v1/needs", headers={"Authorization": "Bearer nope"}), 401)


async def test_schema_is_public(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/needs" in r.json()["paths"]


async def test_need_posted_without_id_gets_one(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    r = await client.post("/api/v1/needs", json=need_doc(), headers=site)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"].startswith("need-") and body["headcount"] == 1 and body["created_at"]
    r = await client.get(f"/api/v1/needs/{body['id']}", headers=site)
    assert r.json()["title"] == "Besøksvenn torsdag"
    assert r.json()["posted_by"] == "test site (site)"  # who posted it: the token's name and role


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"activity": "stell"}, "activity"),
        ({"headcount": 0}, "headcount"),
        ({"priority": 6}, "priority"),
        ({"weekly": [{"weekday": 8, "start": "10:00", "end": "11:00"}]}, "weekly[0].weekday"),
        ({"weekly": [{"weekday": 1, "start": "25:00", "end": "11:00"}]}, "weekly[0].start"),
        ({"weekly": []}, "weekly"),
        ({"diagnosis": "demens"}, ""),
        ({"title": "Til 01017012345"}, "title"),
    ],
)
async def test_need_invalid_is_4xx_naming_the_field(client, loaded, coordinator, change, field):
    r = await client.post("/api/v1/needs", json=need_doc(**change), headers=coordinator)
    assert r.status_code in (400, 422)
    body = assert_problem(r, r.status_code)
    fields = [e["field"] for e in body["errors"]]
    assert field in fields or any(field and f.startswith(field) for f in fields) or (not field and body["errors"])


async def test_need_site_token_posts_for_own_site_only(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    assert_problem(await client.post("/api/v1/needs", json=need_doc(site="rodekors"), headers=site), 403)


async def test_need_of_other_site_is_404_for_site(client, loaded, tokens):
    site = await tokens.headers("site", site="rodekors")
    assert_problem(await client.get("/api/v1/needs/n1", headers=site), 404)
    assert_problem(await client.patch("/api/v1/needs/n1", json={"title": "x"}, headers=site), 404)
    listed = (await client.get("/api/v1/needs", headers=site)).json()
    assert [n["id"] for n in listed] == ["n3"]


async def test_need_idempotency_key_replays_and_conflicts(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    h = {**site, "Idempotency-Key": "abc-1"}
    first = await client.post("/api/v1/needs", json=need_doc(), headers=h)
    again = await client.post("/api/v1/needs", json=need_doc(), headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    all_needs = (await client.get("/api/v1/needs", headers=site)).json()
    assert sum(n["title"] == "Besøksvenn torsdag" for n in all_needs) == 1
    assert_problem(await client.post("/api/v1/needs", json=need_doc(title="other"), headers=h), 409)


async def test_need_explicit_duplicate_id_is_409(client, loaded, coordinator):
    assert_problem(await client.post("/api/v1/needs", json=need_doc(id="n1"), headers=coordinator), 409)


async def test_need_patch_validates_whole_need(client, loaded, coordinator):
    r = await client.patch("/api/v1/needs/n1", json={"headcount": 3}, headers=coordinator)
    assert r.status_code == 200 and r.json()["headcount"] == 3
    assert_problem(await client.patch("/api/v1/needs/n1", json={"activity": "nope"}, headers=coordinator),
                   422, "activity")
    assert_problem(await client.patch("/api/v1/needs/n1", json={"id": "zz"}, headers=coordinator), 422, "id")


async def test_need_delete(client, loaded, coordinator):
    assert (await client.delete("/api/v1/needs/n1", headers=coordinator)).status_code == 204
    assert_problem(await client.get("/api/v1/needs/n1", headers=coordinator), 404)


async def test_activity_in_use_cannot_be_deleted(client, loaded, coordinator):
    body = assert_problem(await client.delete("/api/v1/activities/besoksvenn", headers=coordinator), 409)
    assert body["use"] == {"needs": 1, "placements": 0, "volunteers": 4}
    r = await client.post("/api/v1/activities", json={"id": "kulturvert", "name": "Kulturvert"}, headers=coordinator)
    assert r.status_code == 201
    # A volunteer's choice alone keeps it: it must not point at nothing.
    r = await client.patch("/api/v1/volunteers/v1", json={"activities": ["besoksvenn", "kulturvert"]},
                           headers=coordinator)
    assert r.status_code == 200, r.text
    body = assert_problem(await client.delete("/api/v1/activities/kulturvert", headers=coordinator), 409)
    assert body["use"] == {"needs": 0, "placements": 0, "volunteers": 1}
    await client.patch("/api/v1/volunteers/v1", json={"activities": ["besoksvenn"]}, headers=coordinator)
    assert (await client.delete("/api/v1/activities/kulturvert", headers=coordinator)).status_code == 204
    log = (await client.get("/api/v1/audit", params={"volunteer": "activity:kulturvert"}, headers=coordinator)).json()
    assert [e["action"] for e in log] == ["delete"]


async def test_training_renamed_by_the_coordinator_only_and_its_id_stays(client, loaded, tokens):
    coordinator = await tokens.headers("coordinator")
    r = await client.patch("/api/v1/trainings/demens", json={"name": "Demensomsorgens ABC"}, headers=coordinator)
    assert r.status_code == 200 and r.json()["name"] == "Demensomsorgens ABC" and r.json()["id"] == "demens"
    assert_problem(await client.patch("/api/v1/trainings/demens", json={"id": "x"}, headers=coordinator), 422, "id")
    assert_problem(await client.patch("/api/v1/trainings/demens", json={"name": ""}, headers=coordinator), 400, "name")
    assert_problem(await client.patch("/api/v1/trainings/nope", json={"name": "X"}, headers=coordinator), 404)
    site = await tokens.headers("site", site="eik")
    assert_problem(await client.patch("/api/v1/trainings/demens", json={"name": "Y"}, headers=site), 403)
    names = {t["id"]: t["name"] for t in (await client.get("/api/v1/trainings", headers=site)).json()}
    assert names["demens"] == "Demensomsorgens ABC"
    log = (await client.get("/api/v1/audit", params={"volunteer": "training:demens"}, headers=coordinator)).json()
    assert [e["action"] for e in log] == ["update"]


async def test_course_validity_gives_a_course_recorded_without_expiry_its_expiry(client, loaded, coordinator):
    r = await client.patch("/api/v1/trainings/demens", json={"valid_months": 24}, headers=coordinator)
    assert r.status_code == 200 and r.json()["valid_months"] == 24
    assert_problem(await client.patch("/api/v1/trainings/demens", json={"valid_months": 0}, headers=coordinator),
                   400, "valid_months")
    held = [{"training": "demens", "completed": "2026-01-31"},
            {"training": "intro", "completed": "2026-02-01"},  # the introduction course does not expire
            ]
    r = await client.patch("/api/v1/volunteers/v1", json={"trainings": held}, headers=coordinator)
    assert r.status_code == 200, r.text
    assert {h["training"]: h["expires"] for h in r.json()["trainings"]} == {"demens": "2028-01-31", "intro": None}
    # An expiry date given is kept as given.
    held[0]["expires"] = "2026-12-31"
    r = await client.patch("/api/v1/volunteers/v1", json={"trainings": held}, headers=coordinator)
    assert {h["training"]: h["expires"] for h in r.json()["trainings"]}["demens"] == "2026-12-31"


async def test_users_disabled_and_enabled_by_the_coordinator(client, loaded, tokens, db_url):
    from service.accounts import authenticate, create_user
    from service.db.engine import create_engine, create_sessionmaker

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            uid = (await create_user(session, email="siri@eik.no", password="riktig hest batteri", role="site",
                                     site_id="eik")).id
    finally:
        await engine.dispose()
    coordinator = await tokens.headers("coordinator")
    listed = (await client.get("/api/v1/users", params={"site": "eik"}, headers=coordinator)).json()
    assert [(u["id"], u["role"], u["disabled_at"]) for u in listed] == [(uid, "site", None)]
    assert "password_hash" not in listed[0]
    assert_problem(await client.post(f"/api/v1/users/{uid}/disable", headers=await tokens.headers("site", site="eik")),
                   403)
    r = await client.post(f"/api/v1/users/{uid}/disable", headers=coordinator)
    assert r.status_code == 200 and r.json()["disabled_at"]
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            assert (await authenticate(session, "siri@eik.no", "riktig hest batteri", "10.0.0.1")).user is None
    finally:
        await engine.dispose()
    r = await client.post(f"/api/v1/users/{uid}/enable", headers=coordinator)
    assert r.status_code == 200 and r.json()["disabled_at"] is None
    assert_problem(await client.post("/api/v1/users/usr-nope/disable", headers=coordinator), 404)
    log = (await client.get("/api/v1/audit", params={"volunteer": f"user:{uid}"}, headers=coordinator)).json()
    assert [e["action"] for e in log] == ["enable", "disable"]


async def test_catalogue_written_by_coordinator_only(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    assert_problem(await client.post("/api/v1/trainings", json={"id": "x", "name": "X"}, headers=site), 403)
    assert (await client.get("/api/v1/trainings", headers=site)).status_code == 200
    r = await client.post("/api/v1/activities", json={"id": "a", "name": "A", "requires_training": ["nope"]},
                          headers=await tokens.headers("coordinator"))
    assert_problem(r, 422, "requires_training[0]")


async def test_site_patch_own_only(client, loaded, tokens):
    eik = await tokens.headers("site", site="eik")
    r = await client.patch("/api/v1/sites/eik", json={"name": "Eik sykehjem og omsorgsboliger"}, headers=eik)
    assert r.status_code == 200 and r.json()["name"].startswith("Eik")
    assert_problem(await client.patch("/api/v1/sites/rodekors", json={"name": "x"}, headers=eik), 403)
    assert_problem(await client.patch("/api/v1/sites/eik", json={"kind": "nope"}, headers=eik), 400, "kind")
    assert_problem(await client.patch("/api/v1/sites/eik", json={"color": "red"}, headers=eik), 400)


async def test_volunteer_register_and_read(client, loaded, coordinator):
    r = await client.post("/api/v1/volunteers", json=volunteer_doc(), headers=coordinator)
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    got = (await client.get(f"/api/v1/volunteers/{vid}", headers=coordinator)).json()
    assert got["name"] == "Kari Nordmann" and got["birth_date"] == "1970-02-03"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"police_certificate": {"issued": "2026-01-01", "shown": "2026-01-05", "copy": "scan.pdf"}},
         "police_certificate"),
        ({"police_certificate": {"issued": "2026-01-05", "shown": "2026-01-01"}}, "police_certificate.shown"),
        ({"fodselsnummer": "01017012345"}, ""),
        ({"health_notes": "diabetes"}, ""),
        ({"activities": ["stell"]}, "activities[0]"),
        ({"name": "Kari 010170 12345"}, "name"),
    ],
)
async def test_volunteer_rejects_what_must_not_be_stored(client, loaded, coordinator, change, field):
    r = await client.post("/api/v1/volunteers", json=volunteer_doc(**change), headers=coordinator)
    assert r.status_code in (400, 422), r.text
    body = assert_problem(r, r.status_code)
    fields = [e["field"] for e in body["errors"]]
    assert not field or any(f.startswith(field) for f in fields), fields


async def test_volunteer_token_sees_only_self(client, loaded, tokens):
    me = await tokens.headers("volunteer", volunteer="v1")
    assert (await client.get("/api/v1/volunteers/v1", headers=me)).status_code == 200
    assert_problem(await client.get("/api/v1/volunteers/v2", headers=me), 404)
    assert [v["id"] for v in (await client.get("/api/v1/volunteers", headers=me)).json()] == ["v1"]
    r = await client.patch("/api/v1/volunteers/v1", json={"phone": "49999999"}, headers=me)
    assert r.status_code == 200 and r.json()["phone"] == "49999999"
    assert_problem(await client.patch("/api/v1/volunteers/v1", json={"trainings": []}, headers=me), 403)
    assert_problem(await client.post("/api/v1/needs", json=need_doc(), headers=me), 403)


async def test_site_sees_no_volunteer_without_proposal(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    assert (await client.get("/api/v1/volunteers", headers=site)).json() == []
    assert_problem(await client.get("/api/v1/volunteers/v1", headers=site), 404)


async def test_volunteer_anonymise_and_export(client, loaded, coordinator, tokens):
    me = await tokens.headers("volunteer", volunteer="v2")
    export = await client.get("/api/v1/volunteers/v2/export", headers=me)
    assert export.status_code == 200
    assert export.json()["volunteer"]["name"] == "Frivillig 2"
    assert (await client.delete("/api/v1/volunteers/v2", headers=coordinator)).status_code == 204
    assert_problem(await client.get("/api/v1/volunteers/v2", headers=coordinator), 404)
    assert_problem(await client.get("/api/v1/volunteers/v2", headers=me), 401)  # the person's token is revoked
    scenario = (await client.get("/api/v1/scenario", headers=coordinator)).json()
    assert "v2" not in [v["id"] for v in scenario["volunteers"]]
    assert "Frivillig 2" not in str(scenario)


async def test_audit_records_reads_and_changes(client, loaded, coordinator, tokens):
    me = await tokens.headers("volunteer", volunteer="v3")
    await client.get("/api/v1/volunteers/v3", headers=me)
    await client.patch("/api/v1/volunteers/v3", json={"interests": ["sjakk"]}, headers=coordinator)
    log = (await client.get("/api/v1/audit", params={"volunteer": "v3"}, headers=coordinator)).json()
    actions = {(e["role"], e["action"]) for e in log}
    assert ("volunteer", "read") in actions and ("coordinator", "update") in actions
    assert_problem(await client.get("/api/v1/audit", headers=me), 403)


async def test_scenario_roundtrip(client, loaded, coordinator):
    r = await client.get("/api/v1/scenario", headers=coordinator)
    assert r.status_code == 200
    out = r.json()
    assert out["format"] == "samspill.scenario/1"
    assert {n["id"] for n in out["needs"]} == {"n1", "n2", "n3"}
    assert out["volunteers"][0]["police_certificate"]["purpose"]
    again = await client.post("/api/v1/scenario", json=out, headers=coordinator)
    assert again.status_code == 200


async def test_scenario_import_all_or_nothing(client, loaded, coordinator):
    bad = dict(loaded)
    bad["needs"] = [*loaded["needs"], {"id": "n9", "site": "eik", "activity": "nope", "title": "x",
                                       "weekly": [{"weekday": 1, "start": "10:00", "end": "11:00"}]}]
    bad["volunteers"] = [*loaded["volunteers"], {**loaded["volunteers"][0], "id": "v9", "name": "Ny"}]
    r = await client.post("/api/v1/scenario", json=bad, headers=coordinator)
    body = assert_problem(r, 422)
    assert any(e["field"] == "needs[3].activity" for e in body["errors"])
    assert_problem(await client.get("/api/v1/volunteers/v9", headers=coordinator), 404)


async def test_scenario_is_coordinator_only(client, loaded, tokens):
    site = await tokens.headers("site", site="eik")
    assert_problem(await client.get("/api/v1/scenario", headers=site), 403)


async def test_nul_characters_are_rejected_naming_the_field(client, loaded, coordinator):
    body = assert_problem(await client.post("/api/v1/sites", json={"id": "x", "kind": "service_site", "name": "a\x00b"},
                                            headers=coordinator), 400, "name")
    assert "NUL" in body["detail"]
    assert_problem(await client.get("/api/v1/needs/a%00b", headers=coordinator), 400)


async def test_need_parallel_retries_with_one_key_create_one_need(client, loaded, tokens):
    import asyncio

    site = await tokens.headers("site", site="eik")
    h = {**site, "Idempotency-Key": "retry-storm"}
    results = await asyncio.gather(*[client.post("/api/v1/needs", json=need_doc(), headers=h) for _ in range(8)])
    assert {r.status_code for r in results} == {201}, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    titles = [n["title"] for n in (await client.get("/api/v1/needs", headers=site)).json()]
    assert titles.count("Besøksvenn torsdag") == 1


async def test_body_that_is_not_json_is_a_problem_saying_so(client, loaded, coordinator):
    r = await client.post("/api/v1/needs", content=b'{"site": "eik"',
                          headers={**coordinator, "content-type": "application/json"})
    body = assert_problem(r, 400)
    assert body["type"] == "urn:samspill:problem:bad-request"
    assert "not valid JSON" in body["detail"]


async def _place(db_url: str, volunteer: str, *needs: str) -> None:
    """Placements in force, written straight to the register (as a release would)."""
    import datetime as dt

    from service.db.engine import create_engine, create_sessionmaker
    from service.db.models import PlacementRow

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for n in needs:
                session.add(PlacementRow(id=f"pl-{volunteer}-{n}", volunteer_id=volunteer, need_id=n,
                                         site_id="eik", activity_id="besoksvenn", state="confirmed",
                                         start=dt.date(2027, 1, 4), followups_done=[]))
    finally:
        await engine.dispose()


async def test_need_cannot_move_onto_hours_its_volunteer_is_taken(client, loaded, coordinator, db_url, tokens):
    """New times for a need with a place taken: 409 when the volunteer is busy then, fine otherwise."""
    await _place(db_url, "v1", "n1", "n3")  # Mondays 10–12 and Wednesdays 10–12
    clash = {"weekly": [{"weekday": 3, "start": "11:00", "end": "13:00"}]}
    body = assert_problem(await client.patch("/api/v1/needs/n1", json=clash, headers=coordinator), 409)
    assert "v1" in body["detail"] and "n3" in body["detail"]
    eik = await tokens.headers("site", site="eik")  # the site learns the rule, not v1's other commitment
    body = assert_problem(await client.patch("/api/v1/needs/n1", json=clash, headers=eik), 409)
    assert body["rule"] == "C3" and all(e["data"] is None for e in body["at_risk"])
    assert all("n3" not in e["message"] for e in body["at_risk"] if e["need"] == "n1"), body
    assert (await client.get("/api/v1/needs/n1", headers=coordinator)).json()["weekly"][0]["weekday"] == 1
    free = {"weekly": [{"weekday": 2, "start": "11:00", "end": "13:00"}]}
    r = await client.patch("/api/v1/needs/n1", json=free, headers=coordinator)
    assert r.status_code == 200 and r.json()["weekly"][0]["weekday"] == 2


async def test_need_idempotency_key_is_forgotten_after_a_day(client, loaded, tokens, db_url):
    import datetime as dt

    import sqlalchemy as sa

    from service.db.engine import create_engine, create_sessionmaker
    from service.db.models import IdempotencyRow

    site = await tokens.headers("site", site="eik")
    h = {**site, "Idempotency-Key": "weekly-sync-7"}
    first = await client.post("/api/v1/needs", json=need_doc(), headers=h)
    assert first.status_code == 201
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(sa.update(IdempotencyRow).values(
                created_at=clock.now() - dt.timedelta(hours=25)))
    finally:
        await engine.dispose()
    later = await client.post("/api/v1/needs", json=need_doc(title="Neste uke"), headers=h)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]  # a new need, not a 409
    again = await client.post("/api/v1/needs", json=need_doc(title="Neste uke"), headers=h)
    assert again.json()["id"] == later.json()["id"]  # and the key replays the new answer from now on


async def test_need_cannot_move_outside_its_volunteers_availability_or_hours(client, loaded, coordinator, db_url):
    await _place(db_url, "v1", "n1", "n3")  # Mondays 10–12 and Wednesdays 10–12; v1 available daily 08–22
    dawn = {"weekly": [{"weekday": 1, "start": "06:00", "end": "07:00"}]}
    body = assert_problem(await client.patch("/api/v1/needs/n1", json=dawn, headers=coordinator), 409)
    assert "v1" in body["detail"] and "not available" in body["detail"], body["detail"]
    r = await client.patch("/api/v1/volunteers/v1", json={"max_hours_per_week": 5}, headers=coordinator)
    assert r.status_code == 200, r.text
    longer = {"weekly": [{"weekday": 1, "start": "09:00", "end": "13:00"}]}  # 4 h + Wednesday's 2 h > 5 h
    body = assert_problem(await client.patch("/api/v1/needs/n1", json=longer, headers=coordinator), 409)
    assert body["rule"] == "C2" and "more than 5 a week" in body["detail"], body["detail"]
    fits = {"weekly": [{"weekday": 1, "start": "09:00", "end": "12:00"}]}  # 3 h + 2 h = 5 h
    assert (await client.patch("/api/v1/needs/n1", json=fits, headers=coordinator)).status_code == 200


async def _placement(db_url: str, start: Any, pid: str = "plc-dates") -> str:
    """A confirmed placement of v1 on n1 from `start`, straight in the register."""
    from service.db.engine import create_engine, create_sessionmaker
    from service.db.models import PlacementRow

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            session.add(PlacementRow(id=pid, volunteer_id="v1", need_id="n1", site_id="eik", activity_id="besoksvenn",
                                     state="confirmed", start=start, followups_done=[]))
        return pid
    finally:
        await engine.dispose()


async def test_placement_end_before_its_start_is_refused_naming_the_field(client, loaded, coordinator, db_url):
    import datetime as dt

    today = clock.today()
    start = today - dt.timedelta(days=30)
    pid = await _placement(db_url, start)
    url = f"/api/v1/placements/{pid}"
    day_before = str(start - dt.timedelta(days=1))
    body = assert_problem(await client.post(f"{url}/end", json={"closing_conversation": day_before},
                                            headers=coordinator), 422, "closing_conversation")
    [e] = body["errors"]
    assert e["code"] == "before-placement-start" and e["data"] == {"earliest": str(start), "start": str(start)}
    # The closing conversation and a follow-up cannot be before the start either; nothing was saved.
    body = assert_problem(await client.post(f"{url}/end", json={"closing_conversation": str(today),
                                                                "closing_held": str(start - dt.timedelta(days=3))},
                                            headers=coordinator), 422, "closing_held")
    assert [e["code"] for e in body["errors"]] == ["before-placement-start"]
    body = assert_problem(await client.post(f"{url}/followup", json={"held": day_before},
                                            headers=coordinator), 422, "held")
    assert body["errors"][0]["code"] == "before-placement-start"
    # Several problems at once: each field named with its code.
    body = assert_problem(await client.post(f"{url}/end", json={"closing_conversation": "2000-01-01", "reason": "bored",
                                                                "closing_held": str(today + dt.timedelta(days=9))},
                                            headers=coordinator), 422)
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("closing_conversation", "before-placement-start"), ("closing_held", "in-the-future"),
        ("reason", "not-one-of")}
    got = (await client.get(url, headers=coordinator)).json()
    assert got["state"] == "confirmed" and got["ended_on"] is None and got["followups_done"] == []
    # On the start day it is accepted; the closing conversation afterwards cannot be before the start.
    r = await client.post(f"{url}/followup", json={"held": str(start)}, headers=coordinator)
    assert r.status_code == 200 and r.json()["followups_done"] == [str(start)]
    r = await client.post(f"{url}/end", json={"closing_conversation": str(start), "reason": "moved_away"},
                          headers=coordinator)
    assert r.status_code == 200 and r.json()["ended_on"] == str(start)


async def test_placement_not_yet_begun_can_be_called_off_from_today(client, loaded, coordinator, db_url):
    import datetime as dt

    today = clock.today()
    pid = await _placement(db_url, today + dt.timedelta(days=20))
    url = f"/api/v1/placements/{pid}"
    yesterday = str(today - dt.timedelta(days=1))
    body = assert_problem(await client.post(f"{url}/end", json={"closing_conversation": yesterday},
                                            headers=coordinator), 422, "closing_conversation")
    assert body["errors"][0]["data"]["earliest"] == str(today)
    assert_problem(await client.post(f"{url}/followup", json={"held": str(today)}, headers=coordinator), 422, "held")
    r = await client.post(f"{url}/end", json={"closing_conversation": str(today), "reason": "volunteer_stopped"},
                          headers=coordinator)
    assert r.status_code == 200 and r.json()["state"] == "ended"
    assert_problem(await client.post(f"{url}/followup", json={"held": str(today)}, headers=coordinator), 409)
    # Called off today: the closing conversation is recorded from that day on, not before, and not ahead.
    body = assert_problem(await client.post(f"{url}/closing", json={"held": yesterday},
                                            headers=coordinator), 422, "held")
    assert body["errors"][0]["code"] == "before-placement-start"
    assert_problem(await client.post(f"{url}/closing", json={"held": str(today + dt.timedelta(days=5))},
                                     headers=coordinator), 422, "held")
    r = await client.post(f"{url}/closing", json={"held": str(today)}, headers=coordinator)
    assert r.status_code == 200 and r.json()["closing_held"] == str(today)


async def test_scenario_export_leaves_out_paused_and_closed_needs_as_plan_runs_do(client, loaded, coordinator):
    async def set_state(need: str, state: str) -> None:
        r = await client.post(f"/api/v1/needs/{need}/state", json={"state": state}, headers=coordinator)
        assert r.status_code == 200, r.text

    await set_state("n2", "paused")
    await set_state("n3", "closed")
    out = (await client.get("/api/v1/scenario", headers=coordinator)).json()
    assert {n["id"] for n in out["needs"]} == {"n1"}
    # The plan run sees the same needs: nothing proposed or unfilled for the paused and closed ones.
    r = await client.post("/api/v1/plans", json={}, headers={**coordinator, "Prefer": "wait=60"})
    plan = r.json()
    assert r.status_code in (200, 201), r.text
    seen = {p["need"] for p in plan["proposals"]} | {u["need"] for u in plan["unfilled"]}
    assert seen and seen <= {"n1"}
    await set_state("n2", "open")
    out = (await client.get("/api/v1/scenario", headers=coordinator)).json()
    assert {n["id"] for n in out["needs"]} == {"n1", "n2"}
