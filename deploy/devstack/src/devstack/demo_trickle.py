"""After the demo month: a new complaint every 20-40 s; now and then the oldest of them is
signed for, or resolved and classified, so that the live page moves."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import UTC, datetime

import httpx

from complaints_shared.organisation import Organisation

from .demo_client import DemoClient, Refused
from .demo_script import REPLIES, handlers_of, new_complaint

KEPT = 20  # complaints waiting for their next action


async def trickle(base_url: str, secret: str, org: Organisation, stopping: threading.Event) -> None:
    """Until `stopping` is set."""
    client = DemoClient(base_url, secret)
    rng = random.Random()
    waiting: list[tuple[str, str, str, int]] = []  # complaint id, receiving unit, category, stage
    try:
        while not stopping.is_set():
            await _sleep(stopping, rng.uniform(20, 40))
            if stopping.is_set():
                break
            try:
                plan = new_complaint(org, datetime.now(UTC), rng)
                answer = await client.post(plan.receiving_unit, "/v1/complaints", plan.registration)
                category = plan.registration["category"]
                waiting.append((answer["complaint_id"], plan.receiving_unit, category, 0))
                if waiting and rng.random() < 0.6:
                    cid, receiving, category, stage = waiting.pop(0)
                    try:
                        owner = await client.wait_owner(receiving, cid, None, within=5)
                    except Refused:  # not assigned yet: try it again next time
                        waiting.append((cid, receiving, category, stage))
                        continue
                    handler = rng.choice(handlers_of(owner))
                    reply, cause, actions_taken = REPLIES[category]
                    now = datetime.now(UTC).isoformat()
                    act = {"unit": owner, "at": now, "handler": handler}
                    path = f"/v1/complaints/{cid}/events"
                    if stage == 0:
                        await client.post(owner, path, act | {"type": "accepted"})
                        waiting.append((cid, receiving, category, 1))
                    else:
                        resolved = {"reply": reply, "cause": cause, "actions_taken": actions_taken}
                        await client.post(owner, path, act | resolved | {"type": "resolved"})
                        valid = {"type": "classified", "classification": "valid"}
                        await client.post(owner, path, act | valid)
                del waiting[:-KEPT]  # keep it small
            except (Refused, httpx.HTTPError) as problem:
                print(f"  demo trickle: {problem}", flush=True)
    finally:
        await client.http.aclose()


async def _sleep(stopping: threading.Event, seconds: float) -> None:
    await asyncio.to_thread(stopping.wait, seconds)
