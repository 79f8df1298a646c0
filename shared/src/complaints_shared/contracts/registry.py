"""The catalogue: every event type by its versioned name, with upcasters for old versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ..masking import mask_name, mask_phone
from . import complaint_events as c
from . import notification_events as n
from . import personal_data_events as p
from . import routing_events as r
from . import sla_events as s
from .base import Event
from .envelope import Envelope, MalformedEvent

_EVENT_CLASSES: tuple[type[Event], ...] = (
    c.ComplaintReceived,
    *c.UNIT_ACTIONS.values(),
    r.ComplaintAssigned,
    r.ComplaintTransferred,
    r.TransferRejected,
    r.ComplaintReported,
    r.ComplaintEscalated,
    s.ClockStarted,
    s.ClockPaused,
    s.ClockResumed,
    s.ClockRescheduled,
    s.SlaWarning,
    s.SlaBreached,
    s.ClockStopped,
    n.NotificationSent,
    n.NotificationFailed,
    p.PersonalDataRead,
    p.PersonalDataErased,
)
CATALOGUE: dict[str, type[Event]] = {cls.type_name(): cls for cls in _EVENT_CLASSES}


# (old type name) -> (function turning old data into the next version's data, next type name).
# Add an entry here when an event's VERSION is bumped; old records in the log stay readable.
def received_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 `complaint.received` (the customer, summary and asks_for in clear) as
    version 2 sees it: the customer masked, the summary, what the customer asks for and the
    email dropped, nothing sealed. The record itself stays in the log as it was written."""
    upcast = {k: v for k, v in data.items() if k not in ("summary", "asks_for", "sealed")}
    customer = data.get("customer")
    if isinstance(customer, dict):
        upcast["customer"] = {
            "name": mask_name(str(customer.get("name") or "")),
            "phone": mask_phone(str(customer.get("phone") or "")),
            "key_customer": bool(customer.get("key_customer", False)),
        }
    return upcast


UPCASTERS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "complaint.received.v1": (received_v1_to_v2, "complaint.received.v2"),
    "complaint.resolved.v1": (
        lambda data: {"cause": None, "actions_taken": None, **data},
        "complaint.resolved.v2",
    ),
}


def parse(envelope: Envelope) -> Event | None:
    """The typed data of an envelope; None for a type this catalogue does not know.

    Raises MalformedEvent when a known type's data does not validate.
    """
    type_name, data = envelope.type, envelope.data
    while type_name in UPCASTERS:
        upcast, type_name = UPCASTERS[type_name]
        data = upcast(data)
    cls = CATALOGUE.get(type_name)
    if cls is None:
        return None
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "data" for e in exc.errors())
        raise MalformedEvent(f"{type_name}: invalid data ({fields})") from exc


def envelope_data(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json")
