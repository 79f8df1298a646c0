"""Which channels reach a contact, and how a recipient is shown (always masked).

A contact gets each channel it has an address for: email, webhook, SMS. Email and SMS need
their transport configured; without it their addresses fall back to the `log` channel (the
alert is written to the notifier's JSON log), at most once per contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from complaints_shared.masking import mask_email, mask_name, mask_phone
from complaints_shared.organisation import Contact

EMAIL, WEBHOOK, SMS, LOG = "email", "webhook", "sms", "log"


@dataclass(frozen=True, order=True)
class Address:
    channel: str
    address: str

    @property
    def key(self) -> str:
        """The rate-limited recipient: one address on one channel."""
        return f"{self.channel}|{self.address}"


def addresses(contact: Contact, *, email: bool, sms: bool) -> list[Address]:
    """The channels that reach `contact`, given which transports are configured."""
    found: list[Address] = []
    fallback: str | None = None
    if contact.email:
        if email:
            found.append(Address(EMAIL, contact.email))
        else:
            fallback = contact.email
    if contact.webhook:
        found.append(Address(WEBHOOK, contact.webhook))
    if contact.sms:
        if sms:
            found.append(Address(SMS, contact.sms))
        else:
            fallback = fallback or contact.sms
    if fallback is not None or not found:
        found.append(Address(LOG, fallback or contact.email or contact.name))
    return found


def mask_recipient(address: Address) -> str:
    """What events, logs and the API show of a recipient."""
    value = address.address
    if address.channel == WEBHOOK:
        parts = urlsplit(value)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname or ''}{port}/***"
    if address.channel == SMS or (address.channel == LOG and _looks_like_phone(value)):
        return mask_phone(value)
    if "@" in value:
        return mask_email(value)
    return mask_name(value)


def _looks_like_phone(value: str) -> bool:
    return bool(value) and all(c.isdigit() or c in "+-() " for c in value)
