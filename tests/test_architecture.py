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


# --- inside service/: the service's own layers (docs/architecture.md, "The service's layers") ------------


def imported_modules(package: str) -> dict[str, set[str]]:
    """Full dotted names each file of a package imports (absolute imports, module level or in functions)."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
        out[str(path.relative_to(ROOT))] = names
    return out


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 2:
        return None
    return parts[1]


# A layer may import the layers listed for it (and itself, and the leaves: settings, problems, auth …).
# api and web are the edges; register and exchange are the services; db is the persistence below them.
SERVICE_LAYERS: dict[str, set[str]] = {
    "db": set(),
    "register": {"db", "notify"},
    "exchange": {"db", "register", "notify", "web"},  # web: the one page environment and catalogue (templating, i18n)
    "notify": {"db", "register", "web"},
    "api": {"db", "register", "exchange", "notify"},
    "web": {"register", "exchange", "notify", "api"},  # never db: pages call the services (see below)
    "cli": {"db", "register", "exchange", "notify", "web", "api", "app"},
}
EDGES = {"api", "web", "cli", "app"}
# The exchange event is one vertical slice (service/exchange): its controllers and pages sit beside
# its services, as edges of the slice; its services (store, live, …) never import them.
EXCHANGE_EDGES = {"api", "pages", "floor", "setup"}


def test_service_layers_point_downwards() -> None:
    """register/ and exchange/ (the services) and db/ never import the edges that call them."""
    found: dict[str, list[str]] = {}
    for path, modules in imported_modules("service").items():
        parts = Path(path).parts
        here = parts[1] if len(parts) > 2 else None
        if here not in SERVICE_LAYERS or here in ("web", "cli", "api"):
            continue
        if here == "exchange" and Path(path).stem in EXCHANGE_EDGES:
            continue
        bad = sorted(m for m in modules
                     if ((layer := _layer_of(m)) in EDGES - {"web"} and layer != here)
                     or (here == "db" and _layer_of(m) in SERVICE_LAYERS and _layer_of(m) != "db")
                     or (here == "exchange" and m.split(".")[2:3] and m.split(".")[2] in EXCHANGE_EDGES
                         and m.startswith("service.exchange.")))
        if bad:
            found[path] = bad
    assert found == {}


# The pages ask the services and never the database: no module of web/, and none of the exchange
# event's pages (its screen and follow-up pages, the floor, the coordinator's setup), imports
# SQLAlchemy or service.db. They hold the request's session (service.register.common.DbSession)
# only to hand it to a service.
DB_LIBRARIES = {"sqlalchemy", "advanced_alchemy", "alembic", "asyncpg", "aiosqlite", "psycopg"}
PAGE_MODULES = ("service/web", "service/exchange/pages.py", "service/exchange/floor.py",
                "service/exchange/setup.py")


def database_imports(modules: dict[str, set[str]]) -> dict[str, list[str]]:
    """For each file, the modules it imports that are the database: a DB library or service.db."""
    found = {
        path: sorted(m for m in names
                     if m.split(".")[0] in DB_LIBRARIES or m == "service.db" or m.startswith("service.db."))
        for path, names in modules.items()
    }
    return {path: bad for path, bad in found.items() if bad}


def page_modules() -> dict[str, set[str]]:
    modules = imported_modules("service")
    return {path: names for path, names in modules.items()
            if any(path == p or path.startswith(p + "/") for p in PAGE_MODULES)}


def test_pages_never_import_the_database() -> None:
    """web/ and the exchange event's pages call the services; they run no query of their own."""
    pages = page_modules()
    assert "service/web/views.py" in pages and "service/exchange/floor.py" in pages
    assert database_imports(pages) == {}


def test_database_import_scan_sees_real_imports() -> None:
    """The scan above would catch a violation: it finds the database in the services that use it,
    in any import form (module level, in a function, `import sqlalchemy as sa`, `from … import …`)."""
    found = database_imports(imported_modules("service"))
    assert "sqlalchemy" in found["service/register/queries.py"]
    assert "service.db.models" in found["service/register/queries.py"]
    assert "service.db.models" in found["service/accounts.py"]
    assert "sqlalchemy.ext.asyncio" in found["service/register/common.py"]
    # imports inside a function only (`import sqlalchemy as sa`, `from service.db.models import UserRow`),
    # as a page might hide one
    assert {"sqlalchemy", "service.db.models"} <= set(found["service/cli/users.py"])


def test_accounts_imports_no_edge() -> None:
    """accounts.py (the web's users and the store of browser sessions) sits below the pages: it never
    imports web/, api/ or cli/ (it used to reach up into web/sessions.py to end sessions)."""
    modules = imported_modules("service")["service/accounts.py"]
    assert "service.db.models" in modules
    assert sorted(m for m in modules if _layer_of(m) in EDGES) == []


def test_cli_areas_import_only_common() -> None:
    """service/cli/: each area imports service.cli.common and never another area (no cycles)."""
    areas = {"matcher", "server", "users", "notify"}
    found = {
        path: sorted(m for m in modules if m.startswith("service.cli.") and m.split(".")[2] in areas)
        for path, modules in imported_modules("service/cli").items()
        if not path.endswith("__init__.py")
    }
    assert {p: m for p, m in found.items() if m} == {}
    assert "service.cli.common" in imported_modules("service/cli")["service/cli/server.py"]


def test_service_has_no_import_cycles_between_modules() -> None:
    """Module-level imports inside service/ form no cycle (function-level imports are deliberate deferrals)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / "service").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        mod = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: set[str] = set()
        for node in tree.body:
            if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    and node.module.startswith("service")):
                deps.add(node.module)
                deps |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("service")}
        graph[mod] = deps
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    seen: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        seen[m] = 1
        for d in sorted(graph[m]):
            if seen.get(d) == 1 and not (m.startswith(d + ".") or d == m):
                cycle.extend([*stack, m, d])
                return True
            if d not in seen and visit(d, [*stack, m]):
                return True
        seen[m] = 2
        return False

    for m in sorted(graph):
        if m not in seen and visit(m, []):
            break
    assert cycle == []


def test_service_has_no_type_ignores() -> None:
    """Typed services (issue 10): no `# type: ignore` anywhere in service/ — a library's missing stubs
    are named in pyproject.toml, a wrong stub gets a commented `cast`."""
    found = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "service").rglob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "type: ignore" in line]
    assert found == []
