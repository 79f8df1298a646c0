"""How the demo's units handle a complaint: the actions (`Step`) the owner and the units
around it take, in order, at working times, as the workflow allows them (docs/workflow.md).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from complaints_shared.organisation import Organisation

from .demo_units import Receipt, extension_decider, handlers_of, supervision_line, transfer_target
from .demo_vocabulary import EXTENSION_REASONS, NOTES, REPLIES, TRANSFER_REASONS, TZ, VISIT_COMMENTS

EXTENSION = "@extension"  # in a step's fields: the id of the plan's latest extension request
SAFETY = timedelta(minutes=3)  # nothing is dated later than `now` minus this


@dataclass(frozen=True)
class Step:
    """One action: `fields` is the body besides type, unit, at and handler."""

    action: str
    unit: str
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    handler: dict[str, str] | None = None
    expect_owner: str | None = None  # after a transfer: the owner routing is expected to name

    def body(self, extension_id: str | None = None) -> dict[str, Any]:
        fields = {k: (extension_id if v == EXTENSION else _json(v)) for k, v in self.fields.items()}
        body: dict[str, Any] = {"type": self.action, "unit": self.unit, "at": self.at.isoformat()}
        if self.handler is not None:
            body["handler"] = dict(self.handler)
        return body | fields


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- time -----------------------------------------------------------------------------------


def working(at: datetime, rng: random.Random) -> datetime:
    """`at`, moved to the next morning when it falls in the night (staff work in the day)."""
    local = at.astimezone(TZ)
    if 8 <= local.hour < 21:
        return at
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    start = datetime.combine(day, time(8, 30), TZ)
    return start + timedelta(minutes=rng.randint(0, 70))


class Clock:
    """The time of the next action: ordered, never after `limit`."""

    def __init__(self, start: datetime, limit: datetime, rng: random.Random) -> None:
        self.now, self.limit, self.rng = start, limit, rng

    def after(self, minutes: float, spread: float = 0.5, *, day_time: bool = True) -> datetime:
        delay = minutes * (1 - spread + 2 * spread * self.rng.random())
        at = self.now + timedelta(minutes=max(1.0, delay))
        if day_time:
            at = working(at, self.rng)
        self.now = at
        return at

    def fits(self) -> bool:
        return self.now <= self.limit


# --- the actions ---------------------------------------------------------------------------


def handling_steps(
    org: Organisation,
    rng: random.Random,
    receipt: Receipt,
    kind: str,
    category: str,
    received: datetime,
    now: datetime,
    key_customer: bool,
) -> Iterator[Step]:
    limit = now - SAFETY
    age = now - received
    if age < timedelta(days=2) and rng.random() < 0.45:  # still being handled
        limit = min(limit, received + age * rng.random())
    clock = Clock(received, limit, rng)
    owner = receipt.owner
    staff = handlers_of(owner)
    handler = staff[rng.randint(0, 2)]
    sup = supervision_line(receipt.receiving_unit)
    reply, cause, actions_taken = REPLIES[category]
    special_ok = not owner.startswith("HQ")

    def step(action: str, unit: str, at: datetime, **fields: Any) -> Step | None:
        if at > limit:
            return None
        who = handler if unit == owner else rng.choice(handlers_of(unit))
        return Step(action, unit, at, fields, who)

    # Left overdue: never signed for (some), or signed for and then forgotten.
    forgotten = rng.random()
    if age > timedelta(days=3) and forgotten < 0.05:
        return
    if kind == "inquiry":  # answered within the half hour, on the phone
        for s in (
            step("accepted", owner, clock.after(6, day_time=False)),
            step("resolved", owner, clock.after(12, day_time=False), reply=f"已答复客户：{reply}"),
        ):
            if s is None:
                return
            yield s
        return

    slow = rng.random() < 0.06  # signed for late: the start clock breaches
    first = clock.after(240 if slow else 35, 0.6, day_time=not slow)
    transfer_to = transfer_target(org, owner, receipt.line) if rng.random() < 0.13 else None
    if transfer_to is not None and rng.random() < 0.5:  # handed on before signing for it
        s = step("transfer_requested", owner, first, reason=rng.choice(TRANSFER_REASONS),
                 to_unit=transfer_to)  # fmt: skip
        if s is None:
            return
        yield Step(s.action, s.unit, s.at, s.fields, s.handler, expect_owner=transfer_to)
        owner, staff = transfer_to, handlers_of(transfer_to)
        handler = staff[rng.randint(0, 2)]
        special_ok = True
        transfer_to = None
        first = clock.after(40, 0.6)
    s = step("accepted", owner, first)
    if s is None:
        return
    yield s
    if (
        age > timedelta(days=2) and 0.05 <= forgotten < 0.09
    ):  # signed for, then forgotten: resolve breaches
        s = step("customer_contacted", owner, clock.after(60))
        if s is not None:
            yield s
        return
    if rng.random() < 0.08:
        handler = staff[(staff.index(handler) + 1) % 3]
        s = step("handler_changed", owner, clock.after(45))
        if s is None:
            return
        yield s
    s = step("customer_contacted", owner, clock.after(50))
    if s is None:
        return
    yield s
    if transfer_to is not None:  # handed on after looking into it
        s = step("transfer_requested", owner, clock.after(60), reason=rng.choice(TRANSFER_REASONS),
                 to_unit=transfer_to)  # fmt: skip
        if s is None:
            return
        yield Step(s.action, s.unit, s.at, s.fields, s.handler, expect_owner=transfer_to)
        owner, staff = transfer_to, handlers_of(transfer_to)
        handler = staff[rng.randint(0, 2)]
        special_ok = True
        for action in ("accepted", "customer_contacted"):
            s = step(action, owner, clock.after(40))
            if s is None:
                return
            yield s
    if receipt.line == "logistics" or rng.random() < 0.15:
        plan_at = clock.after(90)
        s = step("plan_decided", owner, plan_at, plan=f"{cause}：{actions_taken}",
                 promised_by=(plan_at + timedelta(days=2)).isoformat())  # fmt: skip
        if s is None:
            return
        yield s
    if rng.random() < 0.06:
        s = step("note", owner, clock.after(30), text=rng.choice(NOTES))
        if s is None:
            return
        yield s
    resolve_after = 180.0  # minutes of (mostly) working time after the last action
    late = rng.random() < 0.07
    scenario = rng.random()
    if scenario < 0.12:  # waiting on the customer's documents
        for action, delay in (("waiting_on_customer", 40), ("customer_responded", 600)):
            s = step(action, owner, clock.after(delay, 0.7))
            if s is None:
                return
            yield s
    elif scenario < 0.22:  # a date promised to the customer
        at = clock.after(30)
        promise = at + timedelta(hours=rng.choice((24, 36, 48)))
        s = step("deadline_committed", owner, at, committed_deadline=promise.isoformat())
        if s is None:
            return
        yield s
        if late:
            resolve_after = (promise - at).total_seconds() / 60 + 300
    elif scenario < 0.33:  # more time asked for, and decided
        at = clock.after(20, 0.5, day_time=False)
        until = working(received + timedelta(days=rng.choice((4, 5, 6))), rng)
        s = step("extension_requested", owner, at, until=until.isoformat(),
                 reason=rng.choice(EXTENSION_REASONS))  # fmt: skip
        if s is None:
            return
        yield s
        approved = rng.random() < 0.8
        decider = extension_decider(org, owner, rng)
        s = step(
            "extension_decided",
            decider,
            clock.after(90),
            request_id=EXTENSION,
            decision="approved" if approved else "refused",
            reason="情况属实，同意延期" if approved else "理由不充分，请按原时限办结",
        )
        if s is None:
            return
        yield s
        if approved:
            resolve_after = max(60.0, (until - clock.now).total_seconds() / 60 * 0.6)
    if late:
        resolve_after = max(resolve_after, 60 * 24 * 3)
    s = step("resolved", owner, clock.after(resolve_after, 0.6), reply=reply, cause=cause,
             actions_taken=actions_taken)  # fmt: skip
    if s is None:
        return
    yield s
    special = special_ok and rng.random() < 0.06
    if special:
        s = step("classified", sup, clock.after(120), classification="special")
    else:
        s = step("classified", owner, clock.after(20), classification="valid")
    if s is None:
        return
    yield s
    visit = key_customer or receipt.severity == "major" or rng.random() < 0.55
    reopen = rng.random() < 0.05
    if not visit and not reopen:
        return
    satisfaction = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 13, 8, 4))[0]
    if reopen:
        satisfaction = rng.choice((1, 2))
    visitor = sup
    for s in _visit(step, visitor, clock, rng, satisfaction):
        if s is None:
            return
        yield s
    if reopen or satisfaction <= 2 and rng.random() < 0.3:
        reopener = rng.choice((receipt.receiving_unit, sup))
        for s in (
            step("reopened", reopener, clock.after(60)),
            step("customer_contacted", owner, clock.after(60)),
            step(
                "resolved",
                owner,
                clock.after(240),
                reply=f"复查后：{reply}",
                cause=cause,
                actions_taken=f"{actions_taken}；并再次向客户致歉",
            ),  # fmt: skip
        ):
            if s is None:
                return
            yield s
        for s in _visit(step, visitor, clock, rng, rng.choice((3, 4, 5))):
            if s is None:
                return
            yield s
    if rng.random() < 0.7:
        s = step("closed", owner, clock.after(120))
        if s is not None:
            yield s


def _visit(
    step: Any, visitor: str, clock: Clock, rng: random.Random, satisfaction: int
) -> Iterator[Step | None]:
    reached = rng.random() > 0.06
    comment, asks = VISIT_COMMENTS[satisfaction]
    yield step(
        "return_visit_recorded",
        visitor,
        clock.after(60 * 20, 0.6),
        satisfaction=satisfaction,
        reached=reached,
        comment=comment if reached else "电话未接通，已发送短信",
        customer_asks=asks if satisfaction <= 3 else None,
    )
