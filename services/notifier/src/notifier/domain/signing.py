"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body`, so a receiver can reject a
forged body and, by the timestamp's age, a replayed one.

Headers sent with every webhook: `X-Complaints-Timestamp` (Unix seconds) and
`X-Complaints-Signature` (`v1=` + hex digest); `X-Complaints-Delivery` names the delivery, so a
receiver can also drop a repeat it has seen (delivery is at least once).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Complaints-Timestamp"
SIGNATURE_HEADER = "X-Complaints-Signature"
DELIVERY_HEADER = "X-Complaints-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance: float = 300.0,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)
