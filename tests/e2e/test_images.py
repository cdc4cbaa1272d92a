"""Each template's container image, built and run for real (SPEC.md section 3, `Dockerfile`).

The default project of each template (Python 3.11, SQLite, Basic, docker) is generated and
installed as everywhere else (conftest.py; `make install` writes uv.lock), its image is built with
buildah, and the image is run as Docker would run it (images.py says how, without a daemon, and
how the stand-in base image differs from the real one): read-only, with its data volume, as its
user, with its environment plus what the project's compose.yaml sets. Against that, the HTTP
contract (every test of test_contract.py, run again here), the HEALTHCHECK, where it can write,
that it refuses to start without its secrets, and a clean stop on SIGTERM.
"""

import json
import os
import re
import secrets
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from apigen import catalogue

from . import images, test_contract
from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, GeneratedProject, LiveServer, wait_until_up
from .matrix import project_specs
from .test_shutdown import _read_response, _send_headers_and_half_the_body

IMAGE_SPECS = [
    spec
    for spec in project_specs()
    if spec.answers["docker"] == "true"
    and spec.answers["python_version"] == "3.11"  # the stand-in base's Python
    and (spec.answers["database"], spec.answers["auth"]) == ("sqlite", "basic")
]
assert sorted(spec.framework for spec in IMAGE_SPECS) == sorted(catalogue.frameworks()), (
    "every template needs one default project with docker=true in the matrix (matrix.py)"
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize(
        "project", [pytest.param(spec, id=spec.id) for spec in IMAGE_SPECS], indirect=True
    ),
]

# The contract suite, run against the image: its tests and fixtures, with the `live_server`
# fixture below (the image) instead of conftest's (`make serve`). Less the two that only count
# pages of 50 and 100 users (the application's logic, the same under `make serve`; a minute of
# password hashing per template).
NOT_AGAIN = {"test_list_limit_defaults_to_50", "test_list_limit_is_at_most_100"}
globals().update(
    {
        name: value
        for name, value in vars(test_contract).items()
        if (name.startswith("test_") and name not in NOT_AGAIN) or name in ("api", "anonymous")
    }
)

DATA = "/app/data"  # the image's volume, where SQLite's file lives
# What `make migrate` and `make createuser` run, from the image (which has no make).
MIGRATE = {
    "fastapi": ["{slug}", "migrate"],
    "flask": ["flask", "--app", "{slug}", "db", "upgrade"],
    "drf": ["python", "manage.py", "migrate", "--noinput"],
    "hybrid": ["python", "manage.py", "migrate", "--noinput"],
}
CREATEUSER = {
    "fastapi": (["{slug}", "create-user"], {"EMAIL": "{email}", "PASSWORD": "{password}"}),
    "flask": (
        ["flask", "--app", "{slug}", "create-user"],
        {"EMAIL": "{email}", "PASSWORD": "{password}"},
    ),
    "drf": (
        ["python", "manage.py", "createsuperuser", "--noinput"],
        {
            "DJANGO_SUPERUSER_EMAIL": "{email}",
            "DJANGO_SUPERUSER_PASSWORD": "{password}",
            "DJANGO_SUPERUSER_NAME": "Administrator",
        },
    ),
}
CREATEUSER["hybrid"] = CREATEUSER["drf"]  # Django's accounts, for both halves
STOP_TIMEOUT = 45  # the servers give requests in flight 30 s


@dataclass
class Image:
    """A built image, mounted, with its data volume and the environment it runs with."""

    project: GeneratedProject
    tag: str
    config: images.ImageConfig
    mounted: images.Mounted
    data: Path
    env: dict[str, str]  # compose.yaml's `environment`, and the tests' additions
    figures: str

    def format(self, words: list[str], **values: str) -> list[str]:
        return [word.format(slug=_slug(self.project), **values) for word in words]

    def run(self, command: list[str], log: Path, **options: Any) -> int:
        options.setdefault("volumes", {DATA: self.data})
        options.setdefault("env", self.env)
        return images.run(self.mounted.root, self.config, log, command=command, **options)

    def start(self, log: Path, **options: Any) -> images.ImageProcess:
        options.setdefault("volumes", {DATA: self.data})
        return images.start(self.mounted.root, self.config, log, **options)

    def createuser(self, email: str, password: str, log: Path) -> None:
        command, env = CREATEUSER[self.project.spec.framework]
        extra = {key: value.format(email=email, password=password) for key, value in env.items()}
        status = self.run(self.format(command), log, env=self.env | extra)
        assert status == 0, f"createuser in the image exited with {status}:\n{log.read_text()}"


