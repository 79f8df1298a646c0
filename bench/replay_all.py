"""Rebuilding each service's projection from the log: events/s of each `replay` command.

What runs: durable PostgreSQL and the Kafka-protocol broker, every service's schema (fresh,
empty databases), started with devstack; no service runs (nothing else writes meanwhile).

The log: COMPLAINTS seeded complaint lifecycles (`sla_replay.Lifecycles`: received, assigned,
contacted, transferred, accepted, committed, on hold, resolved, reopened, closed; the SLA,
notification and personal-data events the services would add are not in it), produced as
CloudEvents keyed by complaint.

Per service, `python -m <package> replay` as a process (docs/replay.md): the log read from the
broker, folded by the service's own handlers into memory, and written (the SLA monitor: its
live projection in one transaction; the others: a fresh copy in the schema `replay`, by
COPY). Figures: the fold's events/s as the command reports it (reading and folding; the goal
is ≥ GOAL_RATE per projection), and events/s end to end, from spawn to exit (interpreter
start-up and the write included).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

import sla_replay
from e2e_support import ALL, QUICK, bench_stack, quick_note
from profiling import profiled, where_time_goes
from sla_replay import Lifecycles, produce

from complaints_shared.organisation import load_organisation
from devstack.stack import DEMO_ORG, SERVICES, Stack

NAME = "replay"
DESCRIPTION = (
    "Rebuilding each service's projection from the log (durable PostgreSQL): events/s of each "
    "service's `replay` command, its fold alone and end to end (start-up and write included)."
)

COMPLAINTS = 300 if QUICK else 5_000
GOAL_RATE = 10_000  # events/s per projection (not asserted)
ORDER = ("intake", "routing", "sla-monitor", "notifier", "dashboard")
FOLD_LINE = re.compile(r"(\d+) events, (\d+) complaints in ([0-9.]+)s")
WROTE_LINE = re.compile(r"wrote (\d+) rows")


def replay_command(stack: Stack, service: str) -> dict:
    package = next(s.package for s in SERVICES if s.name == service)
    command = [sys.executable, "-m", package, "replay"]
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            env={**stack.env(), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        with profiled(f"replay-{service}", process.pid):
            stdout, _ = process.communicate()
        total = time.perf_counter() - started
        if process.returncode:
            stderr.seek(0)
            raise RuntimeError(
                f"{' '.join(command[1:])} failed:\n{stdout}\n{stderr.read().decode()[-3000:]}"
            )
    found = FOLD_LINE.search(stdout)
    if found is None:
        raise RuntimeError(f"{service} replay did not report its fold:\n{stdout}")
    wrote = WROTE_LINE.search(stdout)
    result = {
        "events": int(found.group(1)),
        "fold": float(found.group(3)),
        "total": total,
        "rows": int(wrote.group(1)) if wrote else None,
    }
    print(f"[replay] {service}: {result}", flush=True)
    return result


def run() -> dict:
    org = load_organisation(DEMO_ORG)
    sla_replay.COMPLAINTS = COMPLAINTS  # the lifecycles' count is read from the module
    with bench_stack(()) as stack:
        events = asyncio.run(produce(stack.bootstrap, Lifecycles(org, datetime.now(UTC)).log()))
        replayed = {service: replay_command(stack, service) for service in ORDER}
    assert set(ORDER) == set(ALL)
    figures: dict = {"events in the log (complaint lifecycles)": f"{events:,} ({COMPLAINTS:,})"}
    for service in ORDER:
        r = replayed[service]
        written = "its live projection" if service == "sla-monitor" else f"{r['rows']:,} rows"
        figures[f"{service} `replay`: events/s of the fold / end to end"] = (
            f"{r['events'] / r['fold']:,.0f} / {r['events'] / r['total']:,.0f}"
        )
        figures[f"{service} `replay`: seconds of the fold / end to end, written"] = (
            f"{r['fold']:.2f} / {r['total']:.2f}, {written}"
        )
        if hot := where_time_goes(f"replay-{service}"):
            figures[f"{service} `replay`: CPU by library (py-spy, innermost frame)"] = hot
    slow = {
        service: r["events"] / r["fold"]
        for service, r in replayed.items()
        if r["events"] / r["fold"] < GOAL_RATE
    }
    figures[f"goal (not asserted): ≥ {GOAL_RATE:,} events/s per projection (fold)"] = (
        "met"
        if not slow
        else "missed: " + ", ".join(f"{s} {rate:,.0f}/s" for s, rate in slow.items())
    )
    return {
        "figures": figures,
        "method": quick_note(
            f"{COMPLAINTS:,} seeded complaint lifecycles (sla_replay.Lifecycles, {events:,} "
            f"CloudEvents, {stack.config.partitions} partitions) on durable PostgreSQL, no "
            "service running; per service `python -m <package> replay` as a process: the fold "
            "(read the log, decode, apply the service's handlers in memory) as the command "
            "reports it, and wall clock from spawn to exit (start-up, fold, write: the SLA "
            "monitor's live projection in one transaction, the others' copy in the schema "
            f"`replay` by COPY); services in the order {', '.join(ORDER)}"
        ),
    }


if __name__ == "__main__":
    from e2e_support import run_module

    run_module("replay_all")
