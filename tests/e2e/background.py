"""What the background-work and many-replica tests share: projects of their own (with the
options they need, apart from the matrix's), the machine's Redis, one db number per test, and
processes stopped by their process group."""

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from apigen import catalogue

from .conftest import GeneratedProject
from .matrix import ProjectSpec
from .redis_db import fresh_redis_db

__all__ = ["fresh_redis_db"]


@dataclass(frozen=True)
class OwnSpec(ProjectSpec):
    """A project outside the matrix: its id carries a suffix, so it is generated apart."""

    suffix: str = ""

    @property
    def id(self) -> str:
        return f"{super().id}-{self.suffix}"


def own_specs(suffix: str, **answers: str) -> list[OwnSpec]:
    """One project per framework with these answers (the defaults for the rest)."""
    base = {"database": "postgresql", "auth": "basic"} | answers
    return [
        OwnSpec(framework, base, served=False, suffix=suffix)
        for framework in catalogue.frameworks()
    ]


def run_make(project: GeneratedProject, *arguments: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["make", *arguments],
        cwd=project.path,
        env=project.env | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"make {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def started(
    project: GeneratedProject, target: str, log: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """`make <target>` in a process group of its own, stopped on leaving."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", target],
            cwd=project.path,
            env=project.env | env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)
