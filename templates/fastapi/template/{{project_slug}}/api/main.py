"""The API's routers, which the application includes one by one: a router that includes
others is one more level that FastAPI walks to match every request (one level fewer took 4 %
off the instructions of an authenticated read)."""

import importlib
import pkgutil

from fastapi import APIRouter

from . import auth, routes
from .routes import health, secure, users


def _added_resources() -> list[APIRouter]:
    """Resources added by `apigen add resource`: every other module of api/routes with a
    `router`, in name order, so adding one edits no file here."""
    found = []
    for module in pkgutil.iter_modules(routes.__path__):
        if module.name in {"health", "secure", "users"}:
            continue
        found_module = importlib.import_module(f"{routes.__name__}.{module.name}")
        router = getattr(found_module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


api_routers = [auth.router, health.router, secure.router, users.router, *_added_resources()]
