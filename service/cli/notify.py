"""`samspill outbox …`: send what the outbox holds, run the daily scan, or say how it stands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from service import clock
from service.cli.common import run
from service.settings import Settings


def register(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="the notification outbox (e-mail, SMS)")
    o_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION")
    o_sub.required = True
    send = o_sub.add_parser(
        "send", help="send every message due now, once (SAMSPILL_SMTP_URL, SAMSPILL_MAIL_FROM)"
    )
    send.set_defaults(func=cmd_send)
    scan = o_sub.add_parser(
        "scan",
        help="queue today's reminders (one-off needs tomorrow, courses expiring, "
        "follow-ups due); running it twice a day adds nothing",
    )
    scan.add_argument("--date", help="scan as if today were YYYY-MM-DD")
    scan.set_defaults(func=cmd_scan)
    st = o_sub.add_parser("status", help="how many messages wait, were sent or failed")
    st.set_defaults(func=cmd_status)


def _settings() -> Settings:
    from service.cli.common import check_migrated

    settings = Settings.from_env()
    if not check_migrated(settings):
        raise SystemExit(2)
    return settings


async def _run(settings: Settings, work: Any) -> Any:
    from service.db.engine import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        return await work(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def cmd_send(args: argparse.Namespace) -> int:
    from service.notify.sender import send_once, transports

    settings = _settings()
    try:
        ways = transports(settings)
    except ValueError as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    if not ways:
        print(
            "samspill: no channel to send on: set SAMSPILL_SMTP_URL and SAMSPILL_MAIL_FROM "
            "(or SAMSPILL_SMS_ADAPTER); the messages stay in the outbox",
            file=sys.stderr,
        )
        return 2
    report = run(_run(settings, lambda maker: send_once(maker, settings)))
    print(f"sent {len(report.sent)}, waiting to retry {len(report.retrying)}, failed {len(report.failed)}")
    return 0 if not report.retrying else 1


def cmd_scan(args: argparse.Namespace) -> int:
    from service.notify.scan import daily_scan

    settings = _settings()
    try:
        today = dt.date.fromisoformat(args.date) if args.date else clock.today()
    except ValueError:
        print(f"samspill: --date: {args.date!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2

    async def work(maker: Any) -> list[str]:
        async with maker() as session, session.begin():
            return await daily_scan(session, settings, today)

    queued = run(_run(settings, work))
    print(f"queued {len(queued)} message(s) for {today.isoformat()}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from service.notify.outbox import status

    settings = _settings()

    async def work(maker: Any) -> Any:
        async with maker() as session:
            return await status(session)

    st = run(_run(settings, work))
    print(
        f"queued {st.queued}, sent {st.sent}, failed {st.failed}"
        + (f"; oldest waiting since {st.oldest_queued:%Y-%m-%d %H:%M} UTC" if st.oldest_queued else "")
        + (f"; last error: {st.last_error}" if st.last_error else "")
    )
    if not settings.mail_enabled:
        print("e-mail is off (SAMSPILL_SMTP_URL and SAMSPILL_MAIL_FROM unset): messages stay in the outbox")
    return 0
