"""The user service API.

`create_app` is the application factory: `flask --app <package> ...` finds it, and Gunicorn
calls it with `gunicorn '<package>:create_app()'`.
"""

from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import auth, database, docs, errors, protection, request_log, security, throttling
from .api import health, secure, users
from .cli import create_user_command
from .config import Config
from .extensions import api, db, migrate
from .logging import configure_logging

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"


def create_app(config: Config | None = None) -> Flask:
    """Build the application; without a config, the settings come from the environment."""
    config = config or Config.from_env()
    # Logging first, before the app exists, so every logger (Flask's too) uses this setup.
    configure_logging(config)

    app = Flask(__name__, static_folder=None)  # an API: no static files
    app.config.from_mapping(config.flask_config())
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # fields in the order the schemas declare them

    request_log.init_app(app)
    # Headers, body limit, CORS, proxies, and RATE_LIMIT on what needs credentials (and
    # POST /token); FAILED_LOGIN_LIMIT and PASSWORD_HASH_CONCURRENCY around password checks.
    protection.init_app(app, config, rate_limited=(secure.blp, users.blp, *auth.RATE_LIMITED))
    throttling.init_app(app, config)
    security.limit_concurrency(config.password_hash_concurrency)
    errors.init_app(app)
    db.init_app(app)
    database.init_app(app)  # DATABASE_TIMEOUT on every wait for PostgreSQL
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIRECTORY))
    api.init_app(app)
    docs.init_app(app)  # Swagger UI and ReDoc files, from this server
    # The OpenAPI security scheme; POST /token for bearer tokens, the credential memory for Basic.
    auth.init_app(app, api)
    for blueprint in (health.blp, secure.blp, users.blp):
        api.register_blueprint(blueprint)
    app.cli.add_command(create_user_command)
    return app
