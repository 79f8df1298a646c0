"""The embedded PostgreSQL and broker as context managers, for test suites to share."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from complaints_shared.messaging.kafka import create_topics
from complaints_shared.migrations import upgrade

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


async def migrated_database(postgres: EmbeddedPostgres, package: str) -> str:
    """A fresh database on the server, named at random, migrated to the newest revision of
    the service `package` (its import name, as `upgrade` takes it); its URL."""
    database = f"{package}_{uuid.uuid4().hex[:8]}"
    postgres.create_database(database)
    url = postgres.url(database)
    await asyncio.to_thread(upgrade, package, url)  # alembic runs its own event loop
    return url


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


def broker_fixture(partitions: int) -> Callable[[], Iterator[TansuBroker]]:
    """`running_broker(partitions)` as a generator function named `broker`, for a test module
    to make its fixture of: `broker = pytest.fixture(scope="module")(broker_fixture(3))`.

    A factory rather than a fixture, so that this package needs no pytest and each module
    says how long its broker lives and how many partitions it wants.
    """

    def broker() -> Iterator[TansuBroker]:
        """A fresh broker for the life of the fixture, its topics of `partitions` each."""
        with running_broker(partitions) as server:
            yield server

    return broker
