"""The /users resource. Every method requires an authenticated account (POST /users too,
unless OPEN_SIGNUP=true); what each account may see and do is api/access.py's rule."""

from collections.abc import Sequence
from typing import NoReturn

from flask import abort, url_for
from flask.views import MethodView

from ... import crud
from ...core import events
from ...extensions import Blueprint
from ...models import User
from ...schemas import (
    ErrorSchema,
    PageSchema,
    UserCreate,
    UserCreateSchema,
    UserSchema,
    UserUpdate,
    UserUpdateSchema,
)
from ..access import (
    ADMINS_ONLY,
    RULE,
    may_create_accounts,
    visible_user_or_404,
    visible_users,
)
from ..auth import AUTHENTICATED, auth
from ..errors import BAD_ID, BODY_ERRORS

blp = Blueprint("users", __name__, url_prefix="/users", description=f"Accounts. {RULE}")

LOCATION = {"Location": {"description": "The new user's URL", "schema": {"type": "string"}}}
NOT_YOURS = "User not found: no such id, or another account's (not an admin)"


def conflict() -> NoReturn:
    abort(409, description="Email already used")


# auth.login_required (and may_create_accounts) sit outside @blp.arguments, so credentials and
# the sign-up rule are checked before input. Each docstring is the operation's summary, then its
# description; the same as in every apigen template (docs/openapi/ in apigen's repository).
# Input schemas are given as instances: from a class, webargs would make one per request.


@blp.route("")
class Users(MethodView):
    @blp.doc(**AUTHENTICATED, operationId="listUsers")
    @auth.login_required
    @blp.arguments(PageSchema(), location="query", as_kwargs=True)
    @blp.response(200, UserSchema(many=True), description="A page of accounts, oldest first")
    def get(self, limit: int, offset: int) -> Sequence[User]:
        """List accounts

        Admins page through every account; any other account gets a list holding only itself.
        """
        return visible_users(limit=limit, offset=offset)

    @blp.doc(**AUTHENTICATED, operationId="createUser")
    @blp.doc(responses=BODY_ERRORS)
    @may_create_accounts
    @blp.arguments(UserCreateSchema())
    @blp.response(201, UserSchema, headers=LOCATION, description="The account, as created")
    @blp.alt_response(403, schema=ErrorSchema, description=ADMINS_ONLY)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already used")
    def post(self, user_in: UserCreate) -> tuple[User, dict[str, str]]:
        """Create an account

        Creates an ordinary account. Only admins may, unless the service runs with
        OPEN_SIGNUP=true, which opens this operation to anyone, with or without credentials.
        Admins are made only by `make createuser`.
        """
        try:
            user = crud.create_user(user_in)
        except crud.EmailAlreadyUsedError:
            conflict()
        events.user_created(user)
        return user, {"Location": url_for(".UserById", user_id=user.id)}


# <id:...> (extensions.py): a bad id is 422, one beyond 64 bits 404 (no route).
@blp.route("/<id:user_id>")
class UserById(MethodView):
    @blp.doc(**AUTHENTICATED, operationId="getUser")
    @blp.doc(responses=BAD_ID)
    @auth.login_required
    @blp.response(200, UserSchema, description="The account")
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    def get(self, user_id: int) -> User:
        """Read an account

        Admins read any account; any other account reads only its own
        (anyone else's id is 404).
        """
        return visible_user_or_404(user_id)

    @blp.doc(**AUTHENTICATED, operationId="updateUser")
    @blp.doc(responses=BODY_ERRORS)
    @auth.login_required
    @blp.arguments(UserUpdateSchema())
    @blp.response(200, UserSchema, description="The account, as changed")
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    @blp.alt_response(409, schema=ErrorSchema, description="Email already used")
    def patch(self, changes: UserUpdate, user_id: int) -> User:
        """Change an account

        Changes the fields sent, and only those. Admins change any account; any other account
        changes only its own (anyone else's id is 404). A request without a body is 422.
        """
        user = visible_user_or_404(user_id)
        try:
            return crud.update_user(user, changes)
        except crud.EmailAlreadyUsedError:
            conflict()

    @blp.doc(**AUTHENTICATED, operationId="deleteUser")
    @blp.doc(responses=BAD_ID)
    @auth.login_required
    @blp.response(204, description="Deleted; no body")
    @blp.alt_response(404, schema=ErrorSchema, description=NOT_YOURS)
    def delete(self, user_id: int) -> None:
        """Delete an account

        Admins delete any account; any other account deletes only its own
        (anyone else's id is 404).
        """
        crud.delete_user(visible_user_or_404(user_id))
