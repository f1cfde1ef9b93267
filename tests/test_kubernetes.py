"""deploy/kubernetes: valid against the Kubernetes JSON schemas (offline: the schemas ship in
the kubernetes-validate wheel), and saying what the code and the image do: the entrypoint, the
probes, the port, the user, and a Secret for every secret setting."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import SecretStr

from bot.cli import cmd_migrate, cmd_serve, parser
from bot.config import Settings
from bot.safety import production_problems
from bot.web import base_app, healthz, readyz
from storage.db import create_engine, session_factory

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy/kubernetes"
KUBERNETES_VERSION = "1.33.0"  # the oldest release still supported upstream when written


def documents() -> dict[str, dict[str, Any]]:
    """Every resource by kind/name, the Kustomization left out (it is not a cluster resource)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc["kind"] != "Kustomization":
                found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


DOCS = documents()
DEPLOYMENT, JOB = DOCS["Deployment/privacy-desk"], DOCS["Job/privacy-desk-migrate"]
PODS = {"server": DEPLOYMENT["spec"]["template"], "migrate": JOB["spec"]["template"]}


def container(pod: dict[str, Any]) -> dict[str, Any]:
    [only] = pod["spec"]["containers"]
    found: dict[str, Any] = only
    return found


def dockerfile() -> dict[str, str]:
    """The final stage's instructions (the last of each)."""
    stages = (ROOT / "deploy/Dockerfile").read_text().replace("\\\n", " ").split("\nFROM ")
    found: dict[str, str] = {}
    for line in stages[-1].splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found[word] = rest.strip()
    return found


@pytest.mark.parametrize("name", sorted(DOCS))
def test_each_manifest_is_valid_against_the_kubernetes_schema(name: str) -> None:
    kubernetes_validate.validate(DOCS[name], KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_misspelt_field() -> None:
    broken = json.loads(json.dumps(DEPLOYMENT))
    container(broken["spec"]["template"])["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_entrypoint_probes_port_and_user_match_the_code_and_the_image(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = dockerfile()
    server, migrate = container(PODS["server"]), container(PODS["migrate"])
    assert server["command"] == json.loads(image["CMD"]) == ["privacy-desk", "serve"]
    assert migrate["command"] == ["privacy-desk", "migrate"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["privacy-desk"] == "bot.cli:main"
    assert parser().parse_args(server["command"][1:]).func is cmd_serve
    assert parser().parse_args(migrate["command"][1:]).func is cmd_migrate

    config = DOCS["ConfigMap/privacy-desk"]["data"]
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    [port] = server["ports"]
    assert port["containerPort"] == settings.port == int(image["EXPOSE"])
    assert settings.host == "0.0.0.0"  # reachable by the kubelet and the Service

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", keys=None)
    routes = {
        r.resource.canonical: r.handler
        for r in base_app(session_factory(engine)).router.routes()
        if r.resource is not None and r.method == "GET"
    }
    for probe, handler in (
        ("livenessProbe", healthz),
        ("startupProbe", healthz),
        ("readinessProbe", readyz),
    ):
        get = server[probe]["httpGet"]
        assert get["port"] == port["name"]
        assert routes[get["path"]] is handler, probe
    assert "/healthz" in image["HEALTHCHECK"] and str(settings.port) in image["HEALTHCHECK"]

    uid = image["USER"].split(":")[0]
    for pod in PODS.values():
        assert str(pod["spec"]["securityContext"]["runAsUser"]) == uid != "0"


@pytest.mark.parametrize("which", sorted(PODS))
def test_pods_run_locked_down_with_requests(which: str) -> None:
    pod = PODS[which]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["automountServiceAccountToken"] is False
    c = container(pod)
    assert c["image"] == container(PODS["server"])["image"]
    security = c["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert set(c["resources"]["requests"]) == {"cpu", "memory"}
    assert {m["mountPath"] for m in c["volumeMounts"]} == {"/tmp"}  # the only writable place


def test_disruption_budget_and_service_select_the_server_pods() -> None:
    labels = PODS["server"]["metadata"]["labels"]
    assert DEPLOYMENT["spec"]["selector"]["matchLabels"] == labels
    assert DEPLOYMENT["spec"]["replicas"] >= 2
    pdb = DOCS["PodDisruptionBudget/privacy-desk"]["spec"]
    assert pdb["selector"]["matchLabels"] == labels and pdb["minAvailable"] == 1
    assert DOCS["Service/privacy-desk"]["spec"]["selector"] == labels


SECRET_SETTINGS = {
    f"PRIVACY_DESK_{name.upper()}"
    for name, field in Settings.model_fields.items()
    if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
} | {"PRIVACY_DESK_DATABASE_URL"}  # holds the database password


@pytest.mark.parametrize("which", sorted(PODS))
def test_every_secret_setting_comes_from_a_secret(which: str) -> None:
    c = container(PODS[which])
    config = DOCS["ConfigMap/privacy-desk"]["data"]
    assert not SECRET_SETTINGS & set(config)
    from_secret = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in c["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert all("value" not in e for e in c["env"] if e["name"] in SECRET_SETTINGS)
    assert set(from_secret) <= SECRET_SETTINGS
    # What production refuses to start without is there, and not optional.
    required = {
        "PRIVACY_DESK_DATABASE_URL",
        "PRIVACY_DESK_DATA_KEYS",
        "PRIVACY_DESK_SLACK_BOT_TOKEN",
        "PRIVACY_DESK_SLACK_SIGNING_SECRET",
    }
    assert required <= set(from_secret)
    assert not any(from_secret[name].get("optional") for name in required)
    if which == "server":  # the server may use every secret there is
        assert set(from_secret) == SECRET_SETTINGS


def test_the_configuration_with_its_secrets_passes_the_production_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from secrets import token_hex

    from storage.crypto import new_key

    for key, value in DOCS["ConfigMap/privacy-desk"]["data"].items():
        monkeypatch.setenv(key, value)
    secrets = {
        "PRIVACY_DESK_DATABASE_URL": "postgresql+asyncpg://desk:pw@db/privacy_desk",
        "PRIVACY_DESK_DATA_KEYS": new_key(),
        "PRIVACY_DESK_SLACK_BOT_TOKEN": "xoxb-" + token_hex(20),
        "PRIVACY_DESK_SLACK_SIGNING_SECRET": token_hex(16),
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    assert production_problems(Settings(_env_file=None)) == []
    assert shlex.split("privacy-desk serve") == container(PODS["server"])["command"]
