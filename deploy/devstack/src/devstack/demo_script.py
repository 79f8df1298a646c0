"""The demo month: a deterministic script of complaints and their handling for `make run`.

Pure: no I/O, no wall clock. `month_plan(org, now)` draws (from a seeded random generator)
about a month of complaints received by the two provinces of the demo organisation before
`now`, each with the actions its units take, in order, as the workflow allows them
(docs/workflow.md): the owner signs for it, contacts the customer, pauses for the customer,
promises a date, asks for more time (decided by the province supervision line or the unit
above), hands it on, replies; the province supervision line classifies some as special and
makes the return visits; some customers complain again, some complaints are reopened, and some
are left overdue so that their clocks breach and routing escalates them.

Each plan names the owner routing is expected to choose (`expect_owner`), which the loader
checks, and every time lies after the receipt, in order, and before `now`.

Here: the plans and their registrations. What they draw from is in `demo_vocabulary` (seed,
units, categories, names and texts), who receives and owns a complaint in `demo_units`, and
how it is handled, step by step, in `demo_handling`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from complaints_shared.organisation import Organisation

from .demo_handling import EXTENSION, Step, handling_steps
from .demo_units import draw_receipt, expected_owner, handlers_of
from .demo_vocabulary import (
    CATEGORIES,
    CHANNELS,
    COMPANY_CATEGORIES,
    DELIVERY_CATEGORIES,
    GIVEN,
    LINES,
    PHONE_PREFIXES,
    REPLIES,
    SEED,
    SURNAMES,
    TZ,
    complaint_text,
)

__all__ = [  # what the loader and the tests take from here
    "CATEGORIES",
    "CHANNELS",
    "EXTENSION",
    "LINES",
    "REPLIES",
    "ComplaintPlan",
    "Step",
    "expected_owner",
    "handlers_of",
    "month_plan",
    "new_complaint",
]


@dataclass(frozen=True)
class ComplaintPlan:
    key: str
    registration: dict[str, Any]  # the body of POST /v1/complaints
    receiving_unit: str
    received_at: datetime
    expect_owner: str
    steps: tuple[Step, ...]


# --- the plans -----------------------------------------------------------------------------


@dataclass
class _Customer:
    name: str
    phone: str
    email: str | None
    key: bool


def _customer(rng: random.Random) -> _Customer:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 10**8 - 1):08d}"
    email = f"{phone[-6:]}@example.com" if rng.random() < 0.25 else None
    return _Customer(name, phone, email, rng.random() < 0.08)


def _received_at(rng: random.Random, now: datetime, days: int) -> datetime:
    """A moment of the last `days` days, mostly in the day, fewer at weekends."""
    while True:
        day = (now.astimezone(TZ) - timedelta(days=rng.randint(0, days - 1))).date()
        if day.weekday() >= 5 and rng.random() < 0.5:
            continue
        hour = rng.choices(range(7, 23), weights=(1, 4, 8, 9, 8, 5, 7, 8, 8, 7, 5, 3, 3, 2, 1, 1))[
            0
        ]
        at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), TZ)
        if at <= now - timedelta(minutes=20):
            return at


def month_plan(
    org: Organisation, now: datetime, *, count: int = 240, days: int = 30, seed: int = SEED
) -> list[ComplaintPlan]:
    """About a month of complaints received before `now`, in order of receipt."""
    rng = random.Random(seed)
    regulars = [_customer(rng) for _ in range(18)]  # customers who complain more than once
    plans = []
    for index in range(count):
        province = "YN" if rng.random() < 0.6 else "GD"
        received = _received_at(rng, now, days)
        customer = rng.choice(regulars) if rng.random() < 0.12 else _customer(rng)
        plans.append(_plan(org, rng, received, now, province, customer, index))
    plans.sort(key=lambda p: p.received_at)
    return [
        ComplaintPlan(
            f"demo-{n:04d}",
            p.registration,
            p.receiving_unit,
            p.received_at,
            p.expect_owner,
            p.steps,
        )  # fmt: skip
        for n, p in enumerate(plans)
    ]


def new_complaint(org: Organisation, now: datetime, rng: random.Random) -> ComplaintPlan:
    """One complaint received just now (the trickle), with no action yet."""
    province = "YN" if rng.random() < 0.6 else "GD"
    customer = _customer(rng)
    received = now - timedelta(seconds=rng.randint(5, 90))
    plan = _plan(org, rng, received, now, province, customer, rng.randint(0, 10**6), bare=True)
    return plan


def _plan(
    org: Organisation,
    rng: random.Random,
    received: datetime,
    now: datetime,
    province: str,
    customer: _Customer,
    index: int,
    *,
    bare: bool = False,
) -> ComplaintPlan:
    line = rng.choices(LINES, weights=(3, 2, 3, 4))[0]
    channel = None
    # Every category and every channel in the first plans of each month, whatever the draw.
    if index < len(CATEGORIES):
        category = CATEGORIES[index]
        line = "logistics" if category in DELIVERY_CATEGORIES else line
    elif line == "logistics":
        category = rng.choices((*DELIVERY_CATEGORIES, *COMPANY_CATEGORIES, "other"),
                               weights=(5, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1))[0]  # fmt: skip
    else:
        category = rng.choices((*COMPANY_CATEGORIES, "other"), weights=(4, 5, 3, 3, 1, 2, 1))[0]
    if len(CATEGORIES) <= index < len(CATEGORIES) + len(CHANNELS):
        channel = CHANNELS[index - len(CATEGORIES)]
    receipt = draw_receipt(rng, org, province, line, channel)
    kind = "inquiry" if rng.random() < 0.12 and receipt.severity == "normal" else "complaint"
    receiving_unit = org.unit(receipt.receiving_unit)
    outlet_name = (
        (receiving_unit.name or "营业网点") if receiving_unit.kind == "outlet" else "营业网点"
    )
    summary, asks_for = complaint_text(rng, category, receipt.line, outlet_name)
    registration: dict[str, Any] = {
        "kind": kind,
        "channel": receipt.channel,
        "receiving_unit": receipt.receiving_unit,
        "business_line": receipt.line,
        "category": category,
        "severity": receipt.severity,
        "flags": list(receipt.flags),
        "received_at": received.isoformat(),
        "customer": {
            "name": customer.name,
            "phone": customer.phone,
            **({"email": customer.email} if customer.email else {}),
            "key_customer": customer.key,
        },
        "summary": summary,
        "asks_for": asks_for,
    }
    steps: tuple[Step, ...] = ()
    if not bare:
        steps = tuple(
            handling_steps(org, rng, receipt, kind, category, received, now, customer.key)
        )
    return ComplaintPlan(
        f"demo-{index:04d}", registration, receipt.receiving_unit, received, receipt.owner, steps
    )
