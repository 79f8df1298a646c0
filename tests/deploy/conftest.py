"""What the deploy checks share: the repository's paths and the five services.

Everything here is static (parsing, schemas, a shell step run in a temporary directory): this
machine has no container engine, so no image is built and no container is run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """deploy/compose.yaml as Compose reads it, anchors and merge keys resolved."""
    return load_yaml(DEPLOY / "compose.yaml")
