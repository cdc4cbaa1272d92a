"""Issue 21: a typed client generated from the FastAPI project's schema works against all three.

openapi-python-client (pinned, run by uv in an environment of its own, cached like checkov in
test_kubernetes.py) generates the client once per session and auth answer from the served schema
of the FastAPI project the matrix serves with that answer. The same tests then run it against the
served FastAPI, Flask and DRF projects: every operation, every error a client can provoke, and
only typed results (instances of the generated models). The client is strict: an answer with a
status its schema does not document raises. 429 and 503 are left to test_resilience/test_outage
(the served projects run with limits a test cannot reach).

The package is generated with `--meta none` and named by the generator after the project
(`info.title`): `<project name>_client`, so clients of two projects sit side by side.
"""

import base64
import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .conftest import (
    SERVED_PROJECTS,
    SERVED_TOKEN_PROJECTS,
    GeneratedProject,
    LiveServer,
    _generate,
)
from .matrix import ProjectSpec, project_specs

pytestmark = pytest.mark.e2e


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every served project, or only token ones for the tests of POST /token."""
    if "project" in metafunc.fixturenames:
        token_only = metafunc.function.__name__.startswith("test_token_")
        projects = SERVED_TOKEN_PROJECTS if token_only else SERVED_PROJECTS
        metafunc.parametrize("project", projects, indirect=True)


GENERATOR = "openapi-python-client==0.29.1"
PASSWORD = "an ordinary long password"


def _fastapi_schema(
    spec: ProjectSpec,
    projects: dict[str, GeneratedProject],
    tmp_path_factory: pytest.TempPathFactory,
) -> bytes:
    """The schema the FastAPI project `spec` serves, as its app builds it: no server and no
    database, so nothing is shared with the worker that serves that project."""
    if spec.id not in projects:
        generated = _generate(spec, tmp_path_factory.mktemp("projects"))
        generated.make("install")
        projects[spec.id] = generated
    project = projects[spec.id]
    slug = yaml.safe_load((project.path / ".copier-answers.yml").read_text())["project_slug"]
    dump = (
        f"import json; from {slug}.main import create_app; "
        "print(json.dumps(create_app().openapi()))"
    )
    result = subprocess.run(
        [str(project.path / ".venv" / "bin" / "python"), "-c", dump],
        cwd=project.path,
        env=project.env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return result.stdout


@pytest.fixture(scope="session")
def generated_clients() -> dict[str, ModuleType]:
    """The generated client packages, by auth answer, once per session (and xdist worker)."""
    return {}


def _generate_client(schema: bytes, directory: Path, package: str) -> ModuleType:
    uv = Path(sys.executable).with_name("uv")
    assert uv.is_file(), f"uv is missing from {uv.parent}: run make install in this repository"
    (directory / "openapi.json").write_bytes(schema)
    result = subprocess.run(
        [
            str(uv),
            "tool",
            "run",
            "--from",
            GENERATOR,
            "openapi-python-client",
            "generate",
            "--path",
            "openapi.json",
            "--meta",
            "none",  # the package alone, named after the project: no pyproject of its own
            "--fail-on-warning",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (directory / package / "__init__.py").is_file(), sorted(
        path.name for path in directory.iterdir()
    )
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    importlib.import_module(f"{package}.models")  # so that `typed.models` is there
    return importlib.import_module(package)


@pytest.fixture
def typed(
    project: GeneratedProject,
    projects: dict[str, GeneratedProject],
    generated_clients: dict[str, ModuleType],
    tmp_path_factory: pytest.TempPathFactory,
) -> ModuleType:
    """The client generated from the FastAPI project with this project's auth answer."""
    auth = project.spec.answers["auth"]
    if auth not in generated_clients:
        source = next(
            spec
            for spec in project_specs()
            if spec.framework == "fastapi" and spec.served and spec.answers["auth"] == auth
        )
        schema = _fastapi_schema(source, projects, tmp_path_factory)
        package = f"{source.id.replace('-', '_')}_client"
        directory = tmp_path_factory.mktemp(f"client-{auth}")
        generated_clients[auth] = _generate_client(schema, directory, package)
    return generated_clients[auth]


