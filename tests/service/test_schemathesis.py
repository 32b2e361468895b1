"""Property-based API test: schemathesis generates requests from `/schema` against a live server.

Every answer must be a documented status; no request may get a 500; every error must be
problem details. Two phases, each with the coordinator's, a site's and a volunteer's token, on
SQLite and PostgreSQL: every operation on its own (SAMSPILL_SCHEMATHESIS_EXAMPLES examples each,
default 15), then the stateful phase: sequences of calls chained by the links schemathesis infers
(create a need, then read, change and delete it; queue a plan, then read it …), so later calls
see state earlier ones made. Bounded so the whole file stays within a few minutes for CI.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.settings import Settings
from tests.service.browser import serve
from tests.service.conftest import Tokens
from tests.service.factories import small_scenario


@pytest.fixture
def live(db_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A uvicorn server on loopback over the test database, loaded with the small scenario."""
    app = create_app(Settings(database_url=db_url, solve_time_limit=2.0))
    with serve(app) as base:
        headers = asyncio.run(Tokens(db_url).headers("coordinator"))
        r = httpx.post(f"{base}/api/v1/scenario", json=msgspec.to_builtins(small_scenario()), headers=headers)
        assert r.status_code == 200, r.text
        yield base, headers


def problem_details_on_error(response: Any) -> None:
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith("application/problem+json"), response.text
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and body["detail"], body


EXAMPLES = int(os.environ.get("SAMSPILL_SCHEMATHESIS_EXAMPLES", "15"))
STATEFUL_EXAMPLES = int(os.environ.get("SAMSPILL_SCHEMATHESIS_STATEFUL_EXAMPLES", "12"))
ROLES = ["coordinator", "site", "volunteer"]


def _headers(db_url: str, role: str, coordinator: dict[str, str]) -> dict[str, str]:
    if role == "site":
        return asyncio.run(Tokens(db_url).headers("site", site="eik"))
    if role == "volunteer":
        return asyncio.run(Tokens(db_url).headers("volunteer", volunteer="v1"))
    return coordinator


SELF_ERASURE = ("DELETE", "/api/v1/volunteers/{volunteer_id}")


CHECKS = [negative_data_rejection, not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.mark.parametrize("role", ROLES)
def test_api_conforms_to_its_schema(live: tuple[str, dict[str, str]], db_url: str, role: str) -> None:
    # Driven by hand rather than through schemathesis' pytest plugin, which does not load under pytest 9.
    base, coordinator = live
    headers = _headers(db_url, role, coordinator)
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    failures: list[str] = []
    operations = 0
    # the volunteer's own erasure last: it revokes the token, and every operation after it would meet 401 only
    for operation in sorted((r.ok() for r in schema.get_all_operations()),
                            key=lambda op: role == "volunteer" and (op.method.upper(), op.path) == SELF_ERASURE):
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def exercise(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            problem_details_on_error(response)

        try:
            exercise()
        except Exception as exc:  # collect all operations' failures, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations >= 25
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_api_sequences_of_calls_stay_within_the_schema(live: tuple[str, dict[str, str]], db_url: str,
                                                       role: str) -> None:
    """The stateful phase: chains of calls along inferred links; every step answers as documented."""
    base, coordinator = live
    headers = _headers(db_url, role, coordinator)
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    if role == "volunteer":
        # The volunteer may erase themselves (DELETE /api/v1/volunteers/v1), which revokes the token the machine
        # calls with: every later call answered 401, so a sequence hypothesis replays met 200s before and none
        # now, the links' preconditions changed, and it failed as FlakyStrategyDefinition (when the generated
        # sequences reached that call: after an unrelated module was imported first, say). The erasure is
        # exercised in the first phase (last, for that reason) and in test_erasure.py.
        schema = schema.exclude(method=SELF_ERASURE[0], path=SELF_ERASURE[1])
    machine = schema.as_state_machine()
    steps: list[int] = []

    class Calls(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            steps.append(response.status_code)
            case.validate_response(response, checks=CHECKS)
            problem_details_on_error(response)

    schemathesis.stateful.run_state_machine_as_test(Calls, settings=settings(
        max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck)))
    assert len(steps) >= STATEFUL_EXAMPLES  # the machine really called the API
