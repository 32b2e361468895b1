"""The outbox against a real SMTP server (aiosmtpd): same-transaction writes, retries, leases, no twins."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.engine import create_engine, create_sessionmaker
from service.db.models import OutboxRow, VolunteerAccountRow
from service.notify.outbox import backoff, enqueue, send_due, status
from service.notify.sender import run_sender, send_once, transports
from service.notify.smtp import parse_smtp_url
from service.settings import Settings
from tests.service.mailbox import Mailbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def mail_settings(db_url: str, mailbox: Mailbox) -> Settings:
    return Settings(
        database_url=db_url,
        smtp_url=mailbox.url,
        mail_from="samspill@kommune.example",
        outbox_poll_seconds=0.1,
        outbox_retry_seconds=0.2,
        public_url="http://testserver",
    )


@pytest.fixture
async def maker(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _change_and_tell(maker: async_sessionmaker[AsyncSession], i: int) -> None:
    """One change to the register and its message, in one transaction."""
    async with maker() as session, session.begin():
        session.add(VolunteerAccountRow(volunteer_id=f"vol-{i}", lang="en" if i % 2 else "nb"))
        await enqueue(
            session,
            f"person{i}@example.no",
            "login_link",
            {"name": f"Person {i}", "url": f"http://testserver/x/{i}", "minutes": 20},
            "en" if i % 2 else "nb",
            f"change:{i}",
            volunteer_id=f"vol-{i}",
        )


def test_parse_smtp_url() -> None:
    c = parse_smtp_url("smtp://ola%40k.no:hemmelig@mail.kommune.no:587?starttls=true")
    assert (c.host, c.port, c.username, c.password, c.starttls, c.tls) == (
        "mail.kommune.no",
        587,
        "ola@k.no",
        "hemmelig",
        True,
        False,
    )
    assert parse_smtp_url("smtps://mail.kommune.no").port == 465
    with pytest.raises(ValueError, match="SAMSPILL_SMTP_URL"):
        parse_smtp_url("http://mail.kommune.no")


def test_backoff_doubles_and_caps() -> None:
    assert [backoff(n, 30).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(40, 30) == dt.timedelta(hours=1)


async def test_message_rolls_back_with_its_change(maker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(RuntimeError):
        async with maker() as session, session.begin():
            session.add(VolunteerAccountRow(volunteer_id="vol-x"))
            await enqueue(
                session, "x@example.no", "login_link", {"name": "X", "url": "u", "minutes": 1}, key="k"
            )
            raise RuntimeError("the change failed")
    async with maker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 0


async def test_same_key_queues_once_and_unknown_kind_is_refused(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session, session.begin():
        first = await enqueue(session, "a@example.no", "x", {}, key="same", subject="S", body="B")
        again = await enqueue(session, "a@example.no", "x", {}, key="same", subject="S", body="B")
        assert first is not None and again is None
        with pytest.raises(ValueError, match="no message kind"):
            await enqueue(session, "a@example.no", "no_such_kind", {})


async def test_sent_in_the_readers_language_with_stable_message_id(
    maker: async_sessionmaker[AsyncSession], mail_settings: Settings, mailbox: Mailbox
) -> None:
    await _change_and_tell(maker, 1)
    await _change_and_tell(maker, 2)
    report = await send_once(maker, mail_settings)
    assert len(report.sent) == 2
    got = {m["To"]: m for m in mailbox.wait_for(2)}
    assert got["person1@example.no"]["Subject"] == "Your link to sign in to samspill"
    assert got["person2@example.no"]["Subject"] == "Lenke for å logge inn i samspill"
    ids = {m["Message-ID"] for m in got.values()}
    assert ids == {f"<{i}@kommune.example>" for i in report.sent}
    async with maker() as session:
        rows = (await session.scalars(sa.select(OutboxRow))).all()
        assert {r.state for r in rows} == {"sent"}
        # The link is a secret: once sent, the outbox no longer holds it.
        assert all("http://testserver/x/" not in r.body for r in rows)


async def test_two_senders_never_send_one_row(
    maker: async_sessionmaker[AsyncSession], mail_settings: Settings, mailbox: Mailbox
) -> None:
    for i in range(12):
        await _change_and_tell(maker, i)
    ways = transports(mail_settings)
    a, b = await asyncio.gather(send_due(maker, ways, owner="a"), send_due(maker, ways, owner="b"))
    assert not set(a.sent) & set(b.sent)
    rest = await send_once(maker, mail_settings)
    assert len(a.sent) + len(b.sent) + len(rest.sent) == 12
    mailbox.wait_for(12)
    await asyncio.sleep(0.3)
    assert len(mailbox.messages) == 12
    assert max(Counter(m["Message-ID"] for m in mailbox.messages).values()) == 1


async def test_smtp_down_ten_changes_all_arrive_once_after_it_returns(
    maker: async_sessionmaker[AsyncSession], mail_settings: Settings, mailbox: Mailbox
) -> None:
    """The sender runs throughout (as in the app); the mail server goes away mid-run and comes back."""
    stop = asyncio.Event()
    sender = asyncio.get_running_loop().create_task(run_sender(maker, mail_settings, stop))
    # A second sender beside it (as `samspill outbox send` from cron would be): leases keep them apart.
    second = dataclasses.replace(mail_settings, outbox_poll_seconds=0.15)
    other = asyncio.get_running_loop().create_task(run_sender(maker, second, stop))
    try:
        await _change_and_tell(maker, 100)
        assert len(await asyncio.to_thread(mailbox.wait_for, 1)) == 1

        mailbox.stop()
        for i in range(10):
            await _change_and_tell(maker, i)
        # The senders keep trying while the server is down: the messages wait, none is lost or failed.
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            async with maker() as session:
                tried = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.state == "queued", OutboxRow.attempts >= 2)
                )
                st = await status(session)
            if tried == 10 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert tried == 10, "every message was tried at least twice while SMTP was down"
        assert st.queued == 10 and st.failed == 0 and st.last_error
        assert len(mailbox.messages) == 1

        mailbox.start()
        got = await asyncio.to_thread(mailbox.wait_for, 11, 30.0)
        await asyncio.sleep(1.0)  # time for any duplicate to show up
    finally:
        stop.set()
        await asyncio.gather(sender, other)
    assert len(got) == 11 and len(mailbox.messages) == 11
    recipients = Counter(m["To"] for m in mailbox.messages)
    assert all(recipients[f"person{i}@example.no"] == 1 for i in range(10))
    assert max(Counter(m["Message-ID"] for m in mailbox.messages).values()) == 1
    async with maker() as session:
        assert (await status(session)).queued == 0


async def test_a_sender_that_dies_holding_rows_loses_nothing(
    maker: async_sessionmaker[AsyncSession], mail_settings: Settings, mailbox: Mailbox
) -> None:
    """A sender claims rows and dies before sending: nobody else sends them while its lease runs;
    once it has run out, they are sent, each once."""
    from service.db.models import utcnow
    from service.notify.outbox import _claim

    for i in range(3):
        await _change_and_tell(maker, i)
    held = await _claim(maker, ["email"], "dead-sender", utcnow(), 10)
    assert len(held) == 3
    ways = transports(mail_settings)
    assert (await send_due(maker, ways, owner="alive")).sent == []
    async with maker() as session, session.begin():  # the lease runs out (as five minutes later)
        await session.execute(sa.update(OutboxRow).values(lease_until=utcnow() - dt.timedelta(seconds=1)))
    report = await send_due(maker, ways, owner="alive")
    assert len(report.sent) == 3
    assert len(mailbox.wait_for(3)) == 3
    # The dead sender's late settle (if it came back) changes nothing: its lease is gone.
    assert (await send_due(maker, ways, owner="dead-sender")).sent == []
    await asyncio.sleep(0.2)
    assert len(mailbox.messages) == 3
