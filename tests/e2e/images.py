"""Container images of generated projects: built with buildah, run from their own filesystem.

No Docker daemon runs here or in CI. buildah builds the Dockerfile (`--isolation chroot`, no
daemon, no cgroups needed); running an image is its command started from a mount of the image's
filesystem, in a mount and PID namespace of its own (so the command is PID 1, as under Docker),
as the image's user, with the image's environment and working directory, on this machine's
network (the tests reach it on 127.0.0.1 only).

No registry is reachable either, so the base image the Dockerfile names is a stand-in, made once
with Debian's debootstrap and tagged with that name. It differs from the real
`python:3.11.N-slim-bookworm` in these ways, none of which the Dockerfiles depend on:
- Python is Debian bookworm's 3.11.2 in /usr/bin (with /usr/local/bin/python linked to it), not
  3.11.N built from source in /usr/local; pip is Debian's (python3-pip, 23.0), with the
  EXTERNALLY-MANAGED marker removed as the real image has none; python3-pip's dependencies
  (setuptools, wheel) are installed system-wide.
- It trusts this machine's extra CA certificates (/usr/local/share/ca-certificates: the TLS
  proxy in front of the package index) and sets SSL_CERT_FILE, so uv in the build uses the
  system's store.
- Its packages are bookworm's at the time it was made (no bookworm-security), and it has no
  PYTHON_VERSION or GPG_KEY variables.
It is kept as a tar file under ~/.cache/apigen-images (APIGEN_IMAGE_CACHE), named by a hash of
what made it, and as a local image labelled with that hash; either is reused when present.

Run as a script (`python images.py launch SPEC`), this module is the launcher that sets up the
namespace, then becomes the image's command.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

INSTALL_HINT = "apt-get update && apt-get install -y buildah debootstrap"
CACHE = Path(os.environ.get("APIGEN_IMAGE_CACHE") or Path.home() / ".cache" / "apigen-images")
DEBIAN_MIRROR = "http://deb.debian.org/debian"
STAND_IN_PACKAGES = ("python3", "python3-pip", "ca-certificates", "netbase", "tzdata")
STAND_IN_RECIPE = "1"  # change when _make_stand_in_tree changes, so caches are remade
STAND_IN_LABEL = "org.apigen.stand-in"
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")
# The bases a stand-in can replace: Debian's python3 has to be of the same minor version.
STAND_IN_BASE = re.compile(r"(?:docker\.io/)?(?:library/)?python:(3\.11)(?:\.\d+)?-slim-bookworm")
BUILD_TIMEOUT = 900


def missing_tools() -> list[str]:
    """The tools of this module that are not installed."""
    wanted = ("buildah", "debootstrap", "unshare", "mount")
    return [tool for tool in wanted if shutil.which(tool) is None]


def _run(
    arguments: Sequence[str], *, timeout: float = 600, env: Mapping[str, str] | None = None
) -> str:
    result = subprocess.run(
        arguments, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if result.returncode != 0:
        command = " ".join(arguments)
        raise RuntimeError(
            f"{command} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One process at a time (pytest-xdist runs two workers) for the step called name."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- the stand-in base image -------------------------------------------------------------------


def base_images(dockerfile: Path) -> list[str]:
    """The images the Dockerfile's FROM lines name (not its own stages)."""
    stages: set[str] = set()
    bases: list[str] = []
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if not match:
            continue
        image, stage = match.groups()
        if image not in stages and image not in bases:
            bases.append(image)
        if stage:
            stages.add(stage)
    return bases


def _stand_in_key() -> str:
    recipe = [STAND_IN_RECIPE, "bookworm", DEBIAN_MIRROR, *STAND_IN_PACKAGES]
    digest = hashlib.sha256(json.dumps(recipe).encode())
    for certificate in sorted(LOCAL_CA_DIR.glob("*.crt")):
        digest.update(certificate.read_bytes())
    return digest.hexdigest()[:16]


