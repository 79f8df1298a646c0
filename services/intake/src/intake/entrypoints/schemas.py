"""Intake's wire schemas. Actions are generated from the event catalogue so they cannot drift."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from complaints_shared.contracts.base import AwareDatetime
from complaints_shared.contracts.complaint_events import (
    UNIT_ACTIONS,
    Category,
    Channel,
    Flag,
    Kind,
    Severity,
    UnitAction,
)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40, pattern=r"^[0-9+() \-]+$")
    # Email-like: one "@", a dot in the domain, no spaces (the mailbox is not checked).
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
    key_customer: bool = False


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "complaint",
                "channel": "hotline",
                "receiving_unit": "YN-KM",
                "business_line": "cards",
                "severity": "normal",
                "flags": [],
                "received_at": "2026-11-23T10:15:00+08:00",
                "customer": {"name": "张三", "phone": "+86 138 0000 0000"},
                "summary": "Card blocked without notice",
            }
        },
    )
    kind: Kind
    channel: Channel
    receiving_unit: str = Field(min_length=1, max_length=64)
    business_line: str = Field(min_length=1, max_length=64)
    category: Category = "other"
    severity: Severity = "normal"
    flags: list[Flag] = Field(default_factory=list, max_length=3)
    received_at: AwareDatetime
    customer: CustomerIn
    summary: str = Field(min_length=1, max_length=5000)
    asks_for: str | None = Field(
        default=None, min_length=1, max_length=2000, description="what the customer asks for"
    )


class ContactPublic(BaseModel):
    """The customer's full contact, opened from the sealed personal data."""

    complaint_id: str
    name: str
    phone: str
    email: str | None = None
    read_event_id: str = Field(description="the `personal_data.read` event recording this read")


class ErasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="why (a request, a law)")


class EventAccepted(BaseModel):
    complaint_id: str
    event_id: str


class ErasureAccepted(BaseModel):
    complaint_id: str
    erased: bool = Field(description="always true: the personal data is gone")
    already_erased: bool = Field(description="true for a repeat, which changed nothing")


def _action_schema(name: str, event_class: type[UnitAction]) -> type[BaseModel]:
    fields: dict[str, Any] = {"type": (Literal[name], ...)}
    fields |= {
        field_name: (info.annotation, info)
        for field_name, info in event_class.model_fields.items()
        if field_name != "posted_by"
    }
    return create_model(
        f"{event_class.__name__}Create", __config__=ConfigDict(extra="forbid"), **fields
    )


class ActionFields(BaseModel):
    """What every action body has, as the type checker sees `ActionCreate`."""

    type: str
    unit: str
    at: datetime


ACTION_SCHEMAS = {name: _action_schema(name, cls) for name, cls in UNIT_ACTIONS.items()}
if TYPE_CHECKING:
    ActionCreate = ActionFields
else:
    ActionCreate = Annotated[
        Union[tuple(ACTION_SCHEMAS.values())],  # noqa: UP007 - a runtime-built union
        Field(discriminator="type"),
    ]


class ClockPublic(BaseModel):
    name: str
    state: Literal["running", "paused", "met", "breached", "cancelled"]
    owner_unit: str | None = None
    started_at: datetime | None = None
    due_at: datetime | None = Field(
        default=None, description="for a paused clock: the due time if resumed at once"
    )
    late: bool = Field(default=False, description="met after it had breached")
    calendar_uncovered: bool = Field(
        default=False,
        description="a working-calendar clock whose run reaches a year whose public holidays "
        "its unit's calendar does not know: its due time counts them as working days",
    )


class HandlerPublic(BaseModel):
    id: str
    name: str | None = None


class NextDue(BaseModel):
    clock: str
    due_at: datetime
    state: Literal["running", "breached"]
    owner_unit: str | None = None


Status = Literal["received", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed"]


class ComplaintPublic(BaseModel):
    complaint_id: str
    status: Status
    kind: str | None = None
    channel: str | None = None
    receiving_unit: str | None = None
    business_line: str | None = None
    category: str | None = None
    severity: str | None = None
    flags: list[str] = []
    received_at: datetime | None = None
    customer: dict[str, str | bool] | None = Field(
        default=None,
        description='masked name and phone; `{"erased": true}` once the personal data is erased',
    )
    prior_complaints: int | None = Field(
        default=None,
        description="the same customer's complaints received in the 12 months before this one "
        "(None until the complaint is back from the log)",
    )
    repeat_complainant: bool | None = Field(
        default=None, description="prior_complaints is at least 1"
    )
    owner_unit: str | None = None
    handling_level: str | None = None
    handler: HandlerPublic | None = None
    restricted: bool = False
    classification: str | None = None
    satisfaction: int | None = None
    units_involved: list[str] = []
    next_due: NextDue | None = None
    clocks: list[ClockPublic] = []


class WorklistItem(BaseModel):
    complaint_id: str
    status: Status
    owner_unit: str | None = None
    handling_level: str | None = None
    receiving_unit: str | None = None
    business_line: str | None = None
    category: str | None = None
    channel: str | None = None
    received_at: datetime | None = None
    handler: HandlerPublic | None = None
    next_due: NextDue | None = None


class WorklistPublic(BaseModel):
    items: list[WorklistItem]
    next_cursor: str | None = None


class TimelineEvent(BaseModel):
    position: int
    event_id: str
    type: str
    time: datetime
    source: str
    data: dict


class HandOff(BaseModel):
    from_unit: str
    to_unit: str
    why: str
    at: datetime


class StayPublic(BaseModel):
    unit: str
    since: datetime
    until: datetime | None
    seconds: int


class TimelinePublic(BaseModel):
    complaint_id: str
    events: list[TimelineEvent]
    handoffs: list[HandOff]
    stays: list[StayPublic]
