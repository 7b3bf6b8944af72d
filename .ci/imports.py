"""The import graph of the apps: module cycles, app pairs importing each other, imports inside functions.

Usage: python .ci/imports.py [ROOT] [-v] [-e]
  -v  list the imports inside functions
  -e  list the cross-app edges
Imports under `if TYPE_CHECKING:` are not edges (they never run).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

APPS = ["accounts", "config", "core", "grants", "projects", "reviewers", "finance", "documents", "tools"]
# The web layer may import any app by design; the second app-pair figure leaves it out.
WEB_PARTS = {"views", "urls", "admin", "apps"}


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")) if (root / app).exists() else []:
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules(root)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    inside_functions = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = {_resolve(n, modules) for n in _targets(node, module, path)} - {None, module}
            targets = {t for t in targets if t and t.split(".")[0] in APPS}
            in_function = type_checking = False
            current: ast.AST = node
            while current in parents:
                current = parents[current]
                if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    in_function = True
                if isinstance(current, ast.If) and "TYPE_CHECKING" in ast.unparse(current.test):
                    type_checking = True
            if in_function and targets:
                inside_functions.append(f"{module}:{node.lineno}")
            if not type_checking:
                edges[module] |= targets
    return edges, inside_functions


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def app_pairs(edges: dict[str, set[str]], *, skip_web: bool) -> list[tuple[str, str]]:
    apps: dict[str, set[str]] = {}
    for source, targets in edges.items():
        if skip_web and WEB_PARTS & set(source.split(".")[1:]):
            continue
        for target in targets:
            a, b = source.split(".")[0], target.split(".")[0]
            if a != b:
                apps.setdefault(a, set()).add(b)
    return sorted((a, b) for a in apps for b in apps[a] if a < b and a in apps.get(b, set()))


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("-")]
    root = Path(args[0] if args else ".")
    edges, inside = graph(root)
    print("modules", len(edges))
    print("imports inside functions (project modules)", len(inside))
    groups = cycles(edges)
    print("module import cycles (strongly connected groups)", len(groups))
    for group in groups:
        print("  ", " ".join(group))
    print("app pairs importing each other", app_pairs(edges, skip_web=False))
    print("app pairs importing each other, web layer (views, urls, admin, apps) left out",
          app_pairs(edges, skip_web=True))
    if "-v" in argv:
        print("\n".join(inside))
    if "-e" in argv:
        for source, targets in sorted(edges.items()):
            for target in sorted(targets):
                if source.split(".")[0] != target.split(".")[0]:
                    print(f"{source} -> {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
