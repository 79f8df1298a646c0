"""Demo data for `make run` with the demo organisation: a month of complaints, then a trickle.

Everything goes through intake's public HTTP API with the units' own tokens, so every service
processes it as it would a unit's requests. The month (`demo_script.month_plan`) is dated in
the past; the SLA monitor is therefore paused while it is posted and then folds the log with
`python -m sla_monitor replay`, which fires each warning and breach at its instant in event
time (a live breach ticker would see every past deadline as missed before the action that met
it arrived). It is then started again, and breaches what is still overdue now.

`DEMO_DATA=off` loads nothing; `DEMO_TRICKLE=off` posts no new complaints afterwards. Any
organisation file other than deploy/demo/organisation.yaml loads nothing either. A restart on
kept data does not load the month again (the kept data notes whether it was loaded); the
trickle goes on.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.settings import ServiceSettings

from .demo_script import REPLIES, ComplaintPlan, handlers_of, month_plan, new_complaint
from .kept import DEMO_MONTH
from .stack import DEMO_ORG, Stack

CONCURRENCY = 12
SLA_MONITOR = "sla-monitor"
STATUSES = ("received", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed")


def switched_on(variable: str) -> bool:
    return os.environ.get(variable, "on").strip().lower() not in ("off", "0", "false", "no")


def is_demo_organisation(org_file: Path) -> bool:
    return org_file.resolve() == DEMO_ORG.resolve()


@dataclass
class Tally:
    complaints: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)


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
            if (
                response.status_code in (429, 503)
                or response.status_code >= 500
                or (response.status_code == 409 and retry_after)
            ):
                await asyncio.sleep(min(float(retry_after or 0.5), 2.0) * 0.5)
                continue
            raise Refused(f"{response.status_code} {response.text[:300]}")
        raise Refused(f"gave up after {attempts} attempts")

    async def view(self, unit: str, cid: str) -> dict:
        response = await self.http.get(f"/v1/complaints/{cid}", headers=self.headers(unit))
        return dict(response.json()) if response.status_code == 200 else {}

    async def wait_owner(self, unit: str, cid: str, owner: str | None, within: float = 30.0) -> str:
        """The owner routing named (`owner` when given), as intake shows it to `unit`."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            seen = await self.view(unit, cid)
            current = seen.get("owner_unit")
            if current and seen.get("status") != "received" and current == (owner or current):
                return str(current)
            await asyncio.sleep(0.3)
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
            await asyncio.sleep(0.3)
        return False

    async def has_complaints(self) -> bool:
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", "1")]
        params += [("status", s) for s in STATUSES]
        response = await self.http.get("/v1/complaints", params=params, headers=self.headers("HQ"))
        return response.status_code == 200 and bool(response.json().get("items"))


async def register(client: DemoClient, plan: ComplaintPlan, tally: Tally) -> tuple[str, str]:
    """Register the complaint as its receiving unit: (complaint id, event id)."""
    recorded = await client.post(plan.receiving_unit, "/v1/complaints", plan.registration)
    tally.complaints += 1
    return recorded["complaint_id"], recorded["event_id"]


async def play(
    client: DemoClient, plan: ComplaintPlan, cid: str, last: str, tally: Tally
) -> tuple[str, str, str]:
    """Take the complaint's actions once routing has assigned it; (complaint id, a unit that
    sees it, the id of its last event)."""
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


async def load_month(stack: Stack, org: Organisation, stopping: threading.Event) -> Tally | None:
    """Post the month; None when intake already has complaints (a restart keeps its data)."""
    client = DemoClient(stack.base_url("intake"), stack.config.jwt_secret)
    try:
        if await client.has_complaints():
            return None
        plans = month_plan(org, datetime.now(UTC))
        tally = Tally()
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def registered(plan: ComplaintPlan) -> tuple[str, str] | None:
            async with semaphore:
                if stopping.is_set():
                    return None
                try:
                    return await register(client, plan, tally)
                except Refused as refusal:
                    tally.refused["registration"] += 1
                    print(f"  demo: {plan.key}: {refusal}")
                    return None

        async def handled(plan: ComplaintPlan, ids: tuple[str, str]) -> tuple[str, str, str]:
            async with semaphore:
                if stopping.is_set():
                    return ids[0], plan.receiving_unit, ids[1]
                try:
                    return await play(client, plan, *ids, tally)
                except Refused as refusal:
                    tally.refused["no_owner"] += 1
                    print(f"  demo: {plan.key}: {refusal}")
                    return ids[0], plan.receiving_unit, ids[1]

        # First every registration, in order of receipt (so a customer's earlier complaints
        # are counted), while routing assigns them; then the handling of each.
        ids = [await registered(plan) for plan in plans]
        done = await asyncio.gather(
            *(handled(plan, i) for plan, i in zip(plans, ids, strict=True) if i is not None)
        )
        # Every event in the log before the SLA monitor folds it: intake's timeline reads it.
        await asyncio.gather(*(client.wait_recorded(u, c, e, 30.0) for c, u, e in done))
        return tally
    finally:
        await client.http.aclose()


