"""Posting plans of the demo month through intake's public API, as the units' own tokens.

The complaints are registered first, then handled once routing has named each one's owner, up
to `CONCURRENCY` requests at a time; a customer's complaints are registered in order of receipt
(each after the registration of the customer's previous one), so each counts the customer's
earlier ones (`prior_complaints`) as a single pass in order of receipt does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .demo_client import POLL, DemoClient, Refused
from .demo_order import phone
from .demo_script import ComplaintPlan

CONCURRENCY = 16  # complaints in flight: intake's one process answers them in turn
LOGGED_WAIT = 30.0  # seconds for the events to reach the log

Posted = tuple[str, str, str]  # complaint id, a unit that sees it, the id of its last event


@dataclass
class Tally:
    complaints: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def events(self) -> int:
        """How many events intake accepted: a registration or an action is one each."""
        return self.complaints + self.actions.total()


async def register(client: DemoClient, plan: ComplaintPlan, tally: Tally) -> tuple[str, str]:
    """Register the complaint as its receiving unit: (complaint id, event id)."""
    recorded = await client.post(plan.receiving_unit, "/v1/complaints", plan.registration)
    tally.complaints += 1
    return recorded["complaint_id"], recorded["event_id"]


async def play(
    client: DemoClient, plan: ComplaintPlan, cid: str, last: str, tally: Tally
) -> Posted:
    """Take the complaint's actions once routing has assigned it."""
    receiving = plan.receiving_unit
    if not plan.steps:
        return cid, receiving, last
    owner = await client.wait_owner(receiving, cid, None)
    if owner != plan.expect_owner:
        tally.refused["owner_unexpected"] += 1
        print(f"  demo: {plan.key} owned by {owner}, not {plan.expect_owner}; left as it is")
        return cid, receiving, last
    extension_id: str | None = None
    for step in plan.steps:
        try:
            answer = await client.post(step.unit, f"/v1/complaints/{cid}/events",
                                       step.body(extension_id))  # fmt: skip
        except Refused as refusal:
            tally.refused[step.action] += 1
            print(f"  demo: {plan.key} {step.action} by {step.unit} refused: {refusal}")
            break
        last = answer["event_id"]
        tally.actions[step.action] += 1
        if step.action == "extension_requested":
            extension_id = last
        if step.expect_owner is not None:
            try:
                await client.wait_owner(step.unit, cid, step.expect_owner)
            except Refused as refusal:
                tally.refused["transfer_not_done"] += 1
                print(f"  demo: {plan.key} hand-off: {refusal}")
                break
    return cid, receiving, last


async def post_plans(
    client: DemoClient, plans: Sequence[ComplaintPlan], tally: Tally, stopping: threading.Event
) -> list[Posted]:
    """Register every plan, then handle each (see the module's doc); what was posted."""
    registered = await register_all(client, plans, tally, stopping)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def handled(plan: ComplaintPlan, cid: str, event_id: str) -> Posted:
        async with semaphore:
            if stopping.is_set():
                return cid, plan.receiving_unit, event_id
            try:
                return await play(client, plan, cid, event_id, tally)
            except Refused as refusal:
                tally.refused["no_owner"] += 1
                print(f"  demo: {plan.key}: {refusal}")
                return cid, plan.receiving_unit, event_id

    return list(
        await asyncio.gather(
            *(handled(plan, *registered[plan.key]) for plan in plans if plan.key in registered)
        )
    )


async def register_all(
    client: DemoClient, plans: Sequence[ComplaintPlan], tally: Tally, stopping: threading.Event
) -> dict[str, tuple[str, str]]:
    """Register the plans, `CONCURRENCY` at a time, each customer's in order of receipt: plan
    key -> (complaint id, event id). Routing assigns them meanwhile, so that most are assigned
    by the time their handling starts."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    done = {plan.key: asyncio.Event() for plan in plans}
    previous: dict[str, str] = {}  # a customer's phone -> the key of their latest plan so far
    after: dict[str, str | None] = {}
    for plan in plans:
        after[plan.key] = previous.get(phone(plan))
        previous[phone(plan)] = plan.key
    registered: dict[str, tuple[str, str]] = {}

    async def one(plan: ComplaintPlan) -> None:
        earlier = after[plan.key]
        try:
            if earlier is not None:
                await done[earlier].wait()
            async with semaphore:
                if stopping.is_set():
                    return
                registered[plan.key] = await register(client, plan, tally)
        except Refused as refusal:
            tally.refused["registration"] += 1
            print(f"  demo: {plan.key}: {refusal}")
        finally:
            done[plan.key].set()

    await asyncio.gather(*(one(plan) for plan in plans))
    return registered


async def wait_logged(
    client: DemoClient, posted: Sequence[Posted], published: float | None
) -> None:
    """Until intake has published `published` events in all (its /metrics): then the whole
    part is in the log for the SLA monitor's fold. Without that count, until intake's timeline
    (read from the log) shows each complaint's last event."""
    deadline = time.monotonic() + LOGGED_WAIT
    while published is not None and time.monotonic() < deadline:
        now = await client.published()
        if now is None:
            break
        if now >= published:
            return
        await asyncio.sleep(POLL)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def logged(cid: str, unit: str, event_id: str) -> None:
        async with semaphore:
            await client.wait_recorded(unit, cid, event_id, LOGGED_WAIT)

    await asyncio.gather(*(logged(*p) for p in posted))
