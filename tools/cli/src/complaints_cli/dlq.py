"""The dead-letter topic: list, show and redrive.

A consumer that cannot use a record writes it, through its outbox, to
`complaint-events.dead-letter` with its original key, value and headers plus `dlq_reason`,
`dlq_consumer` and `dlq_source` (topic:partition:offset). Every consumer dead-letters on its own,
so one bad record usually appears once per consumer group.

Redriving publishes the original record again to `complaint-events` (its key, its value or a
corrected one, its headers without the `dlq_*` ones). A dead-lettered event was rolled back
with its inbox row, so its id was *not* recorded as processed by the consumer that refused it:
once the cause is fixed, that consumer applies it, once. Consumers that had applied it drop it
by event id, so one redrive serves every group that dead-lettered the same record.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from complaints_shared.contracts.envelope import MalformedEvent, from_kafka
from complaints_shared.contracts.registry import parse
from complaints_shared.contracts.topics import COMPLAINT_EVENTS, DEAD_LETTERS
from complaints_shared.messaging.log_reader import read_log

Headers = list[tuple[str, bytes]]


class DeadLetterError(RuntimeError):
    """Something the operator must act on."""


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: Headers

    def header(self, name: str) -> str | None:
        for key, raw in self.headers:
            if key == name:
                return raw.decode(errors="replace")
        return None

    @property
    def ref(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def reason(self) -> str:
        return self.header("dlq_reason") or "?"

    @property
    def consumer(self) -> str:
        return self.header("dlq_consumer") or "?"

    @property
    def source(self) -> str:
        return self.header("dlq_source") or "?"

    @property
    def event_type(self) -> str | None:
        return self.header("ce_type")

    @property
    def event_id(self) -> str | None:
        return self.header("ce_id")

    @property
    def complaint_id(self) -> str:
        return (self.key or b"").decode(errors="replace")

    @property
    def at(self) -> datetime | None:
        if self.timestamp_ms is None or self.timestamp_ms < 0:
            return None
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    def original_headers(self) -> Headers:
        """The record's headers as it was published, without what dead-lettering added."""
        return [(k, v) for k, v in self.headers if not k.startswith("dlq_")]

    def value_text(self) -> str:
        """The value, pretty-printed when it is JSON."""
        raw = self.value or b""
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
        except (ValueError, UnicodeDecodeError):
            return repr(raw)


async def _read(bootstrap: str) -> list[DeadLetter]:
    return [
        DeadLetter(
            partition=record.partition,
            offset=record.offset,
            timestamp_ms=record.timestamp,
            key=record.key,
            value=record.value,
            headers=list(record.headers or ()),
        )
        async for record in read_log(bootstrap, DEAD_LETTERS)
    ]


def read_dead_letters(bootstrap: str, *, timeout: float) -> list[DeadLetter]:
    """Every record now in the dead-letter topic, read from its beginning without a consumer
    group, for at most `timeout` seconds."""

    async def bounded() -> list[DeadLetter]:
        async with asyncio.timeout(timeout):
            return await _read(bootstrap)

    try:
        letters = asyncio.run(bounded())
    except TimeoutError as exc:
        raise DeadLetterError(
            f"reading {DEAD_LETTERS} took longer than {timeout:g}s (--timeout)"
        ) from exc
    except Exception as exc:  # aiokafka raises several kinds for an unreachable broker
        raise DeadLetterError(f"cannot read {DEAD_LETTERS} at {bootstrap}: {exc!r}") from exc
    return sorted(letters, key=lambda d: (d.at or datetime.min.replace(tzinfo=UTC), d.ref))


def find(letters: list[DeadLetter], ref: str) -> DeadLetter:
    """The dead letter at `PARTITION:OFFSET`, or at `OFFSET` when only one partition has it."""
    partition: int | None
    try:
        if ":" in ref:
            p, o = ref.split(":", 1)
            partition, offset = int(p), int(o)
        else:
            partition, offset = None, int(ref)
    except ValueError:
        raise DeadLetterError(f"{ref!r} is not OFFSET or PARTITION:OFFSET") from None
    matches = [
        d for d in letters if d.offset == offset and (partition is None or d.partition == partition)
    ]
    if not matches:
        raise DeadLetterError(f"no dead letter at {ref} (see `complaints dlq list`)")
    if len(matches) > 1:
        refs = ", ".join(d.ref for d in matches)
        raise DeadLetterError(f"offset {offset} is in several partitions ({refs}): name one")
    return matches[0]


def siblings(letters: list[DeadLetter], letter: DeadLetter) -> list[DeadLetter]:
    """The other dead letters of the same original record (other consumers refused it too)."""
    return [d for d in letters if d.ref != letter.ref and d.source == letter.source != "?"]


def corrected_value(data: Any) -> bytes:
    """The record value for corrected event data (a JSON object)."""
    if not isinstance(data, dict):
        raise DeadLetterError("--data must hold a JSON object (the event's data)")
    return json.dumps(data, ensure_ascii=False).encode()


def check_record(key: bytes | None, value: bytes | None, headers: Headers) -> str | None:
    """Why the consumers would refuse this record again, or None if it decodes and validates."""
    try:
        envelope = from_kafka(key, value, headers)
        parse(envelope)
    except MalformedEvent as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class Redriven:
    partition: int
    offset: int


async def _publish(bootstrap: str, key: bytes | None, value: bytes, headers: Headers) -> Redriven:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10_000)
    await producer.start()
    try:
        sent = await producer.send_and_wait(COMPLAINT_EVENTS, value, key=key, headers=headers)
    finally:
        await producer.stop()
    return Redriven(sent.partition, sent.offset)


def redrive(
    bootstrap: str, letter: DeadLetter, value: bytes | None = None, *, timeout: float = 30.0
) -> Redriven:
    """Publish the dead letter's original record (or `value` in place of its value) to the
    main topic."""

    async def bounded() -> Redriven:
        async with asyncio.timeout(timeout):
            return await _publish(
                bootstrap,
                letter.key,
                (letter.value or b"") if value is None else value,
                letter.original_headers(),
            )

    try:
        return asyncio.run(bounded())
    except TimeoutError as exc:
        raise DeadLetterError(f"publishing took longer than {timeout:g}s") from exc
    except DeadLetterError:
        raise
    except Exception as exc:
        raise DeadLetterError(
            f"cannot publish to {COMPLAINT_EVENTS} at {bootstrap}: {exc!r}"
        ) from exc
