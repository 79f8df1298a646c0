"""Intake's `POST /v1/complaints` throughput against a bare FastAPI endpoint, in the same run.

What runs: durable PostgreSQL, the Kafka-protocol broker and the `intake` service alone
(`INTAKE_RATE_LIMIT=0`), started with devstack; and, on the same host, `bench/bare_endpoint.py`
under uvicorn (one worker): the same request model (`ComplaintCreate`), 202, nothing else.

Each is loaded with wrk (Debian's; `make bench` installs it): 32 connections, 2 threads, a
warm-up of a few seconds, then DURATION seconds timed, posting one complaint JSON with a bearer
token (`bench/post_complaint.lua`). Figures: requests/s, p50/p99 latency as wrk reports them,
non-2xx answers and socket errors, and intake's requests/s as a share of the bare endpoint's.
Intake stays alone for the bare run too (its relay and consumer idle), so both see the same
machine; the bare endpoint is measured first, intake second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from e2e_support import JWT_SECRET, QUICK, Senders, bench_stack, connect, quick_note
from e2e_support import rss_mib as _rss
from profiling import cpu_seconds, postgres_pid, profiled, where_time_goes

from complaints_shared.http.auth import issue_token
from devstack.ports import free_port

NAME = "intake"
DESCRIPTION = (
    "Intake's `POST /v1/complaints` alone (durable PostgreSQL, broker) vs a bare FastAPI "
    "endpoint validating the same model, with wrk in the same run: requests/s, p50/p99, ratio."
)

BENCH = Path(__file__).resolve().parent
SCRIPT = BENCH / "post_complaint.lua"
CONNECTIONS, THREADS = 32, 2
DURATION = 3 if QUICK else 15  # seconds timed, per target
WARMUP = 1 if QUICK else 3  # seconds, per target, not counted
GOAL_SHARE = 50.0  # %, of the bare endpoint's requests/s
WRK_LINE = re.compile(r"WRK_JSON (\{.*\})")


def wrk(url: str, token: str, body_file: Path, seconds: int) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `apt-get install -y wrk` (make bench does)")
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(SCRIPT),
        url,
    ]
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_BODY_FILE": str(body_file)}
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    found = WRK_LINE.search(out.stdout)
    if out.returncode or not found:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    print(out.stdout, flush=True)
    result = json.loads(found.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def start_bare(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_endpoint:app",
            "--app-dir",
            str(BENCH),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        stdout=open(log, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"bare endpoint exited with {process.returncode}: {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError("bare endpoint not up after 30 s") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


SEQUENTIAL = 50 if QUICK else 300  # complaints posted one after another for the cost per complaint


async def transactions(stack) -> int:
    """Transactions intake's database has ended (committed or rolled back) so far."""
    conn = await connect(stack, "intake")
    try:
        return await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
    finally:
        await conn.close()


def cost_per_complaint(stack, senders: Senders) -> dict[str, float]:
    """Post SEQUENTIAL complaints one at a time and let intake's relay and consumer finish
    them: CPU of intake and of PostgreSQL, and intake's database transactions, per complaint."""
    import asyncio

    import httpx

    pid, database = stack.processes["intake"].pid, postgres_pid(stack.postgres.data_dir)
    url = f"{stack.base_url('intake')}/v1/complaints"
    before = cpu_seconds(pid), cpu_seconds(database, with_children=True)
    xacts = asyncio.run(transactions(stack))
    started = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        for n in range(SEQUENTIAL):
            body, headers = senders.request(1_000_000 + n)
            answer = client.post(url, json=body, headers=headers)
            answer.raise_for_status()
    elapsed = time.perf_counter() - started
    time.sleep(2)  # the relay publishes and the consumer applies the last ones
    return {
        "answer_ms": 1000 * elapsed / SEQUENTIAL,
        "intake_ms": 1000 * (cpu_seconds(pid) - before[0]) / SEQUENTIAL,
        "postgres_ms": 1000 * (cpu_seconds(database, with_children=True) - before[1]) / SEQUENTIAL,
        # minus the 2 s of idle polling after, negligible against SEQUENTIAL complaints
        "transactions": (asyncio.run(transactions(stack)) - xacts) / SEQUENTIAL,
    }


