"""The hexagon, read from the imports: every module of app/ is checked, with no exemptions.

- app/domain imports only the standard library (and itself);
- app/services never reaches for adapters, the API, workers, the composition root, or the
  frameworks and clients those wrap;
- app/adapters import the domain, never services, the API, workers or the composition root;
- the API never imports adapters or SQLAlchemy, and only its app factory calls bootstrap;
- nothing in app/ imports the sandbox, which runs as a process of its own, and the sandbox
  imports nothing of app/
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

FRAMEWORKS = ("sqlalchemy", "fastapi", "starlette", "httpx", "arq", "redis")
SANDBOX = ("ledgerport_sandbox", "app.sandbox", "sandbox")
# (modules under this path, imports they must not make)
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("app/services", ("app.adapters", "app.api", "app.workers", "app.bootstrap", *FRAMEWORKS)),
    ("app/adapters", ("app.services", "app.api", "app.workers", "app.bootstrap")),
    ("app/api", ("app.adapters", "sqlalchemy")),
    ("app", SANDBOX),
]
FACTORY = "app/api/main.py"  # the one API module that may build the container


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> list[str]:
    """Every module `path` imports, at any depth (functions, TYPE_CHECKING blocks included),
    relative imports resolved against the module's own package. `from a import b` counts as
    importing `a.b`, which may be a module."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _hits(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


def violations(root: Path) -> list[str]:
    """`file: imports module` for every import that breaks a rule."""
    found: list[str] = []
    for path in sorted((root / "app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        imported = imports_of(path, root)
        for prefix, forbidden in RULES:
            if rel.startswith(prefix + "/"):
                found += [f"{rel}: imports {m}" for m in imported if _hits(m, forbidden)]
        if rel.startswith("app/api/") and rel != FACTORY:
            found += [f"{rel}: imports {m}" for m in imported if _hits(m, ("app.bootstrap",))]
        if rel.startswith("app/domain/"):
            found += [f"{rel}: imports {m}" for m in imported if not _stdlib_or_domain(m)]
    return sorted(set(found))


def _stdlib_or_domain(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or top == "__future__" or _hits(module, ("app.domain",))


def test_app_has_no_import_against_the_architecture() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("app/domain/x.py", "import httpx\n", "imports httpx"),
        ("app/domain/x.py", "from pydantic import BaseModel\n", "imports pydantic.BaseModel"),
        ("app/domain/x.py", "from app.services import sync_order\n", "imports app.services"),
        ("app/services/x.py", "from app.adapters.db.uow import SqlUnitOfWork\n", "app.adapters"),
        ("app/services/x.py", "from sqlalchemy import select\n", "imports sqlalchemy"),
        ("app/services/x.py", "def f():\n    import arq\n", "imports arq"),
        ("app/services/x.py", "from ..bootstrap import Container\n", "imports app.bootstrap"),
        ("app/adapters/db/x.py", "from app.services import webhooks\n", "app.services"),
        ("app/adapters/x.py", "from app import workers\n", "imports app.workers"),
        ("app/api/routes/x.py", "from app.adapters.db import tables\n", "app.adapters"),
        ("app/api/routes/x.py", "from app.bootstrap import Container\n", "app.bootstrap"),
        ("app/api/schemas2.py", "import sqlalchemy.orm\n", "imports sqlalchemy.orm"),
        ("app/cli2.py", "from ledgerport_sandbox.qbo import QboSandbox\n", "ledgerport_sandbox"),
    ],
)
def test_each_rule_catches_a_wrong_import(
    tmp_path: Path, path: str, source: str, expected: str
) -> None:
    for package in ("app", "app/domain", "app/services", "app/adapters/db", "app/api/routes"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1 and expected in found[0], found


def test_the_app_factory_may_build_the_container(tmp_path: Path) -> None:
    (tmp_path / "app/api").mkdir(parents=True)
    (tmp_path / FACTORY).write_text("from app.bootstrap import bootstrap\n")
    assert violations(tmp_path) == []


def test_the_sandbox_imports_nothing_of_the_product() -> None:
    root = ROOT / "sandbox"
    modules = sorted((root / "ledgerport_sandbox").rglob("*.py"))
    assert len(modules) > 10
    offenders = [
        f"{path.relative_to(ROOT)}: imports {module}"
        for path in modules
        for module in imports_of(path, root)
        if _hits(module, ("app",))
    ]
    assert offenders == []
