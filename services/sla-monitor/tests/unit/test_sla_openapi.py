"""sla-monitor's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from complaints_shared.testing.openapi import check_protected, problem_json
from sla_monitor.bootstrap import create_app
from sla_monitor.config import SlaSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "sla-unit-tests-secret-long-enough-for-hs256"


def test_every_operation_is_protected_and_documents_its_problems():
    spec = create_app(SlaSettings(org_directory=str(DEMO), jwt_secret=SECRET)).openapi()
    clocks = check_protected(spec, "/v1/complaints/{complaint_id}/clocks")
    assert problem_json(clocks, "404") == {"$ref": "#/components/schemas/Problem"}
    for path in ("/v1/sla/due", "/v1/sla/breaches"):
        assert {"403", "422"} <= set(check_protected(spec, path)["responses"])
