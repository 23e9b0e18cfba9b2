"""The layout's rules hold (issue 14): checked by import-linter, and the CLI's argparse lives only in cli/."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch):
    """.importlinter: gislib imports no streamlit/folium/layers/views/cli, layers no view, views no store backend."""
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0


def _imports_argparse(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "argparse":
            return True
    return False


@pytest.mark.parametrize("folder", ["gislib", "layers", "views"])
def test_argparse_only_in_cli(folder):
    """Commands are thin modules of cli/; no library module or layer parses arguments."""
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / folder).rglob("*.py")) if _imports_argparse(p)]
    assert offenders == []


def test_every_command_is_a_cli_module():
    """Each command of `python -m gislib` is served by a module of cli/ that has add_arguments and run."""
    import importlib

    from cli import COMMANDS

    for name, (module_path, _help) in COMMANDS.items():
        assert module_path.startswith("cli."), name
        module = importlib.import_module(module_path)
        assert callable(module.add_arguments) and callable(module.run), name
    assert os.path.exists(ROOT / "gislib" / "__main__.py")
