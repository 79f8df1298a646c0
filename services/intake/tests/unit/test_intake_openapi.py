"""intake's OpenAPI: the bearer scheme on protected operations, problem+json errors."""

from __future__ import annotations

from pathlib import Path

from complaints_shared.testing.openapi import check_protected, problem_json
from intake.bootstrap import create_app
from intake.config import IntakeSettings

from .events import MASTER_KEY_B64

DEMO = Path(__file__).resolve().parents[4] / "deploy/demo/organisation.yaml"
SECRET = "intake-unit-tests-secret-long-enough-for-hs256"


def spec() -> dict:
    settings = IntakeSettings(
        org_directory=str(DEMO), jwt_secret=SECRET, customer_master_key=MASTER_KEY_B64
    )
    return create_app(settings).openapi()


def test_every_operation_is_protected_and_documents_its_problems():
    documented = spec()
    for path, operations in documented["paths"].items():
        for method in operations:
            check_protected(documented, path, method)
    post = check_protected(documented, "/v1/complaints/{complaint_id}/events", "post")
    assert {"403", "404", "409", "413", "422", "429", "503"} <= set(post["responses"])
    customer = check_protected(documented, "/v1/complaints/{complaint_id}/customer")
    assert problem_json(customer, "410") == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in documented["components"]["schemas"]


def test_the_erasure_answer_is_documented():
    documented = spec()
    erasure = check_protected(documented, "/v1/complaints/{complaint_id}/erasure", "post")
    schema = erasure["responses"]["202"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErasureAccepted"}
    accepted = documented["components"]["schemas"]["ErasureAccepted"]
    assert set(accepted["required"]) == {"complaint_id", "erased", "already_erased"}
