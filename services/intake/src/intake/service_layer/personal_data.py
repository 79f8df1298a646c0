"""The customer's personal data after registration: reading the contact (every read recorded
on the log), opening the account of what happened for the form, and erasure (crypto-shredding:
the data key destroyed, so that no copy of the sealed value, the log's included, can be opened
again), on request or when the retention period ends.

Each operation is one command-side transaction under the complaint's row lock; what it appends
goes through the outbox in that transaction. docs/domain.md#personal-data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap

from complaints_shared.contracts.complaint_events import PersonalData, Sealed
from complaints_shared.contracts.envelope import new_id
from complaints_shared.contracts.personal_data_events import PersonalDataErased, PersonalDataRead
from complaints_shared.logging import get_logger
from complaints_shared.organisation import Organisation
from complaints_shared.sealing import open_sealed, unwrap_key
from complaints_shared.workflow.visibility import may_see

from ..adapters.registry import Locker, Registry, Transactions
from ..domain.personal_data import may_erase, may_read_contact, retention_cutoff
from .submissions import UnknownComplaint, envelope_of

log = get_logger("intake.personal_data")

RETENTION_REASON = "retention period ended"


class Forbidden(Exception):
    """The caller may see the complaint, but not do this (403)."""


class Gone(Exception):
    """The personal data was erased, or never kept sealed here (410)."""


@dataclass(frozen=True)
class ContactRead:
    name: str
    phone: str
    email: str | None
    event_id: str  # the `personal_data.read` that recorded the read


class PersonalDataService:
    def __init__(
        self,
        transactions: Transactions,
        org: Organisation,
        *,
        master_key: bytes,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.transactions = transactions
        self.org = org
        self.master_key = master_key
        self.now = now

    async def read_contact(self, *, caller: str, complaint_id: str, reason: str) -> ContactRead:
        """The customer's full contact, for the owner and the units above it; the read is
        appended as `personal_data.read` in the same transaction. Raises `UnknownComplaint`
        (404), `Forbidden` (403) or `Gone` (410)."""
        event_id = new_id()
        async with self.transactions() as registry:
            row = await registry.lock(complaint_id)
            if row is None or not may_see(self.org, caller, row.state.involvement):
                raise UnknownComplaint(complaint_id)
            if not may_read_contact(self.org, caller, row.state):
                raise Forbidden("only the owning unit and the units above it read the contact")
            data = self._open(complaint_id, await registry.locker(complaint_id))
            at = self.now()
            read = PersonalDataRead(unit=caller, posted_by=caller, at=at, reason=reason)
            await registry.append(
                envelope_of(event_id, complaint_id, read, at, correlation=row.received_event_id)
            )
        return ContactRead(data.name, data.phone, data.email, event_id)

    async def account(self, complaint_id: str) -> PersonalData | None:
        """The sealed personal data opened, for a caller the queries found may see the
        complaint (the form's account of what happened); None once erased or never sealed."""
        async with self.transactions() as registry:
            locker = await registry.locker(complaint_id)
        try:
            return self._open(complaint_id, locker)
        except Gone:
            return None

    async def erase(self, *, caller: str, complaint_id: str, reason: str) -> bool:
        """Erase the complaint's personal data on request of HQ or of the receiving unit's
        province company or its customer-service department; False when it was erased before
        (nothing changes). Raises `UnknownComplaint` (404) or `Forbidden` (403)."""
        async with self.transactions() as registry:
            row = await registry.lock(complaint_id)
            if row is None or not may_see(self.org, caller, row.state.involvement):
                raise UnknownComplaint(complaint_id)
            if not may_erase(self.org, caller, row.state.receiving_unit):
                raise Forbidden(
                    "only HQ, the province company or its customer-service department erase"
                )
            return await self._erase(registry, complaint_id, row.received_event_id, caller, reason)

    async def erase_expired(self, retention_days: int, limit: int = 100) -> int:
        """Erase the personal data of complaints received more than `retention_days` ago
        (0: none); how many were erased. One transaction per complaint."""
        if retention_days <= 0:
            return 0
        cutoff = retention_cutoff(self.now(), retention_days)
        async with self.transactions() as registry:
            due = await registry.due_for_erasure(cutoff, limit)
        erased = 0
        for complaint_id in due:
            async with self.transactions() as registry:
                row = await registry.lock(complaint_id)
                if row is None:
                    continue
                if await self._erase(
                    registry, complaint_id, row.received_event_id, None, RETENTION_REASON
                ):
                    erased += 1
        if erased:
            log.info("personal data erased after the retention period", complaints=erased)
        return erased

    async def _erase(
        self,
        registry: Registry,
        complaint_id: str,
        received_event_id: str,
        caller: str | None,
        reason: str,
    ) -> bool:
        at = self.now()
        if not await registry.erase(complaint_id, at):
            return False
        erased = PersonalDataErased(unit=caller, posted_by=caller, at=at, reason=reason)
        await registry.append(
            envelope_of(new_id(), complaint_id, erased, at, correlation=received_event_id)
        )
        return True

    def _open(self, complaint_id: str, locker: Locker | None) -> PersonalData:
        if locker is None:
            raise UnknownComplaint(complaint_id)
        if locker.erased_at is not None:
            raise Gone("the customer's personal data was erased")
        if locker.sealed is None or locker.wrapped_key is None:
            raise Gone("the complaint was registered before personal data was sealed")
        try:
            data_key = unwrap_key(self.master_key, locker.wrapped_key)
            plaintext = open_sealed(data_key, Sealed.model_validate(locker.sealed))
        except (InvalidUnwrap, InvalidTag) as exc:
            # Another master key, or a changed value: an operator's problem (500), not erasure.
            log.error("sealed personal data cannot be opened", complaint_id=complaint_id)
            raise RuntimeError(f"sealed personal data of {complaint_id} cannot be opened") from exc
        return PersonalData.model_validate_json(plaintext)


async def erase_expired_forever(
    service: PersonalDataService,
    retention_days: int,
    every_seconds: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """The periodic task: erase what the retention period ended, then wait; an error (the
    database away) is logged and tried again at the next round."""
    while True:
        try:
            while await service.erase_expired(retention_days) > 0:
                pass  # a full batch: there may be more
        except Exception:
            log.exception("erasing expired personal data failed; trying again later")
        await sleep(every_seconds)
