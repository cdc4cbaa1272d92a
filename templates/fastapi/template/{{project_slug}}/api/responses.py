"""Error answers documented in the OpenAPI schema, so clients (and schemathesis) know them."""

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    detail: str


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorDetail, "description": description}


Responses = dict[int | str, dict[str, Any]]

UNAUTHORIZED: Responses = {
    401: error("Missing or wrong credentials"),
    429: error("Too many requests from this client; retry later"),
}
NOT_FOUND: Responses = {404: error("User not found")}
MALFORMED: Responses = {400: error("The body is not valid JSON")}
CONFLICT: Responses = {409: error("Email already used")}
