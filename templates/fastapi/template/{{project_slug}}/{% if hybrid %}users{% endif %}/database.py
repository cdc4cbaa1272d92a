"""A missing PostgreSQL database, created by `make migrate` when the account may create one."""

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


def create_missing_database(connection: BaseDatabaseWrapper) -> str | None:
    """Create the database `connection` names if the server says it does not exist, connecting
    to the server's `postgres` database to do it; its name if created, None if it was there.
    Any other failure (server down, wrong password) is left to the command, which says so."""
    if connection.vendor != "postgresql":
        return None
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    else:
        return None
    settings = connection.settings_dict
    name = str(settings["NAME"])
    options = (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER"))
    where = "".join(f"{flag} {settings[key]} " for flag, key in options if settings.get(key))
    with connection._nodb_cursor() as cursor:  # Django's own way to reach the server's postgres
        try:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        except Exception as error:
            raise OperationalError(
                f"database {name!r} does not exist and this account may not create it ({error});"
                f" create it with: createdb {where}{name}"
            ) from None
    return name
