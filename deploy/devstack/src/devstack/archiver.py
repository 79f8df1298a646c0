"""Keeping the dev broker's log across restarts: Tansu keeps its records in memory only.

- `LogArchiver`: a thread that reads every partition of every topic (the dead letters too)
  and appends each fetched batch to `log_records` right away, in one transaction. At a
  graceful stop, after the services stopped, it is drained to the broker's end offsets.
- `restore`: at the next start, before any service runs, produces the archived records back
  into the same partitions in offset order, with their keys, values, headers and
  timestamps. The producers are neither idempotent nor transactional, so a partition's
  offsets are contiguous from 0 and each record lands at its old offset; every acknowledged
  offset and the end offsets afterwards are checked against the archive.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from complaints_shared.contracts.topics import ALL_TOPICS

from .keeping import KeptDataRefused
from .logstore import ArchivedRecord, LogStore

FETCH_WAIT_MS = 100
RETRY_SECONDS = 1.0


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    await consumer.topics()  # loads the metadata partitions_for_topic reads
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


async def end_offsets(
    bootstrap: str, topics: Iterable[str] = ALL_TOPICS
) -> dict[TopicPartition, int]:
    """The offset after each partition's last record, read rather than asked: Tansu answers
    ListOffsets with the base offset of the partition's last batch + 1, short of the end when
    that batch holds several records. So: fetch from there until a fetch comes back empty."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=FETCH_WAIT_MS,
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        reported = await consumer.end_offsets(partitions)
        ends = {tp: int(reported[tp]) for tp in partitions}
        unread = [tp for tp in partitions if ends[tp] > 0]
        if unread:
            consumer.assign(unread)
            for tp in unread:
                consumer.seek(tp, ends[tp] - 1)
            seen: set[TopicPartition] = set()  # each holds a record at its reported end - 1
            deadline = time.monotonic() + 60
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                for tp, records in batch.items():
                    if records:
                        seen.add(tp)
                        ends[tp] = max(ends[tp], records[-1].offset + 1)
                if not batch and seen >= set(unread):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"could not read to the end of the log at {bootstrap}")
        return ends
    finally:
        await consumer.stop()


async def restore(bootstrap: str, store_url: str) -> dict[tuple[str, int], int]:
    """Put the archived log back into an empty broker; (topic, partition) -> end offset."""
    async with LogStore(store_url) as store:
        extents = await store.extents()
        for (topic, partition), (count, end) in extents.items():
            if count != end:
                raise KeptDataRefused(
                    f"{topic}[{partition}] has {count} archived records for offsets 0 to "
                    f"{end - 1} (records are missing)"
                )
        before = await end_offsets(bootstrap)
        unknown = [tp for tp in extents if TopicPartition(*tp) not in before]
        if unknown:
            raise KeptDataRefused(f"the broker has no partition {unknown[0]} (fewer partitions?)")
        if any(before.values()):
            raise KeptDataRefused(
                f"the broker at {bootstrap} already holds records (another broker left running "
                "on that port?)"
            )
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", linger_ms=5, request_timeout_ms=30_000
        )
        await producer.start()
        try:
            await asyncio.gather(
                *(_restore_partition(producer, store, topic, p) for topic, p in extents)
            )
        finally:
            await producer.stop()
    after = await end_offsets(bootstrap)
    archived = {(tp.topic, tp.partition): 0 for tp in after}
    archived.update({tp: count for tp, (count, _) in extents.items()})
    for tp, end in after.items():
        if end != archived[(tp.topic, tp.partition)]:
            raise KeptDataRefused(
                f"{tp.topic}[{tp.partition}] ends at {end} after the restore, the archive has "
                f"{archived[(tp.topic, tp.partition)]} records"
            )
    return archived


async def _restore_partition(
    producer: AIOKafkaProducer, store: LogStore, topic: str, partition: int
) -> None:
    async for chunk in store.records(topic, partition):
        sent = [
            await producer.send(
                topic,
                r.value,
                key=r.key,
                partition=partition,
                timestamp_ms=r.timestamp_ms,
                headers=list(r.headers),
            )
            for r in chunk
        ]
        for record, landed in zip(chunk, await asyncio.gather(*sent), strict=True):
            if landed.offset != record.offset:
                raise KeptDataRefused(
                    f"{topic}[{partition}]: the record archived at offset {record.offset} "
                    f"landed at {landed.offset}"
                )


