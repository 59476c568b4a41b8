"""The layering rule of DESIGN.md, read from the source with ``ast`` (no import is executed).

"A domain package owns its tables, services and routes; it may import core, store and registry,
and another domain only through that domain's public service functions."

What a domain module may import:

* ``lanyan.core``, ``lanyan.store``, ``lanyan.registry``, ``lanyan.accounts.models`` and its own package;
* from another domain, only that domain's **public surface**:

  - ``<domain>.public``: read functions other domains call (facts of one row, small lists);
  - ``<domain>.indicators``: what the domain tells the plans indicator engine (yearly counts
    and the ids behind them, given the caller's ``inside`` clause);
  - ``<domain>.choices``: the domain's vocabulary (enumerations and their labels; no tables,
    no queries), which a caller needs to speak to the public functions;
  - the modules in :data:`PUBLISHED`, each with the reason it is public;

* the **read models** in :data:`READ_MODELS`: the few aggregators that by nature count over
  many domains' tables (the plans indicator engine, the risk index features) may read the
  tables those domains publish for reporting. Rewriting their single grouped queries as calls
  through public functions would split one query per factor into one per domain and per unit
  chunk, so they stay direct reads, listed here module by module;
* ``lanyan.api`` only from an HTTP edge module (``routes.py`` or a module of ``routes/``): the routes
  are the domain's adapter to FastAPI. No domain module imports ``lanyan.web``, ``lanyan.cli``
  or ``lanyan.demo`` (they sit above the domains).

Imports inside functions and under ``TYPE_CHECKING`` count, and so does a string naming another
domain's module (``importlib.import_module("lanyan.x.y")``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import lanyan

SRC = Path(lanyan.__file__).parent

DOMAINS = (
    "response",
    "monitoring",
    "prevention",
    "risk",
    "stats",
    "plans",
    "registry",
    "siting",
    "logistics",
    "outreach",
    "ops",
    "vehicles",
    "geocode",
    "exchange",
)
FOUNDATION = ("core", "store", "registry", "accounts")
ABOVE = ("api", "web", "cli", "demo")
PUBLIC_NAMES = ("public", "indicators", "choices")
MODULE_NAME = re.compile(r"lanyan(\.[a-z_][a-z0-9_]*)+")  # a module named in a string

# Modules of a domain that other domains may import besides PUBLIC_NAMES, and why.
PUBLISHED: dict[str, str] = {
    "lanyan.response.routing": "the road graph and travel-time router: a library over plain "
    "values with no tables, which station planning (planning) reuses for coverage and siting",
    "lanyan.response.roads": "builds the routing graph from the registry's roads table (the "
    "one database side of routing), shared by dispatch and planning",
    "lanyan.logistics.labels": "printable QR label sheets (二维码标签), a renderer with no "
    "tables; supervision prints its patrol checkpoints' labels with it",
    "lanyan.prevention.credit": "credit_summary (信用) is the supervision domain's public "
    "function the risk index reads as a pluggable factor (loaded by name in risk.credit)",
    "lanyan.risk.service": "unit_risk_grade, the latest risk grade of a unit, shown on the "
    "dispatch recommendation (response)",
}

# Importer module -> {another domain's module it reads directly: why}.
READ_MODELS: dict[str, dict[str, str]] = {
    "lanyan.plans.engine.computations": {
        "lanyan.outreach.models": "training, surveys, open days, events and certifications "
        "are counted per year in one grouped query each (training rate, awareness rate, ...)",
        "lanyan.prevention.models.patrols": "patrol rounds (防火巡查) are counted per unit and "
        "year by the generic _activity_rate query shared with outreach's training records",
    },
    "lanyan.risk.features": {
        "lanyan.prevention.models.inspections": "hazards and inspections counted per unit in one grouped "
        "query per factor over all units in scope",
        "lanyan.prevention.hazards": "AWAITING_UNIT, the hazard states in which the unit owes "
        "the rectification (the overdue-hazards factor)",
        "lanyan.monitoring.models": "device health and alarms counted per unit in one grouped "
        "query per factor",
        "lanyan.response.models": "fire incidents of the last five years counted per unit",
    },
}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    target: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.target} ({self.rule})"


def _is_module(root: Path, dotted: str) -> bool:
    parts = dotted.split(".")[1:]  # drop the leading "lanyan"
    base = root.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["lanyan", *parts])


def _targets(root: Path, path: Path, tree: ast.AST) -> list[tuple[int, str]]:
    """Every lanyan module ``path`` imports (or names in a string), with its line."""
    here = _module_name(root, path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.append((node.lineno, candidate if _is_module(root, candidate) else base))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out += [(node.lineno, node.value)] if MODULE_NAME.fullmatch(node.value) else []
    return sorted({(line, t) for line, t in out if t == "lanyan" or t.startswith("lanyan.")})


def _allowed(importer: str, domain: str, target: str, is_edge: bool) -> str | None:
    """None when ``importer`` (in ``domain``) may import ``target``, else the broken rule."""
    parts = target.split(".")
    if len(parts) < 2:
        return None
    layer = parts[1]
    if layer in FOUNDATION or layer == domain:
        return None
    if layer == "api":
        return None if is_edge else "only a routes module may import the API layer"
    if layer in ABOVE:
        return f"a domain never imports lanyan.{layer}"
    if layer not in DOMAINS:
        return None
    if len(parts) >= 3 and parts[2] in PUBLIC_NAMES:
        return None
    for n in range(len(parts), 2, -1):
        prefix = ".".join(parts[:n])
        if prefix in PUBLISHED or prefix in READ_MODELS.get(importer, {}):
            return None
    return f"{layer} is another domain: use its public surface"


def violations(root: Path = SRC) -> list[Violation]:
    """Every import in the domain packages under ``root`` that breaks the layering rule."""
    found: list[Violation] = []
    for domain in DOMAINS:
        for path in sorted((root / domain).rglob("*.py")):
            importer = _module_name(root, path)
            is_edge = path.name == "routes.py" or path.parent.name == "routes"
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, target in _targets(root, path, tree):
                rule = _allowed(importer, domain, target, is_edge)
                if rule is not None:
                    rel = path.relative_to(root).as_posix()
                    found.append(Violation(rel, line, target, rule))
    return found


def test_domains_import_other_domains_only_through_their_public_surface() -> None:
    assert [str(v) for v in violations()] == []


def test_every_allowance_names_a_module_that_exists_and_is_still_needed() -> None:
    """A stale entry would silently widen the surface: each must exist and be used."""
    for module in [*PUBLISHED, *READ_MODELS]:
        assert _is_module(SRC, module), module
    used: set[tuple[str, str]] = set()
    for domain in DOMAINS:
        for path in sorted((SRC / domain).rglob("*.py")):
            importer = _module_name(SRC, path)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for _, target in _targets(SRC, path, tree):
                for module in [*PUBLISHED, *READ_MODELS.get(importer, {})]:
                    if target == module or target.startswith(module + "."):
                        used.add((importer, module))
    for module in PUBLISHED:
        assert any(m == module for _, m in used), f"PUBLISHED[{module}] is not used"
    for importer, reads in READ_MODELS.items():
        for module in reads:
            assert _is_module(SRC, module), module
            assert (importer, module) in used, f"READ_MODELS[{importer}][{module}] is not used"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_rule_catches_each_kind_of_breach(tmp_path: Path) -> None:
    root = tmp_path / "lanyan"
    for domain in DOMAINS:
        _write(root, f"{domain}/__init__.py", "")
    _write(root, "response/models.py", "")
    _write(root, "response/public.py", "")
    _write(root, "stats/choices.py", "")
    _write(root, "api/__init__.py", "")
    _write(root, "api/deps.py", "")
    _write(
        root,
        "logistics/service.py",
        "from lanyan.response.models import Incident\n"  # another domain's table
        "from lanyan.response import public\n"  # allowed
        "from lanyan.stats.choices import FireGrade\n"  # allowed
        "from lanyan.core.errors import NotFound\n"  # allowed
        "def f():\n"
        "    from lanyan.api.deps import SessionDep\n"  # API outside a routes module
        "    import lanyan.web.pages\n"  # web, never
        "MODULE = 'lanyan.monitoring.models'\n",  # by name
    )
    _write(root, "logistics/routes.py", "from lanyan.api.deps import SessionDep\n")
    _write(root, "logistics/routes/extra.py", "from lanyan.web import i18n\n")
    _write(root, "stats/records.py", "from ..response.models import Incident\n")
    found = {(v.path, v.target) for v in violations(root)}
    assert found == {
        ("logistics/service.py", "lanyan.response.models"),
        ("logistics/service.py", "lanyan.api.deps"),
        ("logistics/service.py", "lanyan.web.pages"),
        ("logistics/service.py", "lanyan.monitoring.models"),
        ("logistics/routes/extra.py", "lanyan.web"),
        ("stats/records.py", "lanyan.response.models"),
    }


# ---- the layout rule (README, "Where code lives") -------------------------------------------
#
# app.py is the composition root; api/ is the HTTP kernel; accounts/ holds users, sessions,
# roles and unit bindings; each domain owns models, choices, schemas, services, pure rule modules
# and routes (a file, or a folder of one module per feature); pages live in web/<package>/ with
# their templates in web/templates/<package>/.

API_MAY_IMPORT = ("lanyan.api", "lanyan.core", "lanyan.store", "lanyan.accounts")
WEB_KERNEL = {"__init__", "render", "i18n", "errors", "forms", "routes", "docs_page"}
PAGE_PACKAGES = {*DOMAINS, "registry", "accounts", "map"}  # map: the one map (一张图)
TEMPLATE_ROOT_FILES = {"base.html", "_macros.html", "error.html"}
ROOMS = ("models", "schemas", "routes")  # each a module, or a package of feature modules
NO_SUFFIXES = ("_routes", "_schemas", "_models", "_pages")


def _graph(root: Path = SRC) -> dict[str, set[str]]:
    """Module -> the modules of this tree it imports (anywhere in the file)."""
    modules = {_module_name(root, p): p for p in root.rglob("*.py") if "migrations" not in p.parts}

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {resolve(t) for _, t in _targets(root, path, tree)}
        graph[name] = {t for t in found if t and t != name and t != "lanyan"}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_circle_between_modules() -> None:
    assert _circles(_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_the_api_package_is_the_http_kernel_and_imports_no_domain() -> None:
    graph = _graph()
    wrong = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("lanyan.api")
        for target in targets
        if not target.startswith(API_MAY_IMPORT)
    }
    assert wrong == set()


def test_no_module_is_named_after_its_layer_with_a_suffix() -> None:
    """One pattern per layer: ``routes``, ``schemas``, ``models`` and ``web/<package>/``."""
    odd = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if p.stem.endswith(NO_SUFFIXES) and "migrations" not in p.parts
    ]
    assert odd == []


def test_pages_and_templates_live_under_their_package() -> None:
    web = SRC / "web"
    stray = [
        p.relative_to(web).as_posix()
        for p in web.rglob("*.py")
        if not (
            (p.parent == web and p.stem in WEB_KERNEL)
            or (p.parent.parent == web and p.parent.name in PAGE_PACKAGES)
        )
    ]
    assert stray == []
    templates = web / "templates"
    folders = {p.name for p in templates.iterdir() if p.is_dir()}
    files = {p.name for p in templates.iterdir() if p.is_file()}
    page_folders = {p.name for p in web.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= page_folders, folders - page_folders
    assert files <= TEMPLATE_ROOT_FILES, files - TEMPLATE_ROOT_FILES


def _home_of(module: str) -> str | None:
    """Where the rule puts a route's handler: the package, or None when it breaks the rule."""
    parts = module.split(".")
    if parts[:2] == ["lanyan", "web"]:
        return parts[2] if len(parts) == 4 and parts[2] in PAGE_PACKAGES else None
    if "routes" in parts[2:]:
        return parts[1]
    return None


