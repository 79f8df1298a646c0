"""The notifier's handlers: tell the new owner of a complaint, once per recipient and channel."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from complaints_shared.contracts import notification_events as n
from complaints_shared.contracts import routing_events as r
from complaints_shared.contracts.envelope import Envelope, derived_id
from complaints_shared.logging import get_logger
from complaints_shared.masking import mask_email
from complaints_shared.messaging.consumer import Handler
from complaints_shared.messaging.outbox import Outbox
from complaints_shared.organisation import Organisation

from ..adapters.tables import alerts
from ..domain.messages import render

SOURCE = "/notifier"
log = get_logger("notifier.alerts")


class NotifierHandlers:
    """Delivery here is the `log` channel: the alert is written to the notifier's JSON log."""

    def __init__(self, org: Organisation, outbox: Outbox, public_base_url: str) -> None:
        self.org = org
        self.outbox = outbox
        self.public_base_url = public_base_url

    def registry(self) -> dict[type, Handler]:
        return {r.ComplaintAssigned: self.alert_new_owner}

    async def alert_new_owner(
        self, session: AsyncSession, envelope: Envelope, event: r.ComplaintAssigned
    ) -> None:
        message = render(
            "assigned",
            complaint_id=envelope.subject,
            unit=self.org.unit(event.owner_unit).name or event.owner_unit,
            level=event.handling_level,
            link=f"{self.public_base_url}/v1/complaints/{envelope.subject}",
        )
        for contact in self.org.contacts(event.owner_unit):
            address = contact.email or contact.name
            recipient = mask_email(address)
            alert_id = derived_id(envelope.id, "alert", f"{event.owner_unit}|{address}|log")
            recorded = (
                await session.execute(
                    insert(alerts)
                    .values(
                        alert_id=alert_id,
                        complaint_id=envelope.subject,
                        cause_event_id=envelope.id,
                        cause_type=event.NAME,
                        recipient_unit=event.owner_unit,
                        channel="log",
                        recipient=recipient,
                        status="sent",
                        attempts=1,
                        message=message,
                    )
                    .on_conflict_do_nothing()
                    .returning(alerts.c.alert_id)
                )
            ).first()
            if recorded is None:
                continue  # told already
            log.info("alert", channel="log", recipient=recipient, message=message)
            sent = n.NotificationSent(
                channel="log",
                recipient_unit=event.owner_unit,
                recipient=recipient,
                attempts=1,
                cause_event_id=envelope.id,
                cause_type=event.NAME,
            )
            await self.outbox.append(
                session,
                [
                    envelope.caused(
                        type=sent.type_name(),
                        source=SOURCE,
                        data=sent.model_dump(mode="json"),
                        discriminator=alert_id,
                    )
                ],
            )
