"""The SQL of a replay: read a projection's live tables; write replayed rows into a fresh copy.

The copy is a schema of its own in the service's database (`replay` by default), dropped and
created again with the projection's tables (from the service's table definitions: the same
columns and indexes, no triggers) and filled with COPY, all in one transaction. The live
tables are only read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Identity, Table, select, text
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

Row = dict[str, Any]


async def read_rows(engine: AsyncEngine, table: Table) -> list[Row]:
    """Every row of the live table."""
    async with engine.connect() as conn:
        result = await conn.execute(select(table))
        return [dict(row) for row in result.mappings()]


async def write_copy(engine: AsyncEngine, schema: str, rows: Mapping[Table, Sequence[Row]]) -> None:
    """Replace schema `schema` with the tables of `rows`, holding those rows (in one
    transaction). Every row of a table has the same columns; identity columns are numbered
    by the database in the order given."""
    quoted = '"' + schema.replace('"', '""') + '"'
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {quoted} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {quoted}"))
        copied = await conn.execution_options(schema_translate_map={None: schema})
        await copied.run_sync(_create, list(rows))
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        for table, table_rows in rows.items():
            if not table_rows:
                continue
            given = table_rows[0].keys()
            columns = [
                c for c in table.columns if c.name in given and not isinstance(c.identity, Identity)
            ]
            as_json = [isinstance(c.type, JSON | JSONB) for c in columns]
            records = [
                tuple(
                    _json(row[c.name]) if is_json else row[c.name]
                    for c, is_json in zip(columns, as_json, strict=True)
                )
                for row in table_rows
            ]
            await driver.copy_records_to_table(
                table.name, records=records, columns=[c.name for c in columns], schema_name=schema
            )


def _create(sync: Connection, tables: list[Table]) -> None:
    for table in tables:
        table.create(sync)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def in_utc(values: Row) -> Row:
    """The values with their times as PostgreSQL hands `timestamptz` back: in UTC."""
    return {
        k: v.astimezone(UTC) if isinstance(v, datetime) and v.tzinfo else v
        for k, v in values.items()
    }


def column_defaults(table: Table) -> Row:
    """Each column's value when a row is created without it, as PostgreSQL would fill it in
    from the table's server defaults (None for none, and for `now()`: processing time)."""
    return {c.name: _server_default(c.server_default) for c in table.columns}


_LITERALS: dict[str, Any] = {
    "{}": [],
    "'{}'::jsonb": {},
    "'[]'::jsonb": [],
    "false": False,
    "true": True,
    "infinity": datetime.max,
}


def _server_default(default: Any) -> Any:
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    literal = arg if isinstance(arg, str) else getattr(arg, "text", None)
    if literal is None:
        return None  # a function such as now()
    if literal in _LITERALS:
        return _LITERALS[literal]
    if literal.lstrip("-").isdigit():
        return int(literal)
    if literal == "":
        return ""
    raise ValueError(f"server default {literal!r} is not known to the replay")
