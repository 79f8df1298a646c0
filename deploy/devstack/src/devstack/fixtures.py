"""The embedded PostgreSQL and broker as context managers, for test suites to share."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from complaints_shared.messaging.kafka import create_topics

from .broker import TansuBroker
from .ports import free_port
from .postgres import EmbeddedPostgres


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A world-readable temporary directory, removed afterwards.

    Not pytest's tmp_path: its root is mode 0700, which locks out the system user PostgreSQL
    runs as when the tests run as root.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def running_postgres(
    prefix: str = "complaints-pg-", *, durable: bool = True
) -> Iterator[EmbeddedPostgres]:
    """A fresh server in a scratch directory; `durable=False` for throw-away test data."""
    with scratch_dir(prefix) as workdir:
        server = EmbeddedPostgres(workdir / "data", free_port(), durable=durable)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@contextmanager
def running_broker(partitions: int) -> Iterator[TansuBroker]:
    """A fresh broker with the topics created, `partitions` each."""
    server = TansuBroker(free_port())
    try:
        server.start()
        asyncio.run(create_topics(server.bootstrap, partitions))
        yield server
    finally:
        server.stop()
