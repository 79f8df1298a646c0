"""Demo data for `make run` with the demo organisation: a month of complaints, then a trickle.

Everything goes through intake's public HTTP API with the units' own tokens, so every service
processes it as it would a unit's requests (`demo_month`). The month (`demo_script.month_plan`)
is dated in the past; the SLA monitor is therefore paused while it is posted and then folds the
log with `python -m sla_monitor replay`, which fires each warning and breach at its instant in
event time (a live breach ticker would see every past deadline as missed before the action that
met it arrived). It is then started again, and breaches what is still overdue now.

The month goes in two parts (`demo_order`): first a slice in which every figure of the
dashboard has something to show (posted, folded, the SLA monitor back, and waited for until
each province's dashboard shows it: `demo_shown`), then the rest, with the SLA monitor paused
and folding again. The first sign-in shows a full dashboard after the slice.

`DEMO_DATA=off` loads nothing; `DEMO_TRICKLE=off` posts no new complaints afterwards. Any
organisation file other than deploy/demo/organisation.yaml loads nothing either. A restart on
kept data does not load the month again (the kept data notes whether it was loaded); the
trickle goes on.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from complaints_shared.organisation import load_organisation

from .demo_client import DemoClient
from .demo_month import Tally, post_plans, wait_logged
from .demo_order import first_slice
from .demo_script import ComplaintPlan, month_plan
from .demo_shown import SHOWN_WAIT, wait_shown
from .demo_trickle import trickle
from .kept import DEMO_MONTH
from .stack import DEMO_ORG, Stack

SLA_MONITOR = "sla-monitor"


def switched_on(variable: str) -> bool:
    return os.environ.get(variable, "on").strip().lower() not in ("off", "0", "false", "no")


def is_demo_organisation(org_file: Path) -> bool:
    return org_file.resolve() == DEMO_ORG.resolve()


async def has_complaints(stack: Stack) -> bool:
    client = DemoClient(stack.base_url("intake"), stack.config.jwt_secret)
    try:
        return await client.has_complaints()
    finally:
        await client.http.aclose()


async def post_part(
    stack: Stack, plans: Sequence[ComplaintPlan], tally: Tally, stopping: threading.Event
) -> None:
    """Post the plans, and wait until the last event of each is in the log."""
    client = DemoClient(stack.base_url("intake"), stack.config.jwt_secret)
    try:
        published, events = await client.published(), tally.events
        posted = await post_plans(client, plans, tally, stopping)
        if not stopping.is_set():
            target = None if published is None else published + tally.events - events
            await wait_logged(client, posted, target)
    finally:
        await client.http.aclose()


def fold(stack: Stack) -> None:
    """The SLA monitor (paused) folds the whole log: `python -m sla_monitor replay`."""
    with open(stack.logs / "sla-monitor-replay.log", "ab") as log:
        subprocess.run(
            [sys.executable, "-m", "sla_monitor", "replay"],
            env=stack.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )


def load_part(
    stack: Stack, plans: Sequence[ComplaintPlan], tally: Tally, stopping: threading.Event
) -> str:
    """One part, with the SLA monitor paused, folding it, and started again; how long each
    step took."""
    marks = [time.perf_counter()]
    stack.stop_service(SLA_MONITOR)
    try:
        asyncio.run(post_part(stack, plans, tally, stopping))
        marks.append(time.perf_counter())
        if not stopping.is_set():
            fold(stack)
    finally:
        marks.append(time.perf_counter())
        if not stopping.is_set():
            stack.start_service(SLA_MONITOR)
            stack.wait_healthy(SLA_MONITOR)
    marks.append(time.perf_counter())
    posted, folded, back = (b - a for a, b in zip(marks, marks[1:], strict=False))
    return f"posted in {posted:.1f}s, folded in {folded:.1f}s, SLA monitor back in {back:.1f}s"


def load(stack: Stack, stopping: threading.Event) -> None:
    """The month in two parts, each with the SLA monitor paused and then replayed (see the
    module's doc)."""
    org = load_organisation(stack.config.org_file)
    started = time.perf_counter()
    print("\nloading the demo month through intake's API (DEMO_DATA=off to skip)…", flush=True)
    if asyncio.run(has_complaints(stack)):
        if stack.kept is not None:
            stack.kept.put(DEMO_MONTH, "loaded")
        print("demo data already present: nothing loaded.", flush=True)
        return
    now = datetime.now(UTC)
    first, rest = first_slice(month_plan(org, now), now)
    if stack.kept is not None:
        stack.kept.put(DEMO_MONTH, "loading")
    tally = Tally()
    took = load_part(stack, first, tally, stopping)
    if stopping.is_set():
        return
    secret = stack.config.jwt_secret
    if not asyncio.run(wait_shown(stack.base_url("dashboard"), secret)):
        print(f"  demo: the dashboard is not full after {SHOWN_WAIT:.0f}s; going on", flush=True)
    print(
        f"the first {len(first)} complaints are on the dashboard after "
        f"{time.perf_counter() - started:.0f}s ({took}); the other {len(rest)} follow…",
        flush=True,
    )
    took = load_part(stack, rest, tally, stopping)
    if stopping.is_set():
        return
    elapsed = time.perf_counter() - started
    if stack.kept is not None:
        stack.kept.put(DEMO_MONTH, "loaded")
    actions = ", ".join(f"{name} {n}" for name, n in tally.actions.most_common())
    print(f"demo month loaded in {elapsed:.0f}s: {tally.complaints} complaints; {actions}")
    print(f"  the rest: {took}", flush=True)
    if tally.refused:
        print(f"  not taken: {dict(tally.refused)}", flush=True)


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
    base_url, secret = stack.base_url("intake"), stack.config.jwt_secret
    thread = threading.Thread(
        target=lambda: asyncio.run(trickle(base_url, secret, org, stopping)), name="demo-trickle"
    )
    thread.start()
    print("a new demo complaint every 20-40 s (DEMO_TRICKLE=off to stop it)", flush=True)
    return thread
