"""Who may do what to which account: the one place that says it.

Two roles. An admin (an account `make createuser` made: Django's superuser, also staff)
manages every account. Any other account is ordinary: it sees and changes only itself, and
anyone else's record is "User not found" (404), as a missing id is, so ids cannot be probed.
Only admins create accounts (403 otherwise), unless OPEN_SIGNUP=true opens POST /users to
everyone, credentials or not. The role is not part of the API: no request body sets it.
"""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import User

CREATE_REFUSED = "Only admins can create accounts"


def is_admin(user: Any) -> bool:
    """createsuperuser sets both flags; nothing in the API sets either."""
    return isinstance(user, User) and user.is_active and user.is_superuser and user.is_staff


def visible_users(user: Any) -> "QuerySet[User]":
    """The accounts `user` may see, and so read, change or delete: all, or only itself."""
    users = User.objects.order_by("id")
    if is_admin(user):
        return users
    return users.filter(pk=user.pk) if isinstance(user, User) else users.none()


class UserAccessPolicy(BasePermission):
    """/users: authenticated; POST only for admins, or for anyone when OPEN_SIGNUP=true."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) == "create":
            if settings.OPEN_SIGNUP:
                return True
            if request.user and request.user.is_authenticated and not is_admin(request.user):
                raise PermissionDenied(CREATE_REFUSED)
        return bool(request.user and request.user.is_authenticated)


# The sentences the OpenAPI schema and the README show.
RULE = (
    "An admin (an account `make createuser` made) manages every account. Any other account"
    " reads, changes and deletes only its own record: anyone else's answers 404"
    ' {"detail": "User not found"}, and the list holds only itself.'
)
CREATE_RULE = (
    "Only admins create accounts (403 otherwise), unless the service runs with OPEN_SIGNUP=true:"
    " then anyone may, without credentials, and gets an ordinary account."
)
