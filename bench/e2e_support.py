"""What the end-to-end benchmarks (`intake`, `system`, `latency`, `replay`) share: a stack on
DURABLE PostgreSQL (fsync, synchronous_commit, full_page_writes on, as `make run` and a real
deployment), complaints to post, an open-loop poster, the progress observable in the services'
databases, and the memory of each service process. Not a benchmark itself (not registered).

BENCH_QUICK=1 shortens every step so that a benchmark runs end to end in well under a minute
(a smoke test of the benchmark, not a measurement); the figures then say so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from complaints_shared.db import asyncpg_connect_args
from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import load_organisation
from devstack.ports import free_port
from devstack.stack import DEMO_ORG, SERVICES, Stack, StackConfig

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
JWT_SECRET = "bench-secret-that-is-long-enough-for-hs256"
PARTITIONS = 6  # as `make run`
ALL = tuple(spec.name for spec in SERVICES)
PACKAGE = {spec.name: spec.package for spec in SERVICES}


def quick_note(method: str) -> str:
    if QUICK:
        return "BENCH_QUICK=1 (smoke setting, short steps; NOT a measurement): " + method
    return method


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# -- the system ---------------------------------------------------------------------------------
@contextmanager
def bench_stack(services: tuple[str, ...], *, migrate: bool = True) -> Iterator[Stack]:
    """PostgreSQL (durable), the broker, topics, every schema; `services` started and healthy.

    The work directory is world-readable (not mkdtemp's 0700): PostgreSQL runs as another
    system user when this runs as root. If a service fails to start, the tail of its log is
    printed and the error propagates.
    """
    workdir = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    workdir.chmod(0o755)
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=free_port(),
        service_ports={name: free_port() for name in ALL},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,  # measuring throughput, not the per-unit limiter
        durable=True,  # benchmarks measure what a deployment pays: fsync etc. on
        partitions=PARTITIONS,
    )
    stack = Stack(config)
    try:
        stack.start_infrastructure()
        stack.create_topics()
        if migrate:
            stack.migrate()
        for name in services:
            stack.start_service(name)
        for name in services:
            stack.wait_healthy(name, timeout=120)
        yield stack
    except BaseException:
        for log in sorted(stack.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log.name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def db_url(stack: Stack, service: str) -> str:
    spec = next(s for s in SERVICES if s.name == service)
    return stack.database_urls[spec.url_variable]


async def connect(stack: Stack, service: str) -> asyncpg.Connection:
    return await asyncpg.connect(**asyncpg_connect_args(db_url(stack, service)))


# -- memory -------------------------------------------------------------------------------------
def rss_mib(pid: int) -> float:
    """Resident set size of a process and its children (MiB), from /proc."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])  # kB
        except OSError:
            pass
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            direct = [int(c) for c in handle.read().split()]
    except OSError:
        return []
    return [c for child in direct for c in (child, *_children(child))]


def service_rss(stack: Stack) -> dict[str, float]:
    return {name: rss_mib(process.pid) for name, process in stack.processes.items()}


# -- complaints ---------------------------------------------------------------------------------
def phone(n: int) -> str:
    """A different customer for each n (a repeat complainant only every 100,000,000)."""
    return f"+86 138 {n // 10000 % 10000:04d} {n % 10000:04d}"


def complaint_body(receiving_unit: str, line: str, n: int) -> dict:
    return {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": receiving_unit,
        "business_line": line,
        "severity": "normal",
        "flags": [],
        "received_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "customer": {
            "name": "王小明",
            "phone": f"+86 138 {n // 10000 % 10000:04d} {n % 10000:04d}",
        },
        "summary": "Card swallowed by the outlet's machine (benchmark)",
    }


@dataclass
class Senders:
    """Every outlet of the demo organisation posting its own complaints, in turn, over the lines
    it serves, so that owners, alert recipients and partitions vary as in real traffic."""

    outlets: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def demo(cls) -> Senders:
        org = load_organisation(DEMO_ORG)
        outlets = [(u.id, tuple(u.lines) or ("cards",)) for u in org.units_of_kind("outlet")]
        tokens = {
            unit: issue_token(unit, JWT_SECRET, valid_for=timedelta(hours=1)) for unit, _ in outlets
        }
        return cls(outlets, tokens)

    def request(self, n: int) -> tuple[dict, dict]:
        unit, lines = self.outlets[n % len(self.outlets)]
        line = lines[(n // len(self.outlets)) % len(lines)]
        return complaint_body(unit, line, n), {"Authorization": f"Bearer {self.tokens[unit]}"}


@dataclass
class Posted:
    complaint_id: str | None
    sent: float  # wall clock (time.time()) when the request was started
    answered: float
    status: int


async def post_open_loop(
    client: httpx.AsyncClient,
    url: str,
    senders: Senders,
    rate: float,
    seconds: float,
    first: int,
    out: list[Posted],
) -> float:
    """POST `rate` complaints/s for `seconds`, on a fixed schedule (open loop: a slow answer does
    not delay the next request). Returns the wall time the sending took (the schedule's span)."""
    count = max(1, round(rate * seconds))
    start = time.perf_counter()
    tasks = []

    async def one(n: int) -> None:
        body, headers = senders.request(n)
        sent = time.time()
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError:
            out.append(Posted(None, sent, time.time(), 0))
            return
        cid = response.json().get("complaint_id") if response.status_code == 202 else None
        out.append(Posted(cid, sent, time.time(), response.status_code))

    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first + i)))
    span = time.perf_counter() - start
    await asyncio.gather(*tasks)
    return span


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=60, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)
    )


# -- progress in the databases ------------------------------------------------------------------
class Progress:
    """How many complaints each stage has done, read from the services' own databases:

    - assigned: intake's projection has an owner (`complaint_views.owner_unit`);
    - clock: the SLA monitor has a `resolve` clock for it (`clocks`);
    - alert: the notifier recorded an alert caused by its assignment (`alerts`).
    A complaint is fully processed when it is counted by all three (the minimum)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.conns: dict[str, asyncpg.Connection] = {}
        self.accepted = 0  # complaints accepted so far (the caller counts them)

    async def open(self) -> None:
        for service in ("intake", "sla-monitor", "notifier"):
            self.conns[service] = await connect(self.stack, service)

    async def close(self) -> None:
        for conn in self.conns.values():
            await conn.close()

    async def counts(self) -> dict[str, int]:
        assigned, clock, alert = await asyncio.gather(
            self.conns["intake"].fetchval(
                "SELECT count(*) FROM complaint_views WHERE owner_unit IS NOT NULL"
            ),
            self.conns["sla-monitor"].fetchval(
                "SELECT count(*) FROM clocks WHERE clock = 'resolve'"
            ),
            self.conns["notifier"].fetchval(
                "SELECT count(DISTINCT complaint_id) FROM alerts "
                "WHERE cause_type LIKE 'complaint.assigned%'"
            ),
        )
        return {"assigned": assigned, "clock": clock, "alert": alert}

    async def done(self) -> int:
        return min((await self.counts()).values())


def run_module(module_name: str) -> None:
    """`python bench/<module>.py`: run one benchmark and print its result (no report written)."""
    import importlib
    import json

    module = importlib.import_module(module_name)
    started = time.perf_counter()
    result = module.run()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"[{module.NAME}] {time.perf_counter() - started:.1f} s", file=sys.stderr)


def python() -> str:
    return sys.executable


def run_quiet(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)