def _app_routes() -> list[tuple[str, set[str], str]]:
    """(path, methods, handler module) of every HTTP route of the app, included routers opened."""
    from fastapi.routing import APIRoute

    from lanyan.app import create_app

    def walk(routes: list, prefix: str) -> list[tuple[str, set[str], str]]:
        out = []
        for r in routes:
            if isinstance(r, APIRoute):
                out.append((prefix + r.path, set(r.methods), r.endpoint.__module__))
            elif hasattr(r, "original_router"):  # FastAPI keeps included routers as they are
                out += walk(r.original_router.routes, prefix + r.include_context.prefix)
        return out

    return walk(create_app().routes, "")


def test_every_route_is_where_the_rule_says() -> None:
    """API routes in ``<package>/routes``; pages in ``web/<package>/``; none anywhere else."""
    routes = _app_routes()
    assert len(routes) > 300  # the walk reached the included routers
    misplaced = [
        f"{path} -> {module}"
        for path, _, module in routes
        # /api/health and /api/choices belong to the app; /docs and /openapi.json to the kernel
        if module not in ("lanyan.app", "lanyan.web.docs_page") and _home_of(module) is None
    ]
    assert misplaced == []


# The three features a newcomer was asked to find (issue #15): for each, where the rule says each
# layer lives, and a route or definition that must be there.
FEATURES = {
    "hydrants (a registry type, 水源)": {
        ("GET", "/api/water-sources"): "lanyan.registry.routes",
        ("GET", "/registry/{slug}"): "lanyan.web.registry.pages",
        "model": ("WaterSource", "lanyan.registry.models"),
        "schema": ("WaterSourceCreate", "lanyan.registry.schemas"),
        "template": "registry/list.html",
    },
    "hazards (隐患)": {
        ("GET", "/api/hazards"): "lanyan.prevention.routes",
        ("GET", "/hazards/{hazard_id}"): "lanyan.web.prevention",
        "model": ("Hazard", "lanyan.prevention.models"),
        "schema": ("HazardPublic", "lanyan.prevention.schemas"),
        "template": "prevention/hazard.html",
    },
    "equipment items (装备)": {
        ("GET", "/api/equipment/items"): "lanyan.logistics.routes",
        ("GET", "/equipment/items/{code}"): "lanyan.web.logistics",
        "model": ("Item", "lanyan.logistics.models"),
        "schema": ("ItemPublic", "lanyan.logistics.schemas"),
        "template": "logistics/item.html",
    },
}


