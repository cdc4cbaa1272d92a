"""Flask extensions, created once here and bound to each application in `create_app`, and the
flask-smorest and webargs behaviour every blueprint shares (bodies, ids, the OpenAPI schema)."""

import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import flask
import flask_smorest
import marshmallow as ma
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from webargs.flaskparser import FlaskParser, abort
from werkzeug.routing import BaseConverter, ValidationError

from .schemas import ErrorSchema

MAX_ID = 2**63 - 1
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Base(DeclarativeBase):
    """SQLAlchemy 2.0 declarative base; Flask-SQLAlchemy builds `db.Model` from it."""


def refuse(detail: list[dict[str, Any]]) -> NoReturn:
    """422 with these problems, in the HTTPValidationError shape (api/errors.py answers it)."""
    abort(422, detail=detail)


class Parser(FlaskParser):
    """webargs' parser, refusing what it would otherwise take for an empty body or fail on:

    - a body of another media type: 415 (JSON where JSON is expected, a form for POST /token);
    - no body where a JSON one is expected: 422 at `["body"]` (every JSON body here is required);
    - JSON that Python cannot load (nesting deeper than the recursion limit, integers of over
      4300 digits): 400, as any malformed JSON, rather than a 500.
    """

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        data = super().load_json(req, schema)
        if data is ma.missing:
            if req.get_data(cache=True):  # a body, but not JSON
                flask.abort(415, description="Unsupported media type: send application/json")
            refuse([{"loc": ["body"], "msg": "A JSON body is required.", "type": "required"}])
        return data

    def load_form(self, req: flask.Request, schema: ma.Schema) -> Any:
        if req.mimetype not in FORM_TYPES and req.get_data(cache=True):
            flask.abort(415, description=f"Unsupported media type: send {FORM_TYPES[0]}")
        return super().load_form(req, schema)

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "(body)", 0) from None
        except ValueError as error:
            if isinstance(error, json.JSONDecodeError):
                raise
            raise json.JSONDecodeError(f"Invalid JSON: {error}", "(body)", 0) from None


@dataclass(frozen=True)
class InvalidId:
    """A path segment where an id belongs that is not one (`refuse_invalid_ids` answers it)."""

    value: str
    message: str
    code: str


class IdConverter(BaseConverter):
    """`<id:user_id>`: a database id, documented as an integer of at least 1. Any path segment
    matches, so that a bad one answers 422 naming the parameter (as every apigen template does)
    rather than 404; an id beyond 64 bits, which no row can have, matches no route (404)."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> int | InvalidId:
        if not re.fullmatch(r"-?[0-9]+", value):
            return InvalidId(value, "Not a valid integer.", "invalid")
        if len(value) > 20 or int(value) > MAX_ID:
            raise ValidationError  # no such id: 404
        if int(value) < 1:
            return InvalidId(value, "Must be greater than or equal to 1.", "range")
        return int(value)


def refuse_invalid_ids() -> None:
    """Before the view (after the request log, body limit and rate limit): 422 at
    ["path", name] for an id that IdConverter did not accept."""
    problems = [
        {"loc": ["path", name], "msg": value.message, "type": value.code}
        for name, value in (flask.request.view_args or {}).items()
        if isinstance(value, InvalidId)
    ]
    if problems:
        refuse(problems)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's Blueprint with this project's argument parser."""

    ARGUMENTS_PARSER = Parser()


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api: every error documented with this project's body, {"detail": ...}
    (api/errors.py answers them), no catch-all `default` response (each status an operation
    can answer is listed), no pagination header (lists take limit and offset), and `<id:...>`
    path parameters."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app: flask.Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        app.url_map.converters["id"] = IdConverter
        app.before_request(refuse_invalid_ids)
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_pagination_header(self) -> None:
        """No X-Pagination header, so no PaginationMetadata schema."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 1})