def api(typed: ModuleType, name: str) -> Any:
    """An operation module of the client (`api.<tag>.<operationId in snake case>`)."""
    tag = {"getHealth": "health", "getLiveness": "health", "getSecure": "auth"}.get(name, "users")
    tag = "auth" if name == "createToken" else tag
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return importlib.import_module(f"{typed.__name__}.api.{tag}.{snake}")


@dataclass
class Session:
    """The generated client module, and a way to sign in with it in the project's scheme."""

    typed: ModuleType
    server: LiveServer
    opened: list[Any] = field(default_factory=list)  # closed when the test ends

    @property
    def models(self) -> Any:
        return self.typed.models

    def anonymous(self) -> Any:
        client = self.typed.Client(base_url=self.server.base_url, raise_on_unexpected_status=True)
        self.opened.append(client)
        return client

    def authenticated(self, token: str, prefix: str = "Bearer") -> Any:
        client = self.typed.AuthenticatedClient(
            base_url=self.server.base_url,
            token=token,
            prefix=prefix,
            raise_on_unexpected_status=True,
        )
        self.opened.append(client)
        return client

    def signed_in(self, email: str, password: str) -> Any:
        if self.server.scheme == "bearer":
            body = self.models.TokenRequest(username=email, password=password)
            answer = api(self.typed, "createToken").sync_detailed(
                client=self.anonymous(), body=body
            )
            assert answer.status_code == HTTPStatus.OK, answer.content
            assert isinstance(answer.parsed, self.models.Token)
            assert answer.parsed.token_type.lower() == "bearer"
            token, prefix = answer.parsed.access_token, "Bearer"
        else:
            token, prefix = base64.b64encode(f"{email}:{password}".encode()).decode(), "Basic"
        return self.authenticated(token, prefix)

    def admin(self) -> Any:
        return self.signed_in(self.server.email, self.server.password)

    def call(self, operation: str, client: Any, *args: Any, **kwargs: Any) -> Any:
        """The typed answer (`Response`) of one operation."""
        return api(self.typed, operation).sync_detailed(*args, client=client, **kwargs)

    def raw(self, operation: str, client: Any, method: str, url: str, **kwargs: Any) -> Any:
        """What the client makes of an answer to a request it cannot send itself (a body that is
        not JSON, no body at all): the raw request goes out on the client's own httpx session,
        and the operation's own parser types the answer."""
        response = client.get_httpx_client().request(method, url, **kwargs)
        return api(self.typed, operation)._build_response(client=client, response=response)


@pytest.fixture
def session(typed: ModuleType, live_server: LiveServer) -> Iterator[Session]:
    opened = Session(typed, live_server)
    yield opened
    for client in opened.opened:
        client.get_httpx_client().close()


def new_user(session: Session, **fields: Any) -> Any:
    values = {
        "name": "Ada Lovelace",
        "email": f"ada-{uuid.uuid4().hex[:12]}@example.com",
        "password": PASSWORD,
        "age": 36,
    } | fields
    return session.models.UserCreate(**values)


def create(session: Session, client: Any, **fields: Any) -> Any:
    answer = session.call("createUser", client, body=new_user(session, **fields))
    assert answer.status_code == HTTPStatus.CREATED, answer.content
    assert isinstance(answer.parsed, session.models.User)
    return answer.parsed


@pytest.fixture
def ordinary(session: Session) -> tuple[Any, Any]:
    """An ordinary account (created by the admin) and a client signed in as it."""
    user = create(session, session.admin())
    return user, session.signed_in(user.email, PASSWORD)


def assert_error(session: Session, answer: Any, status: HTTPStatus) -> None:
    assert answer.status_code == status, answer.content
    assert isinstance(answer.parsed, session.models.Error), answer.content
    assert answer.parsed.detail


def assert_invalid(session: Session, answer: Any, where: list[str | int]) -> None:
    """A 422 whose errors are ValidationError models, one of them at `where` (its loc)."""
    assert answer.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, answer.content
    assert isinstance(answer.parsed, session.models.HTTPValidationError), answer.content
    errors = answer.parsed.detail
    assert errors
    assert all(isinstance(error, session.models.ValidationError) for error in errors)
    assert all(error.msg and error.type_ for error in errors)  # the generator says type_
    assert where in [list(error.loc) for error in errors], [error.loc for error in errors]


