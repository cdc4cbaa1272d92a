"""The `admin` option over real HTTP: each served project with an admin panel, under `make serve`
(production settings, ADMIN_ENABLED=true). The admin signs in through the panel's form, lists
the users and edits one, and the API sees the edit; an ordinary account cannot sign in, and a
signed-out request is sent to the sign-in page. Every unsafe request carries the panel's own
Origin, as a browser's does (html_forms.Browser)."""

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from .conftest import ADMIN_EMAIL, GeneratedProject, LiveServer
from .html_forms import Browser
from .matrix import project_specs


@dataclass(frozen=True)
class Panel:
    login: str  # the sign-in page, whose form posts the email and password
    users: str  # the list of users
    edit: str  # a user's edit form, with {id}


PANELS = {
    "fastapi": Panel(login="/admin/login", users="/admin/user/list", edit="/admin/user/edit/{id}"),
    "flask": Panel(login="/admin/login/", users="/admin/user/", edit="/admin/user/edit/?id={id}"),
}
ADMIN_PROJECTS = [
    pytest.param(spec, id=spec.id)
    for spec in project_specs()
    if spec.served and spec.answers["admin"] == "true" and spec.framework in PANELS
]
assert {spec.values[0].framework for spec in ADMIN_PROJECTS} == set(PANELS), (
    "every template with a panel needs a served admin=true project in the matrix (matrix.py)"
)
REDIRECT = (302, 303)

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("project", ADMIN_PROJECTS, indirect=True)]


def _sign_in(browser: Browser, panel: Panel, email: str, password: str) -> httpx.Response:
    page = browser.get(panel.login)
    assert page.status_code == 200, page.text[:500]
    email_field = "username" if 'name="username"' in page.text else "email"
    return browser.submit(panel.login, email_field, {email_field: email, "password": password})


def _redirects_to_sign_in(response: httpx.Response, panel: Panel) -> bool:
    return response.status_code in REDIRECT and panel.login.rstrip("/") in response.headers.get(
        "location", ""
    )


@pytest.fixture
def panel(project: GeneratedProject) -> Panel:
    return PANELS[project.spec.framework]


@pytest.fixture
def browser(live_server: LiveServer) -> Iterator[Browser]:
    browser = Browser(live_server.base_url)
    yield browser
    browser.close()


def test_the_admin_signs_in_lists_the_users_and_edits_one(
    live_server: LiveServer, panel: Panel, browser: Browser
) -> None:
    ordinary = live_server.new_ordinary_account()
    signed_in = _sign_in(browser, panel, live_server.email, live_server.password)
    assert signed_in.status_code in REDIRECT, signed_in.text[:1000]
    session = [line for line in browser.set_cookie_lines if "httponly" in line.lower()]
    assert session, f"no HttpOnly session cookie: {browser.set_cookie_lines}"
    assert all("samesite=strict" in line.lower() for line in session), session
    assert all("secure" in line.lower() for line in session), session

    users = browser.get(panel.users)
    assert users.status_code == 200, users.text[:1000]
    assert ADMIN_EMAIL in users.text
    assert ordinary.email in users.text

    edited = browser.submit(panel.edit.format(id=ordinary.id), "name", {"name": "Renamed"})
    assert edited.status_code in REDIRECT, edited.text[:2000]
    with live_server.client() as api:
        assert api.get(f"/users/{ordinary.id}").json()["name"] == "Renamed"


def test_an_ordinary_account_cannot_sign_in(
    live_server: LiveServer, panel: Panel, browser: Browser
) -> None:
    ordinary = live_server.new_ordinary_account()
    refused = _sign_in(browser, panel, ordinary.email, ordinary.password)
    assert refused.status_code not in REDIRECT or _redirects_to_sign_in(refused, panel)
    users = browser.get(panel.users)
    assert _redirects_to_sign_in(users, panel), (users.status_code, users.headers)
    assert ordinary.email not in users.text


def test_a_signed_out_request_is_sent_to_the_sign_in_page(panel: Panel, browser: Browser) -> None:
    for path in (panel.users, panel.edit.format(id=1)):
        response = browser.get(path)
        assert _redirects_to_sign_in(response, panel), (path, response.status_code)
        assert ADMIN_EMAIL not in response.text


def test_a_cross_site_form_is_refused(live_server: LiveServer, panel: Panel) -> None:
    """A page elsewhere posts the right credentials to the panel (login CSRF): it has neither
    the panel's Origin nor a token of its form, and gets no session."""
    credentials = {"username": live_server.email, "email": live_server.email}
    response = httpx.post(
        f"{live_server.base_url}{panel.login}",
        data=credentials | {"password": live_server.password},
        headers={"Origin": "https://attacker.example"},
        timeout=30,
    )
    assert response.status_code in (400, 403), response.status_code
    assert not any("httponly" in line.lower() for line in response.headers.get_list("set-cookie"))
