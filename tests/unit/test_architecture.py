"""docs/architecture.md stays true: the modules it names exist and layers import only downwards."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "zhichao"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")

# What each layer must never import (DESIGN.md: dependencies point down only).
FORBIDDEN = {
    "domain": ("zhichao.services", "zhichao.adapters", "zhichao.web", "zhichao.bootstrap", "zhichao.cli"),
    "services": ("zhichao.adapters", "zhichao.web", "zhichao.bootstrap", "zhichao.cli"),
    "adapters": ("zhichao.web", "zhichao.bootstrap", "zhichao.cli"),
    # drawn by web pages and document adapters alike, so it imports neither
    "charts": ("zhichao.domain", "zhichao.services", "zhichao.adapters", "zhichao.web", "zhichao.bootstrap",
               "zhichao.cli"),
}


def named_paths() -> list[str]:
    paths = set(re.findall(r"`(src/zhichao/[\w/]+\.py)`", DOC))
    for folders, cell in re.findall(r"^\| \w[^|]* \| (`src/zhichao/[^|]*) \|[^|]*\| (.*) \|$", DOC, re.M):
        folder = re.findall(r"`(src/zhichao/[\w/]+/)`", folders)
        if folder:  # a row for a package: its modules are named relative to it
            paths.update(folder[0] + name for name in re.findall(r"`([\w/]+\.py)`", cell))
    assert len(paths) > 20, "the parser lost the module table"
    return sorted(paths)


@pytest.mark.parametrize("path", named_paths())
def test_every_module_the_architecture_names_exists(path: str) -> None:
    assert (ROOT / path).is_file(), f"docs/architecture.md names {path}, which does not exist"


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer: str) -> None:
    offending = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imports_of(path)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert offending == []
