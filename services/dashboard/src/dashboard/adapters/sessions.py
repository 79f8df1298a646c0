"""The page's sessions, and the OpenID Connect sign-ins under way: in memory, per instance.

A session id is 256 random bits (`secrets.token_urlsafe(32)`), only ever sent in an HttpOnly
cookie; the store keeps its SHA-256, never the id itself. A session ends when signed out, or
after `idle_seconds` without a request that used it (`touch`). Being in memory, sessions are
per instance and gone when the instance restarts (everyone signs in again); behind several
instances, the load balancer must keep a browser on one instance (sticky sessions).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Clock = Callable[[], float]
Method = Literal["password", "oidc"]
MAX_PENDING_SIGN_INS = 10_000  # a flood of started sign-ins cannot grow the memory forever


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    unit: str
    user: str
    method: Method
    created: float
    last_seen: float


@dataclass
class SessionStore:
    idle_seconds: float
    clock: Clock = time.monotonic
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, unit: str, user: str, method: Method) -> str:
        """A new session; returns its id (for the cookie)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._purge(now)
            self._sessions[_key(session_id)] = Session(unit, user, method, now, now)
        return session_id

    def touch(self, session_id: str | None) -> Session | None:
        """The session, its idle time starting again; None if unknown or expired."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._live(_key(session_id), now)
            if session is not None:
                session.last_seen = now
            return session

    def alive(self, session_id: str | None) -> bool:
        """Whether the session still holds, without counting as activity (the stream asks)."""
        if not session_id:
            return False
        with self._lock:
            return self._live(_key(session_id), self.clock()) is not None

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(_key(session_id), None)

    def idle_left(self, session: Session) -> float:
        return max(0.0, session.last_seen + self.idle_seconds - self.clock())

    def __len__(self) -> int:
        with self._lock:
            self._purge(self.clock())
            return len(self._sessions)

    def _live(self, key: str, now: float) -> Session | None:
        session = self._sessions.get(key)
        if session is not None and now - session.last_seen >= self.idle_seconds:
            del self._sessions[key]
            return None
        return session

    def _purge(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if now - s.last_seen >= self.idle_seconds]:
            del self._sessions[key]


@dataclass
class PendingSignIn:
    """What the callback needs of a sign-in started at the identity provider."""

    browser: str  # the value of the short-lived cookie set when it started
    data: dict[str, Any]  # state, nonce, code_verifier, redirect_uri (authlib's)
    next: str
    lang: str
    started: float


@dataclass
class PendingSignIns:
    """Sign-ins sent to the identity provider, by `state`; each is used once, within
    `max_age` seconds, and only by the browser that started it."""

    max_age: float = 600.0
    clock: Clock = time.monotonic
    _pending: dict[str, PendingSignIn] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, state: str, pending: PendingSignIn) -> None:
        with self._lock:
            now = self.clock()
            for key in [k for k, p in self._pending.items() if now - p.started > self.max_age]:
                del self._pending[key]
            while len(self._pending) >= MAX_PENDING_SIGN_INS:
                del self._pending[next(iter(self._pending))]
            self._pending[state] = pending

    def take(self, state: str, browser: str | None) -> PendingSignIn | None:
        with self._lock:
            pending = self._pending.pop(state, None)
        if pending is None or self.clock() - pending.started > self.max_age:
            return None
        if not browser or not secrets.compare_digest(pending.browser, browser):
            return None
        return pending
