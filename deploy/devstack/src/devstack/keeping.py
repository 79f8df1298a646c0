"""What `make run` checks before it starts again on the data it kept (pure functions).

Two things must hold for the kept data to be used as it is:

- it was made with the same settings: the organisation file, the signing secret
  (`JWT_SECRET`) and the topics' partition count; each is kept as a fingerprint;
- the log restored into the broker is at least as long as what every service has already
  applied: a service's stored position (`consumer_positions`) past the restored end means
  records it applied are missing from the log, so every other service would never see them;
- every record a service's outbox relay published (marked published: the broker acknowledged
  it) is in the restored log: it will not be sent again.

Either failure refuses the start with a message that names what is wrong and how to start
clean, instead of silently replaying old data under new rules or losing events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ORGANISATION = "organisation"
JWT_SECRET = "jwt_secret"
PARTITIONS = "partitions"

WHAT = {
    ORGANISATION: "the organisation file (ORG_DIRECTORY)",
    JWT_SECRET: "the signing secret (JWT_SECRET)",
    PARTITIONS: "the topics' partition count",
}
WHY = {
    ORGANISATION: "the kept complaints were routed, clocked and scoped with the old units and "
    "calendars",
    JWT_SECRET: "the tokens issued with the old secret, which API clients may still hold, "
    "would be refused",
    PARTITIONS: "the kept log can only be restored into as many partitions as it was written to",
}
START_CLEAN = (
    "To start clean, run `make reset` and then `make run` (or `make run FRESH=1`): this deletes "
    "everything `make run` kept under {workdir}."
)


class KeptDataRefused(RuntimeError):
    """The kept data cannot be used as it is; the message says why and what to do."""


def fingerprints(organisation: bytes, jwt_secret: str, partitions: int) -> dict[str, str]:
    """What the data is made with, as kept: digests, never the secret itself."""
    return {
        ORGANISATION: hashlib.sha256(organisation).hexdigest(),
        JWT_SECRET: hashlib.sha256(b"devstack signing secret\0" + jwt_secret.encode()).hexdigest(),
        PARTITIONS: str(partitions),
    }


def changed_settings(kept: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """The settings whose fingerprint differs from the kept one (one not kept yet is no
    change: it is kept from now on)."""
    return [name for name, value in now.items() if name in kept and kept[name] != value]


def settings_refusal(changed: Iterable[str], org_file: Path, workdir: Path) -> str:
    lines = [f"Not starting: the data kept under {workdir} was made with other settings."]
    for name in changed:
        where = f" ({org_file})" if name == ORGANISATION else ""
        lines.append(f"  - {WHAT[name]}{where} changed since then: {WHY[name]}.")
    lines.append(
        "Put the earlier settings back to go on with the kept data. "
        + START_CLEAN.format(workdir=workdir)
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class Position:
    """A consumer group's stored position in one partition (the next offset it applies)."""

    service: str
    group: str
    topic: str
    partition: int
    next_offset: int


@dataclass(frozen=True)
class Shortfall:
    position: Position
    end: int  # the restored log's end offset in that partition

    @property
    def missing(self) -> int:
        return self.position.next_offset - self.end


def shortfalls(
    positions: Iterable[Position], ends: Mapping[tuple[str, int], int]
) -> list[Shortfall]:
    """Every stored position past the end of the restored log (a partition the log does not
    have ends at 0)."""
    found = [
        Shortfall(p, ends.get((p.topic, p.partition), 0))
        for p in positions
        if p.next_offset > ends.get((p.topic, p.partition), 0)
    ]
    return sorted(found, key=lambda s: (s.position.service, s.position.topic, s.position.partition))


def log_refusal(found: Iterable[Shortfall], workdir: Path) -> str:
    lines = [
        "Not starting: the log kept under "
        f"{workdir} is shorter than what the services already applied.",
    ]
    for s in found:
        p = s.position
        lines.append(
            f"  - {p.service} ({p.group}) applied {p.topic}[{p.partition}] up to offset "
            f"{p.next_offset}, the kept log ends at {s.end}: {s.missing} record(s) missing."
        )
    lines += [
        "The last run most likely ended without archiving its log (killed, e.g. with SIGKILL, "
        "or the machine stopped): the broker keeps its records in memory only, and what it "
        "held after the last archived record is gone. Going on would leave those events "
        "unseen by the services that had not applied them yet, and offsets would no longer "
        "match the services' positions.",
        START_CLEAN.format(workdir=workdir),
    ]
    return "\n".join(lines)


def unarchived(published: Mapping[str, set[str]], archived: set[str]) -> dict[str, int]:
    """Per service, how many records its outbox relay had published (the broker acknowledged
    them) that the archive does not hold; records are compared by a digest of topic, key and
    value."""
    missing = {service: len(digests - archived) for service, digests in published.items()}
    return {service: n for service, n in sorted(missing.items()) if n}


def outbox_refusal(missing: Mapping[str, int], workdir: Path) -> str:
    lines = [f"Not starting: the log kept under {workdir} lacks records the services published."]
    lines += [
        f"  - {service}: {n} published record(s) are not in the kept log."
        for service, n in missing.items()
    ]
    lines += [
        "The last run most likely ended without archiving its log (killed, e.g. with SIGKILL, "
        "or the machine stopped). Those events were acknowledged by the broker and will not "
        "be sent again, so the services that had not applied them yet never would.",
        START_CLEAN.format(workdir=workdir),
    ]
    return "\n".join(lines)


def restore_refusal(reason: str, workdir: Path) -> str:
    return (
        f"Not starting: the log kept under {workdir} could not be restored exactly: {reason}\n"
        + START_CLEAN.format(workdir=workdir)
    )
