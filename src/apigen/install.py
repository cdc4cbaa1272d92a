"""`apigen new --install`: install the new project and run its tests, showing each step's
progress. Done in Python rather than as template tasks, so `copier copy` needs no --trust."""

import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    title: str
    command: tuple[str, ...]


STEPS = (
    Step("Installing (make install)", ("make", "install")),
    Step("Running the project's tests (make test)", ("make", "test")),
)


@dataclass(frozen=True)
class Outcome:
    """How a step ended: its exit status and the last lines it printed (for a failure)."""

    step: Step
    returncode: int
    seconds: float
    tail: str


Progress = Callable[[str], None]  # shows one status line, replacing the previous one


def run_steps(project: Path, steps: Sequence[Step], progress: Progress) -> list[Outcome]:
    """Run `steps` in `project` in order, until one fails; report each output line to
    `progress` as it comes, with the time spent, so a long install visibly moves."""
    outcomes = []
    for step in steps:
        outcome = run_step(project, step, progress)
        outcomes.append(outcome)
        if outcome.returncode != 0:
            break
    return outcomes


def run_step(
    project: Path, step: Step, progress: Progress, *, env: Mapping[str, str] | None = None
) -> Outcome:
    """Run one step in `project` (with `env`, default: apigen's environment), reporting its
    output lines to `progress` as they come."""
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=60)
    progress(f"{step.title}...")
    with subprocess.Popen(  # noqa: S603 - the project's own make targets, no shell
        step.command,
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        errors="replace",
    ) as process:
        for line in process.stdout or ():
            tail.append(line)
            elapsed = time.monotonic() - started
            shown = line.strip()[:80]
            progress(f"{step.title} {elapsed:.0f}s: {shown}" if shown else f"{step.title}...")
    return Outcome(step, process.returncode, time.monotonic() - started, "".join(tail))
