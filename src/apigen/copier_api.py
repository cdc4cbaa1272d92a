"""apigen's only door to copier: copying, updating, and copier's errors as apigen's.

Copier takes about a second to import, and `apigen --help` and `--version` must not pay for it.
So copier is imported here and only here, inside the functions that use it; every other module
may import this one freely.
"""

import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import git
from .errors import ApigenError, TemplateError, UpdateError, UsageError, first_line

_COPIER_CACHE = "COPIER_CACHE_DIR"  # where copier keeps its git mirrors of remote templates


def copy(
    source: str,
    destination: Path,
    *,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    defaults: bool,
    vcs_ref: str | None,
) -> dict[str, Any]:
    """Render `source` at `vcs_ref` into `destination`; return every answer, as copier combined
    them (recorded, derived and secret)."""
    from copier import run_copy

    # Copier asks through prompt_toolkit, which stretches each question down to the bottom of
    # the terminal when it can ask the terminal where its cursor is: a refused answer's reason
    # then shows at the terminal's last line, far from the question. Without those requests the
    # reason stands right under the question (tests/test_interactive.py).
    os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")
    with translated_errors(TemplateError):
        worker = run_copy(
            source,
            destination,
            data=dict(data),
            user_defaults=dict(user_defaults),
            defaults=defaults,
            vcs_ref=vcs_ref,
            quiet=True,
            unsafe=False,
        )
    return dict(worker.answers.combined)


def update(
    project: Path,
    *,
    data: Mapping[str, Any],
    vcs_ref: str | None,
    answers_file: str | None = None,
    redirect: tuple[str, Path] | None = None,
) -> None:
    """Copier's three-way update of `project` to `vcs_ref`; conflicts are marked inline.
    `answers_file` picks one template of several in the project (a resource's). `redirect`
    (url, repository): git fetches `url`, the source the answers file records, from the local
    `repository` instead, so the update needs no network."""
    from copier import run_update

    with translated_errors(UpdateError), _redirected(redirect):
        run_update(
            project,
            answers_file=answers_file,
            data=dict(data),
            vcs_ref=vcs_ref,
            defaults=True,  # every question keeps its recorded answer unless `data` changes it
            overwrite=True,  # git holds the previous state; the tree was clean
            conflict="inline",
            quiet=True,
            unsafe=False,
        )


@contextmanager
def _redirected(redirect: tuple[str, Path] | None) -> Iterator[None]:
    """git's `url.<repository>.insteadOf` for the git commands copier runs (through plumbum,
    whose environment is its own copy), with and without the `.git` copier may add; and a
    scratch cache of copier's git mirrors, so the user's cache never holds the local store
    under the public URL's name."""
    if redirect is None:
        yield
        return
    from plumbum import local

    url, repository = redirect
    count = int(local.env.get("GIT_CONFIG_COUNT", "0") or 0)
    base = url.rstrip("/").removesuffix(".git")
    variables: dict[str, str] = {}
    for index, prefix in enumerate((f"{base}.git", base), start=count):
        variables[f"GIT_CONFIG_KEY_{index}"] = f"url.{repository}.insteadOf"
        variables[f"GIT_CONFIG_VALUE_{index}"] = prefix
    variables["GIT_CONFIG_COUNT"] = str(count + 2)
    saved = os.environ.get(_COPIER_CACHE)
    with git.scratch_directory("apigen-copier-cache-") as cache:
        os.environ[_COPIER_CACHE] = cache
        try:
            with local.env(**variables):
                yield
        finally:
            if saved is None:
                os.environ.pop(_COPIER_CACHE, None)
            else:
                os.environ[_COPIER_CACHE] = saved


@contextmanager
def translated_errors(failure: type[ApigenError]) -> Iterator[None]:
    """Copier's exceptions as apigen's one-line errors.

    Copier refuses an answer (a failed validator, a value outside the choices, a missing required
    answer) with a plain ValueError: a usage error. Its ValueError subclasses (ConfigFileError,
    PathError) are faults of the template, not of the user, like its other errors: `failure`.
    Without a terminal, copier cannot ask: a usage error. A dirty development checkout is no news.
    """
    from copier.errors import CopierError, DirtyLocalWarning, InteractiveSessionError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        try:
            yield
        except InteractiveSessionError as error:
            raise UsageError(f"no terminal to ask the questions: {first_line(error)}") from error
        except CopierError as error:
            raise failure(first_line(error)) from error
        except ValueError as error:
            if type(error) is not ValueError:
                raise
            raise UsageError(_answer_refusal(error)) from error


def _answer_refusal(error: ValueError) -> str:
    """Copier's message without its prefix: "Validation error for question 'x': ..." -> "x: ..."."""
    message = first_line(error)
    prefix = "Validation error for question "
    if message.startswith(prefix):
        name, _, reason = message.removeprefix(prefix).partition(": ")
        return f"{name.strip(chr(39))}: {reason}"
    return message
