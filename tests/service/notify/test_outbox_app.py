"""The outbox inside the running app: ten volunteers ask for sign-in links while the mail server is down;
the app's own sender delivers all ten, once each, when it is back. And the SMS channel's example adapter."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from litestar import Litestar

from service.db.engine import create_engine, create_sessionmaker
from service.notify.outbox import enqueue, send_due
from service.notify.sms import WebhookSms, adapter_for
from service.settings import Settings
from tests.service.mailbox import Mailbox
from tests.service.web.conftest import csrf

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
def settings(db_url: str, mailbox: Mailbox) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="t",
        secure_cookies=False,
        smtp_url=mailbox.url,
        mail_from="samspill@kommune.example",
        outbox_poll_seconds=0.1,
        outbox_retry_seconds=0.2,
        public_url="http://testserver",
    )


@pytest.fixture
async def web(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def test_smtp_down_ten_link_requests_arrive_once_each(
    web, client, loaded, coordinator, mailbox, db_url
):
    for i in range(10):
        r = await client.post(
            "/api/v1/volunteers",
            headers=coordinator,
            json={
                "id": f"m{i}",
                "name": f"Mottaker {i}",
                "email": f"mottaker{i}@example.no",
                "activities": ["turvenn"],
            },
        )
        assert r.status_code == 201, r.text
    mailbox.stop()
    await web.get("/login/link")
    for i in range(10):
        r = await web.post("/login/link", data={"email": f"mottaker{i}@example.no", "_csrf_token": csrf(web)})
        assert r.status_code == 200
    await asyncio.sleep(1.0)  # the app's sender tries, and fails, meanwhile
    assert mailbox.messages == []
    mailbox.start()
    got = await asyncio.to_thread(mailbox.wait_for, 10, 30.0)
    await asyncio.sleep(1.0)
    assert len(got) == 10 == len(mailbox.messages)
    assert Counter(m["To"] for m in got) == Counter(f"mottaker{i}@example.no" for i in range(10))
    assert max(Counter(m["Message-ID"] for m in got).values()) == 1


class _Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, Any], str]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Gateway.fail_first > 0:
            _Gateway.fail_first -= 1
            self.send_response(503)
        else:
            _Gateway.received.append((body, self.headers.get("Authorization", "")))
            self.send_response(202)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


async def test_sms_webhook_adapter_behind_the_same_outbox(db_url):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.fail_first = [], 1
    url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    engine = create_engine(db_url)
    try:
        maker = create_sessionmaker(engine)
        async with maker() as session, session.begin():
            await enqueue(
                session,
                "+4740000001",
                "x",
                {},
                key="sms-1",
                channel="sms",
                subject="Påminnelse",
                body="I morgen kl. 18:00",
            )
            await enqueue(session, "kari@example.no", "x", {}, key="mail-1", subject="S", body="B")
        settings = Settings(database_url=db_url, sms_adapter="webhook", sms_url=url, sms_token="hemmelig")
        sms = adapter_for(settings)
        assert isinstance(sms, WebhookSms)
        first = await send_due(maker, {"sms": sms}, retry_seconds=0.05)
        assert first.retrying and not first.sent  # the gateway said 503: the row waits
        await asyncio.sleep(0.1)
        second = await send_due(maker, {"sms": sms}, retry_seconds=0.05)
        assert len(second.sent) == 1
    finally:
        await engine.dispose()
        server.shutdown()
    [(body, auth)] = _Gateway.received
    assert body["to"] == "+4740000001" and body["text"] == "Påminnelse\nI morgen kl. 18:00"
    assert body["id"] == second.sent[0] and auth == "Bearer hemmelig"
    assert adapter_for(Settings()) is None  # off by default
    with pytest.raises(ValueError, match="SAMSPILL_SMS_URL"):
        adapter_for(Settings(sms_adapter="webhook"))
