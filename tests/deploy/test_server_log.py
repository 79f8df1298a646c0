"""The PostgreSQL server-log scan the shared end-to-end stack runs at the end of a session."""

from __future__ import annotations

from devstack.server_log import problems

HEALTHY = """\
2026-12-02 12:47:22.079 UTC [23375] LOG:  starting PostgreSQL 18.6 on x86_64-pc-linux-gnu
2026-12-02 12:47:22.130 UTC [23375] LOG:  database system is ready to accept connections
2026-12-02 12:48:01.002 UTC [23401] ERROR:  canceling statement due to user request
2026-12-02 12:48:01.002 UTC [23401] STATEMENT:  SELECT 1
2026-12-02 12:49:56.441 UTC [23375] LOG:  received fast shutdown request
2026-12-02 12:49:56.450 UTC [23402] FATAL:  terminating connection due to administrator command
2026-12-02 12:49:56.451 UTC [23403] FATAL:  the database system is shutting down
"""


def test_a_healthy_log_has_no_problems():
    assert problems(HEALTHY) == []


def test_an_error_is_reported_with_its_statement():
    log = HEALTHY + (
        "2026-12-02 12:50:00.000 UTC [23404] ERROR:  deadlock detected\n"
        "2026-12-02 12:50:00.000 UTC [23404] DETAIL:  Process 23404 waits for ShareLock\n"
        '2026-12-02 12:50:01.000 UTC [23405] ERROR:  invalid input syntax for type uuid: "x"\n'
        "2026-12-02 12:50:01.000 UTC [23405] STATEMENT:  SELECT * FROM complaints WHERE id = $1\n"
        "2026-12-02 12:50:02.000 UTC [23375] PANIC:  could not write to file\n"
    )
    assert problems(log) == [
        "ERROR: deadlock detected",
        'ERROR: invalid input syntax for type uuid: "x" [SELECT * FROM complaints WHERE id = $1]',
        "PANIC: could not write to file",
    ]
