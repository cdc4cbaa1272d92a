"""Flask extensions, created once here and bound to each application in `create_app`."""

import json
from typing import Any

import flask
import flask_smorest
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from webargs.flaskparser import FlaskParser

from .errors import Api


class Base(DeclarativeBase):
    """SQLAlchemy 2.0 declarative base; Flask-SQLAlchemy builds `db.Model` from it."""


class Parser(FlaskParser):
    """webargs' parser, refusing (400) JSON that Python cannot load rather than failing with
    a 500: nesting deeper than the recursion limit, integers of over 4300 digits."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "(body)", 0) from None
        except ValueError as error:
            if isinstance(error, json.JSONDecodeError):
                raise
            raise json.JSONDecodeError(f"Invalid JSON: {error}", "(body)", 0) from None


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's Blueprint with this project's argument parser."""

    ARGUMENTS_PARSER = Parser()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
