"""The layout tools/README.md describes: gloria_ref's three layers import one way (reference maths ←
exporter ← golden writers), nothing in gloria_ref imports the phantom training code, and no file in
tools/ edits sys.path (the commands import from their own folder; pytest's `pythonpath` serves the tests)."""

import ast
import os

import pytest

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(TOOLS, "gloria_ref")

MATHS = {"config", "image", "bert", "fastlinear", "tokenizer", "text", "similarity", "zeroshot", "model", "preprocess"}
EXPORTER = {"checkpoint", "tokenizer_json", "onnx_export", "export", "precision"}
GOLDENS = {"synthetic", "goldens", "kernels"}
ALLOWED = {"maths": MATHS, "exporter": MATHS | EXPORTER, "goldens": MATHS | EXPORTER | GOLDENS}
COMMANDS = ("export-gloria", "convert-precision", "make-goldens", "make-kernels", "train-phantom", "evaluate-phantom")


def _layer(module: str) -> str:
    return "maths" if module in MATHS else "exporter" if module in EXPORTER else "goldens"


def _imports(path: str):
    """(package-relative module names imported from gloria_ref, other top-level names imported)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    local, other = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:
                local.update(alias.name for alias in node.names)
            elif node.level == 1:
                local.add(node.module.split(".")[0])
            elif node.module and node.module.split(".")[0] == "gloria_ref":
                parts = node.module.split(".")
                local.update([parts[1]] if len(parts) > 1 else [alias.name for alias in node.names])
            elif node.module:
                other.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            other.update(alias.name.split(".")[0] for alias in node.names)
    return local, other


def _ref_modules():
    return sorted(name[:-3] for name in os.listdir(REF) if name.endswith(".py") and name != "__init__.py")


def test_every_module_has_a_layer():
    assert set(_ref_modules()) == MATHS | EXPORTER | GOLDENS


@pytest.mark.parametrize("module", _ref_modules())
def test_layers_import_one_way(module):
    local, other = _imports(os.path.join(REF, module + ".py"))
    layer = _layer(module)
    assert local <= ALLOWED[layer], f"gloria_ref.{module} ({layer}) imports {sorted(local - ALLOWED[layer])}"
    assert "phantom" not in other


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
