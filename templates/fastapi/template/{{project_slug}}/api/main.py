import importlib
import pkgutil

from fastapi import APIRouter

from . import auth, routes
from .routes import health, secure, users

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(health.router)
api_router.include_router(secure.router)
api_router.include_router(users.router)

# Resources added by `apigen add resource`: every other module of api/routes with a `router`,
# in name order, so adding one edits no file here.
for _module in pkgutil.iter_modules(routes.__path__):
    if _module.name not in {"health", "secure", "users"}:
        _found = importlib.import_module(f"{routes.__name__}.{_module.name}")
        _router = getattr(_found, "router", None)
        if isinstance(_router, APIRouter):
            api_router.include_router(_router)
