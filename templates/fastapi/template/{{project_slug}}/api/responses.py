"""Error answers documented in the OpenAPI schema, so clients (and schemathesis) know them.
Every error but a 422 has the one body `Error`; a 422 has FastAPI's `HTTPValidationError`."""

from typing import Any

from pydantic import BaseModel


class Error(BaseModel):
    detail: str


def error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


Responses = dict[int | str, dict[str, Any]]

DATABASE_UNAVAILABLE: Responses = {
    503: error(
        "The database does not answer (detail: Database unavailable; Retry-After: 5), or"
        " every password-hashing slot is busy (detail: Server busy, try again; Retry-After: 1)"
    ),
}
LOGIN_REFUSED: Responses = {
    401: error("Missing or wrong credentials"),
    429: error(
        "Too many requests from this client, or too many failed logins for this account or"
        " client address (FAILED_LOGIN_LIMIT); retry after Retry-After seconds"
    ),
}
UNAUTHORIZED: Responses = LOGIN_REFUSED | DATABASE_UNAVAILABLE
FORBIDDEN: Responses = {403: error("Only admins can create accounts (unless OPEN_SIGNUP)")}
NOT_FOUND: Responses = {
    404: error("User not found: no such id, or an account other than yours (not an admin)")
}
CONFLICT: Responses = {409: error("Email already used")}


def body(media_type: str, *, malformed: str) -> Responses:
    """What any request body can be refused for before validation (a 422) looks at it."""
    return {
        400: error(malformed),
        413: error("The body is larger than MAX_BODY_BYTES"),
        415: error(f"The body is not {media_type}"),
    }


JSON_BODY: Responses = body("application/json", malformed="The body is not valid JSON")
FORM_BODY: Responses = body(
    "a form (application/x-www-form-urlencoded)", malformed="The form cannot be parsed"
)
