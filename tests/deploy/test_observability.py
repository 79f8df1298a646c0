"""Prometheus (scrape config, alert rules), the OpenTelemetry collector and Grafana files.

`promtool` and the collector binary are not installed here: the files are parsed as YAML or
JSON and their structure and cross-references checked. Every metric an alert or a panel uses
is either exported by the code today, comes from kafka-exporter, or is listed as planned in
docs/deploy.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from devstack.stack import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXPECTED_GROUPS = {
    "complaints-consumers",
    "complaints-outbox",
    "complaints-sla",
    "complaints-notifier",
    "complaints-availability",
}
EXPORTER_METRICS = {"kafka_consumergroup_lag"}  # kafka-exporter
PROMETHEUS_METRICS = {"up"}
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "offset", "rate", "increase", "deriv", "irate",
    "histogram_quantile", "bool",
}  # fmt: skip


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def exported_metrics() -> set[str]:
    """Metric names the code declares with prometheus_client."""
    pattern = re.compile(r"\b(?:Counter|Gauge|Histogram|Summary)\(\s*\"([a-z_:][a-z0-9_:]*)\"")
    sources = [*(ROOT / "shared" / "src").rglob("*.py"), *(ROOT / "services").glob("*/src/**/*.py")]
    return {name for path in sources for name in pattern.findall(path.read_text(encoding="utf-8"))}


def planned_metrics() -> set[str]:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("### Planned metrics", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([a-z_:][a-z0-9_:]*)`", section, re.MULTILINE))


def metrics_in(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges and subqueries
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = re.findall(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr)
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhdw]?", n)}


def rules() -> list[dict[str, Any]]:
    return [rule for group in load(DEPLOY / "prometheus" / "alerts.yml")["groups"]
            for rule in group["rules"]]  # fmt: skip


def test_prometheus_scrapes_every_service_and_loads_the_rules():
    config = load(DEPLOY / "prometheus" / "prometheus.yml")
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for spec in SERVICES:
        job = jobs[spec.name]
        assert job["metrics_path"] == "/metrics"
        (dns,) = job["dns_sd_configs"]
        assert dns == {"names": [spec.name], "type": "A", "port": spec.port}
    assert "kafka-exporter" in jobs


def test_the_rule_files_are_mounted_where_prometheus_reads_them(compose):
    volumes = compose["services"]["prometheus"]["volumes"]
    assert "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in volumes
    assert "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in volumes


def test_alert_rules_have_the_expected_groups_and_shape():
    groups = load(DEPLOY / "prometheus" / "alerts.yml")["groups"]
    assert {g["name"] for g in groups} == EXPECTED_GROUPS
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names))
    for expected in ("ConsumerLagGrowing", "OutboxStuck", "SlaBreachesSpiking",
                     "AlertDeliveriesFailing"):  # fmt: skip
        assert expected in names
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"])


def test_every_metric_used_exists_or_is_planned():
    exported, planned = exported_metrics(), planned_metrics()
    assert {"outbox_published_total", "events_consumed_total", "outbox_pending_rows"} <= exported
    assert not planned & exported, f"now exported, no longer planned: {planned & exported}"
    known = exported | planned | EXPORTER_METRICS | PROMETHEUS_METRICS
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "complaints.json").read_text())
    expressions = [rule["expr"] for rule in rules()] + [
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    ]
    used = set().union(*(metrics_in(expr) for expr in expressions))
    assert used <= known, f"unknown metrics: {used - known}"
    assert planned <= used, f"planned but unused: {planned - used}"


def test_the_collector_pipelines_reference_defined_components():
    config = load(DEPLOY / "otel" / "collector.yaml")
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                assert component in config[kind], f"{name}: {kind} {component}"
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    grpc = config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    assert grpc.endswith(":4317")


def test_grafana_is_provisioned_with_the_datasources_the_dashboard_uses(compose):
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = load(provisioning / "datasources" / "datasources.yaml")["datasources"]
    uids = {d["uid"] for d in datasources}
    assert {d["type"] for d in datasources} == {"prometheus", "jaeger"}
    (provider,) = load(provisioning / "dashboards" / "dashboards.yaml")["providers"]
    path = provider["options"]["path"]
    assert f"./grafana/dashboards:{path}:ro" in compose["services"]["grafana"]["volumes"]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "complaints.json").read_text())
    assert dashboard["uid"] and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] in uids
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in uids and target["expr"]


def test_the_deploy_guide_is_linked():
    assert (ROOT / "docs" / "deploy.md").is_file()
    assert "(deploy.md)" in (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
