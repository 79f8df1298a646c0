"""Recognising a customer across complaints without keeping the phone number in clear.

The customer is the phone number, normalised, under a keyed hash (HMAC-SHA256 with a secret
only intake holds): equal numbers written differently give one key, and the key cannot be
turned back into the number by hashing every possible phone without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

_CHINA = ("0086", "86")  # the country code as dialled from abroad, once the "+" is dropped


def normalise_phone(phone: str) -> str:
    """The digits of the number, without a China country code in front of an 11-digit mobile:
    '+86 138 0013 8000', '0086 13800138000', '138-0013-8000' -> '13800138000'.

    Only mobiles (11 digits starting with 1) lose the country code; any other number is kept
    as its digits."""
    digits = "".join(c for c in phone if c.isascii() and c.isdigit())
    for prefix in _CHINA:
        national = digits[len(prefix) :]
        if digits.startswith(prefix) and len(national) == 11 and national.startswith("1"):
            return national
    return digits


def customer_key(phone: str, secret: bytes) -> str | None:
    """The customer's key: HMAC-SHA256 of the normalised phone, hex; None for a phone without
    digits (no customer to recognise)."""
    normalised = normalise_phone(phone)
    if not normalised:
        return None
    return hmac.new(secret, normalised.encode("ascii"), hashlib.sha256).hexdigest()


def twelve_months_before(received_at: datetime) -> datetime:
    """The same moment one calendar year earlier (29 February: the 28th), in the same offset."""
    try:
        return received_at.replace(year=received_at.year - 1)
    except ValueError:  # 29 February of a leap year
        return received_at.replace(year=received_at.year - 1, day=28)
