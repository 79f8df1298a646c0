"""What went wrong according to the embedded PostgreSQL's server log.

The test session that shares one stack reads it at the end: an `ERROR`, `FATAL` or `PANIC`
there is a statement or a connection the services got wrong (a deadlock, a constraint the code
did not expect to hit, a bad cast), which the services may have retried past without a test
noticing. What a healthy stack also logs is not reported (see `EXPECTED`).
"""

from __future__ import annotations

import re
from pathlib import Path

from .postgres import EmbeddedPostgres

SEVERE = re.compile(r"\b(ERROR|FATAL|PANIC):\s+(.*)")
EXPECTED = (
    # A caller's timeout (a readiness probe on a busy machine) cancelled its query.
    "canceling statement due to user request",
    # The server being stopped or started while clients connect.
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
)


def server_log(server: EmbeddedPostgres) -> Path:
    """Where `EmbeddedPostgres.start` has the server write its log."""
    return server.data_dir / "server.log"


def problems(text: str) -> list[str]:
    """The severe entries of a server log, each with the statement logged after it (if any);
    the expected ones left out."""
    found: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = SEVERE.search(line)
        if not match or any(expected in match.group(2) for expected in EXPECTED):
            continue
        entry = f"{match.group(1)}: {match.group(2)}"
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if "STATEMENT:" in following:
            entry += f" [{following.split('STATEMENT:', 1)[1].strip()[:200]}]"
        found.append(entry)
    return found


def problems_of(server: EmbeddedPostgres) -> list[str]:
    """`problems` of the server's log; none when it wrote none."""
    path = server_log(server)
    if not path.is_file():
        return []
    return problems(path.read_text(encoding="utf-8", errors="replace"))
