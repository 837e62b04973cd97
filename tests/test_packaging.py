"""What a wheel of Kehila ships, read from pyproject.toml without building one.

The data folders (templates, assets, locale, ...) hold no Python, so they are not packages: each
file ships because a `package-data` pattern of the package above it names it, and setuptools
gathers nothing else (`include-package-data = false`, which keeps `pip install` free of its
"Package would be ignored" warnings). A file no pattern names would be left out of the wheel
silently, while every test of the checkout still passes: these tests catch that.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]


def package_dirs() -> dict[str, Path]:
    """Every package of the wheel and the folder of the checkout it is built from."""
    mapped = SETUPTOOLS["package-dir"]
    found = {}
    for package in SETUPTOOLS["packages"]:
        # A package lives in its own mapped folder, or under the nearest mapped parent's.
        parent = max((p for p in mapped if package == p or package.startswith(p + ".")), key=len)
        rest = package.removeprefix(parent).lstrip(".")
        found[package] = ROOT / mapped[parent] / Path(*rest.split(".") if rest else ())
    return found


def checkout_files() -> set[Path]:
    """The files a wheel should hold: all under the package folders but compiled Python."""
    return {
        path
        for root in package_dirs().values()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def shipped_files() -> set[Path]:
    """The files the configuration ships: each package's modules and its package-data."""
    data = SETUPTOOLS["package-data"]
    shipped = set()
    for package, root in package_dirs().items():
        shipped |= set(root.glob("*.py"))
        for pattern in data.get(package, []):
            shipped |= {p for p in root.glob(pattern) if p.is_file()}
    return shipped


def test_setuptools_gathers_only_what_pyproject_names() -> None:
    assert SETUPTOOLS["include-package-data"] is False


def test_every_folder_of_python_is_a_listed_package() -> None:
    listed = set(package_dirs().values())
    folders = {path.parent for path in checkout_files() if path.suffix == ".py"}
    assert folders - listed == set()


def test_every_template_asset_and_catalog_ships() -> None:
    files = checkout_files()
    suffixes = {path.suffix for path in files}
    assert {".md", ".css", ".js", ".html", ".po", ".pot", ".mo"} <= suffixes, suffixes
    missing = sorted(str(path.relative_to(ROOT)) for path in files - shipped_files())
    assert missing == [], "no package-data pattern in pyproject.toml names these files"
