"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///samspill.sqlite3"


def normalise_database_url(url: str) -> str:
    """Accept the plain spellings people paste and pick the async driver for each."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    return url


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Seconds CP-SAT may use for one `POST /api/v1/plans`.
    solve_time_limit: float = 30.0
    # A run lock older than this is taken to belong to a crashed process.
    solve_lock_timeout: float = 600.0
    # Follow-up conversations (oppfølgingssamtaler): first after two weeks, then every three months.
    first_followup_days: int = 14
    followup_interval_months: int = 3
    # Planning horizon used when the register has none yet (days from today).
    default_horizon_days: int = 90
    # Volunteers with no placement in force and no contact for this many months are listed for
    # the coordinator to confirm erasure (GET /api/v1/retention).
    retention_months: int = 24
    debug: bool = False
    # Signs the web pages' session cookie and CSRF tokens; unset, a random key per process
    # (everyone is signed out on restart, and several worker processes would disagree).
    secret_key: str = ""
    # Send the session cookie over HTTPS only; turn off only for local http:// testing.
    secure_cookies: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=normalise_database_url(os.environ.get("SAMSPILL_DATABASE_URL", DEFAULT_DATABASE_URL)),
            solve_time_limit=_float("SAMSPILL_SOLVE_TIME_LIMIT", 30.0),
            solve_lock_timeout=_float("SAMSPILL_SOLVE_LOCK_TIMEOUT", 600.0),
            first_followup_days=_int("SAMSPILL_FIRST_FOLLOWUP_DAYS", 14),
            followup_interval_months=_int("SAMSPILL_FOLLOWUP_INTERVAL_MONTHS", 3),
            default_horizon_days=_int("SAMSPILL_DEFAULT_HORIZON_DAYS", 90),
            retention_months=_int("SAMSPILL_RETENTION_MONTHS", 24),
            debug=os.environ.get("SAMSPILL_DEBUG", "") not in ("", "0", "false"),
            secret_key=os.environ.get("SAMSPILL_SECRET_KEY", ""),
            secure_cookies=os.environ.get("SAMSPILL_SECURE_COOKIES", "1") not in ("0", "false"),
        )