def test_three_features_are_found_by_the_rule() -> None:
    import importlib
    import pkgutil

    routes = {
        (method, path): module for path, methods, module in _app_routes() for method in methods
    }
    misses = []
    for feature, where in FEATURES.items():
        for key, expected in where.items():
            if isinstance(key, tuple):
                module = routes.get(key, "")
                if not (module == expected or module.startswith(expected + ".")):
                    misses.append(f"{feature}: {key} in {module or 'nowhere'}, not {expected}")
            elif key in ("model", "schema"):
                name, package = expected
                top = importlib.import_module(package)
                candidates = [top]
                if hasattr(top, "__path__"):
                    candidates += [
                        importlib.import_module(f"{package}.{m.name}")
                        for m in pkgutil.iter_modules(top.__path__)
                    ]
                if not any(
                    name in vars(m) and vars(m)[name].__module__ == m.__name__ for m in candidates
                ):
                    misses.append(f"{feature}: {name} not defined in {package}")
            elif not (SRC / "web" / "templates" / expected).is_file():
                misses.append(f"{feature}: no template {expected}")
    assert misses == []


def test_tests_are_grouped_like_the_packages() -> None:
    """tests/<package>/ for each package's tests; only this architecture test sits at the top."""
    tests = Path(__file__).parent
    loose = sorted(p.name for p in tests.glob("test_*.py") if p.name != "test_layering.py")
    assert loose == []
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in tests.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders <= packages, folders - packages


