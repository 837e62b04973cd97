"""Kehila's layers: only the MkDocs adapter (``kehila.mkdocs``) imports MkDocs.

The content model, the hub's pages, feeds, search, the desk and harvest are engine-neutral.
Each module's syntax tree is read (nothing is imported), so an import inside a function or under
``TYPE_CHECKING`` counts as well: ``kehila.mkdocs`` itself imports MkDocs, so reaching it from
below the adapter counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kehila
import kehila.harvest

ADAPTER = "kehila.mkdocs"


def modules() -> dict[str, Path]:
    """Every module of the ``kehila`` package by its dotted name (harvest lives apart)."""
    found = {}
    for package, root in (
        ("kehila", Path(kehila.__file__).parent),
        ("kehila.harvest", Path(kehila.harvest.__file__).parent),
    ):
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            if package == "kehila" and name.startswith("kehila.harvest"):
                continue  # an editable checkout never has one, but an installed copy might
            found[name] = path
    return found


def imported(name: str, path: Path) -> list[tuple[int, str]]:
    """The modules ``path`` imports (relative imports resolved), with their lines."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append((node.lineno, module))
            # `from . import mkdocs` names the sub-package in the alias, not in the module.
            names += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return names


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_only_the_adapter_imports_mkdocs() -> None:
    found = modules()
    assert (
        f"{ADAPTER}.plugin" in found and "kehila.model" in found and "kehila.harvest.store" in found
    )
    offenders = []
    for name, path in found.items():
        if in_package(name, ADAPTER):
            continue
        for line, module in imported(name, path):
            if in_package(module, "mkdocs") or in_package(module, ADAPTER):
                offenders.append(f"{path}:{line}: {name} imports {module}")
    assert offenders == [], "only kehila.mkdocs may import MkDocs:\n" + "\n".join(offenders)


def test_the_adapter_is_where_mkdocs_finds_the_plugin() -> None:
    from importlib.metadata import entry_points

    (plugin,) = entry_points(group="mkdocs.plugins", name="kehila")
    assert plugin.value == f"{ADAPTER}.plugin:KehilaPlugin"
    assert plugin.load().__module__ == f"{ADAPTER}.plugin"


def test_the_check_sees_an_import_of_mkdocs(tmp_path: Path) -> None:
    """The check itself can fail: each spelling of an import is seen."""
    for source in (
        "import mkdocs.plugins\n",
        "from mkdocs.structure.files import File\n",
        "def f():\n    from mkdocs import utils\n",
        "from .mkdocs import plugin\n",
        "from . import mkdocs\n",
    ):
        path = tmp_path / "hub.py"
        path.write_text(source, encoding="utf-8")
        modules = [m for _, m in imported("kehila.hub", path)]
        assert any(in_package(m, "mkdocs") or in_package(m, ADAPTER) for m in modules), source
    path.write_text("from .model import Item\nimport markdown\n", encoding="utf-8")
    assert [m for _, m in imported("kehila.hub", path)] == [
        "kehila.model",
        "kehila.model.Item",
        "markdown",
    ]
