"""Writing a complaint or an action: the command state, the key and the event, one transaction.

An action is decided against the complaint's current state under its row lock (the shared
authority rules), folded into that state, and appended to the outbox in the same transaction:
a refused action records nothing, and a second `resolved` right after the first is refused.

A new complaint is counted against its customer's earlier ones (`prior_complaints`) in the
transaction that registers it; the customer is known here by a keyed hash of the phone only.
Its personal data is sealed with a data key of its own, kept wrapped by the master key
(`complaints_shared.sealing`); the event carries the customer masked and the sealed value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints_shared.contracts.base import Event
from complaints_shared.contracts.envelope import Envelope, new_id
from complaints_shared.organisation import Organisation
from complaints_shared.sealing import new_data_key, seal, wrap_key
from complaints_shared.workflow.authority import Refused, decide
from complaints_shared.workflow.lifecycle import ComplaintState, apply

from ..adapters.registry import CommandStore, Registry, Transactions
from ..domain.customers import customer_key, twelve_months_before
from ..domain.personal_data import Registration

SOURCE = "/intake"


class IdempotencyConflict(Exception):
    """The key was used before with another body."""


class UnknownComplaint(Exception):
    pass


class ActionRefused(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.reason)
        self.refused = refused


@dataclass(frozen=True)
class Recorded:
    """What a request recorded (or, `replayed`, what the same request recorded before)."""

    complaint_id: str
    event_id: str
    replayed: bool = False


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class Submissions:
    def __init__(
        self,
        transactions: Transactions,
        org: Organisation,
        *,
        customer_secret: bytes,
        master_key: bytes,
    ) -> None:
        self.transactions = transactions
        self.org = org
        self.customer_secret = customer_secret  # the key of the customers' hashes
        self.master_key = master_key  # wraps each complaint's data key

    async def submit_complaint(
        self,
        *,
        caller: str,
        registration: Registration,
        received_at: datetime,
        key: str | None,
        body: dict[str, Any],
    ) -> Recorded:
        """Register the complaint and append its event (the personal data sealed with a new
        data key, kept wrapped), with the customer's complaints in the 12 months before it as
        `prior_complaints`; raises `IdempotencyConflict`."""
        complaint_id, event_id = new_id(), new_id()
        customer = customer_key(registration.customer.phone, self.customer_secret)
        data_key = new_data_key()
        plaintext = registration.personal_data().model_dump_json().encode()
        sealed = seal(data_key, complaint_id, plaintext)
        async with self.transactions() as registry:
            if key is not None:
                earlier = await _claim(
                    registry, caller, "complaints", key, request_hash(body), complaint_id, event_id
                )
                if earlier:
                    return earlier
            prior = 0
            if customer is not None:
                prior = await _count_prior(registry, complaint_id, customer, registration)
            event = registration.received_event(sealed, prior)
            await registry.register(
                complaint_id=complaint_id,
                receiving_unit=event.receiving_unit,
                posted_by=caller,
                received_event_id=event_id,
                state=apply(ComplaintState(), event, received_at),
                received_at=event.received_at,
                sealed=sealed.model_dump(mode="json"),
                wrapped_key=wrap_key(self.master_key, data_key),
            )
            await registry.append(envelope_of(event_id, complaint_id, event, received_at))
        return Recorded(complaint_id, event_id)

    async def record_action(
        self,
        *,
        caller: str,
        complaint_id: str,
        action: str,
        event: Event,
        at: datetime,
        key: str | None,
        body: dict[str, Any],
    ) -> Recorded:
        """Decide, fold and append the action; raises `ActionRefused` (nothing recorded),
        `UnknownComplaint` or `IdempotencyConflict`."""
        event_id = new_id()
        async with self.transactions() as registry:
            row = await registry.lock(complaint_id)
            if row is None:
                raise UnknownComplaint(complaint_id)
            if key is not None:
                scope = f"events:{complaint_id}"
                earlier = await _claim(
                    registry, caller, scope, key, request_hash(body), complaint_id, event_id
                )
                if earlier:
                    return earlier
            refused = decide(
                self.org, row.state, caller=caller, unit=body["unit"], action=action, data=body
            )
            if refused is not None:
                raise ActionRefused(refused)  # leaving the transaction undoes the key's claim
            await registry.save_state(complaint_id, apply(row.state, event, at, event_id=event_id))
            await registry.append(
                envelope_of(event_id, complaint_id, event, at, correlation=row.received_event_id)
            )
        return Recorded(complaint_id, event_id)


async def fold_foreign(store: CommandStore, envelope: Envelope, event: Event) -> None:
    """Fold another service's event (routing's assignment, a clock) into the command state, in
    the consumer's transaction. Intake's own events were folded when they were accepted."""
    if envelope.source == SOURCE:
        return
    row = await store.lock(envelope.subject)
    if row is None:
        return
    folded = apply(row.state, event, envelope.time)
    if folded != row.state:
        await store.save_state(envelope.subject, folded)


async def _count_prior(
    registry: Registry, complaint_id: str, customer: str, registration: Registration
) -> int:
    """The customer's complaints received in the 12 months before this one (the customer
    locked until the transaction ends); a complaint is remembered for later ones to count, an
    inquiry is not (it is shown the count, but is no complaint)."""
    received_at = registration.received_at
    prior = await registry.count_customer_complaints(
        customer_key=customer, since=twelve_months_before(received_at), before=received_at
    )
    if registration.kind == "complaint":
        await registry.remember_customer(
            complaint_id=complaint_id, customer_key=customer, received_at=received_at
        )
    return prior


async def _claim(
    registry: Registry,
    caller: str,
    scope: str,
    key: str,
    digest: str,
    complaint_id: str,
    event_id: str,
) -> Recorded | None:
    """Claim an idempotency key; return the earlier answer if it was claimed before."""
    earlier = await registry.claim_key(
        caller=caller,
        scope=scope,
        key=key,
        digest=digest,
        complaint_id=complaint_id,
        event_id=event_id,
    )
    if earlier is None:
        return None
    if earlier.request_hash != digest:
        raise IdempotencyConflict(key)
    return Recorded(earlier.complaint_id, earlier.event_id, replayed=True)


def envelope_of(
    event_id: str, complaint_id: str, event: Event, time: datetime, correlation: str | None = None
) -> Envelope:
    return Envelope(
        id=event_id,
        source=SOURCE,
        type=event.type_name(),
        subject=complaint_id,
        time=time,
        data=event.model_dump(mode="json"),
        correlation_id=correlation or event_id,
    )
