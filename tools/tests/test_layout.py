"""The layout tools/README.md describes: the three packages import one way (reference maths `gloria_ref` ←
exporter `gloria_export` ← golden writers `gloria_goldens`), none of them imports the phantom training code,
and no file in tools/ edits sys.path (the commands import from their own folder; pytest's `pythonpath`
serves the tests)."""

import ast
import os

import pytest

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each package and the packages of tools/ it may import (itself included), in the one-way order.
PACKAGES = ("gloria_ref", "gloria_export", "gloria_goldens")
ALLOWED = {name: set(PACKAGES[: i + 1]) for i, name in enumerate(PACKAGES)}
LOCAL = set(PACKAGES) | {"phantom"}
COMMANDS = ("export-gloria", "convert-precision", "make-goldens", "make-kernels", "train-phantom", "train-phantom-segmentation", "evaluate-phantom")


def _imports(path: str, package: str):
    """The packages of tools/ (gloria_*, phantom) that a module of `package` imports."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level > 1:
                found.add("<outside the package: from " + "." * node.level + (node.module or "") + ">")
            elif node.level == 1:
                found.add(package)
            elif node.module and node.module.split(".")[0] in LOCAL:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names if alias.name.split(".")[0] in LOCAL)
    return found


def _modules():
    return [
        (package, name[:-3])
        for package in PACKAGES
        for name in sorted(os.listdir(os.path.join(TOOLS, package)))
        if name.endswith(".py")
    ]


def test_the_packages_are_there():
    for package in PACKAGES:
        assert os.path.isfile(os.path.join(TOOLS, package, "__init__.py")), package


@pytest.mark.parametrize("package,module", _modules())
def test_packages_import_one_way(package, module):
    imported = _imports(os.path.join(TOOLS, package, module + ".py"), package)
    assert imported <= ALLOWED[package], f"{package}.{module} imports {sorted(imported - ALLOWED[package])}"


def _tools_python_files():
    for folder, dirs, files in os.walk(TOOLS):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", "node_modules") and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(folder, name)
    for name in COMMANDS:
        yield os.path.join(TOOLS, name)


def test_no_sys_path_edits():
    offenders = []
    for path in _tools_python_files():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                offenders.append(f"{os.path.relpath(path, TOOLS)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("name", COMMANDS)
def test_commands_are_executable_python_at_the_top_of_tools(name):
    path = os.path.join(TOOLS, name)
    assert os.access(path, os.X_OK)
    with open(path, encoding="utf-8") as f:
        assert f.readline() == "#!/usr/bin/python3\n"
