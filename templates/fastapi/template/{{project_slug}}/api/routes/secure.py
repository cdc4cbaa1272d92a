from fastapi import APIRouter, Depends

from ...schemas import Message
from ..auth import CurrentUser
from ..deps import rate_limit
from ..responses import UNAUTHORIZED

router = APIRouter(tags=["auth"], dependencies=[Depends(rate_limit)])


@router.get(
    "/secure",
    responses=UNAUTHORIZED,
    operation_id="getSecure",
    summary="Greet the signed-in account",
)
async def secure(user: CurrentUser) -> Message:
    """Answers with the signed-in account's email: a quick check that credentials work."""
    return Message(message=f"Hello, {user.email}")
