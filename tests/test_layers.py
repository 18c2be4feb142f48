"""The layers of the code (import contracts, no cycles, light `--help`) and of the tests."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import coder


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(coder.__path__, prefix="coder."):
        if info.name.startswith("coder.tui") or info.name == "coder.__main__":
            continue
        names.append(info.name)
    return names


def test_core_modules_do_not_import_textual():
    modules = core_modules()
    assert "coder.project" in modules and "coder.annotate" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core imported textual: {result.stdout}"


def test_cli_help_stays_light():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from coder.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('textual', 'spacy', 'pandas', 'pyarrow') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# -- the import contracts (pyproject.toml [tool.importlinter]) --------------------------------

def _graph():
    grimp = pytest.importorskip("grimp")
    return grimp.build_graph("coder", cache_dir=None)


def test_import_contracts_are_kept():
    """The layers and the forbidden imports of docs/DEVELOPING.md, checked by import-linter.

    Function-level imports count: a back-import hidden inside a function breaks it too.
    """
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    config = str(Path(__file__).resolve().parents[1] / "pyproject.toml")
    assert lint_imports(config_filename=config, no_cache=True) == 0, \
        "an import breaks a contract; run `lint-imports` for the details"


def test_no_module_takes_part_in_an_import_cycle():
    """No module reaches itself through imports (function-level ones included)."""
    graph = _graph()
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or not imported.startswith("coder"):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            assert back is None, f"cycle: {module} -> {' -> '.join(back)}"


def test_modules_do_not_import_each_others_private_names():
    """A leading underscore means "this module only": no other module imports it."""
    import ast

    root = Path(coder.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level + (node.module or "").count("coder"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{path.relative_to(root)}: {node.module}.{alias.name}")
    assert offenders == [], "\n".join(offenders)


# -- the tests' own layout (tests/helpers.py, tests/tui/conftest.py) ---------------------------

def imported_test_modules(source: str) -> list[str]:
    """The test modules (``test_*``) and conftests a piece of test source imports."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # `from . import test_x` and `from tests import conftest` name the module in names.
            base = node.module or ""
            modules = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if any(part.startswith("test_") or part == "conftest" for part in parts):
                found.append(module)
    return found


def test_imported_test_modules_are_found():
    """The check below can fail: each way of importing a test module is caught."""
    assert imported_test_modules("from tests.test_refi import validate_qdpx") == [
        "tests.test_refi", "tests.test_refi.validate_qdpx"]
    assert imported_test_modules("def f():\n    from test_tui_coding import find\n")
    assert imported_test_modules("import tests.conftest")
    assert imported_test_modules("from . import test_cli")
    assert imported_test_modules("from tests import conftest")
    assert imported_test_modules("from tests.helpers import build_project, test_value") == [
        "tests.helpers.test_value"]  # a helper named test_* would be collected as a test
    assert imported_test_modules("from tests.helpers import TRANSCRIPT\n"
                                 "from tests.tui.pilot import find") == []


def test_no_test_module_imports_another():
    """Shared helpers live in tests/helpers.py (and tests/tui/pilot.py), fixtures in
    conftest.py files pytest loads itself: no test module or conftest is imported."""
    root = Path(__file__).resolve().parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for module in imported_test_modules(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(root)}: {module}")
    assert offenders == [], "\n".join(offenders)


# -- core errors name no command-line flags (the CLI adds them: commands.common.cli_message) ----

def cli_flags() -> set[str]:
    """Every option string of every coder command (``--since``, ``-p`` ...)."""
    import click

    from coder.cli import main

    flags: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            if isinstance(param, click.Option):
                flags.update(param.opts + param.secondary_opts)
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                walk(command.get_command(click.Context(command), name))

    walk(main)
    return flags


def flags_in_error_messages(source: str, flags: set[str]) -> list[tuple[int, str]]:
    """(line, flag) for each flag written in the text of an ``...Error(...)``/``...Problem(...)``
    call (f-string pieces included) in ``source``."""
    import ast
    import re

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
        if not name.endswith(("Error", "Problem")):
            continue
        for part in ast.walk(node):
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                for flag in flags:
                    if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", part.value):
                        found.append((node.lineno, flag))
    return found


def test_flags_in_error_messages_are_found():
    flags = {"--since", "-p", "--doc"}
    assert flags_in_error_messages('raise CoderError(f"--since {x!r} is not a date")', flags) \
        == [(1, "--since")]
    assert flags_in_error_messages('raise ProjectError("no file; pass -p/--project")', flags) \
        == [(1, "-p")]
    assert flags_in_error_messages('raise CoderError("since is not a date", option="since")',
                                   flags) == []
    assert flags_in_error_messages('x = "--doc"; raise CoderError("--docs in plain-prose")',
                                   flags) == []


def test_core_errors_name_no_command_line_flags():
    """The workbench and the Python API have no flags: a core CoderError names the argument
    (``option=``) and the CLI shows its flag."""
    flags = cli_flags()
    assert {"--since", "--doc", "-p", "--per-code"} <= flags
    root = Path(coder.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "cli.py" or relative.startswith(("commands/", "tui/")):
            continue
        for line, flag in flags_in_error_messages(path.read_text(encoding="utf-8"), flags):
            offenders.append(f"coder/{relative}:{line}: {flag}")
    assert offenders == [], "\n".join(offenders)
