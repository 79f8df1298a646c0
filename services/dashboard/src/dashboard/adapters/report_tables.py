"""The table of the monthly reports (`report_facts`), beside the projection's own tables.

One row per report fact (`domain.report_facts.Fact`), written by the projection in the same
transaction as the event it comes from: what each event adds to the monthly figures, with the
unit and the handler it is attributed to at that moment, and the business time it counts by.
The handler is staff data (id and name); `customer_asks` is what a customer asked for on a
return visit, emptied when the customer's personal data is erased. No customer contact.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, Table, Text

metadata = MetaData()

report_facts = Table(
    "report_facts",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("complaint_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("unit", Text, nullable=False),
    Column("handler_id", Text),
    Column("handler_name", Text),
    Column("name", Text),
    Column("outcome", Text),
    Column("breach", Boolean, nullable=False),
    Column("seconds", Integer),
    Column("category", Text),
    Column("repeat", Boolean, nullable=False),
    Column("satisfaction", Integer),
    Column("reached", Boolean),
    Column("customer_asks", Text),
    Index("report_facts_by_unit_and_time", "unit", "at"),
    Index("report_facts_by_complaint", "complaint_id", "kind"),
)
