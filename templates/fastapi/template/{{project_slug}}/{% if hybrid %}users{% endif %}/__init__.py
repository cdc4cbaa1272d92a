"""Users, as Django owns them: the account model, its migrations and its admin. The API
(FastAPI) maps the same table in ../models.py."""
