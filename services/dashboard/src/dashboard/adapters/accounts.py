"""Unit accounts from a file, for the page's sign-in when there is no identity provider.

The file (`DASHBOARD_ACCOUNTS_FILE`) is YAML or JSON (JSON is YAML): a list of accounts, or a
mapping with the list under `accounts`; each account has `username`, `unit` and `password_hash`
(argon2id, as `argon2.PasswordHasher().hash` writes it; `hash_password` below). Passwords are
never stored. The file is read again when it changes, so accounts can be added without a
restart; an account naming a unit the organisation does not have is refused when the file is
read. An unknown username costs as much as a wrong password (a dummy hash is verified).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from complaints_shared.logging import get_logger
from complaints_shared.organisation import Organisation
from complaints_shared.settings import ConfigurationError

log = get_logger(__name__)
_HASHER = PasswordHasher()  # RFC 9106's second recommendation (argon2id, 64 MiB, t=3)
# The unit kinds `make run` makes demo accounts for: head office, each province, its
# supervision line, and each branch.
DEMO_KINDS = ("hq", "province", "supervision_line", "branch")


@dataclass(frozen=True)
class Account:
    username: str
    unit: str
    password_hash: str


def hash_password(password: str, hasher: PasswordHasher = _HASHER) -> str:
    return hasher.hash(password)


def parse_accounts(data: object, org: Organisation | None = None) -> dict[str, Account]:
    """The accounts by username; `ConfigurationError` naming what is wrong."""
    if isinstance(data, Mapping):
        data = data.get("accounts")
    if not isinstance(data, list):
        raise ConfigurationError("the accounts file must hold a list of accounts")
    accounts: dict[str, Account] = {}
    for n, entry in enumerate(data):
        if not isinstance(entry, Mapping):
            raise ConfigurationError(f"account #{n + 1} is not a mapping")
        fields = {k: entry.get(k) for k in ("username", "unit", "password_hash")}
        missing = [k for k, v in fields.items() if not isinstance(v, str) or not v]
        if missing:
            raise ConfigurationError(f"account #{n + 1} lacks {', '.join(missing)}")
        account = Account(**fields)  # type: ignore[arg-type]
        if account.username in accounts:
            raise ConfigurationError(f"account {account.username!r} is listed twice")
        if org is not None and account.unit not in org:
            raise ConfigurationError(
                f"account {account.username!r} names unit {account.unit!r}, "
                "which the organisation does not have"
            )
        if not account.password_hash.startswith("$argon2"):
            raise ConfigurationError(f"account {account.username!r}: not an argon2 hash")
        accounts[account.username] = account
    return accounts


class AccountFile:
    """The accounts of one file, read again when its modification time or size changes."""

    def __init__(self, path: str | Path, org: Organisation | None = None) -> None:
        self.path = Path(path)
        self.org = org
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._accounts: dict[str, Account] = {}
        self._dummy = hash_password(secrets.token_urlsafe(16))
        self.reload()  # a bad file stops the service at start-up

    def reload(self) -> dict[str, Account]:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise ConfigurationError(f"DASHBOARD_ACCOUNTS_FILE {self.path}: {exc}") from exc
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    text = self.path.read_text(encoding="utf-8")
                    accounts = parse_accounts(yaml.safe_load(text), self.org)
                except (OSError, yaml.YAMLError, ConfigurationError) as exc:
                    if self._stamp is None:
                        raise ConfigurationError(
                            f"DASHBOARD_ACCOUNTS_FILE {self.path}: {exc}"
                        ) from exc
                    log.error("accounts file not reloaded", path=str(self.path), error=str(exc))
                    return self._accounts  # keep the last good accounts
                self._accounts, self._stamp = accounts, stamp
            return self._accounts

    def accounts(self) -> dict[str, Account]:
        try:
            return self.reload()
        except ConfigurationError as exc:  # the file went away: nobody signs in by password
            log.error("accounts file unreadable", path=str(self.path), error=str(exc))
            return {}

    def verify(self, username: str, password: str) -> Account | None:
        """The account if the password is right; None for a wrong password or unknown user.
        Blocking (argon2 takes tens of milliseconds): call it from a worker thread."""
        account = self.accounts().get(username)
        try:
            _HASHER.verify(account.password_hash if account else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        return account


def demo_units(org: Organisation) -> list[str]:
    """Head office, each province, its supervision line and each branch, in file order."""

    def wanted(unit_id: str) -> bool:
        unit = org.unit(unit_id)
        if unit.kind == "supervision_line":  # the province's, not each branch's
            return unit.parent is not None and org.unit(unit.parent).kind == "province"
        return unit.kind in DEMO_KINDS

    return [u for u in org.units if wanted(u)]


def write_accounts(
    path: str | Path,
    units: Iterable[str],
    *,
    hasher: PasswordHasher = _HASHER,
) -> dict[str, tuple[str, str]]:
    """A fresh accounts file with one account per unit (username: the unit id in lower case)
    and a random password each; returns username -> (unit, password). Readable by its owner
    only."""
    units = list(units)
    passwords = {u.lower(): (u, secrets.token_urlsafe(12)) for u in units}
    with ThreadPoolExecutor(max_workers=8) as pool:  # argon2 releases the GIL
        hashes = list(pool.map(lambda item: hasher.hash(item[1]), passwords.values()))
    entries: list[dict[str, Any]] = [
        {"username": name, "unit": unit, "password_hash": digest}
        for (name, (unit, _)), digest in zip(passwords.items(), hashes, strict=True)
    ]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# Dashboard unit accounts (argon2id hashes); written by `make run`.\n")
        yaml.safe_dump({"accounts": entries}, handle, sort_keys=False, allow_unicode=True)
    os.replace(partial, target)
    return passwords
