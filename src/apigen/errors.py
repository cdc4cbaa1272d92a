"""apigen's errors: each is one line for the user and an exit code, never a traceback.

One root, and one sibling per kind of failure, so a caller catches exactly what it can handle
(an update failure is not a generation failure).
"""


class ApigenError(Exception):
    """A failure reported as one line on stderr, with `exit_code`."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ApigenError):
    """The command was given answers, options or a destination that cannot work."""

    exit_code = 2


class TemplateError(ApigenError):
    """The templates are missing or copier could not render them; nothing was written."""


class StoreError(ApigenError):
    """apigen's template store cannot be read or written."""


class GitError(ApigenError):
    """A git command failed."""


class UpdateError(ApigenError):
    """`apigen update` refused or failed."""


def first_line(error: BaseException) -> str:
    """The first line of an error's message (or its type's name, when it has none)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
