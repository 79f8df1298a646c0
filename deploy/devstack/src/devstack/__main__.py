"""`python -m devstack run`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

from complaints_shared.http.auth import issue_token
from complaints_shared.organisation import load_organisation
from complaints_shared.settings import DEV_JWT_SECRET, ServiceSettings
from dashboard.adapters.accounts import demo_units, write_accounts

from . import demo_loader
from .stack import ROOT, SERVICES, Stack, StackConfig

ACCOUNTS_FILE = ROOT / ".devstack" / "dashboard-accounts.yaml"


def config_from_environment() -> StackConfig:
    external_dbs = {
        s.url_variable: os.environ[s.url_variable] for s in SERVICES if s.url_variable in os.environ
    }
    return StackConfig(
        workdir=ROOT / ".devstack",
        pg_port=int(os.environ.get("DEVSTACK_PG_PORT", "5544")),
        broker_port=int(os.environ.get("DEVSTACK_BROKER_PORT", "9092")),
        org_file=Path(os.environ.get("ORG_DIRECTORY", str(ROOT / "deploy/demo/organisation.yaml"))),
        jwt_secret=os.environ.get("JWT_SECRET", DEV_JWT_SECRET),
        external_kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        external_databases=external_dbs,
        dashboard_accounts_file=ACCOUNTS_FILE,
    )


def run() -> None:
    config = config_from_environment()
    stack = Stack(config)
    # Fresh demo accounts at every start: the file keeps only their argon2 hashes.
    assert config.dashboard_accounts_file is not None
    org = load_organisation(config.org_file)
    passwords = write_accounts(config.dashboard_accounts_file, demo_units(org))
    stopping = threading.Event()
    trickle: threading.Thread | None = None
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the services too
        signal.signal(signum, lambda *_: stopping.set())
    try:
        print("starting PostgreSQL, the broker, migrations and the five services…", flush=True)
        stack.start()
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
    parser.add_argument("command", choices=["run"])
    parser.parse_args(argv)
    run()


if __name__ == "__main__":
    main()
