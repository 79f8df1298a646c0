"""Rate limit, retries and webhook signatures: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.policy import RateLimit, Retry, Window, admit, backoff, gives_up
from notifier.domain.signing import sign, verify

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMIT = RateLimit(messages=3, window=timedelta(minutes=10))
RETRY = Retry(max_attempts=5, base=2.0, cap=60.0)


def run(arrivals: list[tuple[timedelta, bool]]) -> list[bool]:
    window, out = None, []
    for offset, urgent in arrivals:
        alone, window = admit(window, T0 + offset, urgent=urgent, limit=LIMIT)
        out.append(alone)
    return out


def test_a_burst_passes_the_limit_then_folds_until_the_window_ends():
    burst = [(timedelta(seconds=i), False) for i in range(6)]
    assert run(burst) == [True, True, True, False, False, False]
    later = [*burst, (timedelta(minutes=10), False)]
    assert run(later)[-1] is True  # a new window opens


def test_breaches_are_never_held_back_but_count_against_the_window():
    arrivals = [(timedelta(0), True)] * 5 + [(timedelta(seconds=1), False)]
    assert run(arrivals) == [True] * 5 + [False]


def test_the_window_remembers_its_start():
    _, window = admit(None, T0, urgent=False, limit=LIMIT)
    assert window == Window(T0, 1) and window.end(LIMIT) == T0 + LIMIT.window


@given(st.lists(st.tuples(st.integers(0, 3600), st.booleans()), max_size=200))
def test_ordinary_messages_sent_alone_never_exceed_the_limit_per_window(raw):
    arrivals = sorted((timedelta(seconds=s), u) for s, u in raw)
    window, sent = None, {}
    for offset, urgent in arrivals:
        alone, window = admit(window, T0 + offset, urgent=urgent, limit=LIMIT)
        if alone:
            sent.setdefault(window.start, []).append(urgent)
    for messages in sent.values():
        assert len([u for u in messages if not u]) <= LIMIT.messages


def test_backoff_doubles_up_to_the_cap_with_equal_jitter():
    assert [backoff(n, RETRY, 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [backoff(n, RETRY, 0.999) for n in (1, 2)] == [1.999, 3.998]
    assert backoff(20, RETRY, 1.0) == 60.0


def test_giving_up_after_the_last_attempt_or_at_once_for_a_permanent_failure():
    assert not gives_up(4, RETRY, permanent=False)
    assert gives_up(5, RETRY, permanent=False)
    assert gives_up(1, RETRY, permanent=True)


def test_a_signature_proves_body_and_timestamp_and_ages_out():
    body = b'{"complaint_id":"c-1"}'
    signature = sign("secret", 1_700_000_000, body)
    assert signature.startswith("v1=")
    assert verify("secret", "1700000000", body, signature, now=1_700_000_010)
    assert not verify("secret", "1700000000", body + b" ", signature, now=1_700_000_010)
    assert not verify("other", "1700000000", body, signature, now=1_700_000_010)
    assert not verify("secret", "1700000001", body, signature, now=1_700_000_010)
    assert not verify("secret", "1700000000", body, signature, now=1_700_000_000 + 301)
    assert not verify("secret", "soon", body, signature, now=1_700_000_010)
