"""Build hook: ship the checkout's top-level templates/, static/ and locale/ inside the `config` package.

Everything else is declared in pyproject.toml. The folders stay where they are in the checkout (the
settings use them there, also in an editable install); a wheel carries them as config/templates,
config/static and config/locale (with the committed, compiled .mo files), where config/settings/base.py
looks when it runs from an installed package.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py

ASSETS = {"config.templates": "templates", "config.static": "static", "config.locale": "locale"}


def asset_packages() -> dict[str, str]:
    """Each asset folder and sub-folder as a data-only package: `config.static.css` -> `static/css`."""
    packages = {}
    for package, folder in ASSETS.items():
        for directory, subdirectories, _ in os.walk(folder):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__" and not d.startswith("."))
            relative = os.path.relpath(directory, folder)
            packages[package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}"] = directory
    return packages


class BuildPyWithAssets(build_py):
    def finalize_options(self):
        super().finalize_options()
        assets = asset_packages()
        self.packages = [*(self.packages or []), *assets]
        self.package_dir = {**(self.package_dir or {}), **assets}
        self.package_data = {**(self.package_data or {}), **{package: ["*"] for package in assets}}

    def check_package(self, package, package_dir):
        # asset folders hold data, not modules: no __init__.py to look for
        return None if package.split(".")[:2] in (p.split(".") for p in ASSETS) else super().check_package(
            package, package_dir)


setup(cmdclass={"build_py": BuildPyWithAssets})