# ---- pages go through the domains' services (issue #15, item 2) ------------------------------
#
# A page module reads and changes data through its domain's services (and another package's
# public or service functions): it imports no SQLAlchemy construct but ``Session`` (for hints),
# no ``*.models`` module of any package, and builds no ``select(``.

CLEAN_PAGE_PACKAGES: tuple[str, ...] = (
    "accounts",
    "exchange",
    "logistics",
    "map",
    "monitoring",
    "ops",
    "outreach",
    "plans",
    "prevention",
    "registry",
    "response",
    "risk",
    "siting",
    "stats",
)
# Web packages still registering words or template globals at import time, and why.
IMPORT_TIME_PENDING: dict[str, str] = {}


def _page_leaks(root: Path, packages: tuple[str, ...]) -> list[str]:
    leaks = []
    for package in packages:
        for path in sorted((root / "web" / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "sqlalchemy"
                ):
                    leaks += [
                        f"{rel}:{node.lineno}: {node.module}.{a.name}"
                        for a in node.names
                        if a.name != "Session"
                    ]
                elif isinstance(node, ast.Import):
                    leaks += [
                        f"{rel}:{node.lineno}: {a.name}"
                        for a in node.names
                        if a.name.startswith("sqlalchemy")
                    ]
            for line, target in _targets(root, path, tree):
                if ".models" in target.removeprefix("lanyan") + ".":
                    parts = target.split(".")
                    if "models" in parts:
                        leaks.append(f"{rel}:{line}: {target}")
            leaks += [f"{rel}: select(" for _ in range(text.count("select("))]
    return leaks


def _import_time_changes(root: Path, skip: tuple[str, ...]) -> list[str]:
    """Module-level statements of web modules that add words or change the templates."""
    found = []
    for path in sorted((root / "web").rglob("*.py")):
        rel = path.relative_to(root / "web")
        if rel.parts[0] in skip:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.walk(stmt):
                text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Assign)) else ""
                if (
                    isinstance(node, ast.Call)
                    and (
                        text.startswith(("add_messages(", "i18n.add_messages("))
                        or ".env." in ast.unparse(node.func)
                    )
                ) or (
                    isinstance(node, ast.Assign)
                    and any(".env." in ast.unparse(t) for t in node.targets)
                ):
                    found.append(f"{rel.as_posix()}:{node.lineno}: {text[:60]}")
    return found


