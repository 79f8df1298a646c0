"""Every service refuses to start on an invalid organisation file, naming the unit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

pytestmark = pytest.mark.e2e

BROKEN = {
    "business_lines": ["cards"],
    "units": [
        {"id": "HQ", "kind": "hq"},
        {"id": "YN", "kind": "province", "parent": "HQ"},  # no supervision line
        {"id": "YN-CARDS", "kind": "province_department", "parent": "YN", "lines": ["cards"]},
        {"id": "YN-KM", "kind": "branch", "parent": "YN-NOWHERE"},
    ],
}


@pytest.mark.parametrize("package", ["intake", "routing", "sla_monitor", "notifier"])
def test_a_service_will_not_start_with_a_broken_organisation(package, tmp_path):
    org_file = tmp_path / "organisation.yaml"
    org_file.write_text(yaml.safe_dump(BROKEN))
    result = subprocess.run(
        [sys.executable, "-m", package, "serve", "--port", "0"],
        # Development mode, so that the development secret is not what stops it.
        env={**os.environ, "ORG_DIRECTORY": str(org_file), "DEV_MODE": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "YN-KM" in result.stderr + result.stdout
    assert "YN-NOWHERE" in result.stderr + result.stdout
