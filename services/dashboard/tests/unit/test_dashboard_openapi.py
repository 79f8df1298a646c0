"""dashboard's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from complaints_shared.testing.openapi import check_protected, problem_json
from dashboard.bootstrap import create_app
from dashboard.config import DashboardSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "dashboard-unit-tests-secret-long-enough-for-hs256"


def spec() -> dict:
    return create_app(DashboardSettings(org_directory=str(DEMO), jwt_secret=SECRET)).openapi()


def test_every_api_operation_is_protected_and_documents_its_problems():
    documented = spec()
    for path, operations in documented["paths"].items():
        if path.startswith("/v1/"):
            for method in operations:
                check_protected(documented, path, method)
    timeline = check_protected(documented, "/v1/dashboard/complaints/{complaint_id}/timeline")
    assert problem_json(timeline, "404") == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in documented["components"]["schemas"]


def test_bodies_are_documented_with_their_media_types():
    paths = spec()["paths"]
    summary = paths["/v1/dashboard/summary"]["get"]["responses"]["200"]["content"]
    assert summary["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DashboardSummary"
    }
    assert "text/csv" in summary
    listed = paths["/v1/dashboard/complaints"]["get"]["responses"]["200"]["content"]
    assert listed["application/json"]["schema"] == {"$ref": "#/components/schemas/ComplaintList"}
    export = paths["/v1/dashboard/export.csv"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["text/csv"]
    stream = paths["/v1/dashboard/stream"]["get"]["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"]
