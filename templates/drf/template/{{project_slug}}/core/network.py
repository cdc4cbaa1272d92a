"""The client's address, the key of the rate limits: the connection's peer, unless that peer
is one of TRUSTED_PROXIES, whose X-Forwarded-For then names the client."""

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    """The nearest address in X-Forwarded-For that is not a trusted proxy; a client can put
    anything at the start of that header, but not past the proxies that appended to it."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TRUSTED_PROXIES
    if peer not in trusted:
        return peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for address in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if address not in trusted:
            return address
    return peer
