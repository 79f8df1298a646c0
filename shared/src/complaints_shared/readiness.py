"""`/readyz`: whether this instance can do its work now (docs/operations.md#readiness).

Two checks, run at once, each with a short timeout: the service's database answers
`SELECT 1`, and the broker answers a metadata request (over one client kept for the probes and
dropped after a failure, so a probe costs one round trip, not a new connection). A service
whose deadlines depend on working calendars adds their coverage (`calendars`, see
`workflow.calendar_coverage`): reported, never a reason to be unready, since taking the
instance out of service would not add a holiday.

`/healthz` stays the liveness check: it answers as long as the process serves HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka.client import AIOKafkaClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .logging import get_logger

log = get_logger(__name__)

CHECK_TIMEOUT_SECONDS = 1.5  # each probe; both run at once, so /readyz answers within ~2 s

Check = Callable[[], Awaitable[None]]
CalendarEntries = Callable[[], list[dict[str, Any]]]


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


class BrokerProbe:
    """A metadata request to the broker over a client kept for the probes."""

    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self._client: AIOKafkaClient | None = None

    async def __call__(self) -> None:
        try:
            if self._client is None:
                self._client = AIOKafkaClient(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id=self.client_id,
                    request_timeout_ms=int(CHECK_TIMEOUT_SECONDS * 1000),
                )
                await self._client.bootstrap()
            await self._client.fetch_all_metadata()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.close(), timeout=CHECK_TIMEOUT_SECONDS)
            except Exception as exc:  # a broken connection may not close cleanly
                log.debug("readiness client close failed", error=repr(exc))


@dataclass
class Readiness:
    """The checks `/readyz` runs, by name, and the calendar coverage it reports."""

    checks: dict[str, Check]
    calendars: CalendarEntries | None = None
    timeout: float = CHECK_TIMEOUT_SECONDS
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(ready, body): every check "ok", or the failing ones named with why."""
        names = list(self.checks)
        outcomes = await asyncio.gather(*(self._run(self.checks[name]) for name in names))
        checks = dict(zip(names, outcomes, strict=True))
        ready = all(outcome == "ok" for outcome in checks.values())
        body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
        body["calendars"] = self.calendars() if self.calendars is not None else []
        return ready, body

    async def _run(self, check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout=self.timeout)
        except TimeoutError:
            return "failed: no answer within the timeout"
        except Exception as exc:  # the kind of failure only: messages may name hosts
            return f"failed: {type(exc).__name__}"
        return "ok"

    async def close(self) -> None:
        for close in self.on_close:
            await close()
