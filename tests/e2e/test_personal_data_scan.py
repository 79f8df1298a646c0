"""A posted customer's name and phone are nowhere in clear: not on the log, in no table, in
no log line; erased, the contact is gone and the complaint still counts."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from complaints_shared.contracts.topics import ALL_TOPICS
from complaints_shared.testing import wait_for
from complaints_shared.testing.kafka import read_all
from devstack.stack import SERVICES

pytestmark = pytest.mark.e2e

NAME = "欧阳测试甲"
PHONE = "13912345678"


def needles() -> dict[str, str]:
    """Every form in which the name or phone could appear in clear."""
    forms = {
        "name": NAME,
        "name (JSON-escaped)": json.dumps(NAME)[1:-1],
        "name (hex)": NAME.encode().hex(),
        "phone": PHONE,
        "phone (spaced)": "139 1234 5678",
        "phone (dashed)": "139-1234-5678",
        "phone (hex)": PHONE.encode().hex(),
    }
    return forms


def found_in(text: str) -> list[str]:
    lowered = text.lower()
    return [label for label, needle in needles().items() if needle.lower() in lowered]


def scan_topics(bootstrap: str, cid: str) -> tuple[list[str], int]:
    """The clear personal data found, and how many records carried the complaint's id (so
    that the scan provably read the complaint's records)."""
    hits, seen = [], 0
    for topic in ALL_TOPICS:
        for record in read_all(bootstrap, topic):
            seen += record.key == cid.encode()
            parts = {"key": record.key or b"", "value": record.value or b""}
            for name, value in record.headers or ():
                parts[f"header {name}"] = value or b""
            for part, raw in parts.items():
                text = raw.decode("utf-8", "replace") + " " + raw.hex()
                for label in found_in(text):
                    hits.append(f"{topic}[{record.partition}]@{record.offset} {part}: {label}")
    return hits, seen


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def scan_database(url: str, cid: str) -> tuple[list[str], int]:
    """The clear personal data found, and how many rows mention the complaint's id."""
    hits, seen = [], 0
    connection = await asyncpg.connect(plain(url))
    try:
        tables = await connection.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for table in tables:
            qualified = f'"{table["table_schema"]}"."{table["table_name"]}"'
            rows = await connection.fetch(f"SELECT t::text AS row FROM {qualified} AS t")  # noqa: S608
            for row in rows:
                seen += cid in row["row"]
                for label in found_in(row["row"]):
                    hits.append(f"{qualified}: {label}: {row['row'][:300]}")
    finally:
        await connection.close()
    return hits, seen


def scan_logs(logs) -> tuple[list[str], list[str]]:
    hits, files = [], []
    for path in sorted(p for p in logs.rglob("*") if p.is_file()):
        files.append(path.name)
        for number, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines()):
            for label in found_in(line):
                hits.append(f"{path.name}:{number + 1}: {label}: {line[:300]}")
    return hits, files


def test_a_customers_name_and_phone_are_nowhere_in_clear_and_erasure_keeps_the_count(system):
    received_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    body = {
        "kind": "complaint",
        "channel": "on_site",
        "receiving_unit": "YN-KM-01",
        "business_line": "cards",
        "severity": "normal",
        "flags": [],
        "received_at": received_at,
        "customer": {"name": NAME, "phone": PHONE},
        "summary": "Personal data scan: the card was swallowed",
    }
    with system.client("YN-KM") as outlet, system.client("YN") as province:
        posted = outlet.post(system.url("intake", "/v1/complaints"), json=body)
        assert posted.status_code == 202, posted.text
        cid = posted.json()["complaint_id"]

        def processed() -> bool:
            view = province.get(system.url("intake", f"/v1/complaints/{cid}")).json()
            alerts = province.get(
                system.url("notifier", "/v1/notifications"), params={"complaint_id": cid}
            ).json()
            listed = province.get(
                system.url("dashboard", "/v1/dashboard/complaints"), params={"state": "open"}
            ).json()
            return bool(
                view.get("owner_unit")
                and view.get("clocks")
                and alerts.get("notifications")
                and any(row.get("complaint_id") == cid for row in listed.get("complaints", []))
            )

        wait_for(processed, timeout=60, what="every service to process the complaint")

        # The data is there, in clear, for those allowed to read it ...
        contact = province.get(
            system.url("intake", f"/v1/complaints/{cid}/customer"),
            params={"reason": "personal data scan"},
        )
        assert contact.status_code == 200, contact.text
        assert contact.json()["name"] == NAME
        assert PHONE in contact.json()["phone"].replace(" ", "")

        # ... and nowhere else.
        hits, records = scan_topics(system.bootstrap, cid)
        assert records >= 3  # received, assigned, clock started, notification sent, ...
        for spec in SERVICES:
            found, rows = asyncio.run(scan_database(system.database_url(spec.name), cid))
            hits += [f"{spec.name} db {hit}" for hit in found]
            assert rows, f"{spec.name}'s database holds nothing of the complaint"
        log_hits, log_files = scan_logs(system.stack.logs)
        hits += log_hits
        assert {f"{spec.name}.log" for spec in SERVICES} <= set(log_files)
        assert not hits, "personal data in clear:\n" + "\n".join(hits)

        before = province.get(system.url("dashboard", "/v1/dashboard/export.csv")).text
        assert cid in before

        erased = province.post(
            system.url("intake", f"/v1/complaints/{cid}/erasure"),
            json={"reason": "the customer asked to be forgotten"},
        )
        assert erased.status_code == 202, erased.text
        assert erased.json()["erased"] is True

        gone = province.get(
            system.url("intake", f"/v1/complaints/{cid}/customer"),
            params={"reason": "after erasure"},
        )
        assert gone.status_code == 410, gone.text

        def still_counted() -> bool:
            export = province.get(system.url("dashboard", "/v1/dashboard/export.csv")).text
            listed = province.get(
                system.url("dashboard", "/v1/dashboard/complaints"), params={"state": "open"}
            ).json()
            return cid in export and any(
                row.get("complaint_id") == cid for row in listed.get("complaints", [])
            )

        wait_for(still_counted, what="the dashboard to keep counting the erased complaint")
