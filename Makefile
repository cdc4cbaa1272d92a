# apigen's own development tasks. uv runs everything; `make install` bootstraps it into .venv
# when it is not on PATH, the same way generated projects do.
UV := $(shell command -v uv 2>/dev/null || echo .venv/bin/uv)

.PHONY: install test lint check release

install:
	@[ -x "$(UV)" ] || { python3 -m venv .venv && .venv/bin/python -m pip install --quiet uv; }
	$(UV) sync

# The end-to-end tests need a few things from the machine: say at once what is missing.
test: install
	@$(UV) run python -m tests.e2e.prerequisites
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

check: lint test

# A release (docs/releasing.md): checks the work tree is clean, VERSION is newer than the last
# release and CHANGELOG.md has its entry, then commits `Release $(VERSION)` and tags it.
release:
	@[ -n "$(VERSION)" ] || { echo "usage: make release VERSION=X.Y.Z" >&2; exit 2; }
	python3 scripts/release.py $(VERSION)
