"""routing's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from complaints_shared.testing.openapi import check_protected
from routing.bootstrap import create_app
from routing.config import RoutingSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "routing-unit-tests-secret-long-enough-for-hs256"


def test_explain_is_protected_and_documents_its_problems():
    spec = create_app(RoutingSettings(org_directory=str(DEMO), jwt_secret=SECRET)).openapi()
    explain = check_protected(spec, "/v1/routing/explain")
    assert {"403", "422", "503"} <= set(explain["responses"])
    assert list(explain["responses"]["422"]["content"]) == ["application/problem+json"]
