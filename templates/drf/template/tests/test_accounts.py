"""Accounts outside the API: password storage, `make createuser` and the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from .conftest import PASSWORD


def test_the_createuser_account_is_the_admin(account: tuple[str, str]) -> None:
    user = get_user_model().objects.get(email=account[0])
    assert user.is_superuser
    assert user.is_staff


def test_passwords_are_stored_as_argon2_hashes(account: tuple[str, str]) -> None:
    user = get_user_model().objects.get(email=account[0])
    assert user.password.startswith("argon2$")
    assert PASSWORD not in user.password


def test_createsuperuser_noinput_creates_an_admin(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long password")
    call_command(
        "createsuperuser", interactive=False, email="Root@Example.com", name="Root", verbosity=0
    )
    user = get_user_model().objects.get(email="root@example.com")
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password("a long password")


def test_createsuperuser_refuses_a_weak_password(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("createsuperuser", interactive=False, email="root@example.com", name="Root")
    assert not get_user_model().objects.exists()


def test_admin_login_with_a_superuser(db: None) -> None:
    get_user_model().objects.create_superuser(
        email="root@example.com", password=PASSWORD, name="Root"
    )
    browser = Client()
    response = browser.post(
        "/admin/login/?next=/admin/", {"username": "root@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/users/user/").status_code == 200
    assert browser.get("/admin/users/user/add/").status_code == 200


def test_admin_refuses_an_ordinary_account(ordinary: tuple[str, str]) -> None:
    browser = Client()
    response = browser.post(
        "/admin/login/?next=/admin/", {"username": ordinary[0], "password": ordinary[1]}
    )
    assert response.status_code == 200  # the form again, with an error
    assert browser.get("/admin/users/user/").status_code == 302
