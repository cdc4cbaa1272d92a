"""An example of a protected endpoint: who am I."""

from ..auth import AUTHENTICATED, auth
from ..extensions import Blueprint
from ..models import User
from ..schemas import MessageSchema

blp = Blueprint("auth", __name__, description="The authenticated account.")


@blp.route("/secure")
@blp.doc(**AUTHENTICATED)
@blp.response(200, MessageSchema)
@auth.login_required
def secure() -> dict[str, str]:
    """Greet the authenticated user."""
    user: User = auth.current_user()
    return {"message": f"Hello, {user.email}"}
