"""The channels: email over SMTP, signed webhooks, an HTTP SMS gateway, and the JSON log.

Each `send` either returns (delivered) or raises `DeliveryError`, saying whether trying again
could help. Reasons never carry the address itself, only its masked form.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import aiosmtplib
import httpx

from complaints_shared.logging import get_logger

from ..config import NotifierSettings
from ..domain.channels import EMAIL, LOG, SMS, WEBHOOK
from ..domain.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = get_logger("notifier.alerts")
RETRYABLE_HTTP = frozenset({408, 425, 429})


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One message to one address: a single alert or a digest."""

    delivery_id: str
    kind: str  # single | digest
    channel: str
    address: str
    recipient: str  # masked
    recipient_unit: str
    language: str
    subject: str
    body: str
    link: str | None  # the complaint's link (a single alert)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def payload(self, sent_at: float) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "kind": self.kind,
            "sent_at": sent_at,
            "recipient_unit": self.recipient_unit,
            "language": self.language,
            "subject": self.subject,
            "text": self.body,
            "alerts": self.alerts,
        }


class Transport(Protocol):
    timeout: float

    async def send(self, message: Outgoing) -> None: ...


class LogTransport:
    timeout = 1.0

    async def send(self, message: Outgoing) -> None:
        log.info(
            "alert",
            channel=LOG,
            recipient=message.recipient,
            recipient_unit=message.recipient_unit,
            delivery_id=message.delivery_id,
            subject=message.subject,
            message=message.body,
        )


class EmailTransport:
    def __init__(self, settings: NotifierSettings) -> None:
        self.settings = settings
        self.timeout = settings.smtp_timeout_seconds

    async def send(self, message: Outgoing) -> None:
        email = EmailMessage()
        email["From"] = self.settings.smtp_from
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = f"<{message.delivery_id}@complaints-notifier>"
        email["X-Complaints-Delivery"] = message.delivery_id
        email.set_content(message.body)
        try:
            await aiosmtplib.send(
                email,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username,
                password=self.settings.smtp_password,
                start_tls=self.settings.smtp_starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            raise DeliveryError(
                f"SMTP recipient refused ({codes})", permanent=all(c >= 500 for c in codes)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP unreachable: {type(exc).__name__}", permanent=False) from exc


async def _post(client: httpx.AsyncClient, url: str, what: str, **kwargs: Any) -> None:
    try:
        response = await client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{what} timed out", permanent=False) from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{what} unreachable: {type(exc).__name__}", permanent=False) from exc
    status = response.status_code
    if 200 <= status < 300:
        return
    permanent = 400 <= status < 500 and status not in RETRYABLE_HTTP
    raise DeliveryError(f"{what} answered HTTP {status}", permanent=permanent)


class WebhookTransport:
    def __init__(self, client: httpx.AsyncClient, settings: NotifierSettings) -> None:
        self.client = client
        self.secret = settings.webhook_secret
        self.timeout = settings.webhook_timeout_seconds

    async def send(self, message: Outgoing) -> None:
        timestamp = int(time.time())
        body = json.dumps(
            message.payload(timestamp), ensure_ascii=False, separators=(",", ":")
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            DELIVERY_HEADER: message.delivery_id,
        }
        await _post(
            self.client, message.address, "webhook", content=body, headers=headers,
            timeout=self.timeout,
        )  # fmt: skip


class SmsTransport:
    def __init__(self, client: httpx.AsyncClient, settings: NotifierSettings) -> None:
        self.client = client
        self.url = settings.sms_gateway_url or ""
        self.token = settings.sms_gateway_token
        self.timeout = settings.sms_timeout_seconds

    async def send(self, message: Outgoing) -> None:
        text = f"{message.subject} {message.link}" if message.link else message.subject
        headers = {DELIVERY_HEADER: message.delivery_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"to": message.address, "text": text, "id": message.delivery_id}
        await _post(
            self.client, self.url, "SMS gateway", json=body, headers=headers, timeout=self.timeout
        )


class Transports:
    """The configured channels by name; close with `aclose`."""

    def __init__(self, settings: NotifierSettings) -> None:
        self.client = httpx.AsyncClient(follow_redirects=False)
        self.by_channel: dict[str, Transport] = {
            LOG: LogTransport(),
            WEBHOOK: WebhookTransport(self.client, settings),
        }
        if settings.smtp_host:
            self.by_channel[EMAIL] = EmailTransport(settings)
        if settings.sms_gateway_url:
            self.by_channel[SMS] = SmsTransport(self.client, settings)

    def get(self, channel: str) -> Transport | None:
        return self.by_channel.get(channel)

    async def aclose(self) -> None:
        await self.client.aclose()
