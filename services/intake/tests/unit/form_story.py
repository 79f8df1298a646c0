"""A complaint's story for the handling form tests, and the oracle: the form read off the
events by hand, one field at a time, without the fold."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.complaint_events import PersonalData
from complaints_shared.contracts.sla_events import ClockRescheduled, ClockStopped, SlaBreached
from intake.service_layer.submissions import SOURCE

from .events import ORG, action, assigned, at, received, started, transferred

KUNMING = timezone(timedelta(hours=8))
REPLY = "已为客户办理退款"
CLERK = {"id": "e7", "name": "李四"}
MANAGER = {"id": "m2", "name": "王五"}
PROVINCE = {"id": "p1", "name": "赵六"}
VISITOR = {"id": "s9", "name": "钱七"}
# What the story's receipt sealed: the form opens it (through intake) for the account.
ACCOUNT = PersonalData(
    name="张三丰", phone="13800138000", summary="card swallowed by the machine", asks_for="退还年费"
)


def stopped(clock: str, owner: str, when: datetime, **values: Any) -> Event:
    return ClockStopped(clock=clock, owner_unit=owner, stopped_at=when, **values)


def breached(clock: str, owner: str, due: datetime) -> Event:
    return SlaBreached(clock=clock, owner_unit=owner, due_at=due)


def rescheduled(clock: str, owner: str, was: datetime, due: datetime) -> Event:
    return ClockRescheduled(
        clock=clock, owner_unit=owner, due_at=due, previous_due_at=was, reason="extension"
    )


def event_id_of(event: Event) -> str | None:
    """A known id for an extension request (a decision names it); None: any id."""
    if event.NAME == "complaint.extension_requested":
        return f"request-{event.at:%H%M}"  # type: ignore[attr-defined]
    return None


def decided(minutes: float, unit: str, requested: float, decision: str, why: str) -> Event:
    request = event_id_of(
        action("extension_requested", "x", at(requested), until=at(0), reason="-")
    )
    return action(
        "extension_decided",
        unit,
        at(minutes),
        request_id=request,
        decision=decision,
        reason=why,
        handler=PROVINCE,
    )


def story() -> list[tuple[float, Event, str]]:
    """(minutes after T0, event, source): a complaint handed on once and resolved; of its
    extension requests one approved (its resolve clock moved), one refused and one the reply
    cancelled."""
    sla, routing = "/sla-monitor", "/routing"
    return [
        (0, received(category="service_quality"), SOURCE),
        (1, assigned("YN-KM-01"), routing),
        (1, started("start", "YN-KM-01", at(1), at(121)), sla),
        (1, started("transfer", "YN-KM-01", at(1), at(61)), sla),
        (1, started("resolve", "YN-KM-01", at(1), at(481)), sla),
        (10, action("accepted", "YN-KM-01", at(10), handler=CLERK), SOURCE),
        (10, stopped("start", "YN-KM-01", at(10), outcome="met", margin_seconds=6660), sla),
        (61, breached("transfer", "YN-KM-01", at(61)), sla),
        (70, transferred("YN-KM-01", "YN-KM"), routing),
        (70, assigned("YN-KM", previous_owner="YN-KM-01"), routing),
        (70, stopped("resolve", "YN-KM-01", at(70), outcome="cancelled"), sla),
        (70, started("resolve", "YN-KM", at(70), at(550)), sla),
        (80, action("accepted", "YN-KM", at(80), handler=MANAGER), SOURCE),
        (90, action("plan_decided", "YN-KM", at(90), plan="退费", promised_by=at(600)), SOURCE),
        (
            95,
            action(
                "extension_requested",
                "YN-KM",
                at(95),
                until=at(640),
                reason="等待卡片补制",
                handler=MANAGER,
            ),
            SOURCE,
        ),
        (96, decided(96, "YN", 95, "approved", "同意延期"), SOURCE),
        (96, rescheduled("resolve", "YN-KM", at(550), at(640)), sla),
        (
            100,
            action("classified", "YN", at(100), classification="special", handler=PROVINCE),
            SOURCE,
        ),
        (
            200,
            action("extension_requested", "YN-KM", at(200), until=at(900), reason="再等"),
            SOURCE,
        ),
        (210, decided(210, "YN-SUP", 200, "refused", "理由不足"), SOURCE),
        (
            300,
            action("extension_requested", "YN-KM", at(300), until=at(950), reason="仍未补制"),
            SOURCE,
        ),
        (
            700,
            action(
                "resolved",
                "YN-KM",
                at(700),
                reply=REPLY,
                cause="年费误收",
                actions_taken="退还年费并培训柜员",
                handler=MANAGER,
            ),
            SOURCE,
        ),
        (
            700,
            stopped("resolve", "YN-KM", at(700), outcome="met", late=True, margin_seconds=-9000),
            sla,
        ),
        (700, started("return_visit", "YN-SUP", at(700), at(2000)), sla),
        (
            800,
            action(
                "return_visit_recorded",
                "YN-SUP",
                at(800),
                satisfaction=4,
                customer_asks="希望短信提醒",
                comment="客户认可",
                handler=VISITOR,
            ),
            SOURCE,
        ),
        (800, stopped("return_visit", "YN-SUP", at(800), outcome="met", margin_seconds=3600), sla),
    ]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(KUNMING).isoformat()


def oracle(complaint_id: str, events: list[tuple[float, Event, str]]) -> dict[str, Any]:
    """The form read off the events by hand, each field on its own."""
    by_type: dict[str, list[tuple[float, Any]]] = {}
    for minutes, event, _ in events:
        by_type.setdefault(event.NAME, []).append((minutes, event))
    [(_, got)] = by_type["complaint.received"]
    resolved = by_type.get("complaint.resolved", [])
    last_resolved = resolved[-1][1] if resolved else None
    owners = [(m, e.owner_unit) for m, e in by_type["complaint.assigned"]]
    units = []
    for index, (minutes, owner) in enumerate(owners):
        following = owners[index + 1][0] if index + 1 < len(owners) else None
        leaves = (
            at(following) if following is not None else (resolved[0][1].at if resolved else None)
        )
        signed = [e for _, e in by_type.get("complaint.accepted", []) if e.unit == owner]
        units.append(
            {
                "unit": owner,
                "unit_name": ORG.unit(owner).name,
                "arrival": iso(at(minutes)),
                "signed_for": iso(signed[0].at) if signed else None,
                "signed_by": signed[0].handler.model_dump() if signed else None,
                "departure": iso(leaves),
            }
        )

    def actor(event: Any) -> dict[str, Any]:
        handler = event.handler.model_dump() if event.handler else None
        return {"unit": event.unit, "handler": handler, "at": iso(event.at)}

    deadlines = []
    clocks = [e.clock for _, e, _ in events if e.NAME == "sla.clock_started"]
    for clock in dict.fromkeys(clocks):
        mine = [e for _, e, _ in events if e.NAME.startswith("sla.") and e.clock == clock]
        latest_start = max(i for i, e in enumerate(mine) if e.NAME == "sla.clock_started")
        run = mine[latest_start:]
        stops = [e for e in run if e.NAME == "sla.clock_stopped"]
        stop = stops[-1] if stops else None
        was_breached = any(e.NAME == "sla.breached" for e in run)
        if was_breached or (stop and stop.late):
            status = "missed"
        elif stop is None:
            status = "running"
        else:
            status = "cancelled" if stop.outcome == "cancelled" else "met"
        deadlines.append(
            {
                "name": clock,
                "owner_unit": run[-1].owner_unit,
                "started_at": iso(run[0].started_at),
                "due_at": iso([e.due_at for e in run if getattr(e, "due_at", None)][-1]),
                "status": status,
                "stopped_at": iso(stop.stopped_at) if stop else None,
                "margin_seconds": stop.margin_seconds if stop else None,
            }
        )
    plans = by_type.get("complaint.plan_decided", [])
    classified = by_type.get("complaint.classified", [])
    visits = [
        {**actor(e), "reached": e.reached, "satisfaction": e.satisfaction}
        | {"customer_asks": e.customer_asks, "comment": e.comment}
        for _, e in by_type.get("complaint.return_visit_recorded", [])
    ]
    extensions = _extensions(events, actor)
    named = [got.receiving_unit] + [u["unit"] for u in units] + [d["owner_unit"] for d in deadlines]
    named += [v["unit"] for v in visits]
    for extension in extensions:
        named += [extension["unit"]] + (
            [extension["decision"]["unit"]] if extension["decision"] else []
        )
    named += [e.unit for _, e in plans + classified + resolved[-1:]]
    return {
        "number": complaint_id,
        "draft": last_resolved is None,
        "received": {
            "at": iso(got.received_at),
            "channel": got.channel,
            "receiving_unit": got.receiving_unit,
            "receiving_unit_name": ORG.unit(got.receiving_unit).name,
            "kind": got.kind,
        },
        "customer": {"name": got.customer.name, "phone": got.customer.phone},  # masked
        "business_line": got.business_line,
        "category": got.category,
        "summary": ACCOUNT.summary,
        "asks_for": ACCOUNT.asks_for,
        "units": units,
        "investigation": {
            "cause": last_resolved.cause if last_resolved else None,
            "plan": None
            if not plans
            else {"text": plans[-1][1].plan, "promised_by": iso(plans[-1][1].promised_by)}
            | actor(plans[-1][1]),
        },
        "classification": None
        if not classified
        else {"classification": classified[-1][1].classification} | actor(classified[-1][1]),
        "actions_taken": last_resolved.actions_taken if last_resolved else None,
        "reply": None
        if last_resolved is None
        else {"text": last_resolved.reply} | actor(last_resolved),
        "deadlines": deadlines,
        "extensions": extensions,
        "return_visits": visits,
        "unit_names": {unit: ORG.unit(unit).name for unit in dict.fromkeys(named)},
    }


def _extensions(events: list[tuple[float, Event, str]], actor: Any) -> list[dict[str, Any]]:
    """Each request with its decision, or what cancelled it (the next hand-off or reply before
    any decision); an approved one with the resolve clock's next move after the approval."""
    found = []
    for index, (_, event, _) in enumerate(events):
        if event.NAME != "complaint.extension_requested":
            continue
        request_id = event_id_of(event)
        decision, cancelled, moved = None, None, None
        later = events[index + 1 :]
        for position, (minutes, other, _) in enumerate(later):
            if other.NAME == "complaint.extension_decided" and other.request_id == request_id:
                decision = {
                    "decision": other.decision,
                    "reason": other.reason,
                } | actor(other)
                moves = [
                    e
                    for _, e, _ in later[position:]
                    if e.NAME == "sla.clock_rescheduled" and e.clock == "resolve"
                ]
                if other.decision == "approved" and moves:
                    moved = moves[0]
                break
            if other.NAME == "complaint.resolved":
                cancelled = {"by": "reply", "at": iso(other.at)}
                break
            if other.NAME == "complaint.assigned" and other.previous_owner is not None:
                cancelled = {"by": "handoff", "at": iso(at(minutes))}
                break
        found.append(
            {
                "request_id": request_id,
                "until": iso(event.until),
                "reason": event.reason,
                "decision": decision,
                "cancelled": cancelled,
                "resolve_due_before": iso(moved.previous_due_at) if moved else None,
                "resolve_due_after": iso(moved.due_at) if moved else None,
            }
            | actor(event)
        )
    return found
