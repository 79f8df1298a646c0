"""Reading the projection for the API: what the caller may see, in its units' local time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from complaints_shared.contracts.complaint_events import PersonalData
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.calendar_coverage import coverage_by_calendar, run_uncovered
from complaints_shared.workflow.handler_names import shown_entries, shown_handler
from complaints_shared.workflow.lifecycle import ComplaintState, from_json, stays
from complaints_shared.workflow.local_time import local_to
from complaints_shared.workflow.visibility import Involvement, Sight, may_see

from ..adapters.reads import ComplaintReads
from ..adapters.worklist import Position, Worklist, WorklistFilter
from ..domain.handling_form import fold_form

# View columns the answer leaves out: the fold, the clocks shown apart, what queries filter by.
_INTERNAL = frozenset({"state", "clocks", "provinces", "due_order", "extension_deciders"})


class NotVisible(Exception):
    """No such complaint, or not one the caller may see: the same answer, 404."""


class NoHistory(Exception):
    """`as_of` falls before intake kept the complaint's history (entries recorded before
    revision 0005 carry no snapshot)."""


# The complaint's sealed personal data opened (None: erased, or never sealed).
Accounts = Callable[[str], Awaitable[PersonalData | None]]


async def _no_accounts(complaint_id: str) -> PersonalData | None:
    return None


class Queries:
    def __init__(
        self,
        org: Organisation,
        reads: ComplaintReads,
        worklist: Worklist,
        accounts: Accounts = _no_accounts,
    ) -> None:
        self.org = org
        self.reads = reads
        self.worklists = worklist
        self.accounts = accounts
        self.coverages = coverage_by_calendar(org)  # which years each calendar knows

    async def complaint(
        self, caller: str, complaint_id: str, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """The complaint now, or `as_of` a moment as intake knew it then (record time). Here,
        in the timeline, the form and the worklist, a handler's name is masked for a caller
        that is neither the owner when the handler acted nor above it (`handler_names`)."""
        row = await self._visible(caller, complaint_id)
        if as_of is not None:
            row = await self._past(caller, complaint_id, row, as_of)
        if row.get("registered_only"):  # accepted, not yet back from the log
            state = _registered_state(row)
            public = {
                "complaint_id": complaint_id,
                "status": state.status,
                "receiving_unit": row["receiving_unit"],
                "units_involved": list(state.involved),
                "clocks": [],
            }
            return local_to(self.org, row["receiving_unit"], public)
        clocks = [
            local_to(
                self.org,
                clock["owner_unit"],
                {
                    "name": clock["clock"],
                    "state": clock["state"],
                    "owner_unit": clock["owner_unit"],
                    "started_at": clock["started_at"],
                    "due_at": clock["due_at"],
                    "late": clock["late"],
                    "calendar_uncovered": run_uncovered(
                        self.org,
                        self.coverages,
                        clock.get("calendar"),
                        clock["started_at"],
                        clock["due_at"],
                    ),
                },
            )
            for clock in row["clocks"]
        ]
        public = {k: v for k, v in row.items() if k not in _INTERNAL}
        public["units_involved"] = list(row["units_involved"])
        public["handler"] = shown_handler(
            self.org, caller, row.get("handler"), row.get("owner_unit")
        )
        public = local_to(self.org, row["receiving_unit"], public)
        public["next_due"] = self._next_due(row.get("next_due"))
        public["clocks"] = clocks
        return public

    async def timeline(
        self, caller: str, complaint_id: str, now: datetime, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """The timeline now, or `as_of` a moment: the entries recorded by then, and the stays
        as the complaint's state then tells them (an open stay running to `as_of`)."""
        row = await self._visible(caller, complaint_id)
        if as_of is not None:
            row = await self._past(caller, complaint_id, row, as_of)
            now = as_of
        entries = shown_entries(
            self.org, caller, await self.reads.timeline(complaint_id, recorded_by=as_of)
        )
        state = from_json(row["state"]) if row.get("state") else ComplaintState()
        handoffs = [
            {
                "from_unit": entry["data"]["from_unit"],
                "to_unit": entry["data"]["to_unit"],
                "why": entry["data"]["reason"],
                "at": entry["time"],
            }
            for entry in entries
            if entry["type"] in ("complaint.transferred", "complaint.escalated")
        ]
        events = [
            {key: entry[key] for key in ("position", "event_id", "type", "time", "source", "data")}
            for entry in entries
        ]
        public = {
            "complaint_id": complaint_id,
            "events": events,
            "handoffs": handoffs,
            "stays": [stay.__dict__ for stay in stays(state, now)],
        }
        return local_to(self.org, row["receiving_unit"], public, strings=True)

    async def form(self, caller: str, complaint_id: str, now: datetime) -> dict[str, Any]:
        """The handling form so far (`draft` until resolved), in the receiving unit's time;
        the account of what happened and what the customer asks for opened from the sealed
        personal data for any caller that may see the complaint (none once erased)."""
        row = await self._visible(caller, complaint_id)
        entries = shown_entries(self.org, caller, await self.reads.timeline(complaint_id))
        form = fold_form(complaint_id, entries, self.org, now)
        account = await self.accounts(complaint_id)
        if account is not None:
            form = replace(form, summary=account.summary, asks_for=account.asks_for)
        return local_to(self.org, row["receiving_unit"], asdict(form))

    async def worklist(
        self, sight: Sight, wanted: WorklistFilter, after: Position | None, limit: int
    ) -> tuple[list[dict[str, Any]], Position | None]:
        """One page of the worklist and where the next one starts (None: this is the last)."""
        rows = await self.worklists.page(sight, wanted, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for row in rows:
            item = {k: row[k] for k in row if k not in ("next_due", "next_due_at")}
            item["handler"] = shown_handler(
                self.org, sight.caller, row.get("handler"), row["owner_unit"]
            )
            item = local_to(self.org, row["receiving_unit"], item)
            item["next_due"] = self._next_due(row["next_due"])
            items.append(item)
        last = rows[-1] if more and rows else None
        return items, (Position(last["next_due_at"], last["complaint_id"]) if last else None)

    def _next_due(self, next_due: dict[str, Any] | None) -> dict[str, Any] | None:
        if next_due is None:
            return None
        return local_to(self.org, next_due.get("owner_unit"), next_due, strings=True)

    async def _visible(self, caller: str, complaint_id: str) -> dict[str, Any]:
        row = await self.reads.complaint(complaint_id)
        if row is None:
            raise NotVisible(complaint_id)
        if not may_see(self.org, caller, _involvement(row)):
            raise NotVisible(complaint_id)
        return row

    async def _past(
        self, caller: str, complaint_id: str, now: dict[str, Any], as_of: datetime
    ) -> dict[str, Any]:
        """The complaint as intake knew it at `as_of`, for a caller that may see it now (`now`,
        already checked) and could see it then; NotVisible before it was recorded."""
        past = await self.reads.complaint_as_of(complaint_id, as_of)
        if past is None:
            raise NotVisible(complaint_id)
        if past.get("history_missing"):
            raise NoHistory(complaint_id)
        # a bare registration: restricted as the complaint is now, the safer guess
        if not may_see(self.org, caller, _involvement(past, _involvement(now).restricted)):
            raise NotVisible(complaint_id)
        return past


def _registered_state(row: dict[str, Any]) -> ComplaintState:
    """The command state of a complaint not yet back from the log (as registered, when the
    state is not kept)."""
    if row.get("state"):
        return from_json(row["state"])
    unit = row["receiving_unit"]
    return ComplaintState(registered=True, receiving_unit=unit, involved=(unit,))


def _involvement(row: dict[str, Any], restricted: bool = False) -> Involvement:
    """Who is involved in the complaint as `row` (a view or a bare registration) tells it."""
    if row.get("registered_only"):
        state = _registered_state(row)
        return Involvement(state.involvement.involved, state.restricted or restricted)
    return Involvement(frozenset(row["units_involved"]), row["restricted"])
