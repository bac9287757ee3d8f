"""The deployment files that no tool here can run, checked as far as they can be offline: the
Kubernetes manifests (kubernetes-validate checks their schema in `make lint`; here, that they
name what the image and the settings know), compose.yaml (docker compose is not installed)
and the systemd units (systemd-analyze verify, when systemd is installed)."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.processes import ROOT
from devstack.starters import procfile

ENTRYPOINT = "/opt/vaksin/deploy/image/entrypoint.sh"
KUBERNETES = ROOT / "deploy" / "kubernetes"
SYSTEMD = ROOT / "deploy" / "systemd"


def entrypoint_processes() -> set[str]:
    """The process names deploy/image/entrypoint.sh knows: the patterns of its `case`."""
    text = (ROOT / "deploy" / "image" / "entrypoint.sh").read_text()
    patterns = re.findall(r"^  ([a-z][a-z |]*)\)", text, re.M)
    return {name.strip() for pattern in patterns for name in pattern.split("|")} - {"healthcheck"}


def documented_variables() -> set[str]:
    """Every variable of docs/api.md section 7 (the first column of its tables)."""
    text = (ROOT / "docs" / "api.md").read_text()
    section = text.split("## 7. Environment variables", 1)[1].split("\n## 8.", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def settings_variables() -> set[str]:
    """Every variable the settings and gunicorn.conf.py read (vaksin/env.py's helpers)."""
    text = (ROOT / "vaksin" / "settings.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    return set(re.findall(r"""(?:env_\w+|_int_env|environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)""", text))


def required_secrets() -> set[str]:
    """The secrets without which the settings refuse to start (env_secret)."""
    text = (ROOT / "vaksin" / "settings.py").read_text()
    return set(re.findall(r"""env_secret\(\s*["']([A-Z][A-Z0-9_]+)""", text))


KNOWN = documented_variables() | settings_variables()


def test_the_entrypoint_knows_every_procfile_process() -> None:
    names = entrypoint_processes()
    assert set(procfile()) - {"release"} <= names
    assert {"migrate", "release"} <= names


# --- Kubernetes --------------------------------------------------------------------------------


def manifests(*, examples: bool = False) -> list[dict[str, Any]]:
    files = sorted(KUBERNETES.glob("*.yaml"))
    return [
        document
        for path in files
        if path.name != "kustomization.yaml" and examples == path.name.endswith(".example.yaml")
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def test_the_kustomization_applies_every_manifest_but_the_examples() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    files = {
        path.name
        for path in KUBERNETES.glob("*.yaml")
        if path.name != "kustomization.yaml" and not path.name.endswith(".example.yaml")
    }
    assert sorted(kustomization["resources"]) == sorted(files)


def test_every_process_runs_from_the_image_with_the_config_and_secrets_by_name() -> None:
    workloads = {
        document["metadata"]["name"]: document["spec"]["template"]["spec"]
        for document in manifests()
        if document["kind"] in ("Deployment", "Job")
    }
    started = set()
    for name, pod in workloads.items():
        [container] = pod["containers"]
        assert container["image"] == "vaksin", name
        assert container["args"][0] in entrypoint_processes(), name
        started.add(container["args"][0])
        sources = [ref.get("configMapRef") or ref["secretRef"] for ref in container["envFrom"]]
        assert [source["name"] for source in sources] == ["vaksin-config", "vaksin-secrets"], name
        assert {e["name"] for e in container.get("env", [])} <= KNOWN, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert container["resources"]["requests"] and container["resources"]["limits"], name
    assert started == set(procfile()) - {"release"} | {"migrate"}


def test_the_web_has_probes_a_budget_and_an_autoscaler() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests()}
    assert {("Service", "vaksin-web"), ("PodDisruptionBudget", "vaksin-web"),
            ("HorizontalPodAutoscaler", "vaksin-web"), ("Ingress", "vaksin")} <= kinds  # fmt: skip
    [web] = [d for d in manifests() if d["metadata"]["name"] == "vaksin-web"
             and d["kind"] == "Deployment"]  # fmt: skip
    [container] = web["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["exec"]["command"] == [ENTRYPOINT, "healthcheck"]
    assert "livenessProbe" in container


def test_the_examples_name_only_known_variables_and_every_required_secret() -> None:
    examples = {d["kind"]: d for d in manifests(examples=True)}
    config = set(examples["ConfigMap"]["data"])
    secrets = set(examples["Secret"]["stringData"])
    assert config | secrets <= KNOWN
    assert required_secrets() <= secrets
    # An example holds no secret value: empty, or a placeholder.
    values = examples["Secret"]["stringData"].values()
    assert all(value == "" or ":PASSWORD@" in value for value in values)


# --- compose.yaml ------------------------------------------------------------------------------


def test_compose_runs_every_process_of_the_image_and_the_two_stores() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == set(procfile()) - {"release"} | {"migrate", "redis", "postgres"}
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, (name, needed)
        if name in ("redis", "postgres"):
            continue
        assert "vaksin" in service["image"], name
        assert service["command"] == [name], name
        assert name in entrypoint_processes()
        assert set(service["environment"]) <= KNOWN, (name, set(service["environment"]) - KNOWN)
        assert required_secrets() <= set(service["environment"]), name
        if name != "migrate":
            assert service["depends_on"] == {
                "migrate": {"condition": "service_completed_successfully"}
            }, name


# --- systemd -----------------------------------------------------------------------------------


def unit(path: Path) -> dict[str, list[str]]:
    """A unit file's settings, each key with every value it was given (systemd allows several)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_a_unit_for_every_process_running_the_entrypoint_with_the_environment_file() -> None:
    services = {path.stem.rstrip("@").removeprefix("vaksin-"): unit(path)
                for path in SYSTEMD.glob("vaksin-*.service")}  # fmt: skip
    assert set(services) == set(procfile()) - {"release"} | {"migrate"}
    for name, settings in services.items():
        assert settings["ExecStart"] == [f"{ENTRYPOINT} {name}"], name
        assert settings["EnvironmentFile"] == ["/etc/vaksin/env"], name
        assert settings["User"] == ["vaksin"] and settings["WorkingDirectory"] == ["/opt/vaksin"]
        variables = {value.split("=", 1)[0] for value in settings.get("Environment", [])}
        assert variables - {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"} <= KNOWN
        if name != "migrate":
            assert settings["WantedBy"] == ["vaksin.target"], name
            assert settings["PartOf"] == ["vaksin.target"], name
            assert settings["Restart"] == ["always"], name


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_the_units_verify(tmp_path: Path) -> None:
    """systemd-analyze verify in a made-up root holding the units, systemd's own units and the
    entrypoint (verify checks that each command exists), so that it needs no installed Vaksin."""
    etc = tmp_path / "etc" / "systemd" / "system"
    etc.mkdir(parents=True)
    for path in SYSTEMD.iterdir():
        shutil.copy(path, etc / path.name)
    script = tmp_path / ENTRYPOINT.lstrip("/")
    script.parent.mkdir(parents=True)
    shutil.copy(ROOT / "deploy" / "image" / "entrypoint.sh", script)
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    shutil.copy("/usr/bin/kill", tmp_path / "usr" / "bin" / "kill")
    (tmp_path / "bin").symlink_to("usr/bin")
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr" / "lib" / "systemd" / "system",
                    symlinks=True)  # fmt: skip
    names = [p.name.replace("@.", "@1.") for p in sorted(SYSTEMD.iterdir())]
    verified = subprocess.run(
        ["systemd-analyze", "verify", f"--root={tmp_path}", *names],
        cwd=etc, capture_output=True, text=True, check=False,
    )  # fmt: skip
    # verify exits 0 on a setting it could not parse; it says so, though.
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")
