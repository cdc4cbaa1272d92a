"""apigen: generate ready-to-run FastAPI, Flask and Django REST Framework API projects."""

__version__ = "0.1.0"