def _image_label(reference: str, label: str) -> str | None:
    result = subprocess.run(
        ["buildah", "inspect", "--type", "image", reference],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    labels = json.loads(result.stdout).get("Docker", {}).get("config", {}).get("Labels") or {}
    value: str | None = labels.get(label)
    return value


def _make_stand_in_tree(tree: Path) -> None:
    """debootstrap bookworm with Python into tree, then make it look like python:3.11-slim."""
    _run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(STAND_IN_PACKAGES)}",
            "bookworm",
            str(tree),
            DEBIAN_MIRROR,
        ],
        timeout=1200,
    )
    (tree / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
    (tree / "usr/local/bin/python").symlink_to("/usr/bin/python3")
    for certificate in LOCAL_CA_DIR.glob("*.crt"):
        shutil.copy(certificate, tree / "usr/local/share/ca-certificates" / certificate.name)
    # The tree's own environment: this machine's (TMPDIR, say) may name paths the tree lacks.
    _run(
        ["chroot", str(tree), "update-ca-certificates"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    # As the real image: no package lists or downloaded packages, an empty /dev.
    for leftovers in ("var/lib/apt/lists", "var/cache/apt", "dev"):
        for path in (tree / leftovers).iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def _stand_in_tarball(key: str) -> tuple[Path, float]:
    """The stand-in's file system as a tar file in the cache, made if missing; seconds spent."""
    tarball = CACHE / f"python3.11-slim-bookworm-{key}.tar"
    if tarball.exists():
        return tarball, 0.0
    started = time.monotonic()
    tree = CACHE / f"tree-{key}"
    shutil.rmtree(tree, ignore_errors=True)
    try:
        _make_stand_in_tree(tree)
        partial = tarball.with_suffix(".partial")
        _run(["tar", "--numeric-owner", "--xattrs", "-C", str(tree), "-cf", str(partial), "."])
        partial.rename(tarball)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return tarball, time.monotonic() - started


@dataclass(frozen=True)
class StandIn:
    reference: str
    key: str
    debootstrap_seconds: float  # 0 when the cached tar file was used
    import_seconds: float  # 0 when the local image was already there


def ensure_stand_in(reference: str) -> StandIn:
    """A local image named reference: the stand-in, made (or taken from the cache) if needed."""
    if not STAND_IN_BASE.fullmatch(reference):
        raise LookupError(
            f"no stand-in for the base image {reference}: only python:3.11[.N]-slim-bookworm "
            "can be made here (Debian bookworm's Python is 3.11)"
        )
    key = _stand_in_key()
    with _locked("stand-in"):
        if _image_label(reference, STAND_IN_LABEL) == key:
            return StandIn(reference, key, 0.0, 0.0)
        tarball, debootstrap_seconds = _stand_in_tarball(key)
        started = time.monotonic()
        container = _run(["buildah", "from", "scratch"]).strip()
        try:
            _run(["buildah", "add", "--quiet", container, str(tarball), "/"])
            _run(
                [
                    "buildah",
                    "config",
                    "--env",
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "--env",
                    "LANG=C.UTF-8",
                    "--env",
                    "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                    "--cmd",
                    "python3",
                    "--label",
                    f"{STAND_IN_LABEL}={key}",
                    container,
                ]
            )
            name = reference if "/" in reference else f"docker.io/library/{reference}"
            _run(["buildah", "commit", "--quiet", "--format", "docker", "--rm", container, name])
        except BaseException:
            subprocess.run(["buildah", "rm", container], capture_output=True, check=False)
            raise
        return StandIn(reference, key, debootstrap_seconds, time.monotonic() - started)


# --- building and inspecting -------------------------------------------------------------------


def _image_id(reference: str) -> str | None:
    result = subprocess.run(
        ["buildah", "inspect", "--type", "image", "--format", "{{.FromImageID}}", reference],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None if result.returncode == 0 else None


def build(context: Path, tag: str, log: Path) -> float:
    """buildah build of context's Dockerfile as tag; seconds taken. Output goes to log.

    The image that had the tag before is removed (unless a container still uses it), so that
    repeated runs do not fill the disk with untagged images."""
    previous = _image_id(tag)
    started = time.monotonic()
    with log.open("w") as output:
        result = subprocess.run(
            [
                "buildah",
                "build",
                "--isolation",
                "chroot",
                "--format",
                "docker",  # the OCI format has no HEALTHCHECK
                "--pull=never",
                "--tag",
                tag,
                str(context),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"buildah build of {context} failed:\n{log.read_text()[-6000:]}")
    seconds = time.monotonic() - started
    if previous and previous != _image_id(tag):
        subprocess.run(["buildah", "rmi", previous], capture_output=True, check=False)
    return seconds


@dataclass(frozen=True)
class ImageConfig:
    """What `docker run` takes from the image."""

    env: dict[str, str]
    command: list[str]
    workdir: str
    user: str
    healthcheck: list[str]  # Docker's form: ["CMD", ...] or ["CMD-SHELL", "..."]
    healthcheck_timeout: float
    volumes: list[str]
    labels: dict[str, str]

    @classmethod
    def of(cls, reference: str) -> "ImageConfig":
        image = json.loads(_run(["buildah", "inspect", "--type", "image", reference]))
        config = image["Docker"]["config"]
        health = config.get("Healthcheck") or {}
        return cls(
            env=dict(item.split("=", 1) for item in config.get("Env") or []),
            command=[*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])],
            workdir=config.get("WorkingDir") or "/",
            user=config.get("User") or "0",
            healthcheck=health.get("Test") or [],
            healthcheck_timeout=(health.get("Timeout") or 30_000_000_000) / 1e9,
            volumes=sorted(config.get("Volumes") or {}),
            labels=config.get("Labels") or {},
        )


@dataclass
class Mounted:
    """A working container of an image, its file system mounted on this machine."""

    container: str
    root: Path

    def remove(self) -> None:
        subprocess.run(["buildah", "umount", self.container], capture_output=True, check=False)
        subprocess.run(["buildah", "rm", self.container], capture_output=True, check=False)


CONTAINER_PREFIX = "apigen-e2e-"


def remove_stale_containers() -> None:
    """Working containers that test sessions no longer running left behind (killed ones)."""
    names = _run(["buildah", "containers", "--format", "{{.ContainerName}}"]).split()
    for name in names:
        match = re.fullmatch(rf"{CONTAINER_PREFIX}.*-pid(\d+)", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            Mounted(name, Path()).remove()


def remove_unused_images() -> None:
    """Untagged images (ones a later build replaced) that no container uses any longer."""
    for image_id in _run(["buildah", "images", "--quiet", "--filter", "dangling=true"]).split():
        subprocess.run(["buildah", "rmi", image_id], capture_output=True, check=False)


def mount(reference: str, name: str) -> Mounted:
    """A working container of the image, named name (and this process), mounted."""
    container_name = f"{CONTAINER_PREFIX}{name}-pid{os.getpid()}"
    subprocess.run(["buildah", "rm", container_name], capture_output=True, check=False)
    container = _run(
        ["buildah", "from", "--pull=never", "--quiet", "--name", container_name, reference]
    ).strip()
    try:
        root = Path(_run(["buildah", "mount", container]).strip())
    except BaseException:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)
        raise
    return Mounted(container, root)


def resolve_user(root: Path, user: str) -> tuple[int, int]:
    """Docker's USER (name or number, optionally :group) as numbers, from the image's files."""
    name, _, group = user.partition(":")
    passwd = [line.split(":") for line in (root / "etc/passwd").read_text().splitlines() if line]
    groups = [line.split(":") for line in (root / "etc/group").read_text().splitlines() if line]
    entry = next((row for row in passwd if name in (row[0], row[2])), None)
    uid = int(entry[2]) if entry else int(name)
    if group:
        group_entry = next((row for row in groups if group in (row[0], row[2])), None)
        gid = int(group_entry[2]) if group_entry else int(group)
    else:
        gid = int(entry[3]) if entry else uid
    return uid, gid


# --- running -----------------------------------------------------------------------------------


@dataclass
class ImageProcess:
    """One command running from an image (a `docker run`), in its own namespaces."""

    process: subprocess.Popen[bytes]  # unshare, whose child is the command, PID 1 inside
    log: Path
    _command_pid: int | None = field(default=None, repr=False)

    def command_pid(self) -> int:
        """The command's process id on this machine (it is PID 1 in its namespace)."""
        if self._command_pid is None:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                pids = children.read_text().split() if children.exists() else []
                if pids:
                    self._command_pid = int(pids[0])
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError("the command's process did not start")
        return self._command_pid

    def signal(self, number: int) -> None:
        """A signal to the command alone, as `docker stop` and `docker kill` send it."""
        os.kill(self.command_pid(), number)

    def kill(self) -> None:
        """Everything it started, at once (its process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start(
    root: Path,
    config: ImageConfig,
    log: Path,
    *,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    volumes: Mapping[str, Path] | None = None,
    read_only: bool = True,
    tmpfs: Sequence[str] = ("/tmp",),  # noqa: S108 (the image's /tmp, as `--tmpfs /tmp`)
) -> ImageProcess:
    """Start command (default: the image's) from the image mounted at root.

    env adds to the image's environment (`docker run -e`); volumes are directories of this
    machine mounted at paths of the image (`-v`); read_only mounts the rest of the image's file
    system read-only (`--read-only`), with tmpfs mounts where it must write temporary files.
    """
    uid, gid = resolve_user(root, config.user)
    spec = {
        "root": str(root),
        "argv": list(command or config.command),
        "env": config.env | dict(env or {}),
        "workdir": config.workdir,
        "uid": uid,
        "gid": gid,
        "volumes": {target: str(source) for target, source in (volumes or {}).items()},
        "read_only": read_only,
        "tmpfs": list(tmpfs),
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--propagation",
                "private",
                sys.executable,
                "-I",
                __file__,
                "launch",
                json.dumps(spec),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            start_new_session=True,  # so kill() reaches every process it started
        )
    return ImageProcess(process, log)


def run(root: Path, config: ImageConfig, log: Path, *, timeout: float = 120, **options: Any) -> int:
    """Run a command from the image to its end (`docker run --rm`); its exit status."""
    started = start(root, config, log, **options)
    try:
        return started.process.wait(timeout=timeout)
    finally:
        started.kill()


def _launch(spec: dict[str, Any]) -> NoReturn:
    """In the new namespaces (PID 1 of the new PID namespace): mount, chroot, drop to the
    image's user, and become the command."""
    root = spec["root"]

    def mount(*arguments: str) -> None:
        subprocess.run(["mount", *arguments], check=True)

    if spec["read_only"]:
        mount("--bind", root, root)
        mount("-o", "remount,bind,ro", root)
    mount("-t", "proc", "-o", "nosuid,nodev,noexec", "proc", f"{root}/proc")
    # A minimal /dev, as a container runtime makes it.
    mount("-t", "tmpfs", "-o", "nosuid,mode=755", "dev", f"{root}/dev")
    for device in ("null", "zero", "full", "random", "urandom", "tty"):
        Path(root, "dev", device).touch()
        mount("--bind", f"/dev/{device}", f"{root}/dev/{device}")
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        Path(root, "dev", name).symlink_to(target)
    Path(root, "dev/shm").mkdir()
    mount("-t", "tmpfs", "-o", "nosuid,nodev,mode=1777", "shm", f"{root}/dev/shm")  # noqa: S108
    for path in spec["tmpfs"]:
        mount("-t", "tmpfs", "-o", "nosuid,nodev,mode=1777", "tmpfs", f"{root}{path}")
    for target, source in spec["volumes"].items():
        mount("--bind", source, f"{root}{target}")
    os.chroot(root)
    os.chdir(spec["workdir"])
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    argv = spec["argv"]
    os.execvpe(argv[0], argv, spec["env"])  # noqa: S606 (becoming the command is the point)


if __name__ == "__main__":
    if sys.argv[1:2] == ["launch"]:
        _launch(json.loads(sys.argv[2]))
    sys.exit(f"usage: {sys.argv[0]} launch SPEC")
