"""Resources added by `apigen add resource`, one package each: its table (models.py), bodies
(schemas.py) and queries (crud.py); its routes are in api/routes/. Found by discovery, so adding
one edits no shared file: api/main.py includes every router of api/routes, and Alembic's env.py
calls `import_models` so that autogenerate sees every table."""

import importlib
import pkgutil


def import_models() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            importlib.import_module(f"{__name__}.{module.name}.models")
