"""app/domain imports the standard library and itself only (STYLE.md §3.1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # Relative imports stay inside the package.
            names.append("app.domain" if node.level else node.module or "")
    return names


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "__future__"
        or (module == "app.domain" or module.startswith("app.domain."))
    )


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_modules_import_only_the_stdlib(path: Path) -> None:
    outside = [m for m in imported_modules(path) if not allowed(m)]
    assert outside == [], f"{path.name} imports {outside}"


def test_the_check_catches_a_third_party_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import httpx\nfrom pydantic import BaseModel\nfrom app.api import x\n")
    assert [m for m in imported_modules(bad) if not allowed(m)] == ["httpx", "pydantic", "app.api"]
