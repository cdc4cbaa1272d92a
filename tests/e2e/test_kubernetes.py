"""The `kubernetes` option: the manifests of every matrix project that has them validate against
the Kubernetes schemas, pass a security scan, and hold what k8s/README.md promises (probes,
non-root and read-only pods, resources, no secret in a file, the project's own setting names
and migration command); a project without the option has no k8s/; copier refuses the
combinations the option file refuses, with its one sentence.
"""

import dataclasses
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import httpx
import kubernetes_validate
import pytest
import yaml

from apigen import catalogue

from .conftest import GeneratedProject, start_server
from .matrix import project_specs, refusal

# The oldest Kubernetes release the manifests are written for; the schemas ship with
# kubernetes-validate, so this runs offline.
KUBERNETES_VERSION = "1.33.0"
# checkov pins old versions of packages this repository's tools need (packaging<24 among them),
# so it runs in an environment of its own, pinned, made by uv on first use and cached.
CHECKOV = "checkov==3.3.30"
# Decisions, not oversights: each is noted, with its reason, on the objects it concerns.
ALLOWED_SKIPS = {"CKV_K8S_43", "CKV_K8S_35"}
REFUSAL = (
    "Kubernetes manifests need docker=true (they run the project's image) and"
    " database=postgresql (several replicas on read-only file systems cannot share a SQLite file)."
)
IMAGE_UID = 10001
TMP = "/tmp"  # noqa: S108  # the pods' only writable place, an emptyDir of their own

WITH_KUBERNETES = [
    pytest.param(spec, id=spec.id)
    for spec in project_specs()
    if spec.answers["kubernetes"] == "true"
]
WITHOUT_KUBERNETES = [
    pytest.param(spec, id=spec.id)
    for spec in project_specs()
    if spec.answers["kubernetes"] == "false"
]

pytestmark = pytest.mark.e2e


