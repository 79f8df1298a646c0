"""Intake's public API as the demo's units call it: a token per unit, retries where intake
says to come back (429, 503, a 409 with `Retry-After` before routing has named the owner),
and waits on what the other services have done (routing's owner, the log's timeline)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx

from complaints_shared.http.auth import issue_token
from complaints_shared.settings import ServiceSettings

STATUSES = ("received", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed")
POLL = 0.25  # seconds between two looks at what another service has done
LONGEST_POLL = 2.0
OWNER_WAIT = 120.0  # generous: on a busy machine intake may fold routing's choice late


class Refused(Exception):
    pass


class DemoClient:
    """Intake's API as any unit of the organisation (a token per unit)."""

    def __init__(self, base_url: str, secret: str) -> None:
        settings = ServiceSettings()
        self.secret, self.audience, self.issuer = secret, settings.jwt_audience, settings.jwt_issuer
        self.tokens: dict[str, str] = {}
        self.http = httpx.AsyncClient(base_url=base_url, timeout=15.0)

    def headers(self, unit: str) -> dict[str, str]:
        if unit not in self.tokens:
            self.tokens[unit] = issue_token(
                unit,
                self.secret,
                valid_for=timedelta(hours=12),
                audience=self.audience,
                issuer=self.issuer,
            )
        return {"Authorization": f"Bearer {self.tokens[unit]}"}

    async def post(self, unit: str, path: str, body: dict[str, Any], attempts: int = 40) -> dict:
        """POST; waits and retries on 429, on a 409 with Retry-After (routing has not named the
        owner yet) and on 5xx; raises `Refused` on any other refusal."""
        for _ in range(attempts):
            try:
                response = await self.http.post(path, json=body, headers=self.headers(unit))
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 202:
                return dict(response.json())
            retry_after = response.headers.get("Retry-After")
            if response.status_code == 409 and retry_after:  # routing is about to name it
                await asyncio.sleep(POLL)
                continue
            if response.status_code in (429, 503) or response.status_code >= 500:
                await asyncio.sleep(min(float(retry_after or 0.5), 2.0) * 0.5)
                continue
            raise Refused(f"{response.status_code} {response.text[:300]}")
        raise Refused(f"gave up after {attempts} attempts")

    async def view(self, unit: str, cid: str) -> dict:
        response = await self.http.get(f"/v1/complaints/{cid}", headers=self.headers(unit))
        return dict(response.json()) if response.status_code == 200 else {}

    async def wait_owner(
        self, unit: str, cid: str, owner: str | None, within: float = OWNER_WAIT
    ) -> str:
        """The owner routing named (`owner` when given), as intake shows it to `unit`. Looks
        again after `POLL` seconds, then less and less often: while intake is behind with the
        log, asking it often only slows it down."""
        deadline = time.monotonic() + within
        pause = POLL
        while time.monotonic() < deadline:
            seen = await self.view(unit, cid)
            current = seen.get("owner_unit")
            if current and seen.get("status") != "received" and current == (owner or current):
                return str(current)
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, LONGEST_POLL)
        raise Refused(f"{cid}: no owner {owner or ''} after {within}s")

    async def wait_recorded(self, unit: str, cid: str, event_id: str, within: float) -> bool:
        """Whether intake's timeline (read from the log) shows the event within `within` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            response = await self.http.get(
                f"/v1/complaints/{cid}/timeline", headers=self.headers(unit)
            )
            if response.status_code == 200 and any(
                e.get("event_id") == event_id for e in response.json().get("events", ())
            ):
                return True
            await asyncio.sleep(POLL * 3)
        return False

    async def published(self) -> float | None:
        """How many of its events intake has published to the log (`outbox_published_total`
        on its /metrics, counted once the broker has them); None when it does not say."""
        try:
            response = await self.http.get("/metrics")
        except httpx.HTTPError:
            return None
        for line in response.text.splitlines():
            if line.startswith("outbox_published_total{"):
                return float(line.rsplit(" ", 1)[1])
        return None

    async def has_complaints(self) -> bool:
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", "1")]
        params += [("status", s) for s in STATUSES]
        response = await self.http.get("/v1/complaints", params=params, headers=self.headers("HQ"))
        return response.status_code == 200 and bool(response.json().get("items"))