def test_the_client_is_named_after_its_project(typed: ModuleType) -> None:
    assert typed.__name__.startswith("fastapi_")
    assert typed.__name__.endswith("_client")
    assert Path(typed.__file__).parent.name == typed.__name__


def test_health_and_liveness(session: Session) -> None:
    for operation in ("getHealth", "getLiveness"):
        answer = session.call(operation, session.anonymous())
        assert answer.status_code == HTTPStatus.OK
        assert isinstance(answer.parsed, session.models.Health)
        assert answer.parsed.status == "ok"


def test_secure_greets_the_account_and_refuses_anonymous(session: Session) -> None:
    answer = session.call("getSecure", session.admin())
    assert answer.status_code == HTTPStatus.OK
    assert isinstance(answer.parsed, session.models.Message)
    assert answer.parsed.message
    assert_error(session, session.call("getSecure", session.anonymous()), HTTPStatus.UNAUTHORIZED)


def test_wrong_credentials_are_401(session: Session, ordinary: tuple[Any, Any]) -> None:
    user, _ = ordinary
    if session.server.scheme == "bearer":
        body = session.models.TokenRequest(username=user.email, password="not the password")
        answer = session.call("createToken", session.anonymous(), body=body)
        assert_error(session, answer, HTTPStatus.UNAUTHORIZED)
        wrong = session.authenticated("not.a.token")
    else:
        wrong = session.signed_in(user.email, "not the password")
    for operation in ("getSecure", "listUsers"):
        assert_error(session, session.call(operation, wrong), HTTPStatus.UNAUTHORIZED)
    assert_error(session, session.call("getUser", wrong, user.id), HTTPStatus.UNAUTHORIZED)


def test_create_read_list_update_delete_as_admin(session: Session) -> None:
    admin = session.admin()
    user = create(session, admin, age=None)
    assert user.name == "Ada Lovelace"
    assert user.age is None
    assert user.additional_properties == {}  # id, name, email, age, created_at and nothing else
    read = session.call("getUser", admin, user.id)
    assert read.status_code == HTTPStatus.OK
    assert isinstance(read.parsed, session.models.User)
    assert read.parsed.to_dict() == user.to_dict()
    page = session.call("listUsers", admin, limit=100, offset=0)
    assert page.status_code == HTTPStatus.OK
    assert all(isinstance(item, session.models.User) for item in page.parsed)
    assert len(page.parsed) >= 2  # the admin and the new account at least
    changed = session.call(
        "updateUser", admin, user.id, body=session.models.UserUpdate(name="Ada King", age=37)
    )
    assert changed.status_code == HTTPStatus.OK
    assert isinstance(changed.parsed, session.models.User)
    assert (changed.parsed.name, changed.parsed.age, changed.parsed.email) == (
        "Ada King",
        37,
        user.email,
    )
    deleted = session.call("deleteUser", admin, user.id)
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    assert deleted.parsed is None
    assert_error(session, session.call("getUser", admin, user.id), HTTPStatus.NOT_FOUND)
    assert_error(session, session.call("deleteUser", admin, user.id), HTTPStatus.NOT_FOUND)


def test_an_ordinary_account_sees_and_changes_only_itself(
    session: Session, ordinary: tuple[Any, Any]
) -> None:
    user, client = ordinary
    other = create(session, session.admin())
    page = session.call("listUsers", client)
    assert page.status_code == HTTPStatus.OK
    assert [item.id for item in page.parsed] == [user.id]
    assert all(isinstance(item, session.models.User) for item in page.parsed)
    mine = session.call("getUser", client, user.id)
    assert isinstance(mine.parsed, session.models.User)
    changed = session.call("updateUser", client, user.id, body=session.models.UserUpdate(age=40))
    assert isinstance(changed.parsed, session.models.User)
    assert changed.parsed.age == 40
    for operation in ("getUser", "updateUser", "deleteUser"):  # anyone else's id: as if missing
        kwargs = {"body": session.models.UserUpdate(age=1)} if operation == "updateUser" else {}
        answer = session.call(operation, client, other.id, **kwargs)
        assert_error(session, answer, HTTPStatus.NOT_FOUND)
    assert_error(
        session, session.call("createUser", client, body=new_user(session)), HTTPStatus.FORBIDDEN
    )
    deleted = session.call("deleteUser", client, user.id)
    assert deleted.status_code == HTTPStatus.NO_CONTENT