def load(stack: Stack, stopping: threading.Event) -> None:
    """The month, with the SLA monitor paused and then replayed (see the module's doc)."""
    org = load_organisation(stack.config.org_file)
    started = time.perf_counter()
    print("\nloading the demo month through intake's API (DEMO_DATA=off to skip)…", flush=True)
    stack.stop_service(SLA_MONITOR)
    tally: Tally | None = None
    if stack.kept is not None:
        stack.kept.put(DEMO_MONTH, "loading")
    try:
        tally = asyncio.run(load_month(stack, org, stopping))
        if tally is not None and not stopping.is_set():
            with open(stack.logs / "sla-monitor-replay.log", "ab") as log:
                subprocess.run(
                    [sys.executable, "-m", "sla_monitor", "replay"],
                    env=stack.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
    finally:
        if not stopping.is_set():
            stack.start_service(SLA_MONITOR)
            stack.wait_healthy(SLA_MONITOR)
    elapsed = time.perf_counter() - started
    if stack.kept is not None and not stopping.is_set():
        stack.kept.put(DEMO_MONTH, "loaded")
    if tally is None:
        print("demo data already present: nothing loaded.", flush=True)
        return
    actions = ", ".join(f"{name} {n}" for name, n in tally.actions.most_common())
    print(f"demo month loaded in {elapsed:.0f}s: {tally.complaints} complaints; {actions}")
    if tally.refused:
        print(f"  not taken: {dict(tally.refused)}")


# --- the trickle ---------------------------------------------------------------------------


async def _trickle(stack: Stack, org: Organisation, stopping: threading.Event) -> None:
    """A new complaint every 20-40 s; now and then the oldest of them is signed for, or
    resolved and classified."""
    client = DemoClient(stack.base_url("intake"), stack.config.jwt_secret)
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
                del waiting[:-20]  # keep it small
            except (Refused, httpx.HTTPError) as problem:
                print(f"  demo trickle: {problem}", flush=True)
    finally:
        await client.http.aclose()


async def _sleep(stopping: threading.Event, seconds: float) -> None:
    await asyncio.to_thread(stopping.wait, seconds)


def start(stack: Stack, stopping: threading.Event) -> threading.Thread | None:
    """After the stack is healthy: the month (unless `DEMO_DATA=off`), then the trickle in a
    thread (unless `DEMO_TRICKLE=off`), which ends soon after `stopping` is set. Nothing at
    all with another organisation file."""
    if not is_demo_organisation(stack.config.org_file):
        return None
    if switched_on("DEMO_DATA"):
        month = stack.kept.get(DEMO_MONTH) if stack.kept is not None and stack.resumed else None
        if month is None:
            load(stack, stopping)
        elif month == "loaded":
            print("kept data: the demo month is not loaded again.", flush=True)
        else:
            print(
                "kept data: loading the demo month was stopped half-way at the first start; "
                "what was posted is kept. `make reset` (then `make run`) loads it whole.",
                flush=True,
            )
    if not switched_on("DEMO_TRICKLE") or stopping.is_set():
        return None
    org = load_organisation(stack.config.org_file)
    thread = threading.Thread(
        target=lambda: asyncio.run(_trickle(stack, org, stopping)), name="demo-trickle"
    )
    thread.start()
    print("a new demo complaint every 20-40 s (DEMO_TRICKLE=off to stop it)", flush=True)
    return thread
