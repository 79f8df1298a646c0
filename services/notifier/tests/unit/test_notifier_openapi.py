"""notifier's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from complaints_shared.testing.openapi import check_protected, problem_json
from notifier.bootstrap import create_app
from notifier.config import NotifierSettings

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "notifier-unit-tests-secret-long-enough-for-hs256"


def test_notifications_are_protected_and_document_their_problems():
    spec = create_app(NotifierSettings(org_directory=str(DEMO), jwt_secret=SECRET)).openapi()
    listed = check_protected(spec, "/v1/notifications")
    assert problem_json(listed, "404") == {"$ref": "#/components/schemas/Problem"}
