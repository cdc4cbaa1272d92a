from fastapi import APIRouter

from ...schemas import Message
from ..auth import CurrentUser
from ..responses import UNAUTHORIZED

router = APIRouter(tags=["auth"])


@router.get("/secure", responses=UNAUTHORIZED)
async def secure(user: CurrentUser) -> Message:
    return Message(message=f"Hello, {user.email}")
