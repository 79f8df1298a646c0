"""Every service's OpenAPI, fuzzed with schemathesis: no 5xx, responses as documented.

Bounded: a few seeded examples per operation, so the whole file runs in a couple of minutes
and reproduces the same requests on every run.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "routing", "sla-monitor", "notifier", "dashboard")
MAX_EXAMPLES = 10
# Creating complaints is fine, but keep the number low: other suites count things.
FEWER_EXAMPLES = {("POST", "/v1/complaints"): 5}
# Operations whose cases are dropped from the run, with the reason (none so far).
SKIPPED: dict[tuple[str, str], str] = {}


def load(system, service: str):
    schema = schemathesis.openapi.from_url(system.url(service, "/openapi.json"), timeout=10)
    schema.config.update(base_url=system.url(service, ""))
    return schema


def declares_response(operation, status: int) -> bool:
    """Whether the operation documents a body schema for `status` (or a default)."""
    responses = operation.definition.raw.get("responses", {})
    for code in (str(status), f"{str(status)[0]}XX", "default"):
        if code in responses:
            return bool(responses[code].get("content"))
    return False


def fuzz(operation, headers: dict, session: requests.Session) -> list[str]:
    """Run the bounded examples of one operation; the failures, described, not raised."""
    failures: list[str] = []
    key = (operation.method.upper(), operation.path)
    examples = FEWER_EXAMPLES.get(key, MAX_EXAMPLES)

    @seed(20261120)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call(session=session, headers=headers, timeout=15)
        checks = [not_a_server_error]
        if declares_response(operation, response.status_code):
            checks.append(response_schema_conformance)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except Exception as error:  # noqa: BLE001 - collected and reported together
            failures.append(
                f"{operation.label} -> {response.status_code}\n"
                f"  {case.as_curl_command(headers=headers)}\n"
                f"  {str(error)[:2000]}"
            )

    run()
    return failures


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_survives_fuzzing(system, service):
    schema = load(system, service)
    headers = {"Authorization": f"Bearer {system.token('HQ')}", "Accept-Language": "en"}
    failures: list[str] = []
    fuzzed = 0
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            failures += fuzz(operation, headers, session)
            fuzzed += 1
    assert fuzzed, f"{service} documents no operation"
    assert not failures, "\n\n".join(failures)
