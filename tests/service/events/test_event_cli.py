"""`samspill tokens create --role broker|notary --event ID`."""

from __future__ import annotations

import asyncio

import pytest

from service.cli import main
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import ExchangeEventRow


def _event(url: str, state: str) -> str:
    async def make() -> None:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session, session.begin():
            session.add(ExchangeEventRow(id=f"evt-{state}", state=state, screen_key=f"k-{state}",
                                         data={"id": f"evt-{state}", "name": "Børs", "venue": "Her",
                                               "starts_at": "2027-03-10T17:00:00+01:00"}))
        await engine.dispose()

    asyncio.run(make())
    return f"evt-{state}"


def test_broker_and_notary_tokens_are_bound_to_an_event(db_url: str, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    live, archived = _event(db_url, "trading"), _event(db_url, "archived")
    for role in ("broker", "notary"):
        assert main(["tokens", "create", "--role", role, "--event", live, "--name", "Megler 1"]) == 0
        out = capsys.readouterr().out
        assert f"({role} for event {live}, Megler 1)" in out and out.splitlines()[-1].startswith("ssp_")
    assert main(["tokens", "create", "--role", "broker", "--name", "x"]) == 2
    assert "needs --event" in capsys.readouterr().err
    assert main(["tokens", "create", "--role", "broker", "--event", archived, "--name", "x"]) == 2
    assert "archived" in capsys.readouterr().err
    assert main(["tokens", "create", "--role", "broker", "--event", "evt-nowhere", "--name", "x"]) == 2
    assert main(["tokens", "create", "--role", "coordinator", "--event", live, "--name", "x"]) == 2
    assert main(["tokens", "list"]) == 0
    assert live in capsys.readouterr().out
