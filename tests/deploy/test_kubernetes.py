"""deploy/k8s/base: every manifest against the Kubernetes schemas shipped by
`kubernetes-validate` (offline), the kustomization's references, and what each workload must
carry. The rendered kustomization is validated too where `kubectl` (with its built-in
kustomize) is installed; no cluster is contacted.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from complaints_shared.readiness import CHECK_TIMEOUT_SECONDS
from devstack.stack import SERVICES

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
KUBERNETES_VERSION = "1.32.0"


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def kustomization(directory: Path) -> dict[str, Any]:
    return yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))


def resource_files(directory: Path = BASE) -> list[Path]:
    files = []
    for entry in kustomization(directory).get("resources", []):
        path = (directory / entry).resolve()
        files.extend(resource_files(path) if path.is_dir() else [path])
    return files


def documents() -> list[dict[str, Any]]:
    return [doc for path in resource_files() for doc in load_all(path)]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def generated_configmaps(directory: Path = BASE) -> dict[str, dict[str, Any]]:
    found = {g["name"]: g for g in kustomization(directory).get("configMapGenerator", [])}
    for entry in kustomization(directory).get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            found |= generated_configmaps(path)
    return found


def validate(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_resource_and_generated_file_exists():
    def check(directory: Path) -> None:
        spec = kustomization(directory)
        assert spec["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
        for entry in spec.get("resources", []):
            path = directory / entry
            assert path.exists(), f"{directory}: missing resource {entry}"
            if path.is_dir():
                check(path)
        for generator in spec.get("configMapGenerator", []) + spec.get("secretGenerator", []):
            for item in generator.get("files", []):
                source = item.split("=", 1)[-1]
                assert (directory / source).is_file(), f"{directory}: missing {source}"
                # kustomize reads no file outside a kustomization's own directory.
                assert (directory / source).resolve().is_relative_to(directory.resolve())

    check(BASE)
    listed = {p.name for p in resource_files()}
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk <= listed, f"manifests not in the kustomization: {on_disk - listed}"


@pytest.mark.parametrize("path", resource_files(), ids=lambda p: p.name)
def test_manifests_are_valid_kubernetes(path):
    for doc in load_all(path):
        validate(doc)


def test_the_validator_has_teeth():
    deployment = of_kind("Deployment")["intake"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_a_deployment_a_service_and_a_migration_job_per_service():
    deployments, services, jobs = of_kind("Deployment"), of_kind("Service"), of_kind("Job")
    partitions = int(literals()["KAFKA_TOPIC_PARTITIONS"])
    for spec in SERVICES:
        deployment = deployments[spec.name]
        assert 1 <= deployment["spec"]["replicas"] <= partitions, spec.name
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"] == f"complaints/{spec.name}"
        assert container["args"] == ["serve"]
        assert container["ports"] == [
            {"name": "http", "containerPort": spec.port, "protocol": "TCP"}
        ]
        # ready: database and broker answer; alive: the process serves HTTP at all
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["timeoutSeconds"] > CHECK_TIMEOUT_SECONDS
        assert {"requests", "limits"} <= container["resources"].keys()
        assert_non_root(pod, container)
        assert_settings(container, spec.url_variable)

        service = services[spec.name]
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert service["spec"]["ports"][0]["port"] == spec.port

        job = jobs[f"{spec.name}-migrate"]
        job_pod = job["spec"]["template"]["spec"]
        (migrate,) = job_pod["containers"]
        assert migrate["image"] == container["image"] and migrate["args"] == ["migrate"]
        assert job_pod["restartPolicy"] in ("OnFailure", "Never")
        assert_non_root(job_pod, migrate)
        assert_settings(migrate, spec.url_variable)


def assert_non_root(pod: dict[str, Any], container: dict[str, Any]) -> None:
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the image's user
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def assert_settings(container: dict[str, Any], database_variable: str) -> None:
    assert {"configMapRef": {"name": "complaints-settings"}} in container["envFrom"]
    secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e
    }
    assert {"JWT_SECRET", database_variable} <= secrets.keys()
    secret = of_kind("Secret")["complaints-secrets"]
    for name, ref in secrets.items():
        assert ref == {"name": "complaints-secrets", "key": name}
        assert name in secret["stringData"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert literals()["ORG_DIRECTORY"] == f"{mounts['organisation']}/organisation.yaml"


def literals() -> dict[str, str]:
    settings = generated_configmaps()["complaints-settings"]
    return dict(item.split("=", 1) for item in settings["literals"])


def test_the_settings_are_for_production():
    values = literals()
    assert values["KAFKA_IDEMPOTENCE"] == "true"
    assert values["DEV_MODE"] == "false"
    assert values["HOST"] == "0.0.0.0"
    assert "organisation.yaml" in generated_configmaps()["complaints-organisation"]["files"]


def test_the_placeholder_secret_cannot_start_a_service():
    """The placeholder JWT secret is refused by the services (shorter than 32 bytes)."""
    from complaints_shared.settings import ConfigurationError, ServiceSettings

    placeholder = of_kind("Secret")["complaints-secrets"]["stringData"]["JWT_SECRET"]
    with pytest.raises(ConfigurationError):
        ServiceSettings(jwt_secret=placeholder, dev_mode=False).check_authentication()


def test_the_topic_job_creates_both_topics_kept_forever():
    from complaints_shared.contracts.topics import ALL_TOPICS

    job = of_kind("Job")["kafka-topics"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    script = " ".join(container["command"])
    assert container["image"].startswith("apache/kafka:")
    for part in (
        *ALL_TOPICS,
        "--create",
        "--if-not-exists",
        '--partitions "$KAFKA_TOPIC_PARTITIONS"',
        "retention.ms=-1",
        "retention.bytes=-1",
    ):
        assert part in script, part
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
def test_the_rendered_kustomization_is_valid():
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(BASE)], capture_output=True, text=True, check=True
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    for doc in docs:
        validate(doc)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "complaints", doc["metadata"]["name"]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    configmaps = {name for kind, name in names if kind == "ConfigMap"}
    # Every reference to a generated ConfigMap was rewritten to its hashed name.
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"]:
                for source in container.get("envFrom", []):
                    assert source["configMapRef"]["name"] in configmaps
            for volume in pod.get("volumes", []):
                if "configMap" in volume:
                    assert volume["configMap"]["name"] in configmaps
    assert len([n for k, n in names if k == "Deployment"]) == len(SERVICES)
    assert len([n for k, n in names if k == "Job"]) == len(SERVICES) + 1


def test_every_probed_path_is_served_by_the_app_factory():
    """The paths the manifests, the compose file and the image probe exist on every service."""
    from complaints_shared.runtime import create_service_app

    async def nothing(app) -> None:
        return None

    app = create_service_app(title="t", description="t", startup=nothing, shutdown=nothing)
    served = {getattr(route, "path", None) for route in app.routes}
    assert {"/readyz", "/healthz", "/metrics", "/docs"} <= served
