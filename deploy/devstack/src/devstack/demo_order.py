"""In which order `make run` posts the demo month: first a slice in which every figure of the
dashboard has something to show, then the rest.

The slice is posted whole (registrations, handling, the SLA monitor's fold) before the rest
starts, so that the first sign-in shows open, overdue, resolved and visited complaints over
the whole month within seconds of the load starting rather than at its end. It takes only
customers who complain once in the month: a repeat customer's complaints are all in the rest,
posted in order of receipt, so each one's `prior_complaints` counts its earlier ones exactly as
a single pass in order of receipt does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from .demo_script import ComplaintPlan
from .demo_units import province_of
from .demo_vocabulary import PROVINCES

EVERY = 8  # about one complaint in eight goes first
AT_LEAST = 3  # of each kind below, whatever the draw
OVERDUE = timedelta(days=3)


def phone(plan: ComplaintPlan) -> str:
    return str(plan.registration["customer"]["phone"])


def actions(plan: ComplaintPlan) -> set[str]:
    return {step.action for step in plan.steps}


def kinds(now: datetime) -> dict[str, Callable[[ComplaintPlan], bool]]:
    """What the first slice must hold some of: the figures the dashboard shows."""
    return {
        "open": lambda p: "resolved" not in actions(p),
        "overdue": lambda p: "resolved" not in actions(p) and now - p.received_at > OVERDUE,
        "resolved": lambda p: "resolved" in actions(p),
        "visited": lambda p: "return_visit_recorded" in actions(p),
    }


def first_slice(
    plans: Sequence[ComplaintPlan], now: datetime
) -> tuple[list[ComplaintPlan], list[ComplaintPlan]]:
    """(first, rest), each in the plans' order (of receipt): every `EVERY`th complaint of the
    customers who complain once, topped up to `AT_LEAST` of each kind in each province from
    those customers' other complaints when the draw gave fewer."""
    counts = Counter(phone(p) for p in plans)
    once = [p for p in plans if counts[phone(p)] == 1]
    chosen = {p.key for p in once[::EVERY]}
    for province in PROVINCES:
        theirs = [p for p in once if province_of(p.receiving_unit) == province]
        for holds in kinds(now).values():
            have = sum(1 for p in theirs if p.key in chosen and holds(p))
            for plan in theirs:
                if have >= AT_LEAST:
                    break
                if plan.key not in chosen and holds(plan):
                    chosen.add(plan.key)
                    have += 1
    first = [p for p in plans if p.key in chosen]
    rest = [p for p in plans if p.key not in chosen]
    return first, rest
