"""Delivery policy: the per-recipient rate limit that folds a burst into a digest, and retries.

Pure: the caller passes `now` and the random draw for the jitter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RateLimit:
    messages: int  # sent at once per recipient and window; the rest wait for the digest
    window: timedelta


@dataclass(frozen=True)
class Window:
    """One recipient's current window: when it opened and how many messages it let through."""

    start: datetime
    sent: int = 0

    def end(self, limit: RateLimit) -> datetime:
        return self.start + limit.window


def admit(
    window: Window | None, now: datetime, *, urgent: bool, limit: RateLimit
) -> tuple[bool, Window]:
    """Whether a message goes out on its own now (True) or is folded into the window's digest.

    A window opens with the first message after the previous one closed. Urgent messages
    (breaches) always go out at once, and count against the window like any other.
    """
    if window is None or now >= window.end(limit):
        window = Window(now)
    if urgent or window.sent < limit.messages:
        return True, Window(window.start, window.sent + 1)
    return False, window


@dataclass(frozen=True)
class Retry:
    max_attempts: int
    base: float  # seconds before the second attempt (before jitter)
    cap: float  # the longest wait between attempts


def backoff(attempts: int, retry: Retry, jitter: float) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: exponential, 'equal jitter'.

    Half of the exponential delay is fixed, half is random (`jitter` in [0, 1)), so receivers
    that failed together do not retry together, and no retry comes sooner than half the delay.
    """
    ceiling = min(retry.cap, retry.base * 2.0 ** max(attempts - 1, 0))
    return ceiling / 2 + ceiling / 2 * jitter


def gives_up(attempts: int, retry: Retry, *, permanent: bool) -> bool:
    return permanent or attempts >= retry.max_attempts
