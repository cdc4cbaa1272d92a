"""Answers requests in process, without a server: run by benchmarks/instructions.py inside a
project's environment, under valgrind. Standard library only (the project's Python runs it),
and uvloop where the project has it.

    python drive_app.py FRAMEWORK APP LOAD COUNT GATE

Builds the application as its server would (APP: `template`, `minimal` or `floor`; an ASGI
one on the event loop Uvicorn would choose, which answers each batch of requests in one run),
answers a warm-up of WARM_UP requests, writes GATE.ready and waits for GATE.go (meanwhile the
instruction count is switched on), answers COUNT requests, prints how many got each status as
JSON and exits at once, so that no shutdown work is counted.
"""

import asyncio
import base64
import io
import json
import os
import sys
import time
import types
from collections import Counter
from collections.abc import Awaitable, Callable
from importlib import import_module
from pathlib import Path
from typing import Any

WARM_UP = 200
MINIMAL = Path(__file__).resolve().parent / "minimal"
EMAIL, PASSWORD = "bench@example.com", "a long bench password"  # services.py's
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
# method, path, query, body: services.py's loads
LOADS = {
    "health": ("GET", "/health", "", b""),
    "read": ("GET", "/users", "limit=10", b""),
    "write": ("PATCH", "/users/1", "", b'{"name": "Benchmarked"}'),
}

Request = tuple[str, str, str, bytes]
Answer = Callable[[Request, int], Counter[int]]  # a request answered n times: the statuses


def headers(request: Request) -> dict[str, str]:
    _, path, _, body = request
    named = {"host": "127.0.0.1:8000", "accept": "*/*", "user-agent": "drive_app"}
    if path != "/health":
        named["authorization"] = BASIC
    if body:
        named |= {"content-type": "application/json", "content-length": str(len(body))}
    return named


def wsgi(app: Callable[..., Any]) -> Answer:
    def answer_once(request: Request) -> int:
        method, path, query, body = request
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "50000",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in headers(request).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        statuses: list[int] = []
        result = app(environ, lambda status, _headers, _info=None: statuses.append(int(status[:3])))
        b"".join(result)
        getattr(result, "close", lambda: None)()
        return statuses[0]

    def answer(request: Request, times: int) -> Counter[int]:
        return Counter(answer_once(request) for _ in range(times))

    return answer


def asgi(app: Callable[..., Awaitable[None]]) -> Answer:
    """Runs the app's lifespan start-up first, on a loop that then serves every request: uvloop's
    where the project has it, as Uvicorn chooses (`--loop auto`)."""
    loop = event_loop()
    state: dict[str, Any] = {}
    lifespan = loop.run_until_complete(_start(app, state))  # runs until the process exits

    async def call(request: Request) -> int:
        method, path, query, body = request
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in headers(request).items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": dict(state),
        }
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop()
            await asyncio.Event().wait()  # the client stays connected
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        return statuses[0]

    async def call_times(request: Request, times: int) -> Counter[int]:
        return Counter([await call(request) for _ in range(times)])

    def answer(request: Request, times: int) -> Counter[int]:
        """All `times` in one run of the loop, as a server's loop runs: starting a loop once a
        request would count uvloop's set-up of its signal handling each time."""
        if lifespan.done():
            raise SystemExit("the application's lifespan ended")
        return loop.run_until_complete(call_times(request, times))

    return answer


def event_loop() -> asyncio.AbstractEventLoop:
    try:
        uvloop = import_module("uvloop")  # uvicorn[standard] installs it
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


async def _start(
    app: Callable[..., Awaitable[None]], state: dict[str, Any]
) -> asyncio.Future[None]:
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    started = asyncio.get_running_loop().create_future()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set_result(None)
        elif message["type"] == "lifespan.startup.failed":
            started.set_exception(RuntimeError(message.get("message", "start-up failed")))

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    lifespan = asyncio.ensure_future(app(scope, messages.get, send))
    await started
    return lifespan


def application(framework: str, kind: str) -> Answer:
    """The app as `make serve` (or services.py, for the minimal ones) builds it."""
    sys.path.insert(0, os.getcwd())
    sys.path.insert(1, str(MINIMAL))
    if kind == "floor":
        return asgi(import_module("floor_app").app)
    if kind == "minimal" and framework == "fastapi":
        return asgi(import_module("fastapi_app").app)
    if kind == "minimal" and framework == "flask":
        return wsgi(import_module("flask_app").app)
    if kind == "minimal":
        return wsgi(import_module("drf_app").application)
    if framework == "fastapi":
        return asgi(import_module(f"{project_slug()}.main").app)
    if framework == "flask":
        return wsgi(import_module(project_slug()).create_app())
    return wsgi(import_module("config.wsgi").application)


def project_slug() -> str:
    for line in Path(".copier-answers.yml").read_text().splitlines():
        if line.startswith("project_slug:"):
            return line.partition(":")[2].strip()
    raise SystemExit("no project_slug in .copier-answers.yml")


def freeze_credential_memory() -> None:
    """The templates remember verified Basic credentials for a minute, by time.monotonic.
    Under valgrind a request takes about fifty times longer, so the minute would end within the
    run and an Argon2 check (tens of millions of instructions) would land in the count: the
    memory's clock stops instead, as if the run took no time (the minimal apps remember
    forever)."""
    now = time.monotonic()
    frozen = types.SimpleNamespace(monotonic=lambda: now)
    for module in list(sys.modules.values()):
        if hasattr(module, "VerifiedCredentials") and getattr(module, "time", None) is time:
            module.time = frozen  # type: ignore[attr-defined]


def main() -> None:
    framework, kind, load, count, gate = sys.argv[1:6]
    answer = application(framework, kind)
    request = LOADS[load]
    answer(request, 1)  # imports what the first request needs, credential memory included
    freeze_credential_memory()
    answer(request, WARM_UP)
    Path(f"{gate}.ready").touch()
    while not Path(f"{gate}.go").exists():
        time.sleep(0.05)
    statuses = answer(request, int(count))
    print(json.dumps({str(status): number for status, number in statuses.items()}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
