"""Fixtures: every test runs in a transaction on a test database, rolled back afterwards.
The authenticated client lives in authentication.py, which matches this project's scheme."""

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from .authentication import auth_client

__all__ = ["auth_client"]

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """The throttle counts requests in the cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(db: None) -> APIClient:
    """DRF's APIClient (JSON by default), in place of pytest-django's plain Django client."""
    return APIClient()


@pytest.fixture
def account(db: None) -> tuple[str, str]:
    """An existing user, created directly in the database, as `make createuser` does."""
    get_user_model().objects.create_user(email=EMAIL, password=PASSWORD, name="Ada")
    return EMAIL, PASSWORD