def _slug(project: GeneratedProject) -> str:
    answers = yaml.safe_load((project.path / ".copier-answers.yml").read_text())
    slug: str = answers["project_slug"]
    return slug


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _compose_environment(project: GeneratedProject, given: dict[str, str]) -> dict[str, str]:
    """The app service's `environment` in compose.yaml, ${...} filled in as compose does."""
    compose = yaml.safe_load((project.path / "compose.yaml").read_text())
    environment = compose["services"]["app"].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)

    def substitute(match: re.Match[str]) -> str:
        name, operator, word = match.group(1), match.group(2) or "", match.group(3) or ""
        value = given.get(name, "")
        if operator == ":?" and not value:
            pytest.fail(f"compose.yaml needs {name}: {word}")
        return value or (word if operator == ":-" else "")

    pattern = re.compile(r"\$\{(\w+)(:[-?])?([^}]*)\}")
    return {str(key): pattern.sub(substitute, str(value)) for key, value in environment.items()}


@pytest.fixture(scope="session")
def built_images() -> Iterator[dict[str, Image | str]]:
    """Images built so far by project id, or why the build failed (so that the next tests of
    the project fail at once instead of building again); unmounted when the session ends."""
    built: dict[str, Image | str] = {}
    yield built
    for image in built.values():
        if isinstance(image, Image):
            image.mounted.remove()


@contextmanager
def _once(results: dict[str, Any], key: str) -> Iterator[None]:
    """A failure of the step is kept under key, and repeated to the next tests that need it."""
    if isinstance(results.get(key), str):
        pytest.fail(f"failed in an earlier test: {results[key]}")
    try:
        yield
    except BaseException as error:
        results[key] = str(error)[-3000:] or type(error).__name__
        raise


