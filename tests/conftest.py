import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .e2e.matrix import project_specs

PROJECT_IDS = sorted((spec.id for spec in project_specs()), key=len, reverse=True)

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def repository() -> Path:
    return REPOSITORY


@pytest.fixture(scope="session", autouse=True)
def temporary_directory_of_this_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The generated projects' own pytest runs (and anything else started from here) keep their
    temporary files under this worker's: two pytest runs sharing /tmp/pytest-of-<user> race to
    clean up each other's old directories, and the loser fails on "Directory not empty"."""
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmp_path_factory.mktemp("tmp"))
    yield
    if before is None:
        del os.environ["TMPDIR"]
    else:
        os.environ["TMPDIR"] = before


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Test time by module, summed over the xdist workers (CI reports its time by part)."""
    seconds: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                module = report.nodeid.split("::", 1)[0]
                seconds[module] = seconds.get(module, 0.0) + report.duration
    if not seconds:
        return
    terminalreporter.section("time by module (summed over workers)")
    for module, total in sorted(seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{total:8.1f} s  {module}")
    figures = [
        f"{report.nodeid.split('::', 1)[1]}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == "figures"
    ]
    if figures:
        terminalreporter.section("figures the passing checks measured")
        for line in sorted(figures):
            terminalreporter.write_line(line)


class Progress:
    """One line each time a part (test module) or an end-to-end project is done, so a person
    watching `make check` sees which part runs and how many projects are done and left."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.left_by_part: dict[str, int] = {}
        self.left_by_project: dict[str, int] = {}
        self.projects = 0

    def expect(self, nodeids: list[str]) -> None:
        if self.left_by_part:
            return  # every xdist worker reports the same collection
        for nodeid in nodeids:
            part = nodeid.split("::", 1)[0]
            self.left_by_part[part] = self.left_by_part.get(part, 0) + 1
            project = _project_of(nodeid)
            if project:
                self.left_by_project[project] = self.left_by_project.get(project, 0) + 1
        self.projects = len(self.left_by_project)

    def done(self, nodeid: str) -> None:
        lines = []
        part = nodeid.split("::", 1)[0]
        if part in self.left_by_part:
            self.left_by_part[part] -= 1
            if not self.left_by_part[part]:
                parts_left = sum(1 for left in self.left_by_part.values() if left)
                lines.append(f"part done: {part} ({parts_left} parts left)")
        project = _project_of(nodeid)
        if project in self.left_by_project:
            self.left_by_project[project] -= 1
            if not self.left_by_project[project]:
                left = sum(1 for count in self.left_by_project.values() if count)
                finished = self.projects - left
                lines.append(
                    f"project done: {project} ({finished} of {self.projects}, {left} left)"
                )
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in lines:
            if reporter is not None:
                reporter.write_line(f"[progress] {line}")


def _project_of(nodeid: str) -> str | None:
    """The end-to-end project a test runs on: a project id among the test's parameters."""
    if "[" not in nodeid:
        return None
    parameters = nodeid.rsplit("[", 1)[1].rstrip("]")
    return next((known for known in PROJECT_IDS if known in parameters), None)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the process that reports, not an xdist worker
        config.pluginmanager.register(ProgressHooks(Progress(config)), "apigen-progress")


class ProgressHooks:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.progress.expect(ids)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.expect([item.nodeid for item in session.items])

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.progress.done(report.nodeid)
