from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def repository() -> Path:
    return REPOSITORY


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
