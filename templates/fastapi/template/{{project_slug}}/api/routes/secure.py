from fastapi import APIRouter, Depends

from ...schemas import Message
from ..auth import CurrentUser
from ..deps import rate_limit
from ..responses import UNAUTHORIZED

router = APIRouter(tags=["auth"], dependencies=[Depends(rate_limit)])


@router.get("/secure", responses=UNAUTHORIZED)
async def secure(user: CurrentUser) -> Message:
    return Message(message=f"Hello, {user.email}")
