"""Logging configured once with dictConfig: text or JSON lines, each carrying the request id."""

import logging
import logging.config
from typing import Any

from flask import g, has_app_context

from .config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds the current request's id (set in core/middleware.py) to every record; "-" outside
    one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_app_context() else "-"
        return True


class DevServerAccessFilter(logging.Filter):
    """Drops the development server's (werkzeug's) access lines, which repeat api.access."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s'))


def logging_config(settings: Settings) -> dict[str, Any]:
    formatters: dict[str, Any] = {
        "text": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "dev_server_access": {"()": DevServerAccessFilter},
        },
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": settings.log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": settings.log_level},
        "loggers": {
            # Gunicorn's worker messages in the same format; its access log stays off
            # (core/middleware.py writes the access line, with the request id).
            "gunicorn.error": {"handlers": [], "propagate": True},
            # `flask run` (make run) keeps its start-up messages, not its own access lines.
            "werkzeug": {"filters": ["dev_server_access"]},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
