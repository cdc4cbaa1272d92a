"""Build hook: each wheel (and sdist) records the version it was built as and carries a git
bundle of every release's templates, made from this repository's history (src/apigen/releases.py),
so `apigen update` and `apigen check` work offline on any machine.

Built from an sdist (no git history), the files the sdist carries are used as they are.
"""

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ReleasesHook(BuildHookInterface):  # type: ignore[type-arg]  # generic in hatchling
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # a checkout: apigen reads its version and releases from git (_version.py)
        root = Path(self.root)
        package = root / "src" / "apigen"
        if not (root / ".git").exists():
            if not (package / "_build.json").is_file():
                raise RuntimeError("no git history and no src/apigen/_build.json: cannot build")
            return  # an sdist: _build.json and the bundle are in the package already
        sys.path.insert(0, str(root / "src"))
        try:
            from apigen import _version, releases
        finally:
            sys.path.pop(0)
        scratch = Path(tempfile.mkdtemp(prefix="apigen-build-"))
        bundle = scratch / "_releases.bundle"
        found = releases.write_bundle(root, bundle)
        head = _version._git(root, "rev-parse", "HEAD")
        record = {
            "version": _version.checkout_version(root),
            "commit": head,
            "releases": [{"version": r.version, "commit": r.commit, "date": r.date} for r in found],
        }
        build = scratch / "_build.json"
        build.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        prefix = "apigen" if self.target_name == "wheel" else "src/apigen"
        build_data["force_include"][str(build)] = f"{prefix}/_build.json"
        if bundle.is_file():
            build_data["force_include"][str(bundle)] = f"{prefix}/_releases.bundle"