def manifests(project: GeneratedProject) -> list[dict[str, Any]]:
    documents = []
    for path in sorted((project.path / "k8s").glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def objects(project: GeneratedProject, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests(project) if doc["kind"] == kind]


def one(project: GeneratedProject, kind: str) -> dict[str, Any]:
    """The one object of `kind` of the API (tasks=true adds the worker's Deployment)."""
    found = [doc for doc in objects(project, kind) if component(doc) != "worker"]
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def component(document: dict[str, Any]) -> str | None:
    labels: dict[str, str] = document["metadata"].get("labels", {})
    return labels.get("app.kubernetes.io/component")


def workers(project: GeneratedProject) -> list[dict[str, Any]]:
    """The worker's Deployment (tasks=true), else nothing."""
    return [doc for doc in objects(project, "Deployment") if component(doc) == "worker"]


def pod_specs(project: GeneratedProject) -> dict[str, dict[str, Any]]:
    """The pod template of the Deployment, of the migration Job and of the worker, by kind."""
    specs = {kind: one(project, kind)["spec"]["template"]["spec"] for kind in ("Deployment", "Job")}
    for worker in workers(project):
        specs["worker Deployment"] = worker["spec"]["template"]["spec"]
    return specs


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_manifests_validate_against_the_kubernetes_schemas(project: GeneratedProject) -> None:
    documents = manifests(project)
    kinds = sorted(doc["kind"] for doc in documents)
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Job",
            "Namespace",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
            *(["Deployment"] if project.spec.answers.get("tasks") == "true" else []),
        ]
    )
    assert len(workers(project)) == (project.spec.answers.get("tasks") == "true")
    for document in documents:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{document['kind']} {document['metadata']['name']}: {error.message}")


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_security_scan_finds_nothing(project: GeneratedProject) -> None:
    uv = Path(sys.executable).with_name("uv")
    assert uv.is_file(), f"uv is missing from {uv.parent}: run make install in this repository"
    result = subprocess.run(
        [
            str(uv),
            "tool",
            "run",
            "--from",
            CHECKOV,
            "checkov",
            "--compact",
            "--skip-download",  # offline: no guidelines from the vendor's platform
            "--framework",
            "kubernetes",
            "--directory",
            str(project.path / "k8s"),
            "--output",
            "json",
        ],
        env=os.environ | {"BC_SKIP_MAPPING": "TRUE"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: some check failed
    report = json.loads(result.stdout)
    failed = [
        f"{check['check_id']} {check['check_name']} ({check['resource']})"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["passed"] > 100, summary  # the scan did look at the objects
    skipped = {
        (check["check_id"], check["resource"]) for check in report["results"]["skipped_checks"]
    }
    assert {check for check, _ in skipped} <= ALLOWED_SKIPS, skipped
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason) > 20, check  # a reason, not a bare id


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_pods_run_as_the_image_user_read_only_and_unprivileged(
    project: GeneratedProject,
) -> None:
    namespace = one(project, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for kind, pod in pod_specs(project).items():
        assert pod["automountServiceAccountToken"] is False, kind
        assert pod["securityContext"]["runAsNonRoot"] is True, kind
        assert pod["securityContext"]["runAsUser"] == IMAGE_UID, kind
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, kind
        writable = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
        for container in pod["containers"]:
            where = f"{kind} {container['name']}"
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["runAsUser"] == IMAGE_UID, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["privileged"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert set(mounts) == {TMP}, where
            assert mounts[TMP] in writable, where
            for resources in ("requests", "limits"):
                assert set(container["resources"][resources]) == {"cpu", "memory"}, where


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_deployment_is_probed_served_scaled_and_kept_available(
    project: GeneratedProject,
) -> None:
    deployment = one(project, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert "replicas" not in deployment["spec"]  # the autoscaler's to set
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (port,) = container["ports"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == port["name"], probe
    configmap = one(project, "ConfigMap")["data"]
    assert int(configmap["PORT"]) == port["containerPort"]
    service = one(project, "Service")
    assert service["spec"]["selector"] == labels
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    autoscaler = one(project, "HorizontalPodAutoscaler")["spec"]
    assert autoscaler["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert autoscaler["minReplicas"] >= 2
    budget = one(project, "PodDisruptionBudget")["spec"]
    assert budget["selector"]["matchLabels"] == labels
    assert budget["minAvailable"] < autoscaler["minReplicas"]  # a node can still be drained
    policy = one(project, "NetworkPolicy")["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    assert policy["ingress"] == [{"ports": [{"port": port["containerPort"], "protocol": "TCP"}]}]


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_settings_are_the_projects_own_and_the_secrets_in_no_file(
    project: GeneratedProject,
) -> None:
    configmap = one(project, "ConfigMap")["data"]
    assert configmap["ENVIRONMENT"] == "production"
    assert configmap["LOG_FORMAT"] == "json"
    assert configmap["HOST"] == "0.0.0.0"  # noqa: S104  # the pod's own address, not a shell's
    known = (project.path / ".env.example").read_text().lower() + "".join(
        path.read_text().lower() for path in project.path.rglob("*.py") if ".venv" not in path.parts
    )
    for name in configmap:
        assert name.lower() in known, f"{name} is not a setting of this project"
    assert not {"SECRET_KEY", "DATABASE_URL"} & set(configmap)
    assert not objects(project, "Secret")
    name = one(project, "Deployment")["metadata"]["name"]
    for kind, pod in pod_specs(project).items():
        for container in pod["containers"]:
            assert {"secretRef": {"name": name}} in container["envFrom"], kind
            assert "env" not in container, kind  # no value written into a manifest
    # The project's own secrets (its .env: SECRET_KEY, the compose database's password) and the
    # database this test runs it on appear in no file of k8s/.
    env = dict(
        line.split("=", 1)
        for line in (project.path / ".env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    secret_values = [value for name, value in env.items() if re.search("SECRET|PASSWORD", name)]
    assert env["SECRET_KEY"] in secret_values
    secret_values.append(project.env["DATABASE_URL"])
    for path in (project.path / "k8s").rglob("*"):
        text = path.read_text()
        for secret in secret_values:
            assert secret not in text, path


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_job_migrates_as_make_migrate_does(project: GeneratedProject) -> None:
    makefile = (project.path / "Makefile").read_text()
    package = re.search(r"^PACKAGE\s*:?=\s*(\S+)", makefile, re.MULTILINE)
    recipe = re.search(r"^migrate:.*\n\t@?(.+)", makefile, re.MULTILINE)
    assert recipe, "no migrate target"
    command = recipe.group(1).replace("$(PACKAGE)", package.group(1) if package else "")
    words = shlex.split(command)
    assert words[:2] == ["$(UV)", "run"], command
    (container,) = one(project, "Job")["spec"]["template"]["spec"]["containers"]
    job_command = container["command"]
    assert words[2 : 2 + len(job_command)] == job_command, (command, job_command)
    deployment = one(project, "Deployment")["spec"]["template"]["spec"]
    assert container["image"] == deployment["containers"][0]["image"]
    assert container["envFrom"] == deployment["containers"][0]["envFrom"]


def cluster_env(project: GeneratedProject) -> dict[str, str]:
    """What the pods' environment holds: the ConfigMap, and the Secret's two values (here a new
    key and this test's database), on this machine's PATH with the project's environment."""
    bin_dir = project.path / ".venv" / "bin"
    return (
        project.env
        | one(project, "ConfigMap")["data"]
        | {"SECRET_KEY": secrets.token_urlsafe(48), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    )


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_job_migrates_with_the_cluster_settings(project: GeneratedProject) -> None:
    (container,) = one(project, "Job")["spec"]["template"]["spec"]["containers"]
    result = subprocess.run(
        container["command"],
        cwd=project.path,
        env=cluster_env(project),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_the_probes_pass_on_the_server_with_the_cluster_settings(
    project: GeneratedProject, tmp_path: Path
) -> None:
    """The production server, with the ConfigMap's settings, answers each probe as the kubelet
    sends it (its path, port and headers: Django checks the Host against ALLOWED_HOSTS)."""
    env = cluster_env(project)
    if "ALLOWED_HOSTS" in env:  # start_server waits on http://127.0.0.1:<port>/health
        env["ALLOWED_HOSTS"] += ",127.0.0.1"
    (container,) = one(project, "Deployment")["spec"]["template"]["spec"]["containers"]
    process, base_url = start_server(dataclasses.replace(project, env=env), tmp_path / "log")
    try:
        for name in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = container[name]
            headers = {h["name"]: h["value"] for h in probe["httpGet"].get("httpHeaders", [])}
            response = httpx.get(
                f"{base_url}{probe['httpGet']['path']}",
                headers=headers,
                timeout=probe["timeoutSeconds"],
                follow_redirects=False,
            )
            assert response.status_code == 200, (name, response.status_code, response.text)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def k8s_files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text() for path in (root / "k8s").rglob("*")}


@pytest.mark.parametrize("project", WITH_KUBERNETES, indirect=True)
def test_copier_renders_the_same_manifests_as_apigen(
    project: GeneratedProject, tmp_path: Path
) -> None:
    """`apigen new` (the project), `copier copy` of the template's folder, and `copier copy` of
    the repository's root (its files, as copier takes a working tree) write the same k8s/."""
    data: dict[str, Any] = {
        key: value == "true" if value in ("true", "false") else value
        for key, value in project.spec.answers.items()
    } | {"project_name": project.spec.id}
    root = tmp_path / "repository"
    shutil.copytree(catalogue.source_root() / "templates", root / "templates", symlinks=True)
    shutil.copy(catalogue.source_root() / "copier.yml", root / "copier.yml")
    framework = project.spec.framework
    sources = {  # framework=hybrid renders the hybrid from the FastAPI folder
        "template folder": (catalogue.template_dir(framework), data | {"framework": framework}),
        "repository root": (root, data | {"framework": framework}),
    }
    expected = k8s_files(project.path)
    for way, (source, answers) in sources.items():
        destination = tmp_path / way.replace(" ", "-")
        copier.run_copy(str(source), destination, data=answers, defaults=True, quiet=True)
        assert k8s_files(destination) == expected, way


@pytest.mark.parametrize("project", WITHOUT_KUBERNETES, indirect=True)
def test_a_project_without_the_option_has_no_manifests(project: GeneratedProject) -> None:
    assert not (project.path / "k8s").exists()


@pytest.mark.parametrize(
    "answers",
    [
        {"docker": False, "database": "postgresql"},
        {"docker": True, "database": "sqlite"},
        {"docker": False, "database": "sqlite"},
    ],
    ids=["no-docker", "sqlite", "neither"],
)
@pytest.mark.parametrize("framework", catalogue.frameworks())
def test_copier_refuses_kubernetes_without_docker_and_postgresql(
    tmp_path: Path, framework: str, answers: dict[str, Any]
) -> None:
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match="Validation error") as raised:
        copier.run_copy(
            str(catalogue.template_dir(framework)),
            destination,
            data={"framework": framework, "kubernetes": True, **answers},
            defaults=True,
            quiet=True,
        )
    assert str(raised.value).endswith(f"'kubernetes': {REFUSAL}")
    assert not destination.exists()
    strings = {key: str(value).lower() for key, value in answers.items()}
    assert refusal("kubernetes", strings | {"kubernetes": "true"}) == REFUSAL  # the matrix's


def test_apigen_refuses_it_in_one_line(tmp_path: Path) -> None:
    destination = tmp_path / "project"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "apigen",
            "new",
            str(destination),
            "--framework",
            "flask",
            "--defaults",
            "--no-git",
            "--data",
            "kubernetes=true",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert REFUSAL in result.stderr
    assert "Traceback" not in result.stderr
    assert not destination.exists()
