"""The user service API."""
