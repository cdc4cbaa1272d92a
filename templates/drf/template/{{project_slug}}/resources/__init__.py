"""Resources added by `apigen add resource`: one Django app each, resources/<plural>/ (model,
serializers, views, urls, admin, migrations). Found here, so that adding one edits neither the
settings (INSTALLED_APPS) nor config/urls.py. Importing this module imports no Django code."""

from pathlib import Path


def resource_apps() -> list[str]:
    """The dotted path of each resource app, in name order."""
    here = Path(__file__).resolve().parent
    return [
        f"{__name__}.{app.name}" for app in sorted(here.iterdir()) if (app / "apps.py").is_file()
    ]
