from fastapi import APIRouter

from . import auth
from .routes import health, secure, users

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(health.router)
api_router.include_router(secure.router)
api_router.include_router(users.router)
