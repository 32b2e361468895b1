"""The sender: the app's background task and `samspill outbox send`, over the same `send_due`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service import clock
from service.notify.outbox import SendReport, Transport, send_due
from service.notify.sms import adapter_for
from service.notify.smtp import SmtpTransport
from service.settings import Settings

log = logging.getLogger("samspill.notify")


def transports(settings: Settings) -> dict[str, Transport]:
    """The channels this process can send on; the others' messages stay in the outbox."""
    out: dict[str, Transport] = {}
    if settings.mail_enabled:
        out["email"] = SmtpTransport.from_url(settings.smtp_url, settings.mail_from)
    sms = adapter_for(settings)
    if sms is not None:
        out["sms"] = sms
    return out


async def send_once(maker: async_sessionmaker[AsyncSession], settings: Settings) -> SendReport:
    """Send everything due now, batch after batch, until nothing more goes out."""
    ways = transports(settings)
    total = SendReport()
    while True:
        report = await send_due(maker, ways, retry_seconds=settings.outbox_retry_seconds)
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if not report.sent and not report.failed:
            return total


async def run_sender(
    maker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Until `stop`: send what is due every `outbox_poll_seconds`, and run the daily scan once a day."""
    from service.notify.scan import daily_scan

    ways = transports(settings)
    scanned: dt.date | None = None
    while not stop.is_set():
        try:
            today = clock.today()
            if scanned != today:
                async with maker() as session, session.begin():
                    await daily_scan(session, settings, today)
                scanned = today
            if ways:
                await send_due(maker, ways, retry_seconds=settings.outbox_retry_seconds)
        except Exception:  # a database hiccup must not end the sender for the life of the process
            log.exception("the outbox sender failed this round; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.outbox_poll_seconds)
