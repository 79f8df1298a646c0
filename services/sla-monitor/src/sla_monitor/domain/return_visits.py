"""Return visits (docs/domain.md#return-visits-and-satisfaction): who owes one, and which
resolved complaints get one.

A resolved complaint gets a return visit when it is a major case, its customer is a key
customer, the customer complained before (a repeat complainant), it was reopened, or it falls
in the configured sample of the rest. The sample is decided from the complaint id alone, so
every instance and every replay agree on it.
"""

from __future__ import annotations

import hashlib

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_supervision_line

HQ_QUALITY_GROUP = "hq_quality_group"


def return_visit_owner(org: Organisation, receiving_unit: str) -> str | None:
    """Who owes the return visit: the supervision line of the province where the complaint
    was received; for a complaint received at HQ (or in a province without a supervision
    line), HQ's quality-service group, the first unit of that kind. None if neither exists."""
    supervision = province_supervision_line(org, receiving_unit)
    if supervision is not None:
        return supervision
    groups = org.units_of_kind(HQ_QUALITY_GROUP)
    return groups[0].id if groups else None


def in_sample(complaint_id: str, percent: int) -> bool:
    """Whether the complaint falls in the `percent` sample: its id's SHA-256, as a number,
    modulo 100, is below `percent`. Stable across processes (unlike `hash`)."""
    digest = hashlib.sha256(complaint_id.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % 100 < percent


def standing_grounds(
    *,
    complaint_id: str,
    major: bool,
    key_customer: bool,
    prior_complaints: int,
    sample_percent: int,
) -> tuple[str, ...]:
    """The grounds known at receipt for a return visit once resolved, in a fixed order;
    the sample is drawn only for a complaint without another ground ("the rest")."""
    grounds = tuple(
        name
        for name, holds in (
            ("major", major),
            ("key_customer", key_customer),
            ("repeat_complainant", prior_complaints >= 1),
        )
        if holds
    )
    if not grounds and in_sample(complaint_id, sample_percent):
        return ("sample",)
    return grounds
