"""The product and the sandbox fakes know nothing of each other (DESIGN.md, Shape): app/
never imports ledgerport_sandbox, and sandbox/ never imports app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _top_level(path: Path) -> set[str]:
    """The top-level packages `path` imports absolutely (relative imports stay inside)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("tree", "forbidden"),
    [(ROOT / "app", "ledgerport_sandbox"), (ROOT / "sandbox" / "ledgerport_sandbox", "app")],
    ids=["app", "sandbox"],
)
def test_neither_side_imports_the_other(tree: Path, forbidden: str) -> None:
    modules = sorted(tree.rglob("*.py"))
    assert len(modules) > 10
    offenders = [str(p.relative_to(ROOT)) for p in modules if forbidden in _top_level(p)]
    assert offenders == []


def test_the_check_sees_an_import_of_the_sandbox(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from ledgerport_sandbox.qbo import QboSandbox\n")
    assert _top_level(bad) == {"ledgerport_sandbox"}
