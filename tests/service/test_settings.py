"""Settings read from the environment: a value that cannot be read stops the command with the variable's
name and what it needs (exit 2), never a traceback, and unset or empty means the default."""

from __future__ import annotations

import pytest

from service.cli import main
from service.exchange.settings import ExchangeSettings
from service.settings import Settings, SettingsError

NUMBERS = [
    ("SAMSPILL_SOLVE_TIME_LIMIT", "abc", "must be a number, not 'abc'"),
    ("SAMSPILL_SOLVE_TIME_LIMIT", "0", "must be a number above 0, not '0'"),
    ("SAMSPILL_SOLVE_LOCK_TIMEOUT", "inf", "must be a number above 0, not 'inf'"),
    ("SAMSPILL_OUTBOX_POLL_SECONDS", "nan", "must be a number above 0, not 'nan'"),
    ("SAMSPILL_OUTBOX_RETRY_SECONDS", "-30", "must be a number above 0, not '-30'"),
    ("SAMSPILL_RETENTION_MONTHS", "1.5", "must be a whole number, not '1.5'"),
    ("SAMSPILL_RETENTION_MONTHS", "0", "must be a whole number of at least 1, not '0'"),
    ("SAMSPILL_FOLLOWUP_INTERVAL_MONTHS", "0", "must be a whole number of at least 1, not '0'"),
    ("SAMSPILL_DEFAULT_HORIZON_DAYS", "ninety", "must be a whole number, not 'ninety'"),
    ("SAMSPILL_FIRST_FOLLOWUP_DAYS", "-1", "must be a whole number of at least 0, not '-1'"),
]


@pytest.mark.parametrize(("name", "raw", "says"), NUMBERS)
def test_a_number_that_cannot_be_read_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, says: str
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingsError) as exc:
        Settings.from_env()
    assert str(exc.value) == f"{name} {says}"


def test_unset_or_empty_is_the_default_and_good_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSPILL_SOLVE_TIME_LIMIT", "")
    monkeypatch.setenv("SAMSPILL_RETENTION_MONTHS", " 36 ")
    monkeypatch.setenv("SAMSPILL_FIRST_FOLLOWUP_DAYS", "0")
    monkeypatch.delenv("SAMSPILL_OUTBOX_POLL_SECONDS", raising=False)
    s = Settings.from_env()
    assert (s.solve_time_limit, s.retention_months, s.first_followup_days, s.outbox_poll_seconds) == (30.0, 36, 0, 5.0)


def test_the_exchange_settings_name_their_variable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSPILL_BOARD_RESYNC_SECONDS", "soon")
    with pytest.raises(SettingsError, match=r"^SAMSPILL_BOARD_RESYNC_SECONDS must be a number, not 'soon'$"):
        ExchangeSettings.from_env()
    monkeypatch.delenv("SAMSPILL_BOARD_RESYNC_SECONDS")
    monkeypatch.setenv("SAMSPILL_EXCHANGE_RATES", '{"by_kind": 3}')
    with pytest.raises(SettingsError, match=r"^SAMSPILL_EXCHANGE_RATES is not valid rates JSON: .*by_kind"):
        ExchangeSettings.from_env()


def test_the_command_stops_with_the_message_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAMSPILL_SOLVE_TIME_LIMIT", "thirty")
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err == "samspill: SAMSPILL_SOLVE_TIME_LIMIT must be a number, not 'thirty'\n"


def test_serve_reads_the_exchanges_settings_before_it_says_it_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAMSPILL_BOARD_RESYNC_SECONDS", "-1")
    assert main(["serve", "--port", "1"]) == 2
    out, err = capsys.readouterr()
    assert "serving" not in out
    assert err == "samspill: SAMSPILL_BOARD_RESYNC_SECONDS must be a number above 0, not '-1'\n"
