"""Everything a user can run is explained: help text, a mention in the docs, live registries."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
import pytest

from coder.cli import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parents[1]


def commands(command: click.Command = main, path: tuple[str, ...] = ()):
    """Every command and sub-command of ``coder`` with its path of names."""
    if path:
        yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


def docs_text() -> str:
    parts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(parts)


ALL = list(commands())


def test_the_cli_has_the_commands_it_registers():
    names = {path[0] for path, _ in ALL}
    assert {"import", "export", "agreement", "tui", "suggest"} <= names


@pytest.mark.parametrize("path,command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_and_every_option_too(path, command):
    assert (command.help or "").strip(), f"coder {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"coder {' '.join(path)} {param.opts[0]}: no help"


@pytest.mark.parametrize("path,command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_appears_in_the_readme_or_docs(path, command):
    text = docs_text()
    # A sub-command is documented when "coder GROUP SUB" or "GROUP SUB" appears.
    phrase = " ".join(path)
    assert f"coder {phrase}" in text or f"`{phrase}" in text or f" {phrase} " in text, \
        f"`coder {phrase}` is not in README.md or docs/"


def test_every_registry_entry_resolves():
    for module_name, names in COMMAND_MODULES:
        module = importlib.import_module(f"coder.commands.{module_name}")
        for name in names:
            assert isinstance(getattr(module, name, None), click.Command), (module_name, name)
    from coder.corpus.formats import EXTENSIONS, READERS

    for fmt, module_name in READERS.items():
        module = importlib.import_module(module_name)
        assert callable(module.read) and isinstance(module.OPTIONS, (set, frozenset, tuple, list, dict)), fmt
    assert set(EXTENSIONS.values()) <= set(READERS), "an extension maps to a format without a reader"
