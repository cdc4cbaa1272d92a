"""HTTP Basic authentication (Flask-HTTPAuth) against the users' Argon2 password hashes."""

from typing import Any

from flask import request

from . import crud
from .extensions import auth
from .models import User
from .security import verify_password as password_matches

# The OpenAPI security scheme, registered in create_app.
BASIC_AUTH = {
    "type": "http",
    "scheme": "basic",
    "description": "Your account's email and password.",
}

# What `@auth.login_required` means for a client, for the OpenAPI schema:
# put `@blp.doc(**AUTHENTICATED)` on every protected view.
AUTHENTICATED: dict[str, Any] = {
    "security": [{"basicAuth": []}],
    "responses": {401: "UNAUTHORIZED"},
}


@auth.verify_password
def verify_password(email: str, password: str) -> User | None:
    """One path for unknown emails and wrong passwords, so neither answers faster."""
    if not email or not password:  # no credentials sent: nothing to check
        return None
    user = crud.get_user_by_email(email)
    valid = password_matches(password, user.hashed_password if user else None)
    return user if user is not None and valid else None


@auth.error_handler
def unauthorized(status: int) -> tuple[dict[str, str], int]:
    """401 as JSON; Flask-HTTPAuth adds the `WWW-Authenticate: Basic realm=...` header."""
    detail = "Incorrect email or password" if request.authorization else "Not authenticated"
    return {"detail": detail}, status
