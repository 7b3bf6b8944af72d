"""Packaging stays complete without building a wheel: every app package is found, every third-party module
the app imports is a declared dependency, and the assets and the compiled catalog ship with the wheel.

The full check (build a wheel from a clean clone, install it in a fresh venv, serve a page) is
`.ci/wheel_check.sh`; these tests catch the usual ways it breaks: a new app or sub-package that the package
discovery misses, an import of a library that only arrives through another one, a .po edited without
its .mo.
"""
import ast
import gettext
import importlib.metadata
import io
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NOT_APPS = {"tests", "bench", "var", "build", "dist", "templates", "static", "locale"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def discovered_packages() -> set[str]:
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    assert find.get("namespaces") is False, "package discovery must not pick up folders without __init__.py"
    found: set[str] = set()
    for where in find.get("where", ["."]):
        found |= set(find_packages(where=str(ROOT / where), include=find.get("include", ["*"]),
                                   exclude=find.get("exclude", [])))
    return found


def app_folders() -> list[Path]:
    return sorted(p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in NOT_APPS
                  and ((p / "apps.py").exists() or (p / "__init__.py").exists()))


def app_modules() -> list[Path]:
    packages = discovered_packages()
    return sorted(f for package in packages for f in (ROOT / package.replace(".", "/")).glob("*.py"))


def test_every_app_folder_and_sub_package_is_found():
    packages = discovered_packages()
    missing = []
    for folder in app_folders():
        for directory in [folder, *(d for d in folder.rglob("*") if d.is_dir())]:
            if directory.name == "__pycache__" or not any(directory.glob("*.py")):
                continue
            name = ".".join(directory.relative_to(ROOT).parts)
            if name not in packages:
                hint = "" if (directory / "__init__.py").exists() else " (no __init__.py)"
                missing.append(name + hint)
    assert not missing, f"not in the wheel: {missing}; fix [tool.setuptools.packages.find] in pyproject.toml"
    assert {p.split(".")[0] for p in packages} == {f.name for f in app_folders()}, "tests or bench would ship"


def test_templates_static_and_locale_ship_inside_the_config_package():
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    assets = next(ast.literal_eval(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == "ASSETS" for t in node.targets))
    assert assets == {f"config.{name}": name for name in ("templates", "static", "locale")}
    for folder in assets.values():
        assert (ROOT / folder).is_dir() and not (ROOT / "config" / folder).exists()


class _Imports(ast.NodeVisitor):
    """Top-level module names imported anywhere in a module, except under `if TYPE_CHECKING:`."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names |= {alias.name.split(".")[0] for alias in node.names}

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.names.add(node.module.split(".")[0])


def test_every_third_party_import_of_app_code_is_a_declared_dependency():
    first_party = {p.split(".")[0] for p in discovered_packages()}
    imported: dict[str, set[str]] = {}
    for path in app_modules():
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for name in visitor.names - first_party - set(sys.stdlib_module_names):
            imported.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    declared = {canonical(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    problems = []
    for module, where in sorted(imported.items()):
        dists = {canonical(d) for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{module} (imported by {sorted(where)[0]}) is not installed")
        elif not dists & declared:
            problems.append(f"{module} (imported by {sorted(where)[0]}) comes from {sorted(dists)}, not declared")
    assert not problems, "add to [project] dependencies in pyproject.toml:\n" + "\n".join(problems)


def test_pinned_requirements_match_the_installed_versions():
    requirements = [*PYPROJECT["project"]["dependencies"],
                    *(r for extra in PYPROJECT["project"]["optional-dependencies"].values() for r in extra)]
    stale = []
    for text in requirements:
        requirement = Requirement(text)
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            stale.append(f"{requirement.name}: not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            stale.append(f"{requirement.name}: {requirement.specifier} declared, {installed} installed")
    assert not stale, "run `make install` (or fix the pins): " + "; ".join(stale)


def test_dev_tools_are_declared():
    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {extra: {canonical(Requirement(r).name) for r in reqs} for extra, reqs in extras.items()}
    assert {"ruff", "mypy", "django-stubs"} <= names["dev"]
    assert {"pytest", "pytest-django", "pytest-xdist", "playwright"} <= names["test"]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True)


def _catalog(mo: bytes) -> dict:
    return gettext.GNUTranslations(io.BytesIO(mo))._catalog


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("msgfmt") is None, reason="needs git and msgfmt")
def test_committed_mo_files_are_compiled_from_the_committed_po_files(tmp_path):
    """A wheel built from a clean clone carries the committed .mo files (building needs no gettext), so
    each must be committed, and compiled from the committed .po (run `make messages`, commit both)."""
    if _git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip("not a git checkout")
    pos = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("locale/*/LC_MESSAGES/*.po"))
    assert pos
    for po in pos:
        mo = po[:-3] + ".mo"
        committed_mo = _git("show", f"HEAD:{mo}")
        committed_po = _git("show", f"HEAD:{po}")
        assert committed_mo.returncode == 0, f"{mo} is not committed: run `make messages` and commit it"
        assert committed_po.returncode == 0, f"{po} is not committed"
        source = tmp_path / "django.po"
        source.write_bytes(committed_po.stdout)
        subprocess.run(["msgfmt", "--check-format", "-o", str(tmp_path / "django.mo"), str(source)], check=True)
        assert _catalog(committed_mo.stdout) == _catalog((tmp_path / "django.mo").read_bytes()), (
            f"the committed {mo} is not compiled from the committed {po}: run `make messages` and commit it")
