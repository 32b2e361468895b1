"""The command line: db upgrade, the refusal to serve an unmigrated database, tokens."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest

from service import clock
from service.auth import hash_token
from service.cli import main
from service.db.engine import create_engine
from service.db.migrate import NotMigrated, ensure_migrated
from tests.conftest import service_command


def samspill(*args: str, url: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*service_command(), *args],
        check=False, capture_output=True, text=True, timeout=120, cwd=cwd,
        env={"SAMSPILL_DATABASE_URL": url, "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def test_serve_refuses_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = samspill("serve", "--port", "1", url=url)
    assert result.returncode == 2
    assert "samspill db upgrade" in result.stderr


def test_app_startup_refuses_unmigrated_database(tmp_path: Path) -> None:
    with pytest.raises(NotMigrated, match="samspill db upgrade"):
        asyncio.run(ensure_migrated(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"))


def test_db_upgrade_then_tokens_create_prints_token_last(db_url: str, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    assert main(["db", "upgrade"]) == 0  # already at head: a no-op
    capsys.readouterr()
    assert main(["tokens", "create", "--role", "coordinator", "--name", "Frivilligkoordinator"]) == 0
    out = capsys.readouterr().out
    token = out.rstrip("\n").splitlines()[-1]
    assert token.startswith("ssp_") and " " not in token

    async def stored() -> list[str]:
        import sqlalchemy as sa

        engine = create_engine(db_url)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT token_hash FROM tokens"))).scalars().all()
        await engine.dispose()
        return list(rows)

    hashes = asyncio.run(stored())
    assert hash_token(token) in hashes and token not in hashes
    token_id = out.split()[1]
    assert main(["tokens", "revoke", token_id]) == 0
    assert main(["tokens", "revoke", token_id]) == 1
    assert main(["tokens", "create", "--role", "site", "--site", "nowhere", "--name", "x"]) == 2


def test_demo_builds_a_municipality_and_prints_tokens(db_url: str, capsys) -> None:
    assert main(["demo", "--no-serve", "--volunteers", "30", "--needs", "8", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "30 volunteers, 8 needs" in out and "/schema" in out
    coordinator = out.rstrip("\n").splitlines()[-1]
    assert coordinator.startswith("ssp_")
    assert "site token" in out and "volunteer token" in out
    assert "/site  (sign in as kontakt@demo.samspill.no, password demo-" in out


def test_demo_serves_with_its_own_address_in_links_and_a_site_contact_sign_in(db_url: str, capsys, monkeypatch) -> None:
    """The links the demo puts in e-mails and calendars name the server it starts (--host, --port), not
    :8000; the site contact it prints signs in as a `site` user of the printed site."""
    from service.accounts import authenticate
    from service.cli import server

    served: list[Any] = []
    monkeypatch.delenv("SAMSPILL_PUBLIC_URL", raising=False)
    monkeypatch.setattr(server, "_serve", lambda settings, host, port, *a: served.append(settings) or 0)
    assert main(["demo", "--volunteers", "30", "--needs", "8", "--port", "8731", "--database-url", db_url]) == 0
    assert [s.public_url for s in served] == ["http://127.0.0.1:8731"]
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "kontakt@demo.samspill.no" in x)
    password = line.split("password ")[1].rstrip(")")

    async def sign_in() -> tuple[str, str | None]:
        from service.db.engine import create_engine, create_sessionmaker

        engine = create_engine(db_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                result = await authenticate(session, "kontakt@demo.samspill.no", password, "127.0.0.1")
                assert result.user is not None
                return result.user.role, result.user.site_id
        finally:
            await engine.dispose()

    role, site = asyncio.run(sign_in())
    assert role == "site" and site and "site contact (" in line


def test_demo_with_placements_in_force_shows_some_at_risk(db_url: str, capsys) -> None:
    import asyncio

    from service.db.engine import create_engine, create_sessionmaker
    from service.register.placements import at_risk_placements

    assert main(["demo", "--no-serve", "--volunteers", "60", "--needs", "40", "--in-force", "0.5",
                 "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    placed = int(out.split(" placements in force")[0].rsplit(" ", 1)[-1])
    assert placed > 0

    async def risky() -> list[dict[str, object]]:
        engine = create_engine(db_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await at_risk_placements(session, clock.today())
        finally:
            await engine.dispose()

    assert asyncio.run(risky())  # the generator puts one need in twenty wrong
    assert main(["demo", "--no-serve", "--in-force", "2", "--database-url", db_url]) == 2


def test_server_start_up_silences_the_highs_banner_first(db_url: str, monkeypatch) -> None:
    """The server makes the process's first Highs at start-up (matcher.mip.quiet_highs_banner), before it
    answers anything, so no later plan run points standard output away while a request is logged there."""
    from litestar.testing import TestClient

    from matcher import mip
    from service.app import create_app
    from service.settings import Settings

    called: list[str] = []
    monkeypatch.setattr(mip, "quiet_highs_banner", lambda: called.append("quiet"))
    app = create_app(Settings(database_url=db_url, worker_in_server=False))
    assert called == []
    with TestClient(app) as client:
        assert called == ["quiet"]
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize(("argv", "says"), [
    (["serve", "--port", "70000"], "argument --port: a port is between 1 and 65535, not 70000"),  # was a traceback
    (["serve", "--port", "eighty"], "argument --port: a port is a whole number, not 'eighty'"),
    (["serve", "--workers", "0"], "argument --workers: at least 1, not 0"),
    (["demo", "--volunteers", "-5", "--no-serve"], "argument --volunteers: at least 0, not -5"),  # a traceback too
    (["demo", "--needs", "x", "--no-serve"], "argument --needs: a whole number, not 'x'"),
])
def test_serve_and_demo_refuse_bad_numbers_by_name(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_demo_with_a_bad_share_leaves_the_old_demo_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`--in-force 2` is refused before the demo's SQLite file is replaced (it was removed first)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMSPILL_DEMO_DATABASE_URL", raising=False)
    old = tmp_path / "samspill-demo.sqlite3"
    old.write_bytes(b"the last demo")
    assert main(["demo", "--in-force", "2", "--no-serve"]) == 2
    assert "--in-force: a share between 0 and 1" in capsys.readouterr().err
    assert old.read_bytes() == b"the last demo"


def test_serve_caps_the_malloc_arenas_before_it_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`samspill serve` caps glibc's malloc arenas (`fewer_malloc_arenas`, for its worker processes too) before
    uvicorn starts the threads its plan runs use: the server's peak at 12 000 x 3 000 fell from 910 to 826 MB."""
    import uvicorn

    from service.cli import server

    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(server, "fewer_malloc_arenas", lambda **kw: calls.append(("arenas", kw)) or True)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(("uvicorn", kw.get("workers"))))
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", "")  # `--workers` sets it for its processes: restored after
    settings = server.load_settings(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert server._serve(settings, "127.0.0.1", 8999) == 0
    assert server._serve(settings, "127.0.0.1", 8999, workers=3) == 0
    assert calls == [("arenas", {"children": True}), ("uvicorn", None), ("arenas", {"children": True}),
                     ("uvicorn", 3)]


def test_worker_caps_the_malloc_arenas_before_it_takes_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """`samspill worker` (PostgreSQL) caps the arenas before its plan runs' threads start, as `serve` does."""
    from service.cli import server

    calls: list[str] = []
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    monkeypatch.setattr(server, "check_migrated", lambda settings: True)
    monkeypatch.setattr(server, "fewer_malloc_arenas", lambda **kw: calls.append("arenas") or True)

    def run(work: Any) -> None:
        calls.append("work")
        work.close()  # not run: no database here

    monkeypatch.setattr(server, "run", run)
    assert main(["worker"]) == 0
    assert calls == ["arenas", "work"]
