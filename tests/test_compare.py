"""`apigen compare`'s pieces that need no server: reading the load tools' output, the table,
and refusing bad input. The whole command runs end to end in tests/e2e/test_compare.py."""

from pathlib import Path

import pytest

from apigen import compare
from apigen.errors import UsageError

WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8799/users
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.18ms    3.76ms  37.07ms   90.16%
    Req/Sec   803.55    211.43     1.39k    85.00%
  Latency Distribution
     50%  956.00us
     75%    3.99ms
     90%    6.82ms
     99%    1.20s
  1608 requests in 1.01s, 816.74KB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   1593.63
Transfer/sec:    809.45KB
"""

LOCUST_COLUMNS = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)
LOCUST_STATS = f"""\
{LOCUST_COLUMNS}
GET,/health,1000,2,4,5.1,1,40,15,512.5,1.0,4,5,6,6,8,10,12,14,30,40,40
,Aggregated,1000,2,4,5.1,1,40,15,512.5,1.0,4,5,6,6,8,10,12,14,30,40,40
"""


def test_wrk_output_gives_rate_percentiles_and_every_error() -> None:
    measured = compare.parse_wrk(WRK_OUTPUT)
    assert measured == compare.Measurement(
        requests_per_second=1593.63, p50_ms=pytest.approx(0.956), p99_ms=1200.0, errors=12
    )


def test_locust_statistics_give_the_aggregated_row() -> None:
    measured = compare.parse_locust_stats(LOCUST_STATS)
    assert measured == compare.Measurement(
        requests_per_second=512.5, p50_ms=4.0, p99_ms=14.0, errors=2
    )


def test_table_has_a_row_per_framework_and_request() -> None:
    measured = compare.Measurement(requests_per_second=100, p50_ms=1, p99_ms=2, errors=0)
    rows = [
        compare.Row(
            framework=framework,
            loads={load.name: measured for load in compare.LOADS},
            rss_mib_per_worker=[80.0, 81.0],
            startup_seconds=1.5,
            installed_mib=120,
            lines_of_code=900,
        )
        for framework in ("fastapi", "flask")
    ]
    settings = compare.Settings(frameworks=("fastapi", "flask"), answers={}, database_url=None)
    table = compare.Report(load_tool="wrk", settings=settings, rows=rows).as_table().splitlines()
    assert table[0].split() == ["framework", "request", "req/s", "p50", "ms", "p99", "ms", "errors"]
    assert [line.split()[:2] for line in table[1:7]] == [
        [framework, load.name] for framework in ("fastapi", "flask") for load in compare.LOADS
    ]
    assert table[-1].split() == ["flask", "80/81", "1.5", "120", "900"]


def test_each_framework_gets_its_own_postgresql_database_for_the_run() -> None:
    url = compare.database_for("postgresql://bench:secret@db.local:5432/perf", "drf", "a1b2c3")
    assert url == "postgresql://bench:secret@db.local:5432/perf_compare_drf_a1b2c3"


@pytest.mark.parametrize(
    ("chosen", "message"),
    [(["fastapi", "rails"], "unknown framework rails"), ([], "names none")],
)
def test_unknown_or_no_frameworks_are_refused(chosen: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        compare.check_frameworks(chosen, ("fastapi", "flask", "drf"))


def test_keep_refuses_a_directory_with_files(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"), compare.scratch_directory(tmp_path):
        pass
    assert (tmp_path / "mine.txt").read_text() == "keep me"
