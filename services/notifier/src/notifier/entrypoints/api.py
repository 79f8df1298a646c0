"""The notifier's HTTP API: who was told what, per complaint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from complaints_shared.http.auth import caller_unit
from complaints_shared.http.openapi import problem_responses
from complaints_shared.http.problems import Problem
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import may_see

from ..adapters.notifications import NotificationReads, OpenReads

router = APIRouter(prefix="/v1")
Caller = Annotated[str, Depends(caller_unit)]
TIMES = ("scheduled_for", "sent_at", "created_at")


async def _reads(request: Request) -> AsyncIterator[NotificationReads]:
    """The reads `bootstrap` wired (`app.state.open_reads`), open for this request."""
    open_reads: OpenReads = request.app.state.open_reads
    async with open_reads() as reads:
        yield reads


Reads = Annotated[NotificationReads, Depends(_reads)]


@router.get("/notifications", responses=problem_responses(401, 404, 422, 503))
async def list_notifications(
    request: Request,
    caller: Caller,
    reads: Reads,
    complaint_id: Annotated[str, Query(min_length=1)],
) -> dict[str, Any]:
    """Every alert recorded for a complaint, oldest first (recipients masked).

    `status` is `pending` (due or retrying), `folded` (waiting for its recipient's digest),
    `sent`, `failed`, `cancelled` (a later escalation step the stopped clock made moot) or
    `superseded` (a warning not sent: its clock was due, or stopped, before it went out);
    `scheduled_for` is when a later escalation step is due. Times are in the local offset of
    the recipient unit. A complaint the notifier has not heard of, or one the caller may not
    see (docs/workflow.md#who-sees-what), is 404 alike: what the caller may not see does not
    exist for it.
    """
    org: Organisation = request.app.state.org
    facts = await reads.facts(complaint_id)
    if facts is None or not may_see(org, caller, facts.state.involvement):
        raise Problem(404, "Unknown complaint", f"no complaint {complaint_id} visible to {caller}")
    rows = await reads.alerts_of(complaint_id)
    return {"complaint_id": complaint_id, "notifications": [_listed(org, row) for row in rows]}


def _listed(org: Organisation, alert: dict[str, Any]) -> dict[str, Any]:
    unit = alert["recipient_unit"]
    return alert | {name: local_to(org, unit, alert[name]) for name in TIMES}
