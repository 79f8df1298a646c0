"""Latency of intake's worklist (`GET /v1/complaints`) for a branch with 100,000 complaints.

What runs: PostgreSQL, the Kafka-protocol broker and the `intake` service alone, started with
devstack as the tests start them (the broker only because intake's consumer and relay need one).

1. Seed, straight into intake's projection (`complaint_views`, `clock_views`) with COPY after
   `python -m intake migrate`: 100,000 complaints in the Kunming branch's subtree (YN-KM)
   and 100,000 elsewhere (the Dali and Qujing branches of the same province, the Guangzhou and
   Shenzhen branches of the other province), so the visibility predicate has to filter. Each
   complaint: received over the last 30 days by the branch, its hotline or an outlet; owned by
   the branch, an outlet or a branch department; ~30% resolved or closed; 80% of the open ones
   have a live clock (10% of those breached, due up to 2 days ago, the rest running, due over
   the next 5 days, whole minutes so due times tie) with a matching `clock_views` row owned by
   the owner and `next_due_at`/`next_due` set as the projection sets them; a handler once
   accepted; 5% also involve the branch's supervision line, 2% restricted. `units_involved`
   and `provinces` are what the projection writes (the provinces of the involved units), and
   `state` is the shared fold's JSON. Then ANALYZE.
2. Start intake; for each query, warm up, then time sequential requests with httpx (wall
   clock around the whole request, keep-alive connection), checking every answer.
3. EXPLAIN (ANALYZE, BUFFERS), once each after the measurements, the queries exactly as the
   service builds them (the SQL is captured from `SqlWorklist.page`): the default YN-KM first
   page as a custom and as a generic plan (what a prepared statement may switch to), the
   page-20 cursor query, and the filters; the plans go to stdout, their shape to the figures.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

from complaints_shared.db import asyncpg_connect_args
from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import Organisation, load_organisation
from complaints_shared.workflow.hierarchy import subtree
from complaints_shared.workflow.lifecycle import ComplaintState, Handler, to_json
from complaints_shared.workflow.visibility import provinces_of, sight_of
from devstack.ports import free_port
from devstack.stack import DEMO_ORG, Stack, StackConfig

NAME = "worklist"
DESCRIPTION = (
    "Latency of intake's worklist (`GET /v1/complaints`) for the Kunming branch with 100,000 "
    "complaints of its own among 200,000: first page, cursor pages, filters, province and "
    "head-office views."
)

SERVICE = "intake"
BRANCH = "YN-KM"
PER_BRANCH = {"YN-KM": 100_000, "YN-DL": 25_000, "YN-QJ": 25_000, "GD-GZ": 25_000, "GD-SZ": 25_000}
STATUSES = (  # (status, share)
    ("received", 0.05),
    ("assigned", 0.15),
    ("in_progress", 0.35),
    ("waiting_on_customer", 0.15),
    ("resolved", 0.15),
    ("closed", 0.15),
)
WITH_CLOCK = 0.8  # of the open complaints
BREACHED = 0.1  # of those with a live clock
RESTRICTED = 0.02
ESCALATED = 0.05  # the branch's supervision line is involved too
SEED = 20_261_123

PAGE = 50
WARMUP = 10  # requests per query before timing
REQUESTS = 200  # timed requests per query
WALKS, WALK_PAGES = 10, 20  # deep paging: WALKS walks of WALK_PAGES pages each, following cursors
JWT_SECRET = "bench-secret-that-is-long-enough-for-hs256"


# -- the system ---------------------------------------------------------------------------------
@contextmanager
def intake_stack() -> Iterator[Stack]:
    """PostgreSQL, the broker, topics and intake's schema (intake not started yet).

    The work directory is world-readable (not mkdtemp's 0700): PostgreSQL runs as another
    system user when this runs as root.
    """
    workdir = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    workdir.chmod(0o755)
    config = StackConfig(
        workdir=workdir,
        pg_port=free_port(),
        broker_port=free_port(),
        service_ports={SERVICE: free_port()},
        jwt_secret=JWT_SECRET,
        intake_rate_limit=0,  # timing the worklist, not the limiter
        durable=False,  # throw-away data: fsync, synchronous_commit, full_page_writes off
        partitions=3,
    )
    stack = Stack(config)
    try:
        stack.start_infrastructure()
        stack.create_topics()
        migrate = subprocess.run(
            [sys.executable, "-m", "intake", "migrate"],
            env=stack.env(),
            capture_output=True,
            text=True,
        )
        if migrate.returncode:
            raise RuntimeError(f"intake migrate failed:\n{migrate.stdout}{migrate.stderr}")
        yield stack
    except BaseException:
        for log in sorted(stack.logs.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log.name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def database_url(stack: Stack) -> str:
    return stack.database_urls["INTAKE_DATABASE_URL"]


# -- 1. seeding ---------------------------------------------------------------------------------
VIEW_COLUMNS = [
    "complaint_id",
    "status",
    "kind",
    "channel",
    "receiving_unit",
    "business_line",
    "severity",
    "flags",
    "received_at",
    "customer",
    "owner_unit",
    "handling_level",
    "restricted",
    "units_involved",
    "updated_at",
    "state",
    "provinces",
    "category",
    "handler_id",
    "handler",
    "next_due_at",
    "next_due",
]
CLOCK_COLUMNS = ["complaint_id", "clock", "state", "owner_unit", "started_at", "due_at", "late"]
CATEGORIES = ("attitude", "service_quality", "product", "process", "late_delivery", "other")


def _children(org: Organisation, unit: str, kind: str) -> list[str]:
    return [c for c in org.children[unit] if org.unit(c).kind == kind]


def generate(org: Organisation, now: datetime) -> tuple[list[tuple], list[tuple]]:
    """The complaint_views and clock_views rows, deterministic for SEED."""
    rng = random.Random(SEED)
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    now_minute = now.replace(second=0, microsecond=0)
    views: list[tuple] = []
    clocks: list[tuple] = []
    for branch, count in PER_BRANCH.items():
        outlets = _children(org, branch, "outlet")
        departments = _children(org, branch, "branch_department")
        hotline = _children(org, branch, "hotline")
        supervision = _children(org, branch, "supervision_line")
        receivers = [branch, *hotline, *outlets]
        owners = [branch, *outlets, *departments]
        for _ in range(count):
            cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            receiving = rng.choice(receivers)
            owner = rng.choice(owners)
            lines = org.unit(owner).lines or org.unit(branch).lines
            line = rng.choice(list(lines))
            status = rng.choices(statuses, weights)[0]
            received_at = now - timedelta(seconds=rng.uniform(3600, 30 * 86400))
            involved = list(dict.fromkeys([receiving, owner]))
            if rng.random() < ESCALATED:
                involved += supervision
            restricted = rng.random() < RESTRICTED
            handler = None
            if status in ("in_progress", "waiting_on_customer", "resolved", "closed"):
                staff = f"{owner}-staff-{rng.randrange(1, 13):02d}"
                handler = Handler(staff, f"Staff {staff[-2:]} of {owner}")
            next_due_at = next_due = None
            live: list[str] = []
            if status in ("resolved", "closed"):
                clocks.append((cid, "resolve", "met", owner, received_at, None, False))
            elif rng.random() < WITH_CLOCK:
                breached = rng.random() < BREACHED
                minutes = -rng.randrange(1, 2 * 1440) if breached else rng.randrange(1, 5 * 1440)
                next_due_at = now_minute + timedelta(minutes=minutes)
                state = "breached" if breached else "running"
                clock = "transfer" if status == "received" else "resolve"
                live.append(clock)
                clocks.append((cid, clock, state, owner, received_at, next_due_at, False))
                next_due = json.dumps(
                    {
                        "clock": clock,
                        "due_at": next_due_at.isoformat(),
                        "state": state,
                        "owner_unit": owner,
                    }
                )
            elif status == "waiting_on_customer":
                clocks.append((cid, "resolve", "paused", owner, received_at, None, False))
            if status != "received":
                clocks.append((cid, "start", "met", owner, received_at, None, False))
            folded = ComplaintState(
                status=status,
                registered=True,
                receiving_unit=receiving,
                business_line=line,
                owner_unit=owner,
                handling_level="branch",
                handler=handler,
                restricted=restricted,
                involved=tuple(involved),
                owners=((owner, received_at),),
                running_clocks=tuple(live),
            )
            views.append(
                (
                    cid,
                    status,
                    "complaint",
                    "hotline" if receiving in hotline else "on_site",
                    receiving,
                    line,
                    "normal",
                    [],
                    received_at,
                    json.dumps({"name": "张*", "phone": "+86 138 **** 0000"}),
                    owner,
                    "branch",
                    restricted,
                    involved,
                    now,
                    json.dumps(to_json(folded)),
                    sorted(provinces_of(org, involved)),
                    rng.choice(CATEGORIES),
                    handler.id if handler else None,
                    json.dumps({"id": handler.id, "name": handler.name}) if handler else None,
                    next_due_at,
                    next_due,
                )
            )
    return views, clocks


async def load(url: str, views: list[tuple], clocks: list[tuple]) -> dict[str, int]:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        await conn.copy_records_to_table("complaint_views", records=views, columns=VIEW_COLUMNS)
        await conn.copy_records_to_table("clock_views", records=clocks, columns=CLOCK_COLUMNS)
        await conn.execute(
            # as the projection keeps it: the due time, 'infinity' (the default) without one
            "UPDATE complaint_views SET due_order = next_due_at WHERE next_due_at IS NOT NULL"
        )
        await conn.execute("ANALYZE complaint_views; ANALYZE clock_views")
        return {
            "views": await conn.fetchval("SELECT count(*) FROM complaint_views"),
            "clocks": await conn.fetchval("SELECT count(*) FROM clock_views"),
            "branch": await conn.fetchval(
                "SELECT count(*) FROM complaint_views WHERE units_involved && $1::text[]",
                sorted(subtree(load_organisation(DEMO_ORG), BRANCH)),
            ),
        }
    finally:
        await conn.close()


# -- 2. measuring -------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Checker:
    """Checks every page: right size, soonest due first, only what the caller may see."""

    def __init__(self, org: Organisation, visible: dict[str, tuple[list[str], bool, list[str]]]):
        self.org = org
        self.visible = visible  # complaint_id -> (units_involved, restricted, provinces)
        self.problems: list[str] = []

    def check(self, caller: str, label: str, body: dict, full: bool = True) -> None:
        items = body["items"]
        if full and (len(items) != PAGE or not body["next_cursor"]):
            self.problems.append(f"{label}: {len(items)} items, cursor {body['next_cursor']!r}")
        keys = [_order_key(item) for item in items]
        if keys != sorted(keys):
            self.problems.append(f"{label}: items out of order")
        sight = sight_of(self.org, caller)
        for item in items:
            involved, restricted, provinces = self.visible[item["complaint_id"]]
            seen = (
                sight.everything
                or not sight.units.isdisjoint(involved)
                or (not restricted and not sight.provinces.isdisjoint(provinces))
            )
            if not seen:
                self.problems.append(f"{label}: {item['complaint_id']} not visible to {caller}")


def _order_key(item: dict) -> tuple:
    due = item["next_due"]
    at = datetime.fromisoformat(due["due_at"]).timestamp() if due else float("inf")
    return (at, item["complaint_id"])


def timed(client: httpx.Client, caller: str, params: list[tuple[str, Any]]) -> tuple[float, dict]:
    headers = {"Authorization": f"Bearer {issue_token(caller, JWT_SECRET)}"}
    start = time.perf_counter()
    response = client.get("/v1/complaints", params=params, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{caller} {params}: {response.status_code} {response.text[:300]}")
    return elapsed, response.json()


FINAL = "YN-KM status=resolved&status=closed"
QUERIES: dict[str, tuple[str, list[tuple[str, Any]]]] = {  # label -> (caller, params)
    "YN-KM first page": (BRANCH, []),
    "YN-KM owner_unit=YN-KM-01": (BRANCH, [("owner_unit", "YN-KM-01")]),
    "YN-KM awaiting=YN-KM": (BRANCH, [("awaiting", BRANCH)]),
    FINAL: (BRANCH, [("status", "resolved"), ("status", "closed")]),
    "province YN first page": ("YN", []),
    "province supervision line YN-SUP first page": ("YN-SUP", []),
    "HQ first page": ("HQ", []),
}
FEWER = {FINAL: 100}  # ~0.3 s a request: fewer, to stay within the time budget


def measure(stack: Stack, checker: Checker) -> tuple[dict[str, list[float]], str]:
    """The timings per figure, and the cursor the walks followed to their last page."""
    timings: dict[str, list[float]] = {}
    base = stack.base_url(SERVICE)
    with httpx.Client(base_url=base, timeout=30) as client:
        for label, (caller, extra) in QUERIES.items():
            params = [*extra, ("limit", PAGE)]
            for _ in range(WARMUP):
                _, body = timed(client, caller, params)
            checker.check(caller, label, body)
            timings[label] = []
            for _ in range(FEWER.get(label, REQUESTS)):
                elapsed, body = timed(client, caller, params)
                timings[label].append(elapsed)
            checker.check(caller, label, body)
            if label == "YN-KM first page":
                first = body

        # page 2: the same cursor, again and again
        page2 = [("limit", PAGE), ("cursor", first["next_cursor"])]
        for _ in range(WARMUP):
            timed(client, BRANCH, page2)
        timings["YN-KM page 2 (cursor)"] = []
        for _ in range(REQUESTS):
            elapsed, body = timed(client, BRANCH, page2)
            timings["YN-KM page 2 (cursor)"].append(elapsed)
        checker.check(BRANCH, "page 2", body)
        if {i["complaint_id"] for i in body["items"]} & {i["complaint_id"] for i in first["items"]}:
            checker.problems.append("page 2 repeats items of page 1")

        # deep paging: follow the cursors WALK_PAGES pages deep, WALKS times
        walk_all, walk_last = [], []
        for walk in range(WALKS + 1):  # the first walk is the warm-up
            cursor, seen, keys = None, set(), []
            for page in range(WALK_PAGES):
                params = [("limit", PAGE)] + ([("cursor", cursor)] if cursor else [])
                elapsed, body = timed(client, BRANCH, params)
                checker.check(BRANCH, f"walk page {page + 1}", body)
                ids = [i["complaint_id"] for i in body["items"]]
                if seen & set(ids):
                    checker.problems.append(f"walk page {page + 1} repeats items")
                seen |= set(ids)
                keys += [_order_key(i) for i in body["items"]]
                if page == WALK_PAGES - 1:
                    deep_cursor = cursor
                cursor = body["next_cursor"]
                if walk:
                    walk_all.append(elapsed)
                    if page == WALK_PAGES - 1:
                        walk_last.append(elapsed)
            if keys != sorted(keys):
                checker.problems.append("the walk's pages are out of order across pages")
        timings["deep walk: every page"] = walk_all
        timings["deep walk: page 20"] = walk_last
    return timings, deep_cursor


# -- 3. the plan of the default query -----------------------------------------------------------
class _Capture:
    """Stands in for the session factory: keeps the statement `SqlWorklist.page` executes."""

    statement: Any = None

    def __call__(self) -> _Capture:
        return self

    async def __aenter__(self) -> _Capture:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, statement: Any) -> Any:
        self.statement = statement

        class _Empty:
            def all(self) -> list:
                return []

        return _Empty()


async def explain(
    url: str, org: Organisation, caller: str, wanted: Any, generic: bool, after: Any
) -> tuple[str, dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the first-page query the service sends for `caller`.

    `generic`: the plan PostgreSQL may switch to for the service's prepared statement after
    five executions (plan_cache_mode = force_generic_plan)."""
    from intake.adapters.worklist import SqlWorklist  # the service's own SQL

    capture = _Capture()
    # The service asks for one more row than the page, to know whether there is a next page.
    await SqlWorklist(capture).page(sight_of(org, caller), wanted, after, PAGE + 1)
    compiled = capture.statement.compile(
        dialect=pg_asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    args = [compiled.params[name] for name in compiled.positiontup]
    sql = str(compiled)
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        if generic:
            await conn.execute("SET plan_cache_mode = force_generic_plan")
        text = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
        plan = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *args)
    finally:
        await conn.close()
    lines = "\n".join(row[0] for row in text)
    kind = "generic" if generic else "custom"
    print(
        f"[worklist] {caller} {wanted} after {after} ({kind} plan):\n{sql}\n-- {args}\n{lines}",
        flush=True,
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return lines, plan[0]


async def explain_all(url: str, org: Organisation, deep_cursor: str) -> dict[str, dict]:
    """The default query's plan (custom and generic), and the other figures' for the log."""
    from complaints_shared.workflow.lifecycle import OPEN
    from intake.adapters.worklist import WorklistFilter
    from intake.entrypoints.worklist_params import decode_cursor

    default = WorklistFilter(OPEN)
    deep = decode_cursor(deep_cursor)
    plans = {
        "default": (BRANCH, default, False, None),
        "default, generic": (BRANCH, default, True, None),
        f"page {WALK_PAGES} (cursor)": (BRANCH, default, False, deep),
        f"page {WALK_PAGES} (cursor), generic": (BRANCH, default, True, deep),
        "resolved+closed": (BRANCH, WorklistFilter(("resolved", "closed")), False, None),
        "awaiting": (BRANCH, WorklistFilter(OPEN, awaiting=BRANCH), False, None),
        "owner_unit": (BRANCH, WorklistFilter(OPEN, owner_unit="YN-KM-01"), False, None),
        "YN-SUP": ("YN-SUP", default, False, None),
        "HQ": ("HQ", default, False, None),
    }
    out = {}
    for label, (caller, wanted, generic, after) in plans.items():
        out[label] = (await explain(url, org, caller, wanted, generic, after))[1]
    return out


def _nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def plan_summary(plan: dict) -> tuple[str, bool]:
    """A one-line shape of the plan, and whether it seq-scans the table and sorts."""
    nodes = list(_nodes(plan["Plan"]))
    shape = []
    for node in nodes:
        part = node["Node Type"]
        if "Index Name" in node:
            part += f" using {node['Index Name']}"
        elif "Relation Name" in node:
            part += f" on {node['Relation Name']}"
        if "Sort Method" in node:
            part += f" ({node['Sort Method']})"
        shape.append(part)
    seq = any(
        n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "complaint_views" for n in nodes
    )
    sort = any("Sort" in n["Node Type"] for n in nodes)
    read = sum(
        (n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)) * n.get("Actual Loops", 1)
        for n in nodes
        if "Scan" in n["Node Type"]
    )
    summary = (
        " → ".join(shape)
        + f"; {read:,.0f} rows examined by its scans, {plan['Execution Time']:.1f} ms in PostgreSQL"
    )
    return summary, seq and sort


# -- the benchmark ------------------------------------------------------------------------------
def run() -> dict:
    org = load_organisation(DEMO_ORG)
    with intake_stack() as stack:
        url = database_url(stack)
        started = time.perf_counter()
        views, clocks = generate(org, datetime.now(UTC))
        counts = asyncio.run(load(url, views, clocks))
        seeding = time.perf_counter() - started
        visible = {row[0]: (row[13], row[12], row[16]) for row in views}
        del views, clocks
        stack.start_service(SERVICE)
        stack.wait_healthy(SERVICE)
        checker = Checker(org, visible)
        measuring = time.perf_counter()
        timings, deep_cursor = measure(stack, checker)
        measuring = time.perf_counter() - measuring
        plans = asyncio.run(explain_all(url, org, deep_cursor))
    summaries = {label: plan_summary(plan) for label, plan in plans.items()}
    for label, (summary, scans_and_sorts) in summaries.items():
        warn = "  WARNING: seq scan of complaint_views + sort" if scans_and_sorts else ""
        print(f"[worklist] plan {label}: {summary}{warn}", flush=True)
    if checker.problems:
        print("[worklist] problems:\n  " + "\n  ".join(checker.problems[:20]), file=sys.stderr)

    r = lambda v: round(v, 1)  # noqa: E731
    figures: dict[str, Any] = {
        "complaints seeded (rows of complaint_views)": counts["views"],
        "of which visible to YN-KM (involve its subtree)": counts["branch"],
        "clock_views rows seeded": counts["clocks"],
        "seeding: generate + COPY + ANALYZE (s)": r(seeding),
    }
    order = [
        "YN-KM first page",
        "YN-KM page 2 (cursor)",
        "deep walk: every page",
        "deep walk: page 20",
        "YN-KM owner_unit=YN-KM-01",
        "YN-KM awaiting=YN-KM",
        "YN-KM status=resolved&status=closed",
        "province YN first page",
        "province supervision line YN-SUP first page",
        "HQ first page",
    ]
    for label in order:
        values = timings[label]
        figures[f"{label}: p50 / p99 (ms)"] = (
            f"{r(percentile(values, 50))} / {r(percentile(values, 99))}"
        )
    figures["default YN-KM query plan (EXPLAIN ANALYZE, custom plan)"] = summaries["default"][0]
    figures["the same, generic plan (prepared statement)"] = summaries["default, generic"][0]
    deep = f"page {WALK_PAGES} (cursor)"
    figures[f"{deep} query plan (custom plan)"] = summaries[deep][0]
    figures[f"{FINAL} query plan"] = summaries["resolved+closed"][0]
    figures["answers failing the checks (order, size, visibility)"] = len(checker.problems)
    return {
        "figures": figures,
        "method": (
            "200,000 complaint_views rows COPY-loaded after `intake migrate` (100,000 in YN-KM's "
            "subtree, 100,000 in 2 other YN branches and 2 GD branches; ~30% resolved/closed; "
            "80% of open ones with a live clock due -2 d..+5 d), ANALYZE; intake alone; "
            f"sequential httpx GETs (limit={PAGE}) on one keep-alive connection, wall clock per "
            f"request; {WARMUP} warm-up then {REQUESTS} timed requests per query figure "
            f"({FEWER[FINAL]} for {FINAL}); page 2: the same cursor {REQUESTS} times; deep walk: "
            f"{WALKS} timed walks (after 1 warm-up walk) of {WALK_PAGES} pages following "
            f"next_cursor = {WALKS * WALK_PAGES} requests for 'every page', {WALKS} for "
            f"'page {WALK_PAGES}'; percentiles nearest rank; plans: EXPLAIN (ANALYZE, BUFFERS) "
            f"once each, after the requests, of the SQL SqlWorklist.page builds; "
            f"measuring took {measuring:.0f} s"
        ),
    }
