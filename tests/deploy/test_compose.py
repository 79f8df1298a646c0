"""deploy/compose.yaml against the Compose Specification and the topology it must describe.

The schema is the Compose Specification's JSON schema as vendored by `check-jsonschema`
(no network at test time); `docker compose config` cannot run here (no Compose plugin, no
engine), so interpolation and ordering are checked by reading the file.
"""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from complaints_shared.contracts.topics import ALL_TOPICS
from complaints_shared.readiness import CHECK_TIMEOUT_SECONDS
from devstack.stack import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP = {s.name for s in SERVICES}
MIGRATIONS = {f"{s.name}-migrate" for s in SERVICES}
ONE_SHOTS = MIGRATIONS | {"kafka-topics"}
# Images without a shell or an HTTP client to run a health check with: their dependants wait
# for them to start (condition: service_started).
NO_HEALTHCHECK = {"otel-collector", "jaeger"}


def compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return {k: str(v) for k, v in env.items()}


def test_valid_against_the_compose_specification(compose):
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = sorted(validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_broken_file(compose):
    """The validation has teeth: a misspelt key and a wrong condition are refused."""
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    broken = yaml.safe_load(yaml.safe_dump(compose))
    broken["services"]["intake"]["depends_on"]["kafka"]["condition"] = "service_ready"
    broken["services"]["routing"]["helthcheck"] = {}
    assert len(list(validator.iter_errors(broken))) >= 2


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        if name in ONE_SHOTS:
            assert service.get("restart") == "no", name
            continue
        if name in NO_HEALTHCHECK:
            assert "healthcheck" not in service, name
            continue
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert {"interval", "timeout", "retries"} <= check.keys(), name
        assert service.get("restart") == "unless-stopped", name


def seconds(duration: str) -> float:
    """A Compose duration like "5s" or "1m30s" in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def test_app_healthchecks_ask_readiness_with_python(compose):
    """Healthy means ready (`depends_on: service_healthy` waits on it): /readyz, whose 503
    makes urlopen raise; the check waits longer than /readyz's own probes take."""
    for name in APP:
        check = compose["services"][name]["healthcheck"]
        test = check["test"]
        assert test[:3] == ["CMD", "python", "-c"], name
        assert "/readyz" in test[3] and "urllib.request" in test[3]
        assert "/healthz" not in test[3]
        ast.parse(test[3])
        (wait,) = re.findall(r"timeout=(\d+(?:\.\d+)?)", test[3])
        assert CHECK_TIMEOUT_SECONDS < float(wait) < seconds(check["timeout"]), name


def test_the_migrations_run_once_against_a_healthy_postgres(compose):
    for name in MIGRATIONS:
        service = compose["services"][name]
        assert service["command"] == ["migrate"]
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert service["healthcheck"] == {"disable": True}


def test_each_service_starts_after_its_migration_the_topics_and_the_infrastructure(compose):
    for name in APP:
        depends = compose["services"][name]["depends_on"]
        assert depends[f"{name}-migrate"] == {"condition": "service_completed_successfully"}
        assert depends["kafka-topics"] == {"condition": "service_completed_successfully"}
        assert depends["kafka"] == {"condition": "service_healthy"}
        assert depends["postgres"] == {"condition": "service_healthy"}
        # The migration and the service are the same image.
        migrate = compose["services"][f"{name}-migrate"]
        assert compose["services"][name]["image"] == migrate["image"]
        assert compose["services"][name]["build"] == migrate["build"]


def test_every_dependency_exists_and_waits_on_something_it_can_report(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            condition = spec["condition"]
            if condition == "service_healthy":
                assert services[dependency].get("healthcheck", {}).get("test"), dependency
            elif condition == "service_completed_successfully":
                assert dependency in ONE_SHOTS, dependency
            else:
                assert condition == "service_started" and dependency in NO_HEALTHCHECK


def test_production_settings_of_the_services(compose):
    for name in APP | MIGRATIONS:
        env = environment(compose["services"][name])
        assert env["KAFKA_IDEMPOTENCE"] == "true", name
        assert env["DEV_MODE"] == "false", name
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        # The secret must be given: Compose refuses to start without it (`:?`).
        assert re.fullmatch(r"\$\{JWT_SECRET:\?[^}]+\}", env["JWT_SECRET"]), name


def test_each_service_gets_its_own_database(compose):
    created = set(re.findall(r"CREATE DATABASE (\w+);", (DEPLOY / "postgres-init.sql").read_text()))
    assert created == {s.database for s in SERVICES}
    for spec in SERVICES:
        for name in (spec.name, f"{spec.name}-migrate"):
            env = environment(compose["services"][name])
            urls = {k: v for k, v in env.items() if k.endswith("_DATABASE_URL")}
            assert list(urls) == [spec.url_variable], name
            assert urls[spec.url_variable].startswith("postgresql+asyncpg://")
            assert urls[spec.url_variable].endswith(f"@postgres:5432/{spec.database}")


def test_the_environment_names_only_real_settings(compose):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", table, re.MULTILINE))
    sdk = {"OTEL_EXPORTER_OTLP_ENDPOINT"}  # read by the OpenTelemetry SDK itself
    for name in APP:
        unknown = set(environment(compose["services"][name])) - documented - sdk
        assert not unknown, f"{name}: {unknown}"


def test_every_required_variable_is_in_the_example_env_file():
    text = (DEPLOY / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    example = (DEPLOY / "env.example").read_text()
    listed = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    assert required and required <= listed, required - listed
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()


def test_kafka_is_a_consistent_single_node_kraft_cluster(compose):
    env = environment(compose["services"]["kafka"])
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    listeners = dict(
        re.fullmatch(r"(\w+)://(.*)", item).groups()  # type: ignore[union-attr]
        for item in env["KAFKA_LISTENERS"].split(",")
    )
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    advertised = dict(
        re.fullmatch(r"(\w+)://(.*)", item).groups()  # type: ignore[union-attr]
        for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert {"PLAINTEXT", controller} <= set(listeners) <= set(protocols)
    assert controller not in advertised and set(advertised) <= set(listeners)
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert advertised["PLAINTEXT"] == "kafka:9092"
    node, _, address = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
    assert node == env["KAFKA_NODE_ID"]
    assert address.rsplit(":", 1)[1] == listeners[controller].rsplit(":", 1)[1]
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
        "KAFKA_DEFAULT_REPLICATION_FACTOR",
    ):
        assert env[key] == "1", key
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "CLUSTER_ID" in env
    volumes = compose["services"]["kafka"]["volumes"]
    assert f"kafka-data:{env['KAFKA_LOG_DIRS']}" in volumes


def test_the_topics_are_created_with_partitions_and_kept_forever(compose):
    service = compose["services"]["kafka-topics"]
    script = " ".join(service["command"])
    for topic in ALL_TOPICS:
        assert topic in script
    for flag in (
        "--create",
        "--if-not-exists",
        "--partitions ${KAFKA_TOPIC_PARTITIONS:-12}",
        "--config retention.ms=-1",
        "--config retention.bytes=-1",
        "--config cleanup.policy=delete",
    ):
        assert flag in script, flag
    assert service["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    # The services are told the same partition count.
    for name in APP:
        env = environment(compose["services"][name])
        assert env["KAFKA_TOPIC_PARTITIONS"] == "${KAFKA_TOPIC_PARTITIONS:-12}"


def test_postgres_keeps_its_data_and_creates_the_databases(compose):
    postgres = compose["services"]["postgres"]
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "./postgres-init.sql:/docker-entrypoint-initdb.d/init.sql:ro" in postgres["volumes"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in environment(postgres)
    declared = set(compose["volumes"])
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source
            else:
                assert source in declared, source


@pytest.mark.parametrize("name", ["otel-collector", "jaeger", "prometheus", "grafana"])
def test_the_observability_stack_is_there(compose, name):
    assert name in compose["services"]
    assert compose["services"]["otel-collector"]["image"].startswith(
        "otel/opentelemetry-collector-contrib:"
    )