def test_a_used_email_is_409(session: Session) -> None:
    admin = session.admin()
    first, second = create(session, admin), create(session, admin)
    again = session.call("createUser", admin, body=new_user(session, email=first.email))
    assert_error(session, again, HTTPStatus.CONFLICT)
    body = session.models.UserUpdate(email=first.email)
    assert_error(
        session, session.call("updateUser", admin, second.id, body=body), HTTPStatus.CONFLICT
    )


def test_invalid_fields_and_parameters_are_422(session: Session) -> None:
    admin = session.admin()
    answer = session.call("createUser", admin, body=new_user(session, name=""))
    assert_invalid(session, answer, ["body", "name"])
    answer = session.call("createUser", admin, body=new_user(session, password="short"))
    assert_invalid(session, answer, ["body", "password"])
    answer = session.call("createUser", admin, body=new_user(session, age=151))
    assert_invalid(session, answer, ["body", "age"])
    user = create(session, admin)
    body = session.models.UserUpdate(email="not an email")
    assert_invalid(
        session, session.call("updateUser", admin, user.id, body=body), ["body", "email"]
    )
    assert_invalid(session, session.call("listUsers", admin, limit=0), ["query", "limit"])
    assert_invalid(session, session.call("listUsers", admin, limit=101), ["query", "limit"])
    assert_invalid(session, session.call("listUsers", admin, offset=-1), ["query", "offset"])
    for operation in ("getUser", "deleteUser"):
        assert_invalid(session, session.call(operation, admin, 0), ["path", "user_id"])
    body = session.models.UserUpdate(age=1)
    assert_invalid(session, session.call("updateUser", admin, 0, body=body), ["path", "user_id"])


def test_an_unknown_field_is_422(session: Session) -> None:
    admin = session.admin()
    body = new_user(session).to_dict() | {"is_admin": True}
    answer = session.raw("createUser", admin, "POST", "/users", json=body)
    assert_invalid(session, answer, ["body", "is_admin"])


def test_a_patch_without_a_body_is_422(session: Session) -> None:
    admin = session.admin()
    user = create(session, admin)
    answer = session.raw("updateUser", admin, "PATCH", f"/users/{user.id}")
    assert_invalid(session, answer, ["body"])


def test_bad_json_is_400_and_not_json_is_415(session: Session) -> None:
    admin = session.admin()
    user = create(session, admin)
    json_type = {"Content-Type": "application/json"}
    for operation, method, url in (
        ("createUser", "POST", "/users"),
        ("updateUser", "PATCH", f"/users/{user.id}"),
    ):
        bad = session.raw(operation, admin, method, url, content=b'{"name": ', headers=json_type)
        assert_error(session, bad, HTTPStatus.BAD_REQUEST)
        text = session.raw(
            operation, admin, method, url, content=b"name=x", headers={"Content-Type": "text/plain"}
        )
        assert_error(session, text, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


def test_a_body_over_the_limit_is_413(session: Session) -> None:
    admin = session.admin()
    answer = session.call("createUser", admin, body=new_user(session, name="x" * 2_000_000))
    assert_error(session, answer, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


def test_token_errors(session: Session, ordinary: tuple[Any, Any]) -> None:
    user, _ = ordinary
    anonymous = session.anonymous()
    missing = session.raw("createToken", anonymous, "POST", "/token", data={"username": user.email})
    assert_invalid(session, missing, ["body", "password"])
    as_json = session.raw(
        "createToken",
        anonymous,
        "POST",
        "/token",
        json={"username": user.email, "password": PASSWORD},
    )
    assert_error(session, as_json, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    big = session.raw(
        "createToken",
        anonymous,
        "POST",
        "/token",
        data={"username": "x" * 2_000_000, "password": "p"},
    )
    assert_error(session, big, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
