"""In-memory tables for a replay, with the writes of one event undone when its handler fails.

A replay store keeps its rows here: `get` reads a row, `put` replaces it (a row is never changed
in place: the journal keeps the old value, so `rollback` can put it back). The driver calls
`begin` before each event's handler and `commit` or `rollback` after it, as the live consumer
wraps each event in a savepoint.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

_MISSING = object()


class Journal:
    def __init__(self) -> None:
        self._tables: dict[str, dict[Hashable, Any]] = {}
        self._undo: list[tuple[str, Hashable, Any]] = []

    def get(self, table: str, key: Hashable, default: Any = None) -> Any:
        return self._tables.get(table, {}).get(key, default)

    def __contains__(self, where: tuple[str, Hashable]) -> bool:
        table, key = where
        return key in self._tables.get(table, {})

    def put(self, table: str, key: Hashable, value: Any) -> None:
        rows = self._tables.setdefault(table, {})
        self._undo.append((table, key, rows.get(key, _MISSING)))
        rows[key] = value

    def rows(self, table: str) -> Iterator[tuple[Hashable, Any]]:
        """The table's rows (key, value), in the order they were first put."""
        return iter(self._tables.get(table, {}).items())

    def count(self, table: str) -> int:
        return len(self._tables.get(table, {}))

    def begin(self) -> None:
        self._undo.clear()

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        """Undo every `put` since `begin`, newest first."""
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                del self._tables[table][key]
            else:
                self._tables[table][key] = old
        self._undo.clear()
