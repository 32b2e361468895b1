"""`samspill outbox send|scan|status` against a real SMTP server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from service.cli import main
from service.db.engine import create_engine, create_sessionmaker
from service.notify.outbox import enqueue
from tests.service.mailbox import Mailbox


async def _queue(url: str, n: int) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for i in range(n):
                await enqueue(session, f"p{i}@example.no", "x", {}, key=f"cli-{i}", subject=f"S{i}", body="B")
    finally:
        await engine.dispose()


def test_outbox_cli_status_send_and_scan(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    monkeypatch.delenv("SAMSPILL_SMTP_URL", raising=False)
    asyncio.run(_queue(db_url, 3))
    assert main(["outbox", "status"]) == 0
    out = capsys.readouterr().out
    assert "queued 3, sent 0, failed 0" in out and "e-mail is off" in out
    assert main(["outbox", "send"]) == 2
    assert "SAMSPILL_SMTP_URL" in capsys.readouterr().err

    box = Mailbox()
    box.start()
    try:
        monkeypatch.setenv("SAMSPILL_SMTP_URL", box.url)
        monkeypatch.setenv("SAMSPILL_MAIL_FROM", "samspill@kommune.example")
        assert main(["outbox", "send"]) == 0
        assert "sent 3, waiting to retry 0, failed 0" in capsys.readouterr().out
        assert len(box.wait_for(3)) == 3
        assert main(["outbox", "send"]) == 0  # nothing twice
        assert "sent 0" in capsys.readouterr().out and len(box.messages) == 3
    finally:
        box.stop()
    assert main(["outbox", "scan", "--date", "2027-03-01"]) == 0
    assert "queued 0 message(s) for 2027-03-01" in capsys.readouterr().out
    assert main(["outbox", "scan", "--date", "1. mars"]) == 2
    assert "--date" in capsys.readouterr().err
