"""`--check`: the replayed rows against the live rows, table by table, column by column.

Rows are matched by their key; values are compared after `normalise` (times as UTC ISO 8601
text, tuples and sets as lists), so a value is equal whether it was read back from PostgreSQL
or kept in memory. Columns that record processing time (when a row was written, its position
in the order of writing) are left out: they say when the live consumer got to an event, which a
replay cannot know. Each table names them with the reason (`Compared.ignored`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table

Row = dict[str, Any]


@dataclass(frozen=True)
class Compared:
    """A table of the projection: its key, the columns left out and why, and `prepare`, which
    takes processing-time values out of a row's JSON before comparing (a copy of the row)."""

    table: Table
    key: tuple[str, ...]
    ignored: Mapping[str, str] = field(default_factory=dict)
    prepare: Callable[[Row], Row] | None = None

    @property
    def name(self) -> str:
        return self.table.name

    def key_of(self, row: Row) -> tuple[Hashable, ...]:
        return tuple(row[c] for c in self.key)

    def comparable(self, row: Row) -> Row:
        prepared = self.prepare(dict(row)) if self.prepare else row
        return {k: normalise(v) for k, v in prepared.items() if k not in self.ignored}


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Hashable, ...]
    column: str | None  # None: the row is on one side only
    live: Any
    replayed: Any

    def __str__(self) -> str:
        key = ", ".join(map(str, self.key))
        if self.column is None:
            where = "live only" if self.replayed is None else "replayed only"
            return f"{self.table} [{key}]: {where}"
        return (
            f"{self.table} [{key}] {self.column}: live {_short(self.live)} "
            f"replayed {_short(self.replayed)}"
        )


def differences(spec: Compared, live: Iterable[Row], replayed: Iterable[Row]) -> list[Difference]:
    """Every row on one side only, and every differing column of the rows on both."""
    live_rows = {spec.key_of(row): spec.comparable(row) for row in live}
    replayed_rows = {spec.key_of(row): spec.comparable(row) for row in replayed}
    found: list[Difference] = []
    for key in sorted(live_rows.keys() | replayed_rows.keys(), key=repr):
        old, new = live_rows.get(key), replayed_rows.get(key)
        if old is None or new is None:
            found.append(Difference(spec.name, key, None, old, new))
            continue
        for column in sorted(old.keys() | new.keys()):
            if old.get(column) != new.get(column):
                found.append(Difference(spec.name, key, column, old.get(column), new.get(column)))
    return found


def normalise(value: Any) -> Any:
    """The value as comparable data: times as UTC ISO text ('infinity' for PostgreSQL's),
    tuples as lists, sets as sorted lists, recursively."""
    if isinstance(value, datetime):
        if value.replace(tzinfo=None) == datetime.max:
            return "infinity"
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((normalise(v) for v in value), key=repr)
    return value


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
