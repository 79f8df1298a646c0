"""The complaint handling form (客户投诉处理单), folded from a complaint's timeline entries.

Pure: the entries in log order (`position`, `type`, `time`, `data` as the timeline keeps them,
the customer already masked) give the form. Nothing is recomputed: deadlines, lateness and
margins are what the SLA monitor's events say, stays what the assignments and the reply say.
Before `complaint.resolved` the form is a draft; a reopened complaint is a draft again until it
is resolved again. Extension requests are listed with their decision, or what cancelled them (a
hand-off, the reply), and an approved one with the resolve due time the SLA monitor moved.
See docs/domain.md#the-complaint-handling-form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from complaints_shared.organisation import Organisation

from .form_deadlines import CLOCK_EVENTS, ClockRun, Deadline, fold_clock, parse_time


@dataclass(frozen=True)
class Received:
    at: datetime
    channel: str
    receiving_unit: str
    receiving_unit_name: str
    kind: str


@dataclass(frozen=True)
class UnitStay:
    """One owner's stay: from its assignment to the next one, or to the reply."""

    unit: str
    unit_name: str
    arrival: datetime
    signed_for: datetime | None = None  # the owner's `complaint.accepted`
    signed_by: dict[str, Any] | None = None  # the handler who signed for it
    departure: datetime | None = None  # None while it is still there


@dataclass(frozen=True)
class Plan:
    text: str
    promised_by: datetime | None
    unit: str
    handler: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class Investigation:
    cause: str | None = None
    plan: Plan | None = None


@dataclass(frozen=True)
class Classification:
    classification: str  # valid | special
    unit: str
    handler: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class Reply:
    text: str
    at: datetime
    unit: str
    handler: dict[str, Any] | None


@dataclass(frozen=True)
class ReturnVisit:
    at: datetime
    unit: str
    handler: dict[str, Any] | None
    reached: bool
    satisfaction: int
    customer_asks: str | None
    comment: str | None


@dataclass(frozen=True)
class ExtensionDecision:
    decision: str  # approved | refused
    unit: str
    handler: dict[str, Any] | None
    at: datetime
    reason: str


@dataclass(frozen=True)
class ExtensionCancelled:
    by: str  # handoff | reply: what cancelled the pending request
    at: datetime


@dataclass(frozen=True)
class Extension:
    """An owner's request for more time, and what became of it."""

    request_id: str  # the id of its `complaint.extension_requested` event
    at: datetime
    unit: str
    handler: dict[str, Any] | None
    until: datetime
    reason: str
    decision: ExtensionDecision | None = None  # None while pending, or once cancelled
    cancelled: ExtensionCancelled | None = None
    # An approved request: the resolve clock's due time before and after the SLA monitor moved
    # it (its `sla.clock_rescheduled` after the approval; None until that arrives).
    resolve_due_before: datetime | None = None
    resolve_due_after: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.decision is None and self.cancelled is None


@dataclass(frozen=True)
class HandlingForm:
    number: str
    draft: bool
    generated_at: datetime
    received: Received | None = None  # None: registered, not yet back from the log
    customer: dict[str, Any] = field(default_factory=dict)
    business_line: str | None = None
    category: str | None = None
    summary: str | None = None
    asks_for: str | None = None
    units: list[UnitStay] = field(default_factory=list)
    investigation: Investigation = field(default_factory=Investigation)
    classification: Classification | None = None
    actions_taken: str | None = None
    reply: Reply | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    return_visits: list[ReturnVisit] = field(default_factory=list)
    unit_names: dict[str, str] = field(default_factory=dict)  # every unit the form names


def fold_form(
    complaint_id: str,
    entries: Iterable[Mapping[str, Any]],
    org: Organisation,
    now: datetime,
) -> HandlingForm:
    """The handling form as the timeline `entries` (in log order) tell it, made at `now`."""
    form = HandlingForm(number=complaint_id, draft=True, generated_at=now)
    runs: dict[str, ClockRun] = {}
    for entry in entries:
        kind, data = entry["type"], entry.get("data") or {}
        if kind in CLOCK_EVENTS:
            fold_clock(runs, kind, data)
            if kind == "sla.clock_rescheduled" and data.get("clock") == "resolve":
                form = _rescheduled(form, data)
        elif kind == "complaint.extension_requested":
            form = _extension_requested(form, str(entry.get("event_id", "")), data)
        else:
            form = _apply(form, kind, data, parse_time(entry["time"]), org)
    named = _mentioned(form, runs.values())
    return replace(
        form,
        deadlines=[run.deadline() for run in runs.values()],
        unit_names={unit: _name(org, unit) for unit in named},
    )


def _apply(
    form: HandlingForm, kind: str, data: Mapping[str, Any], time: datetime, org: Organisation
) -> HandlingForm:
    if kind == "complaint.received":
        return _received(form, data, org)
    if kind == "complaint.assigned":
        return _assigned(form, data["owner_unit"], time, org)
    if kind not in _ACTIONS:
        return form
    return _ACTIONS[kind](form, data, parse_time(data["at"]))


def _received(form: HandlingForm, data: Mapping[str, Any], org: Organisation) -> HandlingForm:
    unit = data["receiving_unit"]
    return replace(
        form,
        received=Received(
            at=parse_time(data["received_at"]),
            channel=data["channel"],
            receiving_unit=unit,
            receiving_unit_name=_name(org, unit),
            kind=data["kind"],
        ),
        customer=dict(data.get("customer") or {}),
        business_line=data.get("business_line"),
        category=data.get("category"),
        summary=data.get("summary"),
        asks_for=data.get("asks_for"),
    )


