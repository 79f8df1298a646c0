"""Personal data at registration, and who may read or erase it (pure).

A registration carries the customer's contact, the account of what happened and what the
customer asks for in clear (`Registration`); the event it becomes carries them only sealed,
with the customer masked (`received_event`). docs/domain.md#personal-data.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from complaints_shared.contracts.base import AwareDatetime
from complaints_shared.contracts.complaint_events import (
    Category,
    Channel,
    ComplaintReceived,
    Customer,
    Flag,
    Kind,
    PersonalData,
    Sealed,
    Severity,
)
from complaints_shared.masking import mask_name, mask_phone
from complaints_shared.organisation import Organisation
from complaints_shared.workflow.hierarchy import (
    is_hq,
    is_self_or_above,
    province_cs_department,
    province_of,
)
from complaints_shared.workflow.lifecycle import ComplaintState


class Contact(BaseModel):
    """The customer's contact as registered, in clear."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    key_customer: bool = False


class Registration(BaseModel):
    """A complaint or inquiry as a unit registers it: what `complaint.received` says, with
    the personal data in clear (it never leaves intake so)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Kind
    channel: Channel
    receiving_unit: str
    business_line: str
    category: Category = "other"
    severity: Severity = "normal"
    flags: tuple[Flag, ...] = ()
    received_at: AwareDatetime
    customer: Contact
    summary: str = Field(min_length=1, max_length=5000)
    asks_for: str | None = Field(default=None, max_length=2000)
    posted_by: str

    def personal_data(self) -> PersonalData:
        """What is sealed: the contact, the account and what the customer asks for."""
        return PersonalData(
            name=self.customer.name,
            phone=self.customer.phone,
            email=self.customer.email,
            summary=self.summary,
            asks_for=self.asks_for,
        )

    def received_event(self, sealed: Sealed | None, prior_complaints: int) -> ComplaintReceived:
        """The event: the customer masked, the personal data only `sealed`."""
        return ComplaintReceived(
            kind=self.kind,
            channel=self.channel,
            receiving_unit=self.receiving_unit,
            business_line=self.business_line,
            category=self.category,
            severity=self.severity,
            flags=self.flags,
            received_at=self.received_at,
            customer=masked_customer(self.customer),
            sealed=sealed,
            posted_by=self.posted_by,
            prior_complaints=prior_complaints,
        )


def masked_customer(contact: Contact) -> Customer:
    return Customer(
        name=mask_name(contact.name),
        phone=mask_phone(contact.phone),
        key_customer=contact.key_customer,
    )


def may_read_contact(org: Organisation, caller: str, state: ComplaintState) -> bool:
    """The owning unit and the units above it (before routing names an owner: the receiving
    unit and the units above it)."""
    owner = state.owner_unit or state.receiving_unit
    return owner is not None and is_self_or_above(org, caller, owner)


def may_erase(org: Organisation, caller: str, receiving_unit: str | None) -> bool:
    """HQ, or the province company of the receiving unit's province or its customer-service
    department."""
    if caller not in org:
        return False
    if is_hq(org, caller):
        return True
    if receiving_unit is None or receiving_unit not in org:
        return False
    province = province_of(org, receiving_unit)
    return province is not None and caller in (
        province,
        province_cs_department(org, receiving_unit),
    )


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Complaints received before this moment are past the retention period."""
    return now - timedelta(days=days)
