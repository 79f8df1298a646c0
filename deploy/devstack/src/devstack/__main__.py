"""`python -m devstack run`: the whole system on this machine, until Ctrl-C; its data is kept
under `.devstack` for the next run. `python -m devstack reset`: delete what it kept.

`DEVSTACK_FRESH=1` (`make run FRESH=1`) deletes the kept data before starting.
`DEVSTACK_DIR`, `DEVSTACK_PG_PORT`, `DEVSTACK_BROKER_PORT` and `DEVSTACK_PORT_BASE` run a
second one elsewhere (another directory, other ports), as the first-sign-in browser test does.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import load_organisation
from complaints_shared.settings import DEV_JWT_SECRET, ServiceSettings
from dashboard.adapters.accounts import demo_units, write_accounts

from . import demo_loader
from .keeping import KeptDataRefused
from .postgres import EmbeddedPostgres
from .stack import ROOT, SERVICES, Stack, StackConfig

WORKDIR = ROOT / ".devstack"
ACCOUNTS = "dashboard-accounts.yaml"  # in the workdir
KEPT = ("pgdata", "logs")  # what `reset` deletes; the accounts file is rewritten at each start
PORT_BASE = 8000  # intake at the base + 1 … dashboard at the base + 5


def workdir() -> Path:
    """`DEVSTACK_DIR`, else `.devstack` in the repository."""
    return Path(os.environ.get("DEVSTACK_DIR") or WORKDIR).resolve()


def service_ports() -> dict[str, int]:
    """`DEVSTACK_PORT_BASE` + 1 … + 5, in the order of `SERVICES` (8001 … 8005 by default)."""
    base = int(os.environ.get("DEVSTACK_PORT_BASE") or PORT_BASE)
    return {spec.name: base + n for n, spec in enumerate(SERVICES, start=1)}


def config_from_environment() -> StackConfig:
    external_dbs = {
        s.url_variable: os.environ[s.url_variable] for s in SERVICES if s.url_variable in os.environ
    }
    directory = workdir()
    return StackConfig(
        workdir=directory,
        pg_port=int(os.environ.get("DEVSTACK_PG_PORT", "5544")),
        broker_port=int(os.environ.get("DEVSTACK_BROKER_PORT", "9092")),
        service_ports=service_ports(),
        org_file=Path(os.environ.get("ORG_DIRECTORY", str(ROOT / "deploy/demo/organisation.yaml"))),
        jwt_secret=os.environ.get("JWT_SECRET", DEV_JWT_SECRET),
        external_kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        external_databases=external_dbs,
        dashboard_accounts_file=directory / ACCOUNTS,
        keep_data=True,
        health_timeout=180.0,  # the first start on a busy machine can be slow
    )


@contextmanager
def workdir_lock(workdir: Path) -> Iterator[None]:
    """Held while `run` or `reset` uses the directory: one of them at a time."""
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(f"{workdir} is in use by a running `make run`: stop it first (Ctrl-C).")
        yield


def reset(config: StackConfig) -> None:
    """Delete what `run` kept (stopping a PostgreSQL a killed run left behind)."""
    data = config.workdir / "pgdata"
    if data.exists():
        EmbeddedPostgres(data, config.pg_port).stop_leftover()
    for name in KEPT:
        shutil.rmtree(config.workdir / name, ignore_errors=True)


def run() -> None:
    config = config_from_environment()
    with workdir_lock(config.workdir):
        if os.environ.get("DEVSTACK_FRESH", "").strip().lower() in ("1", "on", "true", "yes"):
            print(f"FRESH: deleting the data kept in {config.workdir}", flush=True)
            reset(config)
        serve(config)


def serve(config: StackConfig) -> None:
    stack = Stack(config)
    # Fresh demo accounts at every start: the file keeps only their argon2 hashes.
    assert config.dashboard_accounts_file is not None
    org = load_organisation(config.org_file)
    passwords = write_accounts(config.dashboard_accounts_file, demo_units(org))
    stopping = threading.Event()
    trickle: threading.Thread | None = None
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the services too
        signal.signal(signum, lambda *_: stopping.set())
    refused: KeptDataRefused | None = None
    try:
        print("starting PostgreSQL, the broker, migrations and the five services…", flush=True)
        try:
            stack.start()
        except KeptDataRefused as problem:
            refused = problem
            return
        if stack.resumed:
            print(f"going on with the data kept in {config.workdir} (`make reset`: start clean)")
        print_welcome(stack, passwords)
        trickle = demo_loader.start(stack, stopping)  # with the demo organisation only
        while not stopping.wait(0.5):
            pass
    finally:
        print("\nstopping…", flush=True)
        if trickle is not None:
            trickle.join(10)
        stack.stop()
        print("stopped.", flush=True)
        if refused is not None:
            print(f"\n{refused}", file=sys.stderr, flush=True)
            sys.exit(2)


def print_welcome(stack: Stack, passwords: dict[str, tuple[str, str]]) -> None:
    print("\nThe system is up:")
    for spec in SERVICES:
        print(f"  {spec.name:<12} {stack.base_url(spec.name)}   (OpenAPI: /docs)")
    print(f"  broker       {stack.bootstrap}")
    print(f"  logs         {stack.logs}")
    print(
        f"\nDashboard sign-in ({stack.base_url('dashboard')}/dashboard), one account per unit "
        f"(hashes in {stack.config.dashboard_accounts_file}; new passwords at every start):"
    )
    print(f"  {'username':<12} {'password':<18} unit")
    for username, (unit, password) in passwords.items():
        print(f"  {username:<12} {password:<18} {unit}")
    # As long-lived as the services accept, with the audience and issuer they check.
    settings = ServiceSettings()
    valid_for = timedelta(seconds=settings.jwt_max_lifetime_seconds)
    print(
        f"\nDemo tokens for the APIs (Authorization: Bearer <token>), one per unit, valid for "
        f"{valid_for}:"
    )
    org = load_organisation(stack.config.org_file)
    for unit_id in org.units:
        token = issue_token(
            unit_id,
            stack.config.jwt_secret,
            valid_for=valid_for,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
        print(f"  {unit_id:<16} {token}")
    print("\nPress Ctrl-C to stop everything.", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="devstack")
    parser.add_argument("command", choices=["run", "reset"])
    command = parser.parse_args(argv).command
    if command == "reset":
        config = config_from_environment()
        with workdir_lock(config.workdir):
            reset(config)
        print(f"deleted the data kept in {config.workdir}: the next `make run` starts clean.")
    else:
        run()


if __name__ == "__main__":
    main()
