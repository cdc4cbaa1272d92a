from fastapi import APIRouter

from .routes import health, secure, users

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(secure.router)
api_router.include_router(users.router)
