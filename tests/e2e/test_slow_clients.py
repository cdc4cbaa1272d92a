"""Slow clients hold no worker (finding 2 of issue 13): with 64 connections sending their headers
one byte a second, the served project keeps answering everyone else.

Bounded: the slow connections live 10 s, and every one is closed when the test ends."""

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import SERVED_PROJECTS, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", SERVED_PROJECTS, indirect=True)]

SLOW_CONNECTIONS = 64
PROBE_SECONDS = 10
# Each answer during the probe must come within this; a held server never answers at all.
ANSWER_WITHIN = 2.0


@contextlib.contextmanager
def slow_clients(base_url: str, count: int) -> Iterator[None]:
    """`count` connections that send an endless request header, one byte per second each."""
    address = urlsplit(base_url)
    sockets = [
        socket.create_connection((address.hostname, address.port), timeout=5) for _ in range(count)
    ]
    stop = threading.Event()

    def trickle() -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.sendall(f"GET /health HTTP/1.1\r\nHost: {address.netloc}\r\nX-Slow: ".encode())
        while not stop.wait(1.0):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"a")

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        yield
    finally:
        stop.set()
        sender.join()
        for sock in sockets:
            sock.close()


def test_slow_clients_hold_no_worker(
    live_server: LiveServer, record_property: Callable[[str, object], None]
) -> None:
    latencies: list[float] = []
    with (
        slow_clients(live_server.base_url, SLOW_CONNECTIONS),
        httpx.Client(base_url=live_server.base_url, timeout=ANSWER_WITHIN) as client,
    ):
        time.sleep(1)  # every slow connection is open and has started its header
        deadline = time.monotonic() + PROBE_SECONDS
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = client.get("/health/live")
            except httpx.TimeoutException:
                pytest.fail(
                    f"/health/live did not answer within {ANSWER_WITHIN} s while "
                    f"{SLOW_CONNECTIONS} slow clients were connected"
                )
            assert response.status_code == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.5)
    record_property(
        "figures",
        f"{SLOW_CONNECTIONS} slow clients: /health/live answered {len(latencies)} times, "
        f"slowest {max(latencies) * 1000:.0f} ms",
    )
