"""SMS, the outbox's second channel: an interface, and one example adapter. Off by default.

An SMS adapter is any object with `async send(message: Outgoing) -> None` that raises
`TemporaryFailure` (try again) or `PermanentFailure` (give up) — the same `Transport` the
e-mail channel uses, so SMS rows get the same leases, retries and idempotency.

`WebhookSms` is the example: it POSTs `{"id", "to", "text"}` as JSON to `SAMSPILL_SMS_URL`
with `Authorization: Bearer SAMSPILL_SMS_TOKEN`. Most SMS gateways (or a small relay in front
of one) take a request of this shape; write another adapter beside it for a gateway that does
not, and name it in `adapter_for`. Turn it on with `SAMSPILL_SMS_ADAPTER=webhook`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import anyio.to_thread

from service.notify.outbox import Outgoing, PermanentFailure, TemporaryFailure, Transport
from service.settings import Settings

SMS_MAX = 480  # three concatenated SMS parts; longer text is cut with an ellipsis


def sms_text(message: Outgoing) -> str:
    text = f"{message.subject}\n{message.body}".strip()
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 1] + "…"


class WebhookSms:
    def __init__(self, url: str, token: str = "", timeout: float = 15.0):
        self.url = url
        self.token = token
        self.timeout = timeout

    def _post(self, payload: bytes) -> None:
        request = urllib.request.Request(
            self.url, data=payload, method="POST", headers={"Content-Type": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentFailure(f"the SMS gateway said {exc.code}") from exc
            raise TemporaryFailure(f"the SMS gateway said {exc.code}") from exc
        except OSError as exc:
            raise TemporaryFailure(f"cannot reach the SMS gateway: {exc}") from exc

    async def send(self, message: Outgoing) -> None:
        # The id lets the gateway drop a resend of the same message.
        payload = json.dumps({"id": message.id, "to": message.recipient, "text": sms_text(message)}).encode()
        await anyio.to_thread.run_sync(self._post, payload)


def adapter_for(settings: Settings) -> Transport | None:
    if not settings.sms_adapter:
        return None
    if settings.sms_adapter == "webhook":
        if not settings.sms_url:
            raise ValueError("SAMSPILL_SMS_ADAPTER=webhook needs SAMSPILL_SMS_URL")
        return WebhookSms(settings.sms_url, settings.sms_token)
    raise ValueError(f"unknown SAMSPILL_SMS_ADAPTER {settings.sms_adapter!r} (known: webhook)")
