"""Resources added by `apigen add resource`, one package each: its table (models.py), schemas
(schemas.py) and queries (crud.py); its blueprint is in api/routes/. Found by discovery, so adding
one edits no shared file: `create_app` registers (and rate-limits) every blueprint `blueprints`
finds, and the migrations' env.py calls `import_models` so that autogenerate sees every table."""

import importlib
import pkgutil

from ..api import routes
from ..extensions import Blueprint

# The template's own blueprints, which `create_app` names.
TEMPLATE_ROUTES = frozenset({"health", "secure", "users"})


def blueprints() -> list[Blueprint]:
    """The blueprint (`blp`) of every other module of api/routes, in name order."""
    found: list[Blueprint] = []
    for module in pkgutil.iter_modules(routes.__path__):
        if module.name not in TEMPLATE_ROUTES:
            found_module = importlib.import_module(f"{routes.__name__}.{module.name}")
            blueprint = getattr(found_module, "blp", None)
            if isinstance(blueprint, Blueprint):
                found.append(blueprint)
    return found


def import_models() -> None:
    """Every resource's table, into the metadata (Alembic compares it with the database)."""
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            importlib.import_module(f"{__name__}.{module.name}.models")
