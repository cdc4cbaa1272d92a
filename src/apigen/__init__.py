"""apigen: generate ready-to-run FastAPI, Flask and Django REST Framework API projects."""

from ._version import version

__version__ = version()
# The name on PyPI (`apigen` there is an unrelated project); the command stays `apigen`.
DISTRIBUTION = "apigen-cli"
