"""Django's createsuperuser, which with --noinput also checks the password validators.

`make createuser EMAIL=... PASSWORD=...` runs `createsuperuser --noinput` with
DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_NAME.
"""

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            try:
                validate_password(password)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        return super().handle(*args, **options)
