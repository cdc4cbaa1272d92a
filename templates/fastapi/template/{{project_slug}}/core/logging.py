"""Logging configured once with dictConfig: text or JSON lines, each carrying the request id."""

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from .config import Settings

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


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
        "filters": {"request_id": {"()": RequestIdFilter}},
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
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # The request middleware writes the access line, with the request id.
            "uvicorn.access": {"handlers": [], "propagate": False},
            # `make run` reloads on code changes; each change it notices needs no line.
            "watchfiles": {"level": "WARNING"},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
