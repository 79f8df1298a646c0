"""Prometheus (scrape config, alert rules), the OpenTelemetry collector and Grafana files.

`promtool` and the collector binary are not installed here: the files are parsed as YAML or
JSON and their structure and cross-references checked. Every metric an alert or a panel uses
is either exported by the code today (a histogram's `_bucket`, `_count` and `_sum` series
too), comes from kafka-exporter, or is listed as planned in docs/deploy.md; every label it
matches or groups by is one the metric has, and every value it matches exactly is one the
code writes. Every metric the code declares is on the dashboard.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
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


EXPORTER_LABELS = {"kafka_consumergroup_lag": {"consumergroup", "topic", "partition"}}
SCRAPE_LABELS = {"job", "instance"}  # Prometheus adds them to every series it scrapes
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def sources() -> list[Path]:
    return [*(ROOT / "shared" / "src").rglob("*.py"), *(ROOT / "services").glob("*/src/**/*.py")]


@cache
def declared_metrics() -> dict[str, tuple[str, set[str]]]:
    """Metric name -> (kind, label names), as the code declares them with prometheus_client."""
    found: dict[str, tuple[str, set[str]]] = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            kind = node.func.id
            if kind not in ("Counter", "Gauge", "Histogram", "Summary") or not node.args:
                continue
            name = node.args[0]
            labels = node.args[2] if len(node.args) > 2 else None
            labels = next((k.value for k in node.keywords if k.arg == "labelnames"), labels)
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                names = ast.literal_eval(labels) if labels is not None else []
                found[name.value] = (kind, set(names))
    return found


def exported_metrics() -> set[str]:
    """Metric names the code declares with prometheus_client."""
    return set(declared_metrics())


def series_of(metric: str) -> str:
    """The metric a series belongs to (a histogram's `_bucket` series: the histogram)."""
    declared = declared_metrics()
    for suffix in HISTOGRAM_SERIES:
        base = metric.removesuffix(suffix)
        if base != metric and declared.get(base, ("", set()))[0] == "Histogram":
            return base
    return metric


def labels_of(metric: str) -> set[str]:
    declared = declared_metrics()
    labels = EXPORTER_LABELS.get(metric) or declared.get(metric, ("", set()))[1]
    if declared.get(metric, ("", set()))[0] == "Histogram":
        labels = labels | {"le"}
    return labels | SCRAPE_LABELS


@cache
def written_strings() -> set[str]:
    """Every string literal of the code: the label values it can write."""
    return {
        node.value
        for path in sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


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


def selectors(expr: str) -> list[tuple[str, dict[str, tuple[str, str]]]]:
    """Each `metric{label op "value", ...}` in `expr`: the metric and its matchers."""
    found = []
    for metric, body in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", expr):
        matchers = re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"', body)
        found.append((metric, {label: (op, value) for label, op, value in matchers}))
    return found


def grouping_labels(expr: str) -> set[str]:
    """The labels of `by (...)`, `without (...)`, `on (...)` and `ignoring (...)`."""
    groups = re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr)
    return {label.strip() for group in groups for label in group.split(",") if label.strip()}


def expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "complaints.json").read_text())
    return [rule["expr"] for rule in rules()] + [
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    ]


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
    used = {series_of(name) for expr in expressions() for name in metrics_in(expr)}
    assert used <= known, f"unknown metrics: {used - known}"
    assert planned <= used, f"planned but unused: {planned - used}"


def test_every_metric_the_code_declares_is_on_the_dashboard():
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "complaints.json").read_text())
    shown = {
        series_of(name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in metrics_in(target["expr"])
    }
    assert exported_metrics() <= shown, f"not on the dashboard: {exported_metrics() - shown}"


def test_the_labels_and_values_used_are_those_the_metrics_have():
    written = written_strings()
    for expr in expressions():
        metrics = {series_of(name) for name in metrics_in(expr)} - PROMETHEUS_METRICS
        for label in grouping_labels(expr):
            lacking = {m for m in metrics if label not in labels_of(m)}
            assert not lacking, f"{lacking} have no label {label!r}: {expr}"
        for metric, matchers in selectors(expr):
            metric = series_of(metric)
            if metric in PROMETHEUS_METRICS:
                continue
            for label, (op, value) in matchers.items():
                assert label in labels_of(metric), f"{metric} has no label {label!r}: {expr}"
                if op == "=" and metric in exported_metrics():
                    assert value in written, f"{metric}{{{label}={value!r}}} never written"


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
