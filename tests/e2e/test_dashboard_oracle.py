"""The dashboard's figures computed straight from the log, for the browser test to compare.

Written apart from the service (no import of `dashboard`), from the rules the page states:
live figures are of complaints open now; period figures are of complaints received on the
period's local days; a count groups units by the level below the scope. No tests here.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaints_shared.contracts.envelope import from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.contracts.topics import COMPLAINT_EVENTS
from complaints_shared.organisation import Organisation
from complaints_shared.testing.kafka import read_all

SOON = timedelta(hours=1)


def fold(pairs) -> dict[str, dict]:
    """complaint id -> what its events say, in log order."""
    cases: dict[str, dict] = {}
    for envelope, event in pairs:
        if event is None:
            continue
        k = cases.setdefault(
            envelope.subject,
            {
                "rec": None,
                "involved": [],
                "restricted": False,
                "owner": None,
                "since": None,
                "accepted": False,
                "early": None,
                "final": False,
                "cls": None,
                "sat": None,
                "samples": {},
                "runs": [],
            },
        )
        name, at, d = event.NAME, envelope.time, event.model_dump()
        if name == "complaint.received":
            k["rec"] = event
            k["involved"].append(event.receiving_unit)
        elif name == "complaint.assigned":
            k["involved"] += [d["owner_unit"], *d["also_involved"], *d["reported_to"]]
            k["restricted"] |= d["restricted"]
            if d["owner_unit"] != k["owner"]:
                k.update(owner=d["owner_unit"], since=at, accepted=False)
                if k["early"] and k["early"][0] == k["owner"]:
                    k["samples"].setdefault(("start", k["owner"]), _seconds(at, k["early"][1]))
                    k["accepted"] = True
                k["early"] = None
        elif name in ("complaint.transferred", "complaint.escalated", "complaint.reported"):
            k["involved"].append(d["to_unit"])
        elif name == "complaint.accepted":
            if d["unit"] == k["owner"] and not k["accepted"]:
                k["samples"].setdefault(("start", d["unit"]), _seconds(k["since"], d["at"]))
                k["accepted"] = True
            elif k["owner"] is None:
                k["early"] = (d["unit"], d["at"])
        elif name == "complaint.resolved":
            if not any(m == "resolve" for m, _ in k["samples"]) and k["rec"]:
                k["samples"][("resolve", k["owner"] or d["unit"])] = _seconds(
                    k["rec"].received_at, d["at"]
                )
            k["final"] = True
        elif name == "complaint.closed":
            k["final"] = True
        elif name == "complaint.reopened":
            k["final"] = False
        elif name == "complaint.classified":
            k["cls"] = d["classification"]
        elif name == "complaint.return_visit_recorded":
            k["sat"] = d["satisfaction"]
        elif name.startswith("sla.") and "clock" in d:
            if name == "sla.clock_started" and d.get("owner_unit"):
                k["involved"].append(d["owner_unit"])  # a clock's owner is involved
            runs = [r for r in k["runs"] if r["clock"] == d["clock"]]
            if name == "sla.clock_started" or not runs:
                k["runs"].append(
                    {
                        "clock": d["clock"],
                        "owner": d["owner_unit"],
                        "state": "running",
                        "due": d.get("due_at"),
                        "breached": False,
                        "late": False,
                    }
                )
                if name == "sla.clock_started":
                    continue
                runs = [k["runs"][-1]]
            run = runs[-1]
            if name in ("sla.clock_paused", "sla.clock_resumed", "sla.clock_rescheduled"):
                run["due"] = d["due_at"]
                run["state"] = {"sla.clock_paused": "paused", "sla.clock_resumed": "running"}.get(
                    name, run["state"]
                )
            elif name == "sla.breached":
                run.update(breached=True, due=d["due_at"])
            elif name == "sla.clock_stopped":
                run.update(state=d["outcome"], late=d["late"])
    return cases


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))  # whole seconds, never negative


def expected_figures(
    org: Organisation, pairs, *, caller: str, root: str, now: datetime, days: int
) -> dict[str, float | None]:
    below = {u for u in org.units if org.is_self_or_above(root, u)}

    def group(unit: str) -> str:
        chain = [unit, *(a.id for a in org.ancestors(unit))] if unit in org else [unit]
        return chain[chain.index(root) - 1] if root in chain[1:] else unit

    def visible(k) -> bool:
        # A restricted case: only the units involved and the units above them, and HQ.
        up_its_chain = any(org.is_self_or_above(caller, u) for u in k["involved"] if u in org)
        if k["restricted"] and not up_its_chain and org.unit(caller).kind != "hq":
            return False
        return k["rec"] is not None and bool(below & set(k["involved"]))

    def day(unit: str, at: datetime):
        return at.astimezone(ZoneInfo(org.inherited(unit, "timezone"))).date()

    last = day(root, now)
    first = last - timedelta(days=days - 1)
    out: dict[str, float | None] = {}
    cases = {cid: k for cid, k in fold(pairs).items() if visible(k)}
    risky = []
    for cid, k in cases.items():
        if k["final"]:
            continue
        states = {"open"}
        for r in k["runs"]:
            active = r["state"] in ("running", "paused")
            if active and (r["breached"] or (r["state"] == "running" and r["due"] <= now)):
                states.add("breached")
            if r["state"] == "running" and not r["breached"] and now < r["due"] <= now + SOON:
                states.add("due_soon")
            if active:
                risky.append((r["due"], cid, r["clock"]))
        rec = k["rec"]
        for dim, key in (
            ("total", None),
            ("unit", group(k["owner"] or rec.receiving_unit)),
            ("line", rec.business_line),
            ("channel", rec.channel),
        ):
            for s in ("open", "due_soon", "breached"):
                metric = f"live.{dim}.{key}.{s}" if key else f"live.total.{s}"
                out[metric] = out.get(metric, 0) + (s in states)
    for s in ("open", "due_soon", "breached"):
        out.setdefault(f"live.total.{s}", 0)
    for due, cid, clock in sorted(risky)[:50]:
        out[f"at_risk.{cid}.{clock}"] = int((due - now).total_seconds())

    cohort = [
        k
        for k in cases.values()
        if first <= day(k["rec"].receiving_unit, k["rec"].received_at) <= last
    ]
    out["received.total"] = len(cohort)
    samples = defaultdict(list)
    for k in cohort:
        rec = k["rec"]
        unit_key = f"received.unit.{rec.receiving_unit}"
        out[unit_key] = out.get(unit_key, 0) + 1
        local = day(rec.receiving_unit, rec.received_at)
        day_key = f"received.day.{group(rec.receiving_unit)}.{local}"
        out[day_key] = out.get(day_key, 0) + 1
        for r in k["runs"]:
            base = f"on_time.{group(r['owner'])}.{r['clock']}"
            good = r["state"] == "met" and not (r["breached"] or r["late"])
            bad = r["breached"] or r["late"]
            out[f"{base}.on_time"] = out.get(f"{base}.on_time", 0) + good
            out[f"{base}.decided"] = out.get(f"{base}.decided", 0) + (good or bad)
        for (measure, unit), seconds in k["samples"].items():
            samples[(measure, group(unit))].append(seconds)
            samples[(measure, "total")].append(seconds)
    for key in {g for (_, g) in samples} | {"total"}:
        for measure in ("start", "resolve"):
            values = samples.get((measure, key), [])
            p90 = (
                values[0]
                if len(values) == 1
                else statistics.quantiles(values, n=10, method="inclusive")[8]
                if values
                else None
            )
            out[f"{measure}.{key}.count"] = len(values) if values or key == "total" else None
            out[f"{measure}.{key}.median_seconds"] = statistics.median(values) if values else None
            out[f"{measure}.{key}.p90_seconds"] = p90
    for name in ("valid", "special"):
        out[f"classification.{name}"] = sum(k["cls"] == name for k in cohort)
    out["classification.unclassified"] = sum(k["cls"] is None for k in cohort)
    scores = [k["sat"] for k in cohort if k["sat"] is not None]
    out["satisfaction.count"] = len(scores)
    out["satisfaction.average"] = statistics.mean(scores) if scores else None
    for n in range(1, 6):
        out[f"satisfaction.score.{n}"] = scores.count(n)
    return out


def log_events(bootstrap: str) -> list:
    """(envelope, event) of every record in the log. In a thread of its own: Playwright's
    sync API keeps an event loop running in the test's thread."""
    with ThreadPoolExecutor(1) as pool:
        records = pool.submit(read_all, bootstrap, COMPLAINT_EVENTS).result()
    envelopes = [from_kafka(r.key, r.value, r.headers) for r in records]
    return [(envelope, parse(envelope)) for envelope in envelopes]


def stays_of(bootstrap: str, complaint_id: str) -> list[str]:
    """The owners a complaint passed through, from its assignments in the log."""
    owners: list[str] = []
    for envelope, _ in log_events(bootstrap):
        if envelope.subject == complaint_id and envelope.type.startswith("complaint.assigned."):
            owner = envelope.data["owner_unit"]
            if not owners or owners[-1] != owner:
                owners.append(owner)
    return owners
