"""`samspill db backup`: a copy of the register that restores to the same register, never a half-written
or overwritten file, readable by its owner only."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.cli import main
from service.db import backup as backup_mod
from service.db.engine import create_engine, is_sqlite
from service.db.migrate import current_revision
from tests.service.conftest import _admin

TABLES = ("volunteers", "needs", "sites", "tokens", "audit_log")


async def _census(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {t: int((await conn.execute(sa.text(f"SELECT count(*) FROM {t}"))).scalar_one()) for t in TABLES}
    finally:
        await engine.dispose()


def _restored(db_url: str, copy: Path) -> tuple[str, str | None]:
    """The copy restored the way docs/service.md says (SQLite: the file itself; PostgreSQL: pg_restore into a
    new database); its URL and a database to drop afterwards."""
    if is_sqlite(db_url):
        return f"sqlite+aiosqlite:///{copy}", None
    base, _, _ = db_url.rpartition("/")
    name = f"samspill_restore_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(db_url, f'CREATE DATABASE "{name}"'))
    libpq = f"{base}/{name}".replace("postgresql+asyncpg://", "postgresql://")
    done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", libpq, str(copy)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return f"{base}/{name}", name


def test_backup_restores_to_the_same_register(db_url: str, tmp_path: Path, capsys, monkeypatch) -> None:
    if not is_sqlite(db_url) and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump and pg_restore (PostgreSQL's client) are not installed")
    assert main(["demo", "--no-serve", "--volunteers", "30", "--needs", "8", "--database-url", db_url]) == 0
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    copy = tmp_path / "backups" / "register.backup"
    copy.parent.mkdir()
    capsys.readouterr()
    assert main(["db", "backup", str(copy)]) == 0
    assert str(copy) in capsys.readouterr().out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # personal data: the owner's only
    assert sorted(p.name for p in copy.parent.iterdir()) == ["register.backup"]  # no partial file left

    before = asyncio.run(_census(db_url))
    assert before["volunteers"] == 30 and before["needs"] >= 8
    url, drop = _restored(db_url, copy)
    try:
        assert asyncio.run(_census(url)) == before
        assert asyncio.run(current_revision(url)) == asyncio.run(current_revision(db_url))
    finally:
        if drop:
            asyncio.run(_admin(db_url, f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))

    # a second backup to the same name is refused, and the first copy is untouched
    size = copy.stat().st_size
    assert main(["db", "backup", str(copy)]) == 2
    assert "exists" in capsys.readouterr().err
    assert copy.stat().st_size == size


def test_a_failed_backup_leaves_no_file(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    monkeypatch.setattr(backup_mod.shutil, "which", lambda _name: None)
    assert main(["db", "backup", str(tmp_path / "x.backup")]) == 2
    assert "pg_dump is not on PATH" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []

    if shutil.which("pg_dump") is not None:  # pg_dump itself failing (nothing listens on port 1)
        monkeypatch.undo()
        monkeypatch.setenv("SAMSPILL_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
        assert main(["db", "backup", str(tmp_path / "x.backup")]) == 2
        assert "pg_dump failed" in capsys.readouterr().err
        assert os.listdir(tmp_path) == []

    monkeypatch.setenv("SAMSPILL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing.sqlite3'}")
    assert main(["db", "backup", str(tmp_path / "y.backup")]) == 2
    assert "no SQLite database file" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_pg_dump_gets_the_password_from_the_environment_not_its_command_line(tmp_path: Path, monkeypatch) -> None:
    """Another user of the machine can read a process's arguments: the password goes in PGPASSWORD, and
    asyncpg's `ssl=` becomes libpq's `sslmode=`."""
    seen: dict[str, object] = {}

    def fake_run(argv: list[str], *, env: dict[str, str], **_kw: object) -> subprocess.CompletedProcess[str]:
        seen.update(argv=argv, password=env.get("PGPASSWORD"))
        Path(argv[-2].removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(backup_mod.shutil, "which", lambda _name: "/usr/bin/pg_dump")
    monkeypatch.setattr(backup_mod.subprocess, "run", fake_run)
    out = backup_mod.backup("postgresql+asyncpg://sam:s3cret@db.example:5433/reg?ssl=require", tmp_path / "r.dump")
    assert "db.example/reg" in out
    assert seen["password"] == "s3cret"
    assert seen["argv"][-1] == "postgresql://sam@db.example:5433/reg?sslmode=require"  # type: ignore[index]
    assert not any("s3cret" in a for a in seen["argv"])  # type: ignore[attr-defined]