def test_clean_page_packages_go_through_services() -> None:
    assert _page_leaks(SRC, CLEAN_PAGE_PACKAGES) == []


def test_no_web_module_changes_the_catalogue_or_templates_at_import() -> None:
    assert _import_time_changes(SRC, tuple(IMPORT_TIME_PENDING)) == []


def test_the_page_rules_catch_each_kind_of_breach(tmp_path: Path) -> None:
    root = tmp_path / "lanyan"
    _write(root, "stats/models.py", "")
    _write(
        root,
        "web/stats/pages.py",
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n"  # allowed, for hints
        "from lanyan.stats.models import FireRecord\n"
        "from lanyan.web.render import TEMPLATES\n"
        "from lanyan.web.i18n import add_messages\n"
        "add_messages({})\n"
        "TEMPLATES.env.globals['x'] = 1\n"
        "def f(session: Session):\n"
        "    add_messages({})\n"  # inside a function: not at import
        "    return session.execute(select(FireRecord))\n",
    )
    assert _page_leaks(root, ("stats",)) == [
        "web/stats/pages.py:1: sqlalchemy.select",
        "web/stats/pages.py:3: lanyan.stats.models",
        "web/stats/pages.py: select(",
    ]
    assert _import_time_changes(root, ()) == [
        "stats/pages.py:6: add_messages({})",
        "stats/pages.py:7: TEMPLATES.env.globals['x'] = 1",
    ]
