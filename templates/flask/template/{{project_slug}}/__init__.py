"""The user service API.

`create_app` is the application factory: `flask --app <package> ...` finds it, and Gunicorn
calls it with `gunicorn '<package>:create_app()'`.
"""

from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from .api import auth, docs, errors
from .api.routes import health, secure, users
from .cli import create_user_command
from .core import db as database
from .core import events, middleware, security, throttling
from .core.config import Settings, get_settings
from .core.logging import configure_logging
from .extensions import api, db, migrate
from .resources import blueprints as resource_blueprints

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application; without settings, they come from the environment and .env."""
    settings = settings or get_settings()
    # Logging first, before the app exists, so every logger (Flask's too) uses this setup.
    configure_logging(settings)

    app = Flask(__name__, static_folder=None)  # an API: no static files
    app.config.from_mapping(settings.flask_config())
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # fields in the order the schemas declare them

    # Request ids and access lines, headers, body limit, CORS, proxies, and RATE_LIMIT on what
    # needs credentials (and POST /token); FAILED_LOGIN_LIMIT and PASSWORD_HASH_CONCURRENCY
    # around password checks. The resources `apigen add resource` added are found, not named.
    protected = (secure.blp, users.blp, *resource_blueprints())
    middleware.init_app(app, settings, rate_limited=(*protected, *auth.RATE_LIMITED))
    throttling.init_app(app, settings)
    security.limit_concurrency(settings.password_hash_concurrency)
    db.init_app(app)
    database.init_app(app)  # DATABASE_TIMEOUT on every wait for PostgreSQL
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIRECTORY))
    docs.init_app(app)  # Swagger UI and ReDoc files, from this server
    api.init_app(app)
    errors.init_app(app, api)  # JSON errors, after flask-smorest's own handlers
    # The OpenAPI security scheme; POST /token for bearer tokens, the credential memory for Basic.
    auth.init_app(app, api)
    for blueprint in (health.blp, *protected):
        api.register_blueprint(blueprint)
    app.cli.add_command(create_user_command)
    events.init_app(app, settings)  # what carries the side effects (a task queue, with tasks)
    return app
