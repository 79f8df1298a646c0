"""Events a unit posts through intake: a complaint received, then its handling actions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import AwareDatetime, Event

Kind = Literal["complaint", "inquiry"]
Channel = Literal[
    "assistance_line",
    "hotline",
    "supervision_line",
    "on_site",
    "department",
    "opinion_book",
    "media",
    "letter",
    "consumer_hotline",
    "email",
    "online",
]
Severity = Literal["normal", "major"]
Flag = Literal["discipline", "media_exposure", "major_liability"]
# What went wrong: the company's own kinds of complaint, then delivery problems.
Category = Literal[
    "attitude",
    "service_quality",
    "product",
    "process",
    "environment",
    "facilities",
    "late_delivery",
    "damaged_goods",
    "wrong_goods",
    "short_delivery",
    "lost_goods",
    "handover_dispute",
    "other",
]


class Customer(Event):
    """The customer as `complaint.received` shows it since version 2: masked (the name's first
    character, the phone's last four digits) and whether it is a key customer. The contact in
    clear travels only sealed (`Sealed`)."""

    name: str = Field(max_length=200)  # masked: '张**'
    phone: str = Field(max_length=40)  # masked: '*******8000'
    key_customer: bool = False


class Sealed(BaseModel):
    """`PersonalData` encrypted with the complaint's own data key (AES-256-GCM, the complaint
    id as associated data; `complaints_shared.sealing`). The key is kept, wrapped, by intake
    only: once intake destroys it (erasure) no copy of this value can be opened again."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key_id: str = Field(min_length=1, max_length=64)  # the complaint id
    nonce: str = Field(min_length=1, max_length=64)  # base64
    ciphertext: str = Field(min_length=1, max_length=65536)  # base64


class PersonalData(BaseModel):
    """What `Sealed` holds: the customer's contact, the account of what happened and what the
    customer asks for (personal information; docs/domain.md#personal-data)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    summary: str = Field(min_length=1, max_length=5000)
    asks_for: str | None = Field(default=None, max_length=2000)


class ComplaintReceived(Event):
    """Version 2: the customer masked, its contact, the summary and what it asks for sealed
    (version 1 records are upcast: masked, with nothing sealed)."""

    NAME = "complaint.received"
    VERSION = 2

    kind: Kind
    channel: Channel
    receiving_unit: str
    business_line: str
    category: Category = "other"
    severity: Severity = "normal"
    flags: tuple[Flag, ...] = ()
    received_at: AwareDatetime
    customer: Customer
    sealed: Sealed | None = None  # None: upcast from version 1, nothing sealed
    posted_by: str
    # The same customer's complaints received in the 12 months before this one (intake
    # recognises the customer by a keyed hash of the phone it never publishes).
    prior_complaints: int = Field(default=0, ge=0)

    @property
    def repeat_complainant(self) -> bool:
        return self.prior_complaints >= 1


class HandlerRef(BaseModel):
    """The member of staff who took an action (or who handles the complaint)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)


class UnitAction(Event):
    """Common to every action a unit takes on a complaint."""

    unit: str
    at: AwareDatetime
    posted_by: str
    handler: HandlerRef | None = None


class ComplaintAccepted(UnitAction):
    NAME = "complaint.accepted"


class HandlerChanged(UnitAction):
    """The case passes to another member of staff of the owning unit."""

    NAME = "complaint.handler_changed"
    handler: HandlerRef


class TransferRequested(UnitAction):
    NAME = "complaint.transfer_requested"
    reason: str = Field(min_length=1, max_length=500)
    to_unit: str | None = None


class CustomerContacted(UnitAction):
    NAME = "complaint.customer_contacted"


class DeadlineCommitted(UnitAction):
    NAME = "complaint.deadline_committed"
    committed_deadline: AwareDatetime


class PlanDecided(UnitAction):
    """The supervisor's plan after investigating (what will be done, optionally by when)."""

    NAME = "complaint.plan_decided"
    plan: str = Field(min_length=1, max_length=5000)
    promised_by: AwareDatetime | None = None


class WaitingOnCustomer(UnitAction):
    NAME = "complaint.waiting_on_customer"


class CustomerResponded(UnitAction):
    NAME = "complaint.customer_responded"


class ExtensionRequested(UnitAction):
    """The owner asks for more time to resolve; the response's event id is the request id."""

    NAME = "complaint.extension_requested"
    until: AwareDatetime
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecided(UnitAction):
    """The supervision line of the owner's province, or the unit above the owner, decides."""

    NAME = "complaint.extension_decided"
    request_id: str = Field(min_length=1, max_length=64)
    decision: Literal["approved", "refused"]
    reason: str = Field(min_length=1, max_length=2000)


class Classified(UnitAction):
    NAME = "complaint.classified"
    classification: Literal["valid", "special"]


class Resolved(UnitAction):
    """The result replied to the customer. Version 2 adds what the investigation found and
    what was done (version 1 records are upcast with both empty)."""

    NAME = "complaint.resolved"
    VERSION = 2
    reply: str = Field(min_length=1, max_length=5000)
    cause: str | None = Field(default=None, max_length=5000)
    actions_taken: str | None = Field(default=None, max_length=5000)


class ReturnVisitRecorded(UnitAction):
    NAME = "complaint.return_visit_recorded"
    satisfaction: int = Field(ge=1, le=5)
    reached: bool = True
    customer_asks: str | None = Field(default=None, max_length=2000)
    comment: str | None = Field(default=None, max_length=2000)


class Reopened(UnitAction):
    NAME = "complaint.reopened"


class Closed(UnitAction):
    NAME = "complaint.closed"


class NoteAdded(UnitAction):
    NAME = "complaint.note"
    text: str = Field(min_length=1, max_length=5000)


UNIT_ACTIONS: dict[str, type[UnitAction]] = {
    cls.NAME.removeprefix("complaint."): cls
    for cls in (
        ComplaintAccepted,
        HandlerChanged,
        TransferRequested,
        CustomerContacted,
        DeadlineCommitted,
        PlanDecided,
        ExtensionRequested,
        ExtensionDecided,
        WaitingOnCustomer,
        CustomerResponded,
        Classified,
        Resolved,
        ReturnVisitRecorded,
        Reopened,
        Closed,
        NoteAdded,
    )
}
"""The action names of `POST /v1/complaints/{id}/events` (`note` included) -> event class."""
