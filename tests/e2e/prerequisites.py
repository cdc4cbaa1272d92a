"""What the end-to-end tests need from the machine, checked before any test starts.

`make test` runs this first, so a machine that lacks something stops at once with one line for
each missing thing, naming it and how to get it, instead of failing 20 minutes later.
"""

import shutil
import subprocess
import sys

import psycopg

from apigen import catalogue

from .redis_db import REDIS_HOST, REDIS_PORT, redis_answers

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _python_found(version: str) -> bool:
    """As a generated project's `make install` looks: uv's discovery, or an installed pyenv."""
    uv = shutil.which("uv")
    if uv and _succeeds([uv, "python", "find", "--no-project", version]):
        return True
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return False
    installed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    return any(name == version or name.startswith(f"{version}.") for name in installed)


def _succeeds(command: list[str]) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _postgresql_answers() -> bool:
    try:
        with psycopg.connect(POSTGRES_SERVER, connect_timeout=5):
            return True
    except psycopg.Error:
        return False


def missing() -> list[str]:
    """One line for each missing thing: what, why, and how to get it."""
    problems = []
    python_version = catalogue.option("python_version")
    for version in python_version.choices if python_version else ():
        if not _python_found(version):
            problems.append(
                f"Python {version} (for the python_version={version} projects): install it with"
                f" pyenv install {version}, uv python install {version} or your system's package"
            )
    if not _postgresql_answers():
        problems.append(
            "PostgreSQL at 127.0.0.1:5432 accepting user postgres without a password (for the"
            " database=postgresql projects): start it, e.g. pg_ctlcluster 15 main start"
        )
    if not redis_answers():
        problems.append(
            f"Redis at {REDIS_HOST}:{REDIS_PORT} (for the tasks=true projects and the shared rate"
            " limits): apt-get install redis-server, then start it"
        )
    if shutil.which("wrk") is None:
        problems.append("wrk (the load test): apt-get install wrk")
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} (the container image tests): apt-get install {tool}")
    return problems


def main() -> int:
    problems = missing()
    for problem in problems:
        print(f"make test: missing {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
