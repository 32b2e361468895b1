"""Settings read from the environment, in one place."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///samspill.sqlite3"
N = TypeVar("N", int, float)


def normalise_database_url(url: str) -> str:
    """Accept the plain spellings people paste and pick the async driver for each."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    return url


class SettingsError(ValueError):
    """A setting in the environment that cannot be read: the message names the variable and what it needs."""


def env_float(name: str, default: float, *, above: float = 0.0) -> float:
    """The variable's number (seconds, or as documented), finite and above `above`; `default` where unset
    or empty."""
    return _env(name, default, float, "a number", lambda v: math.isfinite(v) and v > above,
                f"a number above {above:g}")


def env_int(name: str, default: int, *, least: int = 0) -> int:
    """The variable's whole number, at least `least`; `default` where unset or empty."""
    return _env(name, default, int, "a whole number", lambda v: v >= least, f"a whole number of at least {least}")


def _env(name: str, default: N, parse: Callable[[str], N], kind: str, ok: Callable[[N], bool], need: str) -> N:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
    if not ok(value):
        raise SettingsError(f"{name} must be {need}, not {raw!r}")
    return value


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
    # PostgreSQL: the web server also takes plan jobs (a procrastinate worker in-process); set
    # SAMSPILL_WORKER_IN_SERVER=0 where only `samspill worker` processes should solve.
    worker_in_server: bool = True
    # `module:function` of another solver (tests and benchmarks); empty: the matcher's.
    solver: str = ""
    debug: bool = False
    # Signs the web pages' session cookie and CSRF tokens; unset, a random key per process
    # (everyone is signed out on restart, and several worker processes would disagree).
    secret_key: str = ""
    # Send the session cookie over HTTPS only; turn off only for local http:// testing.
    secure_cookies: bool = True
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or
    # CIDRs, or "*"); none by default, so a client cannot choose the address the sign-in limit counts.
    trusted_proxies: str = ""
    # Outgoing mail (service/notify): `smtp://[user:password@]host:port` (`smtps://` for TLS from the
    # first byte, `?starttls=true` to upgrade a plain connection). Unset: messages wait in the outbox.
    smtp_url: str = ""
    mail_from: str = ""
    # The address people reach this service at, for the links in messages (sign-in, my page, calendar).
    public_url: str = "http://localhost:8000"
    # How often the in-app sender looks at the outbox, and the first retry's delay (doubling, at most 1 h).
    outbox_poll_seconds: float = 5.0
    outbox_retry_seconds: float = 30.0
    # Run the sender and the daily scan inside the app (off when a separate `samspill outbox send` does it).
    outbox_sender: bool = True
    # SMS, the second channel (off by default): `webhook` posts JSON to `sms_url` (service/notify/sms.py).
    sms_adapter: str = ""
    sms_url: str = ""
    sms_token: str = ""

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_url and self.mail_from)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=normalise_database_url(os.environ.get("SAMSPILL_DATABASE_URL", DEFAULT_DATABASE_URL)),
            solve_time_limit=env_float("SAMSPILL_SOLVE_TIME_LIMIT", 30.0),
            solve_lock_timeout=env_float("SAMSPILL_SOLVE_LOCK_TIMEOUT", 600.0),
            first_followup_days=env_int("SAMSPILL_FIRST_FOLLOWUP_DAYS", 14),
            followup_interval_months=env_int("SAMSPILL_FOLLOWUP_INTERVAL_MONTHS", 3, least=1),
            default_horizon_days=env_int("SAMSPILL_DEFAULT_HORIZON_DAYS", 90, least=1),
            retention_months=env_int("SAMSPILL_RETENTION_MONTHS", 24, least=1),
            solver=os.environ.get("SAMSPILL_SOLVER", ""),
            worker_in_server=os.environ.get("SAMSPILL_WORKER_IN_SERVER", "1") not in ("0", "false"),
            debug=os.environ.get("SAMSPILL_DEBUG", "") not in ("", "0", "false"),
            secret_key=os.environ.get("SAMSPILL_SECRET_KEY", ""),
            secure_cookies=os.environ.get("SAMSPILL_SECURE_COOKIES", "1") not in ("0", "false"),
            trusted_proxies=os.environ.get("SAMSPILL_TRUSTED_PROXIES", ""),
            smtp_url=os.environ.get("SAMSPILL_SMTP_URL", ""),
            mail_from=os.environ.get("SAMSPILL_MAIL_FROM", ""),
            public_url=os.environ.get("SAMSPILL_PUBLIC_URL", "http://localhost:8000").rstrip("/"),
            outbox_poll_seconds=env_float("SAMSPILL_OUTBOX_POLL_SECONDS", 5.0),
            outbox_retry_seconds=env_float("SAMSPILL_OUTBOX_RETRY_SECONDS", 30.0),
            outbox_sender=os.environ.get("SAMSPILL_OUTBOX_SENDER", "1") not in ("0", "false"),
            sms_adapter=os.environ.get("SAMSPILL_SMS_ADAPTER", ""),
            sms_url=os.environ.get("SAMSPILL_SMS_URL", ""),
            sms_token=os.environ.get("SAMSPILL_SMS_TOKEN", ""),
        )
