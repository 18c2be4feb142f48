"""The domain core never imports textual (nor does `coder --help`)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
