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


def test_users_cli_refuses_what_is_no_e_mail_address(db_url, monkeypatch, capsys):
    """A sign-in's e-mail passes the same check as a volunteer's (one @, a dotted domain, no spaces)."""
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", db_url)
    for typed in ("ola", "ola@kommune", "ola nordmann@kommune.no"):
        monkeypatch.setattr("sys.stdin", io.StringIO("et langt passord\n"))
        assert main(["users", "create", "--role", "coordinator", "--email", typed, "--password-stdin"]) == 2
        assert "is not an e-mail address" in capsys.readouterr().err
