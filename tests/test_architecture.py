"""docs/architecture.md names every module of builder/, and no module that is gone: the map
a newcomer reads first stays true as modules come and go."""

from __future__ import annotations

import re

from conftest import REPO

MAP = REPO / "docs" / "architecture.md"


def _modules_named() -> set[str]:
    """The `NAME.py` the page names, other than test files."""
    named = re.findall(r"`([a-z_]+\.py)`", MAP.read_text(encoding="utf-8"))
    return {name for name in named if not name.startswith("test_")}


def test_the_architecture_map_names_every_module() -> None:
    modules = {path.name for path in (REPO / "builder").glob("*.py")}
    assert modules - _modules_named() == set(), "add these to docs/architecture.md"


def test_the_architecture_map_names_no_module_that_is_gone() -> None:
    modules = {path.name for path in (REPO / "builder").glob("*.py")}
    assert _modules_named() - modules == set(), "remove these from docs/architecture.md"
