"""Routing decisions per second on a generated national organisation (no database, no broker).

The organisation has the shape of deploy/demo/organisation.yaml, scaled up: HQ with its quality
group and discipline office; 30 provinces, each with its customer-service department, three
lines and one department per business line; 20 branches per province, each with three lines,
one department per business line and 10 outlets.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence

from complaints_shared.organisation import Organisation, parse_organisation
from routing.domain.rules import TRANSFER_REASONS, Decision, RoutingFacts, request_transfer, route

NAME = "routing"
DESCRIPTION = (
    "Pure routing core: initial routing decisions and transfer requests per second on a "
    "generated organisation of 30 provinces × 20 branches × 10 outlets."
)

PROVINCES, BRANCHES, OUTLETS = 30, 20, 10
LINES = ("deposits", "loans", "cards", "logistics")
OUTLET_LINES = ("deposits", "cards", "logistics")  # as in the demo: loans are a branch matter
DECISIONS, TRANSFERS, WARMUP, RUNS = 50_000, 20_000, 5_000, 5
SEED = 20_240_601

CHANNELS = {  # channel: weight
    "on_site": 25,
    "hotline": 20,
    "online": 15,
    "assistance_line": 8,
    "department": 8,
    "supervision_line": 5,
    "consumer_hotline": 5,
    "email": 5,
    "opinion_book": 4,
    "letter": 4,
    "media": 1,
}
RECEIVERS = {  # which units receive complaints: unit kinds and weight
    ("outlet",): 50,
    ("branch_department",): 12,
    ("hotline", "assistance_line", "supervision_line"): 15,  # a branch's or a province's lines
    ("branch",): 5,
    ("province", "province_cs_department", "province_department"): 13,
    ("hq", "hq_quality_group", "hq_discipline_office"): 5,
}
FLAGS = {"discipline": 0.01, "media_exposure": 0.02, "major_liability": 0.01}


def _unit(uid: str, kind: str, name: str, parent: str | None = None, **extra) -> dict:
    contact = {"name": f"{name} complaint desk", "email": f"{uid.lower()}@complaints.example"}
    unit = {"id": uid, "kind": kind, "name": name, "contacts": [contact]}
    return unit | ({"parent": parent} if parent else {}) | extra


def _lines_and_departments(parent: str, name: str, department_kind: str) -> list[dict]:
    return [
        _unit(f"{parent}-SUP", "supervision_line", f"{name} supervision line", parent),
        _unit(f"{parent}-AST", "assistance_line", f"{name} assistance line", parent),
        _unit(f"{parent}-HOT", "hotline", f"{name} hotline", parent),
        *(
            _unit(f"{parent}-{ln.upper()}", department_kind, f"{name} {ln}", parent, lines=[ln])
            for ln in LINES
        ),
    ]


def organisation_data() -> dict:
    """The organisation file, as the dict that `yaml.safe_load` would give."""
    units = [
        _unit("HQ", "hq", "Head office", calendar="cn", timezone="Asia/Shanghai"),
        _unit("HQ-QSG", "hq_quality_group", "Quality-service leadership group", "HQ"),
        _unit("HQ-DIO", "hq_discipline_office", "Discipline-inspection office", "HQ"),
    ]
    for p in range(1, PROVINCES + 1):
        province = f"P{p:02}"
        units += [
            _unit(province, "province", f"Province {p}", "HQ", calendar="cn"),
            _unit(f"{province}-CS", "province_cs_department", f"Province {p} CS", province),
            *_lines_and_departments(province, f"Province {p}", "province_department"),
        ]
        for b in range(1, BRANCHES + 1):
            branch = f"{province}-B{b:02}"
            units += [
                _unit(branch, "branch", f"Branch {p}.{b}", province, lines=list(LINES)),
                *_lines_and_departments(branch, f"Branch {p}.{b}", "branch_department"),
                *(
                    _unit(
                        f"{branch}-{o:02}",
                        "outlet",
                        f"Outlet {p}.{b}.{o}",
                        branch,
                        lines=list(OUTLET_LINES),
                    )
                    for o in range(1, OUTLETS + 1)
                ),
            ]
    return {
        "timezone": "Asia/Shanghai",
        "business_lines": list(LINES),
        "calendars": {"cn": {"official": "cn", "hours": ["09:00-12:00", "13:30-17:30"]}},
        "units": units,
    }


def complaints(org: Organisation, count: int, rng: random.Random) -> list[RoutingFacts]:
    """A seeded mix of complaints: receiving units across every level, all channels and lines."""
    pools = [[u.id for k in kinds for u in org.units_of_kind(k)] for kinds in RECEIVERS]
    channels = list(CHANNELS)
    facts = []
    for _ in range(count):
        pool = rng.choices(pools, weights=list(RECEIVERS.values()))[0]
        flags = frozenset(f for f, p in FLAGS.items() if rng.random() < p)
        facts.append(
            RoutingFacts(
                kind="inquiry" if rng.random() < 0.2 else "complaint",
                channel=rng.choices(channels, weights=list(CHANNELS.values()))[0],
                receiving_unit=rng.choice(pool),
                business_line=rng.choice(LINES),
                severity="major" if rng.random() < 0.05 else "normal",
                flags=flags,
            )
        )
    return facts


def transfer_requests(
    org: Organisation, facts: Sequence[RoutingFacts], rng: random.Random
) -> list[tuple[RoutingFacts, dict]]:
    """For each complaint, a transfer request by (mostly) its owner: a reason alone, or a named
    target nearby or anywhere, with a history of 0–8 earlier owners (8 exceeds the bound)."""
    everyone = list(org.units)
    requests = []
    for f in facts:
        owner = route(f, org).owner_unit
        parent = org.unit(owner).parent or owner
        nearby = org.children[parent]
        requested_by = rng.choices([owner, parent, rng.choice(everyone)], weights=[85, 10, 5])[0]
        to_unit = rng.choices([None, rng.choice(nearby), rng.choice(everyone)], [70, 20, 10])[0]
        earlier = rng.sample(nearby, min(len(nearby), rng.choice([0, 0, 0, 1, 2, 3, 8])))
        requests.append(
            (
                f,
                {
                    "current_owner": owner,
                    "requested_by": requested_by,
                    "reason": rng.choice(TRANSFER_REASONS),
                    "to_unit": to_unit,
                    "history": (*earlier, owner),
                },
            )
        )
    return requests


def _timed(call: Callable[[], object], items: int) -> tuple[list[float], list[float]]:
    """Run `call` (which makes `items` calls and returns their latencies) RUNS times.
    Returns the per-run rates and every latency."""
    rates, latencies = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        latencies += call()
        rates.append(items / (time.perf_counter() - start))
    return rates, latencies


def _each(items: Sequence, fn: Callable) -> Callable[[], list[float]]:
    def call() -> list[float]:
        out = []
        for item in items:
            t0 = time.perf_counter()
            fn(item)
            out.append(time.perf_counter() - t0)
        return out

    return call


def _percentile_us(latencies: list[float], p: int) -> float:
    return round(statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] * 1e6, 1)


def run() -> dict:
    data = organisation_data()
    parse_times = []
    for _ in range(3):
        start = time.perf_counter()
        org = parse_organisation(data)
        parse_times.append(time.perf_counter() - start)

    rng = random.Random(SEED)
    facts = complaints(org, DECISIONS, rng)
    _each(facts[:WARMUP], lambda f: route(f, org))()
    route_rates, route_lat = _timed(_each(facts, lambda f: route(f, org)), len(facts))

    requests = transfer_requests(org, facts[:TRANSFERS], rng)
    outcomes = [request_transfer(f, org, **kw) for f, kw in requests]  # also the warm-up
    accepted = sum(isinstance(o, Decision) for o in outcomes) / len(outcomes)
    transfer_rates, transfer_lat = _timed(
        _each(requests, lambda r: request_transfer(r[0], org, **r[1])), len(requests)
    )

    return {
        "figures": {
            "organisation units": len(org.units),
            "parse + validate organisation (ms, median of 3)": round(
                statistics.median(parse_times) * 1e3, 1
            ),
            "route: decisions/s (median of 5 runs)": round(statistics.median(route_rates)),
            "route: p50 latency (µs)": _percentile_us(route_lat, 50),
            "route: p99 latency (µs)": _percentile_us(route_lat, 99),
            "request_transfer: decisions/s (median of 5 runs)": round(
                statistics.median(transfer_rates)
            ),
            "request_transfer: p50 latency (µs)": _percentile_us(transfer_lat, 50),
            "request_transfer: p99 latency (µs)": _percentile_us(transfer_lat, 99),
            "request_transfer: share accepted (%)": round(accepted * 100, 1),
        },
        "method": (
            f"`parse_organisation` on the generated dict (3 runs); `route` over {DECISIONS:,} "
            f"seeded complaints (seed {SEED}: receiving units at every level, all channels and "
            f"lines, 5% major, 1–2% per flag) after {WARMUP:,} warm-up decisions, {RUNS} runs; "
            f"`request_transfer` over {TRANSFERS:,} requests (85% by the owner, 30% with a "
            f"named target, histories of 0–8 owners), {RUNS} runs; latencies are per call "
            "(time.perf_counter) over all runs; single process, in memory."
        ),
    }
