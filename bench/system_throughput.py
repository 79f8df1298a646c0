"""Sustained end-to-end throughput of the whole system: complaints/s posted to intake that come
out the other end (an owner, a resolve clock, an alert) without a growing backlog.

What runs: durable PostgreSQL, the Kafka-protocol broker and all five services, started with
devstack (`INTAKE_RATE_LIMIT=0`, 6 partitions as `make run`).

Steps at rising offered rates (RATES, STEP seconds each), open loop: the complaints of a step
are posted on a fixed schedule whatever the answers take (httpx, one process, up to 200
connections), each by an outlet of the demo organisation for itself, over its lines in turn.
Processed end to end = the minimum of three counts read from the services' own databases every
POLL seconds: intake's `complaint_views` with an owner, the SLA monitor's `resolve` clocks, and
the complaints with an alert the notifier recorded for their assignment. Backlog = accepted
(202) − processed. After a step the poster stops and the backlog must drain: a step is
sustained when its complaints were accepted at ≥ 95% of the offered rate and the backlog
reached 0 within DRAINED seconds of the step's end. The sustained rate is the highest such
step; the steps stop at the first step that is not sustained (waiting at most DRAIN_MAX s).
Then the resident memory of each service process (VmRSS, /proc).

The whole measure runs twice on fresh stacks: with one process per service, then with two
processes of every consuming service in one consumer group (the second started the way a
deployment scales out: same database and group, its own port; intake's second process is not
behind a balancer, so the load still enters through the first).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import ExitStack

from e2e_support import (
    ALL,
    QUICK,
    Posted,
    Progress,
    Senders,
    bench_stack,
    http_client,
    post_open_loop,
    quick_note,
    service_rss,
)
from profiling import profiled, where_time_goes

from devstack.ports import free_port
from devstack.stack import Stack

NAME = "system"
DESCRIPTION = (
    "Sustained end-to-end complaints/s with all five services (durable PostgreSQL): rising "
    "open-loop rates until the backlog (posted − owner, resolve clock and alert recorded) "
    "stops draining; offered/achieved per step; RSS per service afterwards."
)

RATES = (2, 5) if QUICK else (2, 5, 10, 20, 40, 80, 120, 160)  # complaints/s offered
STEP = 4.0 if QUICK else 20.0  # seconds per step
DRAINED = 5.0  # a step is sustained if its backlog is gone this long after its end
DRAIN_MAX = 10.0 if QUICK else 20.0  # how long to wait for a backlog before giving up
POLL = 0.25
GOAL_RATE = 120  # complaints/s sustained (not asserted)
GOAL_RSS_MB = 150  # per service after the run, MB = 10^6 bytes (not asserted)
ACCEPTED_SHARE = 0.95
WARMUP = 6  # complaints through every service before the steps (consumers in their groups)
FINALLY = 30.0 if QUICK else 60.0  # after a step that did not drain: how long until it does
CONSUMERS = ("routing", "sla-monitor", "notifier", "dashboard", "intake")
LAYOUTS = {"one instance": 1, "two instances": 2}  # processes per consuming service


async def step(
    stack: Stack, progress: Progress, senders: Senders, rate: float, first: int
) -> tuple[dict, list[Posted]]:
    posted: list[Posted] = []
    url = f"{stack.base_url('intake')}/v1/complaints"
    before = await progress.done()
    peak = 0
    async with http_client() as client:
        sending = asyncio.create_task(
            post_open_loop(client, url, senders, rate, STEP, first, posted)
        )
        while not sending.done():  # the backlog while posting
            await asyncio.sleep(POLL)
            accepted = sum(1 for p in posted if p.status == 202)
            peak = max(peak, accepted - (await progress.done() - before))
        span = await sending
    ended = time.perf_counter()
    accepted = sum(1 for p in posted if p.status == 202)
    progress.accepted += accepted
    drained_after = None
    while time.perf_counter() - ended < DRAIN_MAX:
        processed = await progress.done() - before
        backlog = accepted - processed
        peak = max(peak, backlog)
        if backlog <= 0:
            drained_after = time.perf_counter() - ended
            break
        await asyncio.sleep(POLL)
    processed = await progress.done() - before
    answered = [p.answered - p.sent for p in posted if p.status == 202]
    offered = len(posted) / STEP
    result = {
        "offered": rate,
        "sent_per_s": len(posted) / span if span else float("nan"),
        "accepted_per_s": accepted / STEP,
        "accepted": accepted,
        "refused": len(posted) - accepted,
        "processed": processed,
        "peak_backlog": peak,
        "drained_after": drained_after,
        "post_p50_ms": 1000 * sorted(answered)[len(answered) // 2] if answered else None,
        "sustained": (
            drained_after is not None
            and drained_after <= DRAINED
            and accepted >= ACCEPTED_SHARE * offered * STEP
        ),
        "counts": await progress.counts(),
    }
    print(f"[system] step {rate}/s: {result}", flush=True)
    return result, posted


async def measure(stack: Stack, *, profile: bool) -> list[dict]:
    """The steps; with `profile`, each service's process profiled during each step (the files
    keep the last step's: the one that did not drain, where the limit shows)."""
    progress = Progress(stack)
    await progress.open()
    senders = Senders.demo()
    steps = []
    first = 0
    try:
        await warm_up(stack, progress, senders)
        for rate in RATES:
            with ExitStack() as profiles:
                for name in CONSUMERS if profile else ():
                    pid = stack.processes[name].pid
                    profiles.enter_context(profiled(f"system-{name}", pid, STEP))
                result, posted = await step(stack, progress, senders, rate, first)
            first += len(posted)
            steps.append(result)
            if not result["sustained"]:
                if result["drained_after"] is None:  # does it drain at all?
                    result["drained_finally"] = await drain(progress, FINALLY)
                break
    finally:
        await progress.close()
    return steps


