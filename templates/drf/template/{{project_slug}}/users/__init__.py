"""Users: the accounts of the service, its /users API, /secure, and their admin."""
