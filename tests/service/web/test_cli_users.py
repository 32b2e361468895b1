"""`samspill users create`: a password from standard input, hashed; short passwords refused."""

from __future__ import annotations

import io

from service.cli import main


def test_users_cli_creates_and_rejects(db_url, monkeypatch, capsys):
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("et langt passord\n"))
    assert main(["users", "create", "--role", "coordinator", "--email", "ola@kommune.no", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["users", "create", "--role", "coordinator", "--email", "per@kommune.no", "--password-stdin"]) == 2
    assert "at least 10" in capsys.readouterr().err