async def warm_up(stack: Stack, progress: Progress, senders: Senders) -> None:
    """A few complaints through every service (consumer groups joined, connections open)."""
    posted: list[Posted] = []
    url = f"{stack.base_url('intake')}/v1/complaints"
    async with http_client() as client:
        await post_open_loop(client, url, senders, 2, WARMUP / 2, 20_000_000, posted)
    progress.accepted += sum(1 for p in posted if p.status == 202)
    if await drain(progress, 60.0) is None:
        counts = await progress.counts()
        raise RuntimeError(f"warm-up: {counts} of {progress.accepted} after 60 s")


async def drain(progress: Progress, within: float) -> float | None:
    """Seconds until every accepted complaint is processed (None: not within `within`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if await progress.done() >= progress.accepted:
            return time.perf_counter() - started
        await asyncio.sleep(POLL)
    return None


def figures_of(steps: list[dict], memory: dict[str, float], *, profile: bool) -> dict:
    sustained = [s["offered"] for s in steps if s["sustained"]]
    figures: dict = {
        "sustained end to end (complaints/s, highest step that drained)": (
            max(sustained) if sustained else 0
        ),
    }
    for s in steps:
        drained = (
            f"drained {s['drained_after']:.1f} s after"
            if s["drained_after"] is not None
            else f"NOT drained {DRAIN_MAX:.0f} s after"
        )
        post = f"{s['post_p50_ms']:.0f}" if s["post_p50_ms"] is not None else "–"
        if "drained_finally" in s:
            later = s["drained_finally"]
            drained += (
                f" (then drained {later:.0f} s later)"
                if later is not None
                else f" (still not drained {FINALLY:.0f} s later)"
            )
        figures[f"step {s['offered']}/s: accepted/s, peak backlog, drain, POST p50 (ms)"] = (
            f"{s['accepted_per_s']:.1f}/s ({s['refused']} refused), backlog ≤ "
            f"{s['peak_backlog']}, {drained}, {post}"
        )
    last = steps[-1]["counts"]
    figures["at the end: owners / resolve clocks / alerted complaints"] = (
        f"{last['assigned']} / {last['clock']} / {last['alert']}"
    )
    best = max(sustained) if sustained else 0
    figures[f"goal (not asserted): sustained ≥ {GOAL_RATE}/s"] = (
        "met" if best >= GOAL_RATE else f"missed: {best}/s, {GOAL_RATE - best}/s short"
    )
    for name, mib in memory.items():
        figures[f"RSS after the run: {name} (MiB)"] = mib
    for name in CONSUMERS if profile else ():
        if hot := where_time_goes(f"system-{name}"):
            figures[f"{name}'s CPU in the last step by library (py-spy, innermost frame)"] = hot
    over = {n: round(m * 1.048576) for n, m in memory.items() if m * 1.048576 >= GOAL_RSS_MB}
    figures[f"goal (not asserted): each service < {GOAL_RSS_MB} MB RSS"] = (
        "met" if not over else "missed: " + ", ".join(f"{n} {mb} MB" for n, mb in over.items())
    )
    return figures


def measured(instances: int) -> tuple[list[dict], dict[str, float], dict[str, int], float]:
    """The steps on a fresh stack with `instances` processes of every consuming service."""
    with bench_stack(ALL) as stack:
        for service in CONSUMERS[: len(CONSUMERS) if instances > 1 else 0]:
            name = f"{service}-2"
            stack.start_instance(service, name, free_port())
            stack.wait_healthy(name)
        started = time.perf_counter()
        steps = asyncio.run(measure(stack, profile=instances == 1))
        measuring = time.perf_counter() - started
        memory = service_rss(stack)
        exited = {n: p.returncode for n, p in stack.processes.items() if p.poll() is not None}
    return steps, memory, exited, measuring


def run() -> dict:
    figures: dict = {}
    took = []
    for layout, instances in LAYOUTS.items():
        steps, memory, exited, measuring = measured(instances)
        took.append(f"{measuring:.0f} s")
        found = figures_of(steps, memory, profile=instances == 1)
        figures.update({f"{layout}: {label}": value for label, value in found.items()})
        if exited:
            figures[f"{layout}: services that exited during the run"] = str(exited)
    return {
        "figures": figures,
        "method": quick_note(
            f"all five services on durable PostgreSQL; offered rates {list(RATES)} complaints/s, "
            f"{STEP:.0f} s each, open loop (httpx, fixed schedule), outlets of the demo "
            "organisation posting their own complaints; processed = min(intake views with an "
            "owner, SLA `resolve` clocks, complaints with an assignment alert in the notifier), "
            f"polled every {POLL} s from the databases; sustained = ≥ {ACCEPTED_SHARE:.0%} "
            f"accepted and backlog 0 within {DRAINED:.0f} s of the step's end; stops at the "
            f"first step not sustained; RSS = VmRSS of each service process after the steps; "
            f"measured with one and with two processes per consuming service, fresh stacks; "
            f"measuring took {' and '.join(took)}"
        ),
    }


if __name__ == "__main__":
    from e2e_support import run_module

    run_module("system_throughput")
