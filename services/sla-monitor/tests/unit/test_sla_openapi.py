"""sla-monitor's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from sla_monitor.bootstrap import create_app
from sla_monitor.config import SlaSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "sla-unit-tests-secret-long-enough-for-hs256"


def problem_json(operation: dict, status: str) -> dict:
    return operation["responses"][status]["content"]["application/problem+json"]["schema"]


def check_protected(spec: dict, path: str, method: str = "get") -> dict:
    """The operation requires `bearerAuth` and documents its 401 as a problem."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "JWT whose `unit` claim names the caller",
    }
    operation = spec["paths"][path][method]
    assert operation["security"] == [{"bearerAuth": []}]
    assert problem_json(operation, "401") == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in spec["components"]["schemas"]
    return operation


def test_every_operation_is_protected_and_documents_its_problems():
    spec = create_app(SlaSettings(org_directory=str(DEMO), jwt_secret=SECRET)).openapi()
    clocks = check_protected(spec, "/v1/complaints/{complaint_id}/clocks")
    assert problem_json(clocks, "404") == {"$ref": "#/components/schemas/Problem"}
    for path in ("/v1/sla/due", "/v1/sla/breaches"):
        assert {"403", "422"} <= set(check_protected(spec, path)["responses"])
