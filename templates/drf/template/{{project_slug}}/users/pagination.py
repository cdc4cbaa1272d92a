"""limit/offset pages, answered as a plain JSON list; out-of-range values are refused (422)."""

from typing import Any, cast

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from ..core.views import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_OFFSET = 2**63 - 1


class PageParams(serializers.Serializer[dict[str, int]]):
    """The query parameters of a list (PAGE_PARAMETERS in the OpenAPI schema)."""

    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"How many to return (1 to {MAX_LIMIT}).",
    )
    offset = serializers.IntegerField(
        min_value=0, max_value=MAX_OFFSET, default=0, help_text="How many to skip first."
    )


def _parameter(name: str) -> OpenApiParameter:
    """A query parameter as PageParams checks it: the schema and the check cannot drift."""
    field = cast(serializers.IntegerField, PageParams().fields[name])
    schema = {"type": "integer", "minimum": field.min_value, "default": field.default}
    if field.max_value != MAX_OFFSET:  # no bound worth showing (and no int64 format)
        schema["maximum"] = field.max_value
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=str(field.help_text))


PAGE_PARAMETERS = [_parameter("limit"), _parameter("offset")]


def page(request: Request) -> tuple[int, int]:
    """(offset, limit) from the query string; wrong values are 422 at ["query", name]."""
    params = PageParams(data=request.query_params)
    if not params.is_valid():
        raise InvalidInput(params.errors, "query")
    values: dict[str, Any] = params.validated_data
    return values["offset"], values["limit"]