class LogArchiver:
    """Copies the broker's log into `log_records` as it grows, from a thread of its own."""

    def __init__(self, bootstrap: str, store_url: str, *, log: Path | None = None) -> None:
        self.bootstrap = bootstrap
        self.store_url = store_url
        self.log = log
        self.archived: dict[TopicPartition, int] = {}  # the next offset to archive
        self._drain_to: dict[TopicPartition, int] | None = None
        self._abort = False
        self._ready = threading.Event()
        self._done = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="log-archiver", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            raise RuntimeError(f"the log archiver did not start: {self._failure!r}")

    def drain(self, timeout: float = 60.0) -> bool:
        """Archive up to the broker's end offsets now, then stop; whether it got there."""
        if not self._thread.is_alive():
            return False
        try:
            ends = asyncio.run(end_offsets(self.bootstrap))
        except Exception as problem:  # the broker is gone: nothing more to read
            self._say(f"could not read the broker's end offsets: {problem!r}")
            ends = {}
        self._drain_to = ends
        drained = self._done.wait(timeout)
        if not drained:
            self._abort = True
            self._done.wait(10)
        behind = {tp: end - self.archived.get(tp, 0) for tp, end in ends.items()}
        behind = {tp: n for tp, n in behind.items() if n > 0}
        if behind:
            self._say(f"NOT archived (lost at this stop): {behind}", loud=True)
        return not behind and drained

    def _say(self, message: str, *, loud: bool = False) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} archiver: {message}\n"
        if self.log is not None:
            with open(self.log, "a", encoding="utf-8") as out:
                out.write(line)
        if loud or self.log is None:
            print(line, end="", file=sys.stderr, flush=True)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as failure:  # reported by start() or drain()
            self._failure = failure
            self._say(f"stopped by {failure!r}", loud=True)
        finally:
            self._ready.set()
            self._done.set()

    def _caught_up(self) -> bool:
        target = self._drain_to
        return target is not None and all(self.archived.get(tp, 0) >= n for tp, n in target.items())

    async def _run(self) -> None:
        async with LogStore(self.store_url) as store:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                fetch_max_wait_ms=FETCH_WAIT_MS,
            )
            await consumer.start()
            try:
                partitions = await _partitions(consumer, ALL_TOPICS)
                consumer.assign(partitions)
                extents = await store.extents()
                for tp in partitions:
                    self.archived[tp] = extents.get((tp.topic, tp.partition), (0, 0))[1]
                    consumer.seek(tp, self.archived[tp])
                self._ready.set()
                self._say(f"archiving from {self.archived}")
                while not self._abort and not self._caught_up():
                    await self._archive_once(consumer, store)
            finally:
                await consumer.stop()

    async def _archive_once(self, consumer: AIOKafkaConsumer, store: LogStore) -> None:
        try:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            records: list[ArchivedRecord] = []
            last: dict[TopicPartition, int] = {}
            for tp, fetched in batch.items():
                for r in fetched:
                    if r.offset < self.archived[tp]:
                        continue  # fetched again after a retry
                    if r.offset != last.get(tp, self.archived[tp]):
                        self._say(f"{tp}: offset {r.offset} after {last.get(tp)}", loud=True)
                    records.append(
                        ArchivedRecord(
                            topic=tp.topic,
                            partition=tp.partition,
                            offset=r.offset,
                            key=r.key,
                            value=r.value,
                            headers=tuple(r.headers or ()),
                            timestamp_ms=r.timestamp,
                        )
                    )
                    last[tp] = r.offset + 1
            await store.append(records)
            self.archived.update(last)
        except Exception as problem:  # the database or the broker: retry from what is stored
            self._say(f"retrying after {problem!r}", loud=True)
            await asyncio.sleep(RETRY_SECONDS)
            for tp, offset in self.archived.items():
                consumer.seek(tp, offset)
