"""The /users resource. Every method requires an authenticated account (POST /users too,
unless OPEN_SIGNUP=true); what each account may see and do is authorization.py's rule."""

from collections.abc import Sequence
from typing import NoReturn

from flask import abort, url_for
from flask.views import MethodView

from .. import crud
from ..auth import AUTHENTICATED, auth
from ..authorization import (
    ADMINS_ONLY,
    RULE,
    SIGNUP_RULE,
    may_create_accounts,
    visible_user_or_404,
    visible_users,
)
from ..errors import ErrorSchema
from ..extensions import Blueprint
from ..models import User
from ..schemas import (
    PageSchema,
    UserCreate,
    UserCreateSchema,
    UserSchema,
    UserUpdate,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/users", description=f"User accounts. {RULE}")

LOCATION = {"Location": {"description": "The new user's URL", "schema": {"type": "string"}}}
NOT_YOURS = "No such user, or not one this account may see (the same answer)"


def conflict() -> NoReturn:
    abort(409, description="Email already used")


# auth.login_required (and may_create_accounts) sit outside @blp.arguments, so credentials and
# the sign-up rule are checked before input.


@blp.route("")
class Users(MethodView):
    @blp.doc(**AUTHENTICATED, description=f"{RULE} An ordinary account's list holds only itself.")
    @auth.login_required
    @blp.arguments(PageSchema, location="query", as_kwargs=True)
    @blp.response(200, UserSchema(many=True))
    def get(self, limit: int, offset: int) -> Sequence[User]:
        """List users in creation order."""
        return visible_users(limit=limit, offset=offset)

    @blp.doc(**AUTHENTICATED, description=SIGNUP_RULE)
    @may_create_accounts
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema, headers=LOCATION)
    @blp.alt_response(403, schema=ErrorSchema, description=ADMINS_ONLY)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already used")
    def post(self, user_in: UserCreate) -> tuple[User, dict[str, str]]:
        """Create a user (an ordinary account)."""
        try:
            user = crud.create_user(user_in)
        except crud.EmailAlreadyUsedError:
            conflict()
        return user, {"Location": url_for(".UserById", user_id=user.id)}


# 64-bit ids only: a larger number matches no route (404) instead of overflowing the database.
@blp.route("/<int(min=1, max=9223372036854775807):user_id>")
class UserById(MethodView):
    @blp.doc(**AUTHENTICATED, description=RULE)
    @auth.login_required
    @blp.response(200, UserSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    def get(self, user_id: int) -> User:
        """Read one user."""
        return visible_user_or_404(user_id)

    @blp.doc(**AUTHENTICATED, description=RULE)
    @auth.login_required
    @blp.arguments(UserUpdateSchema, required=False)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already used")
    def patch(self, changes: UserUpdate, user_id: int) -> User:
        """Change some of a user's fields; the ones left out keep their value."""
        user = visible_user_or_404(user_id)
        try:
            return crud.update_user(user, changes)
        except crud.EmailAlreadyUsedError:
            conflict()

    @blp.doc(**AUTHENTICATED, description=RULE)
    @auth.login_required
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    def delete(self, user_id: int) -> None:
        """Delete a user."""
        crud.delete_user(visible_user_or_404(user_id))
