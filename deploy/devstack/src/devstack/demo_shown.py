"""Whether the dashboard shows the demo: for each province, open and breached complaints,
resolved ones, satisfaction figures and complaints received per day (its summary, as the
province's own token reads it). The loader waits for it after the first slice of the month,
before posting the rest, which would otherwise queue ahead of the slice's clocks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from .demo_client import DemoClient
from .demo_vocabulary import PROVINCES

SHOWN_WAIT = 60.0  # seconds; then the rest is posted all the same


def full(summary: dict[str, Any]) -> bool:
    """Every figure of the first sign-in has something to show."""
    totals = summary["live"]["totals"]
    return (
        totals["open"] > 0
        and totals["breached"] > 0
        and ((summary["durations"]["resolve"]["total"] or {}).get("count") or 0) > 0
        and summary["satisfaction"]["count"] > 0
        and any(any(s["counts"]) for s in summary["received"]["series"])
    )


async def wait_shown(base_url: str, secret: str, within: float = SHOWN_WAIT) -> bool:
    """Until each province's dashboard is `full`, or `within` seconds; whether it came."""
    client = DemoClient(base_url, secret)
    waiting = set(PROVINCES)
    deadline = time.monotonic() + within
    try:
        while waiting and time.monotonic() < deadline:
            for province in sorted(waiting):
                try:
                    response = await client.http.get(
                        "/v1/dashboard/summary", headers=client.headers(province)
                    )
                except httpx.HTTPError:
                    continue
                if response.status_code == 200 and full(response.json()):
                    waiting.discard(province)
            if waiting:
                await asyncio.sleep(1.0)
        return not waiting
    finally:
        await client.http.aclose()
