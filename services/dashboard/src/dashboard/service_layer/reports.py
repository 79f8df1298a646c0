"""What the report endpoints ask: the month's facts of the report's units, filtered by the
shared visibility rule, then the pure figures (`assessment`, `return_visit_report`)."""

from __future__ import annotations

from typing import Any

from complaints_shared.organisation import Organisation
from complaints_shared.workflow.visibility import sight_of

from ..adapters.report_store import ReportFactReader, ReportReading
from ..domain.assessment import assessment, received_of
from ..domain.report_facts import Fact
from ..domain.report_scope import ReportScope, units_of
from ..domain.return_visit_report import return_visit_report
from ..domain.scope import shows


class ReportQueries:
    def __init__(self, org: Organisation, reading: ReportReading) -> None:
        self.org = org
        self.reading = reading

    async def assessment(self, scope: ReportScope) -> dict[str, Any]:
        async with self.reading() as reader:
            facts = await self._facts(reader, scope)
            received = await reader.received({f.complaint_id for f in facts})
        return assessment(self.org, scope, facts, received_of(received))

    async def return_visits(self, scope: ReportScope) -> dict[str, Any]:
        async with self.reading() as reader:
            facts = await self._facts(reader, scope)
        return return_visit_report(self.org, scope, facts)

    async def _facts(self, reader: ReportFactReader, scope: ReportScope) -> list[Fact]:
        """The month's facts of the report's units, of complaints the report's unit sees (every
        read path answers alike; a unit involved sees its complaints, restricted ones too)."""
        found: list[Fact] = await reader.between(
            units_of(self.org, scope.unit), scope.start, scope.end
        )
        involved = await reader.involvement({f.complaint_id for f in found})
        sight = sight_of(self.org, scope.unit)
        seen = {cid for cid, inv in involved.items() if shows(self.org, sight, inv)}
        return [f for f in found if f.complaint_id in seen]
