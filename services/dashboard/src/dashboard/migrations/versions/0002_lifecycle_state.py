"""Each complaint's shared lifecycle state (docs/workflow.md), from which its status, owner,
units involved and restriction are derived.

Existing rows are rebuilt from their timeline entries (the public fields of every event, in log
order), which is all the shared fold reads apart from the handler; their copied columns are
rewritten from it, so that a former status `reopened` becomes `in_progress`.

Revision ID: 0002
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from complaints_shared.workflow import lifecycle

revision = "0002"
down_revision = "0001"

# Fields an older entry may lack; the fold reads them.
_DEFAULTS: dict[str, Any] = {
    "flags": (),
    "also_involved": (),
    "reported_to": (),
    "restricted": False,
    "previous_owner": None,
}


class _Recorded:
    """An event as its timeline entry kept it, enough for the lifecycle fold."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.NAME = name
        self.__dict__.update(_DEFAULTS | data)


_UPDATE = sa.text(
    """
    UPDATE complaints SET state = :state, status = :status, receiving_unit = :receiving_unit,
        business_line = :business_line, owner_unit = :owner_unit,
        handling_level = :handling_level, owner_since = :owner_since,
        restricted = :restricted, units_involved = :units_involved
    WHERE complaint_id = :complaint_id
    """
).bindparams(
    sa.bindparam("state", type_=JSONB),
    sa.bindparam("owner_since", type_=sa.DateTime(timezone=True)),
    sa.bindparam("units_involved", type_=ARRAY(sa.Text)),
)


def upgrade() -> None:
    # IF NOT EXISTS: revision 0001 creates tables from the current definitions in tables.py.
    op.execute("ALTER TABLE complaints ADD COLUMN IF NOT EXISTS state jsonb")
    bind = op.get_bind()
    entries = bind.execute(
        sa.text(
            """
            SELECT c.complaint_id, e.type, e.time, e.data
            FROM complaints c LEFT JOIN timeline_entries e ON e.complaint_id = c.complaint_id
            WHERE c.state IS NULL ORDER BY c.complaint_id, e.position
            """
        )
    ).all()
    for complaint_id, rows in groupby(entries, key=lambda row: row[0]):
        state = lifecycle.ComplaintState()
        for _, name, time, data in rows:
            if name is not None:
                state = lifecycle.apply(state, _Recorded(name, data), time)  # type: ignore[arg-type]
        bind.execute(_UPDATE, _columns(complaint_id, state))
    op.execute("ALTER TABLE complaints ALTER COLUMN state SET NOT NULL")


def _columns(complaint_id: str, state: lifecycle.ComplaintState) -> dict[str, Any]:
    return {
        "complaint_id": complaint_id,
        "state": lifecycle.to_json(state),
        "status": state.status,
        "receiving_unit": state.receiving_unit,
        "business_line": state.business_line,
        "owner_unit": state.owner_unit,
        "handling_level": state.handling_level,
        "owner_since": state.owners[-1][1] if state.owners else None,
        "restricted": state.restricted,
        "units_involved": list(state.involved),
    }


def downgrade() -> None:
    op.drop_column("complaints", "state")
