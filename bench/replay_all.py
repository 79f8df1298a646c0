"""Rebuilding each service's projection from the log: events/s per service.

What runs: durable PostgreSQL and the Kafka-protocol broker, every service's schema (fresh,
empty databases), started with devstack; no service runs while the log is written.

The log: COMPLAINTS seeded complaint lifecycles (`sla_replay.Lifecycles`: received, assigned,
contacted, transferred, accepted, committed, on hold, resolved, reopened, closed; the SLA,
notification and personal-data events the services would add are not in it), produced as
CloudEvents keyed by complaint.

- sla-monitor, `replay` command: `python -m sla_monitor replay` as a process, wall clock from
  spawn to exit (start-up, fold, projection rewritten in one transaction), and the fold alone
  as the command reports it. This is the only service with a replay command.
- every service, catch-up of a new instance (labelled so: no service but the SLA monitor has a
  replay command): the service is started on its fresh database and a fresh consumer group, so
  its consumer applies the whole log through its handlers (each batch in one transaction with
  its inbox rows and the group's position, as in production, effects included: routing's
  decisions, the notifier's alerts and their dispatch, the SLA monitor's clocks). Progress =
  the sum of the group's `consumer_positions.next_offset` in the service's database, polled
  every POLL s, as the number of the log's records (read when the service was started) below
  those positions. Figures: events/s
  from spawn to caught up (start-up included), and from the first applied batch to caught up
  (start-up excluded). One service at a time, stopped before the next; a service not caught up
  within CATCH_UP_MAX s is reported with the rate over the part it applied. The SLA monitor,
  finding no projection fingerprint, rebuilds from the log at start-up before consuming: its
  catch-up is that rebuild plus the consumer skipping what the rebuild covered.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from datetime import UTC, datetime

import sla_replay
from e2e_support import ALL, QUICK, bench_stack, connect, quick_note, rss_mib
from sla_replay import Lifecycles, produce

from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.messaging.log_reader import read_log
from complaints_shared.organisation import load_organisation
from devstack.stack import DEMO_ORG, Stack

NAME = "replay"
DESCRIPTION = (
    "Rebuilding each service's projection from the log (durable PostgreSQL): events/s of the "
    "SLA monitor's `replay` command, and of a new instance of each service catching up."
)

COMPLAINTS = 300 if QUICK else 2_000
CATCH_UP_MAX = 20.0 if QUICK else 40.0  # seconds per service
POLL = 0.2
GOAL_RATE = 10_000  # events/s per projection (not asserted)
ORDER = ("sla-monitor", "intake", "dashboard", "notifier", "routing")  # appenders last
FOLD_LINE = re.compile(r"(\d+) events, (\d+) complaints in ([0-9.]+)s")


async def log_offsets(bootstrap: str) -> dict[int, list[int]]:
    """The offsets of every record now in the log, per partition, in order. (The dev broker's
    end offsets count batches, not records, so the records themselves are counted.)"""
    offsets: dict[int, list[int]] = {}
    async for record in read_log(bootstrap, COMPLAINT_EVENTS):
        offsets.setdefault(record.partition, []).append(record.offset)
    for partition, seen in offsets.items():
        if seen != sorted(seen):
            raise RuntimeError(f"partition {partition}: record offsets out of order")
    return offsets


def replay_command(stack: Stack) -> dict:
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "sla_monitor", "replay"],
            env={**stack.env(), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        total = time.perf_counter() - started
        if out.returncode:
            stderr.seek(0)
            raise RuntimeError(f"replay failed:\n{out.stdout}\n{stderr.read().decode()[-3000:]}")
    found = FOLD_LINE.search(out.stdout)
    if found is None:
        raise RuntimeError(f"replay did not report its fold:\n{out.stdout}")
    return {"events": int(found.group(1)), "fold": float(found.group(3)), "total": total}


async def applied(stack: Stack, service: str, offsets: dict[int, list[int]]) -> int:
    """How many of the log's records the service's consumer group has applied."""
    conn = await connect(stack, service)
    try:
        rows = await conn.fetch(
            "SELECT partition, next_offset FROM consumer_positions WHERE topic = $1",
            COMPLAINT_EVENTS,
        )
    finally:
        await conn.close()
    return sum(bisect_left(offsets.get(r["partition"], []), r["next_offset"]) for r in rows)


async def catch_up(stack: Stack, service: str) -> dict:
    offsets = await log_offsets(stack.bootstrap)  # what the log holds as the service starts
    target = sum(len(seen) for seen in offsets.values())
    spawned = time.perf_counter()
    stack.start_service(service)
    first: tuple[float, int] | None = None
    done, now = 0, spawned
    while (now := time.perf_counter()) - spawned < CATCH_UP_MAX:
        process = stack.processes[service]
        if process.poll() is not None:
            raise RuntimeError(f"{service} exited with {process.returncode}; see {stack.logs}")
        done = await applied(stack, service, offsets)
        if done and first is None:
            first = (now, done)
        if done >= target:
            break
        await asyncio.sleep(POLL)
    rss = rss_mib(stack.processes[service].pid)
    stack.stop_service(service)
    elapsed = now - spawned
    result = {
        "target": target,
        "applied": done,
        "elapsed": elapsed,
        "finished": done >= target,
        "rate_total": done / elapsed,
        "rate_running": None,
        "rss": rss,
    }
    if first is not None and now > first[0]:
        result["rate_running"] = (done - first[1]) / (now - first[0])
    print(f"[replay] {service} catch-up: {result}", flush=True)
    return result


def run() -> dict:
    org = load_organisation(DEMO_ORG)
    sla_replay.COMPLAINTS = COMPLAINTS  # the lifecycles' count is read from the module
    with bench_stack(()) as stack:
        events = asyncio.run(produce(stack.bootstrap, Lifecycles(org, datetime.now(UTC)).log()))
        replayed = replay_command(stack)
        # The command wrote the SLA monitor's projection: start its catch-up from scratch.
        reset = subprocess.run(
            [sys.executable, "-c", _RESET, stack.database_urls["SLA_MONITOR_DATABASE_URL"]],
            capture_output=True,
            text=True,
        )
        if reset.returncode:
            raise RuntimeError(f"resetting the SLA monitor's database failed:\n{reset.stderr}")
        subprocess.run(
            [sys.executable, "-m", "sla_monitor", "migrate"],
            env=stack.env(),
            capture_output=True,
            check=True,
        )
        catch_ups = {}
        for service in ORDER:
            catch_ups[service] = asyncio.run(catch_up(stack, service))
    assert set(ORDER) == set(ALL)
    figures: dict = {
        "events in the log (complaint lifecycles)": f"{events:,} ({COMPLAINTS:,})",
        "sla-monitor `replay`: events/s end to end (process spawn to exit)": round(
            replayed["events"] / replayed["total"]
        ),
        "sla-monitor `replay`: events/s of the fold it reports": round(
            replayed["events"] / replayed["fold"]
        ),
    }
    for service in ORDER:
        r = catch_ups[service]
        label = f"{service} catch-up of a new instance"
        running = f"{r['rate_running']:,.0f}" if r["rate_running"] is not None else "–"
        note = "" if r["finished"] else f" (NOT caught up in {CATCH_UP_MAX:.0f} s)"
        figures[f"{label}: events/s after start-up / with start-up"] = (
            f"{running} / {r['rate_total']:,.0f}{note}"
        )
        figures[f"{label}: events applied of the log, seconds, RSS (MiB)"] = (
            f"{r['applied']:,} of {r['target']:,}, {r['elapsed']:.1f} s, {r['rss']}"
        )
    slow = {
        service: r["rate_running"] or 0
        for service, r in catch_ups.items()
        if (r["rate_running"] or 0) < GOAL_RATE
    }
    fold = replayed["events"] / replayed["fold"]
    if fold < GOAL_RATE:
        slow["sla-monitor `replay` fold"] = fold
    figures[f"goal (not asserted): ≥ {GOAL_RATE:,} events/s per projection"] = (
        "met"
        if not slow
        else "missed: " + ", ".join(f"{s} {rate:,.0f}/s" for s, rate in slow.items())
    )
    return {
        "figures": figures,
        "method": quick_note(
            f"{COMPLAINTS:,} seeded complaint lifecycles (sla_replay.Lifecycles, {events:,} "
            f"CloudEvents, {stack.config.partitions} partitions) on durable PostgreSQL; SLA "
            "monitor: `python -m sla_monitor replay`, wall clock spawn to exit, and the fold "
            "time it prints; catch-up (no replay command elsewhere): each service alone, started "
            "on a fresh database and consumer group, progress = its consumer_positions "
            f"polled every {POLL} s, as the count of the log's records (read at its start) "
            f"below them, at most {CATCH_UP_MAX:.0f} s each; 'after start-up' counts from the "
            "first applied batch; services one at a time in the order "
            f"{', '.join(ORDER)}"
        ),
    }


# Empties the SLA monitor's database (a fresh instance's): every table of its schema.
_RESET = """
import asyncio, sys
import asyncpg
from complaints_shared.db import asyncpg_connect_args

async def main(url):
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    await conn.close()

asyncio.run(main(sys.argv[1]))
"""


if __name__ == "__main__":
    from e2e_support import run_module

    run_module("replay_all")
