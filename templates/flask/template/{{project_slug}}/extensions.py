"""Flask extensions, created once here and bound to each application in `create_app`."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .errors import Api


class Base(DeclarativeBase):
    """SQLAlchemy 2.0 declarative base; Flask-SQLAlchemy builds `db.Model` from it."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
