"""Settings per environment: local (development), test and production, all built on base."""