@pytest.fixture
def image(
    project: GeneratedProject,
    built_images: dict[str, Image | str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Image:
    """The project's image: the stand-in base made if needed, then built, once per session."""
    with _once(built_images, project.spec.id):
        built = built_images.get(project.spec.id)
        if isinstance(built, Image):
            return built
        built = _build(project, tmp_path_factory)
        built_images[project.spec.id] = built
        return built


def _build(project: GeneratedProject, tmp_path_factory: pytest.TempPathFactory) -> Image:
    missing = images.missing_tools()
    if missing:
        pytest.fail(
            f"building and running images needs {', '.join(missing)}, not installed: "
            f"{images.INSTALL_HINT}"
        )
    if os.geteuid() != 0:
        pytest.fail("building and running images here needs root (buildah, mount namespaces)")
    stand_ins = []
    for base in images.base_images(project.path / "Dockerfile"):
        try:
            stand_ins.append(images.ensure_stand_in(base))
        except LookupError as error:
            pytest.fail(str(error))
    tag = f"localhost/apigen-e2e/{project.spec.id}:latest"
    build_seconds = images.build(project.path, tag, project.path / "image-build.log")
    config = images.ImageConfig.of(tag)
    images.remove_stale_containers()
    images.remove_unused_images()
    mounted = images.mount(tag, project.spec.id)
    data = tmp_path_factory.mktemp(f"{project.spec.id}-data")
    uid, gid = images.resolve_user(mounted.root, config.user)
    os.chown(data, uid, gid)  # as Docker makes a new named volume: the image's directory's owner
    given = {"SECRET_KEY": secrets.token_urlsafe(48)}
    env = _compose_environment(project, given) | {
        "HOST": "127.0.0.1",
        # The contract checks send thousands of requests from one client, and read the docs.
        "RATE_LIMIT": "1000000/minute",
        "DOCS_ENABLED": "true",
    }
    figures = ", ".join(
        [
            *(
                f"stand-in: debootstrap {base.debootstrap_seconds:.0f} s"
                f" and import {base.import_seconds:.0f} s (0: cached)"
                for base in stand_ins
            ),
            f"build {build_seconds:.0f} s",
        ]
    )
    return Image(project, tag, config, mounted, data, env, figures)


def _stop(server: images.ImageProcess) -> int:
    """SIGTERM, as `docker stop` sends it; SIGKILL if it is still running after the grace time."""
    if server.process.poll() is None:
        server.signal(signal.SIGTERM)
        try:
            return server.process.wait(timeout=STOP_TIMEOUT)
        except Exception:
            server.kill()
            raise
    return server.process.returncode


def _start_server(image: Image, log: Path) -> tuple[images.ImageProcess, str]:
    port = _free_port()
    server = image.start(log, env=image.env | {"PORT": str(port), "ADMIN_PORT": str(_free_port())})
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/health", server.process, server.log, what="the image")
    except BaseException:
        server.kill()
        raise
    return server, base_url


@dataclass
class ImageServer:
    live: LiveServer
    process: images.ImageProcess
    port: int


@pytest.fixture(scope="session")
def image_servers() -> Iterator[dict[str, ImageServer | str]]:
    """The image servers started so far by project id, or why starting one failed."""
    running: dict[str, ImageServer | str] = {}
    yield running
    for server in running.values():
        if isinstance(server, ImageServer):
            try:
                _stop(server.process)
            finally:
                server.process.kill()


@pytest.fixture
def image_server(image: Image, image_servers: dict[str, ImageServer | str]) -> ImageServer:
    """The image's command, serving, after its migrations and `createuser` ran from the image."""
    with _once(image_servers, image.project.spec.id):
        server = image_servers.get(image.project.spec.id)
        if isinstance(server, ImageServer):
            return server
        server = _serve(image)
        image_servers[image.project.spec.id] = server
        return server


def _serve(image: Image) -> ImageServer:
    spec = image.project.spec
    log = image.project.path / "image-run.log"
    status = image.run(image.format(MIGRATE[spec.framework]), log)
    assert status == 0, f"migrating from the image exited with {status}:\n{log.read_text()}"
    image.createuser(ADMIN_EMAIL, ADMIN_PASSWORD, log)
    process, base_url = _start_server(image, log)
    live = LiveServer(base_url=base_url, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, scheme="basic")
    return ImageServer(live, process, int(base_url.rsplit(":", 1)[1]))


@pytest.fixture
def live_server(image_server: ImageServer) -> LiveServer:
    """The contract suite's server: the image's."""
    return image_server.live


def _healthcheck(image: Image, port: int, log: Path) -> int:
    """The image's HEALTHCHECK command, run as Docker runs it (in the container, its user)."""
    test = image.config.healthcheck
    assert test, "the image has no HEALTHCHECK"
    assert test[0] in ("CMD", "CMD-SHELL"), f"HEALTHCHECK {test}"
    command = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
    return image.run(
        command, log, env=image.env | {"PORT": str(port)}, timeout=image.config.healthcheck_timeout
    )


def test_image_is_built_for_production(
    image: Image, record_property: Callable[[str, object], None]
) -> None:
    record_property("figures", image.figures)
    config = image.config
    assert images.resolve_user(image.mounted.root, config.user) == (10001, 10001)
    assert config.env.get("ENVIRONMENT") == "production"
    assert "SECRET_KEY" not in config.env, "a secret is baked into the image"
    assert DATA in config.volumes
    assert not (image.mounted.root / "app/.env").exists(), ".env (with its key) is in the image"
    assert (image.mounted.root / "app/uv.lock").exists()


def test_image_refuses_to_start_without_secret_key(image: Image, tmp_path: Path) -> None:
    env = {key: value for key, value in image.env.items() if key != "SECRET_KEY"}
    log = tmp_path / "no-secret.log"
    status = image.run(image.config.command, log, env=env | {"PORT": str(_free_port())}, timeout=60)
    assert status != 0
    assert "SECRET_KEY" in log.read_text()
    assert "Traceback" not in log.read_text()


PROBE = """
import glob, json, os, sys
results = {}
def attempt(path, create):
    try:
        if create:
            name = os.path.join(path, ".write-probe")
            with open(name, "x"):
                pass
            os.remove(name)
        else:
            with open(path, "a"):
                pass
        results[path] = "written"
    except OSError as error:
        results[path] = f"refused ({error.strerror})"
for path in sys.argv[1:]:
    for match in glob.glob(path.rstrip("+")) or [path.rstrip("+")]:
        attempt(match, create=not path.endswith("+"))
print(json.dumps(results))
"""


def test_image_writes_only_to_its_data_volume(image: Image, tmp_path: Path) -> None:
    """As its user, in the image as Docker runs it (writable layer, no --read-only): its files,
    code and environment are read-only to it; only the volume takes writes. (The server itself
    runs with --read-only in these tests, so it needs no other place either; /tmp, /var/tmp
    and /dev/shm are writable to everyone in every image.)"""
    slug = _slug(image.project)
    directories = [
        "/",
        "/app",
        f"/app/{slug}",
        "/app/.venv",
        "/app/.venv/bin",
        "/app/.venv/lib/python*/site-packages",
        "/etc",
        "/usr/local/bin",
        "/usr/lib/python3*",
        "/root",
        "/home",
    ]
    files = ["/app/pyproject.toml", f"/app/{slug}/__init__.py", "/etc/passwd"]
    log = tmp_path / "probe.log"
    status = image.run(
        ["python", "-c", PROBE, DATA, *directories, *(f"{file}+" for file in files)],
        log,
        read_only=False,
        tmpfs=(),
    )
    assert status == 0, log.read_text()
    results = json.loads(log.read_text().strip().splitlines()[-1])
    assert results.pop(DATA) == "written"
    written = [path for path, result in results.items() if result == "written"]
    assert not written, f"the image's user can write to {written}"


def test_image_serves_read_only_and_its_healthcheck_passes(
    image: Image, image_server: ImageServer, tmp_path: Path
) -> None:
    assert _healthcheck(image, image_server.port, tmp_path / "health.log") == 0, (
        tmp_path / "health.log"
    ).read_text()
    assert any(path.name.endswith(".db") for path in image.data.iterdir()), (
        "the database is not on the data volume"
    )


def test_image_stops_cleanly_on_sigterm(
    image: Image, image_server: ImageServer, tmp_path: Path
) -> None:
    """A second instance, on the same volume: a request in flight when SIGTERM comes still gets
    its answer and its write stays; then every process stops by itself, with status 0."""
    credentials = image_server.live.credentials(ADMIN_EMAIL, ADMIN_PASSWORD)
    log = tmp_path / "second.log"
    server, base_url = _start_server(image, log)
    email = f"in-flight-{uuid.uuid4().hex[:12]}@example.com"
    body = json.dumps({"name": "In flight", "email": email, "password": "p" * 12}).encode()
    try:
        connection = _send_headers_and_half_the_body(base_url, credentials, body)
        time.sleep(1)  # a worker has the request and waits for the rest of its body
        started = time.monotonic()
        server.signal(signal.SIGTERM)  # to PID 1, as `docker stop` does
        time.sleep(1)
        connection.sendall(body[len(body) // 2 :])
        status, created = _read_response(connection)
        assert status == 201, created
        exit_status = server.process.wait(timeout=STOP_TIMEOUT)
        stop_seconds = time.monotonic() - started
    finally:
        server.kill()
    assert exit_status == 0, f"exit status {exit_status} on SIGTERM:\n{log.read_text()}"
    assert stop_seconds < 35, f"took {stop_seconds:.0f} s to stop (Docker kills after 10 s)"
    port = int(base_url.rsplit(":", 1)[1])
    assert _healthcheck(image, port, tmp_path / "health.log") != 0, "HEALTHCHECK passes when down"
    with httpx.Client(base_url=image_server.live.base_url, headers=credentials, timeout=30) as api:
        stored = api.get(f"/users/{created['id']}")
        assert stored.status_code == 200, stored.text
        assert stored.json()["email"] == email
