"""An example of a protected endpoint: who am I."""

from ...extensions import Blueprint
from ...models import User
from ...schemas import MessageSchema
from ..auth import AUTHENTICATED, auth

blp = Blueprint("secure", __name__, description="Who is signed in.")


# Tagged `auth`, as in every apigen template (the blueprint's name is its own).
@blp.route("/secure", tags=["auth"])
@blp.doc(**AUTHENTICATED, operationId="getSecure")
@blp.response(200, MessageSchema, description="A greeting naming the account")
@auth.login_required
def secure() -> dict[str, str]:
    """Greet the signed-in account

    Any signed-in account.
    """
    user: User = auth.current_user()
    return {"message": f"Hello, {user.email}"}
