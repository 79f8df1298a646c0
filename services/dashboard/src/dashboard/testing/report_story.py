"""A month of complaints for the report tests, and the figures expected of it, worked out from
the events alone by the rules of docs/reports.md (not by the report code).

`story(seed, month_start, month_end)` gives (complaint id, event, event time) in log order per
complaint: complaints received a few days either side of the month, signed for (late or not),
some handed to another handler, resolved (late or not), classified, some visited.
`expected(steps, units, start, end)` counts what the month's assessment and return-visit summary
must say per unit and per (unit, handler id).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from complaints_shared.contracts import complaint_events as c
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts import sla_events as s
from complaints_shared.contracts.base import Event

Step = tuple[str, Event, datetime]
OWNERS = ("YN-KM-01", "YN-KM-02", "YN-DL-01", "YN-KM")
CATEGORIES = ("attitude", "process", "late_delivery", "other")
NAMES = ("张伟", "王芳", "李娜")


def _started(clock: str, owner: str, when: datetime, due: datetime) -> s.ClockStarted:
    seconds = int((due - when).total_seconds())
    return s.ClockStarted(
        clock=clock, owner_unit=owner, started_at=when, due_at=due, budget_seconds=seconds,
        calendar="24x7",
    )  # fmt: skip


def story(seed: int, month_start: datetime, month_end: datetime, count: int = 40) -> list[Step]:
    rng = random.Random(seed)
    span = int(((month_end - month_start) + timedelta(days=6)).total_seconds())
    steps: list[Step] = []
    for n in range(count):
        t0 = month_start - timedelta(days=3) + timedelta(seconds=rng.randrange(span))
        cid = f"R{seed}-{n:03d}"
        steps += [(cid, event, when) for event, when in _complaint(rng, rng.choice(OWNERS), t0)]
    return steps


class _Log(list[tuple[Event, datetime]]):
    def __init__(self, owner: str) -> None:
        super().__init__()
        self.owner = owner

    def act(self, cls: type[c.UnitAction], when: datetime, unit: str = "", **more: Any) -> None:
        unit = unit or self.owner
        self.append((cls(unit=unit, at=when, posted_by=unit, **more), when))

    def clock(
        self, name: str, start: datetime, due: datetime, done: datetime, who: c.HandlerRef | None
    ) -> s.ClockStopped:
        """Start the clock, breach it if `done` is late; the stop is returned, not logged."""
        self.append((_started(name, self.owner, start, due), start))
        if done > due:
            breach = s.SlaBreached(clock=name, owner_unit=self.owner, due_at=due, handler=who)
            self.append((breach, due))
        return s.ClockStopped(
            clock=name, owner_unit=self.owner, outcome="met", stopped_at=done,
            late=done > due, handler=who,
        )  # fmt: skip


def _complaint(rng: random.Random, owner: str, t0: datetime) -> _Log:
    log = _Log(owner)
    handlers = [c.HandlerRef(id=f"{owner}-{k}", name=NAMES[k]) for k in range(3)]
    handler = rng.choice(handlers)
    received = c.ComplaintReceived(
        kind="complaint", channel="on_site", receiving_unit=owner, business_line="cards",
        category=rng.choice(CATEGORIES), received_at=t0,
        customer=c.Customer(name="张**", phone="*******8000"), posted_by=owner,
        prior_complaints=rng.choice((0, 0, 1, 2)),
    )  # fmt: skip
    log.append((received, t0))
    assigned_at = t0 + timedelta(minutes=1)
    assigned = r.ComplaintAssigned(owner_unit=owner, handling_level="branch", rule="r", reason="r")
    log.append((assigned, assigned_at))
    accepted = assigned_at + timedelta(minutes=rng.randrange(10, 200))
    # the start clock: nobody holds the complaint before the sign-for, which meets it
    stop = log.clock("start", assigned_at, assigned_at + timedelta(hours=2), accepted, None)
    log.act(c.ComplaintAccepted, accepted, handler=handler)
    log.append((stop.model_copy(update={"handler": handler}), accepted))
    current = handler
    if rng.random() < 0.3:
        current = rng.choice([h for h in handlers if h != handler])
        log.act(c.HandlerChanged, accepted + timedelta(minutes=30), handler=current)
    done = accepted + timedelta(hours=rng.randrange(1, 40))
    stop = log.clock("resolve", accepted, accepted + timedelta(hours=24), done, current)
    if rng.random() < 0.8:
        kind = rng.choice(("valid", "valid", "special"))
        log.act(c.Classified, done - timedelta(minutes=10), classification=kind)
    log.act(c.Resolved, done, reply="replied")
    log.append((stop, done))
    if rng.random() < 0.5:
        visited = done + timedelta(hours=rng.randrange(1, 120))
        stop = log.clock("return_visit", done, done + timedelta(days=3), visited, current)
        asks = rng.choice((None, "希望短信提醒", "要求赔偿"))
        log.act(c.ReturnVisitRecorded, visited, unit="YN-SUP", satisfaction=rng.randrange(1, 6),
                reached=rng.random() < 0.8, customer_asks=asks)  # fmt: skip
        log.append((stop, visited))
    return log


def expected(steps: list[Step], units: set[str], start: datetime, end: datetime) -> dict[str, Any]:
    """{"units": {unit: figures}, "handlers": {(unit, handler id): figures}, "asks": [...]}"""
    within = lambda when: start <= when < end  # noqa: E731
    rows: dict[Any, Counter[str]] = defaultdict(Counter)
    scores: dict[Any, list[int]] = defaultdict(list)
    seconds: dict[Any, list[int]] = defaultdict(list)
    info: dict[str, tuple[str, bool]] = {}
    classified: dict[str, tuple[datetime, str, str, str | None]] = {}
    state: dict[str, dict[str, Any]] = defaultdict(dict)
    asks = []
    taken: set[tuple[str, str]] = set()

    def count(unit: str, who: str | None, figure: str, n: int = 1) -> None:
        rows[unit][figure] += n
        if who is not None:
            rows[(unit, who)][figure] += n

    for cid, event, when in steps:
        st = state[cid]
        who = st.get("handler")
        if isinstance(event, c.ComplaintReceived):
            info[cid] = (event.category, event.prior_complaints >= 1)
            st.update(owner=event.receiving_unit, received=when)
            if within(when):
                rows[event.receiving_unit]["received"] += 1
                rows[event.receiving_unit][f"category_{event.category}"] += 1
                rows[event.receiving_unit]["repeat"] += event.prior_complaints >= 1
        elif isinstance(event, r.ComplaintAssigned):
            st.update(owner=event.owner_unit, assigned=when)
        elif isinstance(event, c.ComplaintAccepted | c.HandlerChanged):
            st["handler"] = event.handler.id if event.handler else None
            if isinstance(event, c.ComplaintAccepted) and within(when):
                seconds[(st["owner"], "start")].append(int((when - st["assigned"]).total_seconds()))
                seconds[((st["owner"], st["handler"]), "start")].append(
                    int((when - st["assigned"]).total_seconds())
                )
            if within(when):
                if (st["owner"], cid) not in taken:
                    taken.add((st["owner"], cid))
                    rows[st["owner"]]["taken"] += 1
                rows[(st["owner"], st["handler"])]["taken"] += 1
                category, repeat = info[cid]
                rows[(st["owner"], st["handler"])][f"category_{category}"] += 1
                rows[(st["owner"], st["handler"])]["repeat"] += repeat
        elif isinstance(event, c.Classified) and within(when):
            classified[cid] = (when, st["owner"], event.classification, who)
        elif isinstance(event, c.Resolved) and within(when):
            spent = int((when - st["received"]).total_seconds())
            seconds[(st["owner"], "resolve")].append(spent)
            seconds[((st["owner"], who), "resolve")].append(spent)
            _ = rows[(st["owner"], who)]  # a handler row, if only for this duration
        elif isinstance(event, s.SlaBreached):
            st[f"breached_{event.clock}"] = True
            if within(when):
                named = event.handler.id if event.handler else None
                count(event.owner_unit, named, f"{event.clock}_late")
                count(event.owner_unit, named, "breaches")
                if event.clock == "return_visit":
                    count(st["owner"], who, "visit_late")
        elif isinstance(event, s.ClockStopped) and not st.get(f"breached_{event.clock}"):
            if within(when):
                named = event.handler.id if event.handler else None
                verdict = "late" if event.late else "on_time"
                count(event.owner_unit, named, f"{event.clock}_{verdict}")
                if event.clock == "return_visit":
                    count(st["owner"], who, f"visit_{verdict}")
        elif isinstance(event, s.ClockStarted) and event.clock == "return_visit":
            if within(event.due_at):
                count(st["owner"], who, "due")
        elif isinstance(event, c.ReturnVisitRecorded) and within(when):
            count(st["owner"], who, "made")
            if event.reached:
                count(st["owner"], who, "reached")
                scores[st["owner"]].append(event.satisfaction)
                scores[(st["owner"], who)].append(event.satisfaction)
            if event.customer_asks:
                asks.append((cid, st["owner"], event.customer_asks))
    for _, unit, kind, who in classified.values():
        count(unit, who, kind)
    keep = lambda key: (key if isinstance(key, str) else key[0]) in units  # noqa: E731
    return {
        "rows": {k: v for k, v in rows.items() if keep(k)},
        "scores": {k: v for k, v in scores.items() if keep(k)},
        "seconds": {k: v for k, v in seconds.items() if keep(k[0])},
        "asks": [a for a in asks if a[1] in units],
    }


def percentile(values: list[int], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, written out here on its own."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def mismatches(
    assessment: dict[str, Any], visits: dict[str, Any], exp: dict[str, Any]
) -> list[str]:
    """Every figure of the two reports (JSON) that differs from `expected`'s."""
    wrong: list[str] = []

    def check(where: Any, name: str, got: Any, want: Any) -> None:
        if got != want:
            wrong.append(f"{where} {name}: got {got!r}, want {want!r}")

    def common(key: Any, row: dict[str, Any]) -> None:
        want = exp["rows"].get(key, Counter())
        for name in ("taken", "valid", "special", "breaches"):
            check(key, name, row[name], want[name])
        check(key, "repeat_complainants", row["repeat_complainants"], want["repeat"])
        for category, n in row["by_category"].items():
            check(key, category, n, want[f"category_{category}"])
        for clock in ("start", "resolve", "return_visit"):
            for verdict in ("on_time", "late"):
                check(
                    key,
                    f"{clock} {verdict}",
                    row["clocks"][clock][verdict],
                    want[f"{clock}_{verdict}"],
                )
        for measure in ("start", "resolve"):
            values = exp["seconds"].get((key, measure), [])
            got = row[f"time_to_{measure}"]
            check(key, f"{measure} count", got["count"], len(values))
            check(key, f"{measure} median", got["median_seconds"], percentile(values, 0.5))
            check(key, f"{measure} p90", got["p90_seconds"], percentile(values, 0.9))
        scores = exp["scores"].get(key, [])
        check(key, "satisfaction", row["satisfaction"]["distribution"],
              {str(n): scores.count(n) for n in range(1, 6)})  # fmt: skip

    for row in assessment["units"]:
        common(row["unit"], row)
        check(
            row["unit"],
            "received",
            row["received"],
            exp["rows"].get(row["unit"], {}).get("received", 0),
        )
    handlers = {(row["unit"], row["handler"]["id"]): row for row in assessment["handlers"]}
    wanted = {k for k in exp["rows"] if isinstance(k, tuple) and k[1] is not None}
    check("handlers", "keys", set(handlers), wanted)
    for key, row in handlers.items():
        common(key, row)
    for row in [*visits["units"], *visits["handlers"]]:
        key = row["unit"] if "handler" not in row else (row["unit"], row["handler"]["id"])
        want = exp["rows"].get(key, Counter())
        for name, figure in (("due", "due"), ("made", "made"), ("reached", "reached"),
                             ("on_time", "visit_on_time"), ("late", "visit_late")):  # fmt: skip
            check(key, name, row[name], want[figure])
        check(
            key, "satisfaction count", row["satisfaction"]["count"], len(exp["scores"].get(key, []))
        )
    asks = sorted(
        (a["complaint_id"], a["unit"], a["customer_asks"]) for a in visits["customer_asks"]
    )
    check("visits", "customer_asks", asks, sorted(exp["asks"]))
    return wrong