def _assigned(form: HandlingForm, owner: str, time: datetime, org: Organisation) -> HandlingForm:
    units = list(form.units)
    if units and units[-1].unit == owner:
        return form  # the same owner again: its stay continues
    if units:
        units[-1] = replace(units[-1], departure=time)
    units.append(UnitStay(unit=owner, unit_name=_name(org, owner), arrival=time))
    return _cancel_pending(replace(form, units=units), "handoff", time)


def _accepted(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    units = list(form.units)
    if not units or units[-1].unit != data["unit"] or units[-1].signed_for is not None:
        return form
    units[-1] = replace(units[-1], signed_for=at, signed_by=_handler(data))
    return replace(form, units=units)


def _plan(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    promised = data.get("promised_by")
    plan = Plan(
        text=data["plan"],
        promised_by=parse_time(promised) if promised else None,
        unit=data["unit"],
        handler=_handler(data),
        at=at,
    )
    return replace(form, investigation=replace(form.investigation, plan=plan))


def _classified(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    decided = Classification(data["classification"], data["unit"], _handler(data), at)
    return replace(form, classification=decided)


def _extension_requested(
    form: HandlingForm, request_id: str, data: Mapping[str, Any]
) -> HandlingForm:
    request = Extension(
        request_id=request_id,
        at=parse_time(data["at"]),
        unit=data["unit"],
        handler=_handler(data),
        until=parse_time(data["until"]),
        reason=data["reason"],
    )
    return replace(form, extensions=[*form.extensions, request])


def _extension_decided(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    """The decision of the pending request it names (the rules refuse any other)."""
    decision = ExtensionDecision(data["decision"], data["unit"], _handler(data), at, data["reason"])
    return _change_extensions(
        form,
        lambda e: e.pending and e.request_id == data["request_id"],
        lambda e: replace(e, decision=decision),
    )


def _cancel_pending(form: HandlingForm, by: str, at: datetime) -> HandlingForm:
    cancelled = ExtensionCancelled(by, at)
    return _change_extensions(form, lambda e: e.pending, lambda e: replace(e, cancelled=cancelled))


def _rescheduled(form: HandlingForm, data: Mapping[str, Any]) -> HandlingForm:
    """The resolve clock moved: the first approved request not yet matched got its new time."""

    def waiting(extension: Extension) -> bool:
        decision = extension.decision
        approved = decision is not None and decision.decision == "approved"
        return approved and extension.resolve_due_after is None

    return _change_extensions(
        form,
        waiting,
        lambda e: replace(
            e,
            resolve_due_before=parse_time(data["previous_due_at"]),
            resolve_due_after=parse_time(data["due_at"]),
        ),
    )


def _change_extensions(
    form: HandlingForm,
    which: Callable[[Extension], bool],
    change: Callable[[Extension], Extension],
) -> HandlingForm:
    """`change` the first extension `which` picks, if any."""
    extensions = list(form.extensions)
    for index, extension in enumerate(extensions):
        if which(extension):
            extensions[index] = change(extension)
            return replace(form, extensions=extensions)
    return form


def _resolved(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    form = _cancel_pending(form, "reply", at)  # replied: no more time is needed
    units = list(form.units)
    if units and units[-1].departure is None:
        units[-1] = replace(units[-1], departure=at)
    return replace(
        form,
        draft=False,
        units=units,
        # version 1 records have neither cause nor actions taken
        investigation=replace(form.investigation, cause=data.get("cause")),
        actions_taken=data.get("actions_taken"),
        reply=Reply(data["reply"], at, data["unit"], _handler(data)),
    )


def _reopened(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    units = list(form.units)
    if units:
        units[-1] = replace(units[-1], departure=None)  # the owner holds it again
    return replace(form, draft=True, units=units)


def _return_visit(form: HandlingForm, data: Mapping[str, Any], at: datetime) -> HandlingForm:
    visit = ReturnVisit(
        at=at,
        unit=data["unit"],
        handler=_handler(data),
        reached=bool(data.get("reached", True)),
        satisfaction=int(data["satisfaction"]),
        customer_asks=data.get("customer_asks"),
        comment=data.get("comment"),
    )
    return replace(form, return_visits=[*form.return_visits, visit])


_ACTIONS = {
    "complaint.accepted": _accepted,
    "complaint.plan_decided": _plan,
    "complaint.classified": _classified,
    "complaint.resolved": _resolved,
    "complaint.reopened": _reopened,
    "complaint.return_visit_recorded": _return_visit,
    "complaint.extension_decided": _extension_decided,
}


def _mentioned(form: HandlingForm, runs: Iterable[ClockRun]) -> list[str]:
    units = [stay.unit for stay in form.units]
    units += [run.owner_unit for run in runs]
    units += [visit.unit for visit in form.return_visits]
    for extension in form.extensions:
        units.append(extension.unit)
        if extension.decision is not None:
            units.append(extension.decision.unit)
    for actor in (form.investigation.plan, form.classification, form.reply):
        if actor is not None:
            units.append(actor.unit)
    if form.received is not None:
        units.insert(0, form.received.receiving_unit)
    return list(dict.fromkeys(units))


def _handler(data: Mapping[str, Any]) -> dict[str, Any] | None:
    handler = data.get("handler")
    return dict(handler) if handler else None


def _name(org: Organisation, unit: str) -> str:
    return (org.units[unit].name or unit) if unit in org else unit
