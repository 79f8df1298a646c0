"""The reports in the dashboard's OpenAPI: response models, the printed media types, problems."""

from __future__ import annotations

import pytest

from complaints_shared.testing.openapi import check_protected, problem_json

from .test_dashboard_openapi import spec


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/reports/assessment", "AssessmentReport"),
        ("/v1/reports/return-visits", "ReturnVisitReport"),
    ],
)
def test_the_reports_are_declared_with_their_models_media_types_and_problems(path, model):
    documented = spec()
    operation = check_protected(documented, path)
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    assert {"text/csv", "text/html", "application/pdf"} <= set(content)
    for status in ("401", "404", "422"):
        assert problem_json(operation, status) == {"$ref": "#/components/schemas/Problem"}
    names = {p["name"] for p in operation["parameters"]}
    assert {"unit", "month", "format"} <= names
