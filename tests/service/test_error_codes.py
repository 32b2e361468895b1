"""Every entry of a problem's `errors` carries a stable code (issue 10): bad input across the API's areas —
the register, plans, attendance, statistics and the exchange event — answers with problem details
whose every error has a known `code`, its `data`, and a message rendered from them.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.problems import ERROR_CODES, MESSAGES, fault
from tests.service.events.helpers import EVENT, agreement, make_event
from tests.service.test_bounds import NEED, plan_runs

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def _codes(r: httpx.Response, where: str) -> list[str]:
    """The codes of a problem's errors; fails naming `where` unless it is a problem with coded errors."""
    assert r.status_code in (400, 422), f"{where}: {r.status_code} {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json"), where
    errors = r.json().get("errors")
    assert errors, f"{where}: no errors list in {r.text}"
    for e in errors:
        assert isinstance(e.get("code"), str) and e["code"], f"{where}: an error without a code: {e}"
        assert e["code"] in ERROR_CODES, f"{where}: {e['code']!r} is not a documented code"
        assert isinstance(e.get("data"), dict), f"{where}: an error without data: {e}"
        assert e.get("message"), f"{where}: an error without a message: {e}"
        assert "field" in e, where
    return [e["code"] for e in errors]


async def test_bad_input_in_every_area_has_coded_errors(client, loaded, coordinator, tokens) -> None:
    need_id = loaded["needs"][0]["id"]
    site_id = loaded["sites"][0]["id"]
    activity_id = loaded["activities"][0]["id"]
    volunteer_id = loaded["volunteers"][0]["id"]
    me = await tokens.headers("volunteer", volunteer=volunteer_id)
    event = await make_event(client, coordinator)
    eid = event["id"]
    ev = f"/api/v1/events/{eid}"
    long_key = {**coordinator, "Idempotency-Key": "k" * 300}
    # (what, method, path, body, headers, a code that must be among the errors or None for any)
    cases: list[tuple[str, str, str, Any, dict[str, str], str | None]] = [
        # the register: the edge's decoding, the hygiene hook, the scenario's checks, the service's own
        ("need: wrong type", "POST", "/api/v1/needs", {**NEED, "headcount": "1"}, coordinator, "invalid-value"),
        ("need: unknown field", "POST", "/api/v1/needs", {**NEED, "bogus": 1}, coordinator, None),
        ("need: missing field", "POST", "/api/v1/needs", {k: v for k, v in NEED.items() if k != "title"},
         coordinator, None),
        ("need: unknown activity", "POST", "/api/v1/needs", {**NEED, "activity": "nope"}, coordinator,
         "unknown-activity"),
        ("need: identity number", "POST", "/api/v1/needs", {**NEED, "title": "Kaffe 01017012345"}, coordinator,
         "national-id-number"),
        ("need: long Idempotency-Key", "POST", "/api/v1/needs", NEED, long_key, "length"),
        ("need: id changes", "PATCH", f"/api/v1/needs/{need_id}", {"id": "other"}, coordinator, "cannot-change"),
        ("need: state", "POST", f"/api/v1/needs/{need_id}/state", {"state": "bogus"}, coordinator, None),
        ("need: NUL", "POST", "/api/v1/needs", {**NEED, "title": "a\x00b"}, coordinator, "nul-character"),
        ("need: far date", "POST", "/api/v1/needs", {**NEED, "from": "1900-01-01"}, coordinator, None),
        ("volunteer: id changes", "PATCH", f"/api/v1/volunteers/{volunteer_id}", {"id": "zz"}, coordinator,
         "cannot-change"),
        ("volunteer: birth date", "PATCH", f"/api/v1/volunteers/{volunteer_id}", {"birth_date": "2099-01-01"},
         me, "not-a-birth-date"),
        ("volunteer: e-mail", "PATCH", f"/api/v1/volunteers/{volunteer_id}", {"email": "ikke-epost"},
         me, "not-an-email"),
        ("site: id changes", "PATCH", f"/api/v1/sites/{site_id}", {"id": "zz"}, coordinator, "cannot-change"),
        ("activity: id changes", "PATCH", f"/api/v1/activities/{activity_id}", {"id": "zz"}, coordinator,
         "cannot-change"),
        ("training: empty", "POST", "/api/v1/trainings", {}, coordinator, None),
        ("scenario: duplicate ids", "POST", "/api/v1/scenario",
         {**loaded, "sites": loaded["sites"] + loaded["sites"][:1]}, coordinator, "duplicate-id"),
        ("statistics: to before from", "GET", "/api/v1/statistics?from=2027-02-01&to=2027-01-01", None,
         coordinator, "before-start"),
        ("statistics: not a date", "GET", "/api/v1/statistics?from=soon", None, coordinator, None),
        # year 1 in Oslo begins in year 0 in UTC, which Python cannot hold (a 500 before)
        ("statistics: far date", "GET", "/api/v1/statistics?from=0001-01-01&to=0001-02-01", None, coordinator,
         "far-date"),
        ("audit: limit not a number", "GET", "/api/v1/audit?limit=many", None, coordinator, "invalid-value"),
        ("hours: month missing its year", "GET", "/api/v1/attendance/hours?month=13", None, coordinator, None),
        ("attendance: not a time", "POST", "/api/v1/placements/p-x/attendance",
         {"starts_at": "2027-13-04T10:00", "took_place": True}, coordinator, "not-a-datetime"),
        ("attendance: pattern", "POST", "/api/v1/placements/p-x/attendance",
         {"starts_at": "tomorrow", "took_place": True}, coordinator, None),
        # the exchange event
        ("event: empty", "POST", "/api/v1/events", {}, coordinator, None),
        ("event: rounds without tables", "POST", "/api/v1/events", {**EVENT, "rounds": 3}, coordinator, None),
        ("participant: kind", "POST", f"{ev}/participants", {"name": "X", "kind": "alien", "contact": "c"},
         coordinator, None),
        ("offer: unknown participant", "POST", f"{ev}/offers",
         {"participant": "p-nobody", "category": "hands", "title": "Maling"}, coordinator,
         "not-a-participant-here"),
        ("offer: money", "POST", f"{ev}/offers",
         {"participant": "p-bil", "category": "hands", "title": "Maling", "price": 100}, coordinator, "money"),
        ("agreement: one party twice", "POST", f"{ev}/agreements", agreement("p-bil", "p-bil"), coordinator, None),
        ("agreement: unknown offer", "POST", f"{ev}/agreements", agreement(offer="o-missing"), coordinator,
         "not-in-catalogue"),
        ("agreement: long Idempotency-Key", "POST", f"{ev}/agreements", agreement(), long_key, "length"),
        ("floor link: blank name", "POST", f"{ev}/floor-links", {"role": "broker", "name": "  "}, coordinator,
         "length"),
        ("floor link: role", "POST", f"{ev}/floor-links", {"role": "king", "name": "Kari"}, coordinator, None),
        ("Frivilligtorg: unknown participant", "POST", f"{ev}/volunteers", {"name": "Ola", "participant": "p-no"},
         coordinator, "not-a-participant-here"),
        ("gong: sideways", "POST", f"{ev}/gong", {"action": "sideways"}, coordinator, None),
    ]
    failures = []
    for what, method, path, body, headers, code in cases:
        r = await client.request(method, path, json=body, headers=headers)
        try:
            codes = _codes(r, what)
            assert code is None or code in codes, f"{what}: {code!r} not in {codes}"
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
    assert len(cases) >= 30
    r = await client.get("/api/v1/audit?limit=many", headers=coordinator)
    assert [e["field"] for e in r.json()["errors"]] == ["query.limit"]  # the parameter's place, as a client names it

    # A plan's proposal rejected without a reason, and a follow-up by someone not a party.
    plan = await plan_runs(client, coordinator)
    pid = plan["proposals"][0]["id"]
    r = await client.post(f"/api/v1/proposals/{pid}/reject", json={"reason": "  "}, headers=coordinator)
    assert "empty" in _codes(r, "reject without a reason")
    r = await client.post(f"{ev}/agreements", json=agreement(), headers=coordinator)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    r = await client.post(f"{ev}/gong", json={"action": "close"}, headers=coordinator)
    assert r.status_code == 200, r.text
    r = await client.post(f"{ev}/agreements/{aid}/follow-up", json={"status": "carried_out", "reported_by": "p-eik"},
                          headers=coordinator)
    assert _codes(r, "follow-up by a stranger") == ["not-a-party"]
    assert r.json()["errors"][0]["data"] == {"value": "p-eik", "parties": ["p-bil", "p-rk"]}


def test_fault_renders_the_message_from_code_and_data() -> None:
    e = fault("state", "not-one-of", value="bogus", allowed=("open", "paused"))
    assert e == {"field": "state", "message": "'bogus' is not one of open, paused", "code": "not-one-of",
                 "data": {"value": "bogus", "allowed": ["open", "paused"]}}
    for code in MESSAGES:
        assert code in ERROR_CODES, code


def test_no_errors_entry_is_built_by_hand_in_the_services() -> None:
    """`{"field": …, "message": …}` written out in a service would have no code: they go through
    `fault`, `field_error` or `edge_error` (service/problems.py). The web pages' form errors are
    HTML, not problem details, and stay out of this check."""
    found = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("service/web/") or rel == "service/problems.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"field", "message"} <= keys:
                    found.append(f"{rel}:{node.lineno}")
    assert not found, found