async def registered(stack) -> int:
    conn = await connect(stack, "intake")
    try:
        return await conn.fetchval("SELECT count(*) FROM complaints")
    finally:
        await conn.close()


def run() -> dict:
    import asyncio

    body, _ = Senders.demo().request(0)
    body["customer"]["phone"] = "+86 138 NNNN NNNN"  # the script varies it per request
    unit = body["receiving_unit"]
    token = issue_token(unit, JWT_SECRET)
    tmp = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    body_file = tmp / "complaint.json"
    body_file.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    results: dict[str, dict] = {}
    cpu: dict[str, float] = {}  # CPU seconds during intake's timed run
    try:
        with bench_stack(("intake",)) as stack:
            bare_port = free_port()
            bare = start_bare(bare_port, stack.logs / "bare.log")
            try:
                url = f"http://127.0.0.1:{bare_port}/v1/complaints"
                wrk(url, token, body_file, WARMUP)
                results["bare"] = wrk(url, token, body_file, DURATION)
                results["bare"]["rss"] = _rss(bare.pid)
            finally:
                stop(bare)
            url = f"{stack.base_url('intake')}/v1/complaints"
            wrk(url, token, body_file, WARMUP)
            pid, database = stack.processes["intake"].pid, postgres_pid(stack.postgres.data_dir)
            before = cpu_seconds(pid), cpu_seconds(database, with_children=True)
            with profiled("intake-post", pid, DURATION):
                results["intake"] = wrk(url, token, body_file, DURATION)
            results["intake"]["rss"] = _rss(pid)
            cpu["intake"] = cpu_seconds(pid) - before[0]
            cpu["postgres"] = cpu_seconds(database, with_children=True) - before[1]
            rows = asyncio.run(registered(stack))
            cost = cost_per_complaint(stack, Senders.demo())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    intake, bare = results["intake"], results["bare"]
    ms = lambda us: round(us / 1000, 1)  # noqa: E731
    figures: dict = {}
    for label, r in (("intake", intake), ("bare endpoint", bare)):
        figures[f"{label}: requests/s"] = round(r["rps"])
        figures[f"{label}: p50 / p99 latency (ms)"] = f"{ms(r['p50_us'])} / {ms(r['p99_us'])}"
        figures[f"{label}: non-2xx answers / socket errors"] = (
            f"{r['status']} / {r['connect'] + r['read'] + r['write'] + r['timeout']}"
        )
        figures[f"{label}: RSS after the run (MiB)"] = r["rss"]
    share = 100 * intake["rps"] / bare["rps"]
    figures["intake / bare endpoint, requests/s (%)"] = round(share, 1)
    figures["goal (not asserted): intake ≥ 50% of the bare endpoint"] = (
        "met" if share >= GOAL_SHARE else f"missed by {GOAL_SHARE - share:.1f} points"
    )
    figures["complaints registered by intake (warm-up + timed run)"] = rows
    figures["CPU during intake's timed run: intake / PostgreSQL (% of one core)"] = (
        f"{100 * cpu['intake'] / DURATION:.0f} / {100 * cpu['postgres'] / DURATION:.0f}"
    )
    figures["one complaint at a time: answer, intake CPU, PostgreSQL CPU (ms per complaint)"] = (
        f"{cost['answer_ms']:.1f}, {cost['intake_ms']:.1f}, {cost['postgres_ms']:.1f}"
    )
    figures["one complaint at a time: intake's database transactions per complaint"] = round(
        cost["transactions"], 1
    )
    if hot := where_time_goes("intake-post"):
        figures["intake's CPU by library (py-spy, innermost frame)"] = hot
    return {
        "figures": figures,
        "method": quick_note(
            f"wrk {THREADS} threads, {CONNECTIONS} connections, {WARMUP} s warm-up then "
            f"{DURATION} s timed per target, bench/post_complaint.lua posting one complaint "
            "(an outlet of the demo organisation as caller) with a bearer token; intake alone on "
            "durable PostgreSQL (fsync on) with its relay and consumer running, rate limit off; "
            "the bare endpoint = FastAPI + uvicorn, one worker, body validated as "
            "ComplaintCreate, 202, no token check, no I/O; same host, same run, bare first; "
            "latency percentiles are wrk's (closed loop: 32 requests in flight)"
        ),
    }


if __name__ == "__main__":
    from e2e_support import run_module

    run_module("intake_throughput")
