"""What the whole project shares: logging, the request middleware, health checks, errors."""
