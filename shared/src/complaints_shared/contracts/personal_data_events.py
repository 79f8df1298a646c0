"""Events about a complaint's personal data: each read of the customer's contact, and its
erasure. Neither carries personal data: who, when, why."""

from __future__ import annotations

from pydantic import Field

from .base import AwareDatetime, Event


class PersonalDataRead(Event):
    """A unit read the customer's full contact (`GET /v1/complaints/{id}/customer`)."""

    NAME = "personal_data.read"

    unit: str
    posted_by: str
    at: AwareDatetime
    reason: str = Field(min_length=1, max_length=500)


class PersonalDataErased(Event):
    """The complaint's personal data was erased: its data key destroyed, so that the sealed
    part of `complaint.received` can no longer be opened anywhere; every view drops the masked
    customer too. `unit` None: erased when the retention period ended."""

    NAME = "personal_data.erased"

    unit: str | None = None
    posted_by: str | None = None
    at: AwareDatetime
    reason: str = Field(min_length=1, max_length=500)
