"""The replay's pieces that need no broker: undoing a refused event's writes, comparing rows,
the defaults a row is created with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from complaints_shared.replay.compare import Compared, differences, normalise
from complaints_shared.replay.copies import column_defaults, in_utc
from complaints_shared.replay.journal import Journal

metadata = MetaData()
rows = Table(
    "rows",
    metadata,
    Column("id", Text, primary_key=True),
    Column("n", Integer, nullable=False, server_default="0"),
    Column("flags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("ok", Boolean, nullable=False, server_default=text("false")),
    Column("extra", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("due", DateTime(timezone=True), nullable=False, server_default="infinity"),
    Column("written", DateTime(timezone=True), server_default=func.now()),
)


def test_a_rollback_undoes_only_the_writes_since_begin():
    journal = Journal()
    journal.begin()
    journal.put("t", "a", 1)
    journal.commit()
    journal.begin()
    journal.put("t", "a", 2)
    journal.put("t", "b", 3)
    journal.rollback()
    assert dict(journal.rows("t")) == {"a": 1}
    assert ("t", "b") not in journal


def test_differences_name_the_table_key_and_column_and_skip_ignored_columns():
    spec = Compared(rows, ("id",), ignored={"written": "processing time"})
    at = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    live = [
        {"id": "x", "n": 1, "due": at.astimezone(UTC), "written": at},
        {"id": "y", "n": 2, "due": at, "written": at},
    ]
    replayed = [{"id": "x", "n": 1, "due": at, "written": None}, {"id": "z", "n": 3, "due": at}]
    found = [str(d) for d in differences(spec, live, replayed)]
    assert found == ["rows [y]: live only", "rows [z]: replayed only"]
    replayed[0]["n"] = 5
    assert str(differences(spec, live, replayed)[0]) == "rows [x] n: live 1 replayed 5"


def test_values_compare_alike_from_the_database_and_from_memory():
    assert normalise((1, {"a": frozenset({"b"})})) == [1, {"a": ["b"]}]
    assert normalise(datetime.max) == normalise(datetime.max.replace(tzinfo=UTC)) == "infinity"
    local = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert in_utc({"t": local})["t"].utcoffset() == timedelta(0)


def test_a_new_row_takes_the_server_defaults():
    assert column_defaults(rows) == {
        "id": None,
        "n": 0,
        "flags": [],
        "ok": False,
        "extra": [],
        "due": datetime.max,
        "written": None,
    }
