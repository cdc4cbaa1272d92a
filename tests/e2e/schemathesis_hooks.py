"""schemathesis hooks (SCHEMATHESIS_HOOKS) for the runs in schemathesis_run.py.

The account whose credentials run the checks keeps them: a PATCH of that account (its id in
FUZZED_ACCOUNT_ID) is sent without a new email or password. Without this, the first such
PATCH a run generated locked it out, and every later case was a 401 that only cost an Argon2
check (a third of a run, seen in the access log). Changing one's own email and password is
covered by the contract and authorization suites."""

import os
from typing import Any

import schemathesis

CREDENTIAL_FIELDS = ("email", "password")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    own_id = os.environ.get("FUZZED_ACCOUNT_ID")
    if own_id is None or case.method.upper() != "PATCH" or not isinstance(case.body, dict):
        return
    if not case.operation.path.startswith("/users/"):
        return
    if own_id in (str(value) for value in case.path_parameters.values()):
        for field in CREDENTIAL_FIELDS:
            case.body.pop(field, None)
