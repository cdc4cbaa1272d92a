"""`python -m <package>.check_config`: check the settings once, as `make serve` does before
Gunicorn starts its workers, so a bad configuration stops with one line, not a traceback in
every worker."""

import sys

from .config import Config, ConfigError


def main() -> int:
    try:
        Config.from_env()
    except ConfigError as error:
        print(f"error: invalid settings: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
