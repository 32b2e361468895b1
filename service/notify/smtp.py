"""E-mail through SMTP (the standard library's client, off the event loop)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

import anyio.to_thread

from service import clock
from service.notify.outbox import Outgoing, PermanentFailure, TemporaryFailure


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False  # smtps://: TLS from the first byte
    starttls: bool = False
    timeout: float = 30.0


def parse_smtp_url(url: str) -> SmtpConfig:
    """`smtp://[user[:password]@]host[:port][?starttls=true]` or `smtps://…` (port 25 / 465 by default)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            "SAMSPILL_SMTP_URL must look like smtp://host:port or smtps://user:password@host:port"
        )
    query = parse_qs(parts.query)
    tls = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        starttls=query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
    )


def message_domain(mail_from: str) -> str:
    return mail_from.rsplit("@", 1)[-1].strip("> ") or "samspill.invalid"


def build_email(message: Outgoing, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(clock.now().timestamp(), usegmt=True)
    # Derived from the outbox row: a resend after a crash carries the same id.
    email["Message-ID"] = f"<{message.id}@{message_domain(mail_from)}>"
    email["Content-Language"] = "en" if message.lang == "en" else "nb"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email


class SmtpTransport:
    def __init__(self, config: SmtpConfig, mail_from: str):
        self.config = config
        self.mail_from = mail_from

    @classmethod
    def from_url(cls, url: str, mail_from: str) -> SmtpTransport:
        return cls(parse_smtp_url(url), mail_from)

    def _send(self, email: EmailMessage) -> None:
        c = self.config
        client: smtplib.SMTP
        try:
            if c.tls:
                client = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        except OSError as exc:
            raise TemporaryFailure(f"cannot reach {c.host}:{c.port}: {exc}") from exc
        try:
            with client:
                if c.starttls:
                    client.starttls(context=ssl.create_default_context())
                if c.username:
                    client.login(c.username, c.password or "")
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (421, 451, 452):
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    async def send(self, message: Outgoing) -> None:
        await anyio.to_thread.run_sync(self._send, build_email(message, self.mail_from))
