"""Invalid input answers 422 with the contract's HTTPValidationError body:
{"detail": [{"loc": ["body", "email"], "msg": "...", "type": "<DRF error code>"}, ...]}."""

from typing import Any


def invalid_fields(response: Any, location: str = "body") -> set[str | int]:
    """The fields a 422 names (its `loc` after `location`), having checked its shape."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"detail"}
    assert body["detail"], "a 422 names at least one error"
    for error in body["detail"]:
        assert set(error) == {"loc", "msg", "type"}, error
        assert error["loc"][0] == location, error
        assert isinstance(error["msg"], str) and error["msg"], error
        assert isinstance(error["type"], str) and error["type"], error
    return {error["loc"][1] for error in body["detail"] if len(error["loc"]) > 1}
