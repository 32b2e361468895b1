"""The import direction of docs/architecture.md, kept true: matcher ← events ← service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_OR_DB = {"litestar", "sqlalchemy", "advanced_alchemy", "alembic", "asyncpg", "aiosqlite", "psycopg", "httpx",
             "uvicorn", "jinja2"}


def imported_roots(package: str) -> dict[str, set[str]]:
    """Top-level module names imported by each file of a package (absolute imports)."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        roots: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = roots
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("matcher", {"service", "events"} | WEB_OR_DB),
        ("events", {"service"} | WEB_OR_DB),
    ],
)
def test_package_imports_point_inwards_only(package: str, forbidden: set[str]) -> None:
    found = {f: sorted(roots & forbidden) for f, roots in imported_roots(package).items() if roots & forbidden}
    assert found == {}


def test_import_scan_sees_real_imports() -> None:
    """The scan above would catch a violation: it does see the imports that are there."""
    roots = imported_roots("matcher")
    assert "ortools" in roots["matcher/flow.py"]
    assert "matcher" in roots["matcher/solve.py"]
