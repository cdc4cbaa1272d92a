"""Who may do what with accounts: the one place that holds the rule.

- An admin (an account made by `make createuser`) manages every account.
- An ordinary account (every account made through POST /users) reads, changes and deletes only
  its own record; anyone else's answers 404 "User not found", the same as a missing id, so ids
  cannot be probed. Its list holds only itself.
- POST /users is for admins (403 otherwise), unless OPEN_SIGNUP=true: then anyone may create an
  ordinary account, without credentials too.
- The role is not part of the API: no request can set it.
"""

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import abort, current_app, request

from .. import crud
from ..extensions import db
from ..models import User
from .auth import auth

NOT_FOUND = "User not found"
ADMINS_ONLY = "Only admins can create accounts"

# For the OpenAPI description of the users tag.
RULE = (
    "Admins (accounts made by `make createuser`) manage every account; any other account sees"
    " and changes only its own record, and anyone else's answers 404."
)


def current_account() -> User:
    account: User = auth.current_user()
    return account


def visible_user_or_404(user_id: int) -> User:
    """The user `user_id` if the current account may see it; 404 otherwise, as for no user."""
    account = current_account()
    if not account.is_admin and account.id != user_id:
        abort(404, description=NOT_FOUND)
    return db.get_or_404(User, user_id, description=NOT_FOUND)


def visible_users(*, limit: int, offset: int) -> Sequence[User]:
    """A page of the users the current account may see: all for admins, itself otherwise."""
    account = current_account()
    if account.is_admin:
        return crud.list_users(limit=limit, offset=offset)
    return [account] if offset == 0 else []


def may_create_accounts(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authentication, then the sign-up rule, before the body is read (put it outside
    @blp.arguments). With OPEN_SIGNUP=true, a request without credentials goes through."""

    def admins_only(*args: Any, **kwargs: Any) -> Any:
        if not current_app.config["OPEN_SIGNUP"] and not current_account().is_admin:
            abort(403, description=ADMINS_ONLY)
        return view(*args, **kwargs)

    authenticated: Callable[..., Any] = auth.login_required(admins_only)

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if current_app.config["OPEN_SIGNUP"] and "Authorization" not in request.headers:
            return view(*args, **kwargs)
        return authenticated(*args, **kwargs)

    return checked
