"""Who may decide a complaint's pending extension request: what the worklist's `awaiting`
lists it under (docs/workflow.md#who-may-act)."""

from __future__ import annotations

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import province_supervision_line, unit_above
from complaints_shared.workflow.lifecycle import ComplaintState
from complaints_shared.workflow.visibility import may_see


def extension_deciders(org: Organisation, state: ComplaintState) -> list[str]:
    """The units that may decide the pending request (none without one): the supervision line
    of the owner's province and the unit directly above the owner, never the owner itself, and
    only those that may see the complaint (the rules refuse the others before anything else)."""
    owner = state.owner_unit
    if state.pending_extension is None or owner is None:
        return []
    candidates = {unit_above(org, owner), province_supervision_line(org, owner)}
    return sorted(
        unit
        for unit in candidates
        if unit is not None and unit != owner and may_see(org, unit, state.involvement)
    )
