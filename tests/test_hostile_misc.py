"""Hostile codebooks, failing writes and other honest errors (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.codebook import parse_codebook
from coder.errors import CodebookError
from tests.helpers import CODEBOOK, REPO

ALIAS_CYCLE = """codebook: {name: Ciclo}
codes: &codes
  - id: A
    name: A
    children: *codes
"""

# "Billion laughs": each level repeats the one before nine times (9**9 strings at the top).
LAUGHS = "codebook: {name: Risas}\ncodes:\n  - id: A\n    name: A\n    examples: &l0 [ja, ja, ja, ja, ja, ja, ja, ja, ja]\n"
for level in range(1, 10):
    LAUGHS += f"  - id: A{level}\n    name: A{level}\n    examples: &l{level} [" + \
        ", ".join([f"*l{level - 1}"] * 9) + "]\n"


# A small bomb for tests in this process (a regression must not eat the machine's memory);
# the full one runs only in a subprocess with an address-space limit.
SMALL_LAUGHS = LAUGHS.split("  - id: A3")[0]


@pytest.mark.parametrize("text", [ALIAS_CYCLE, SMALL_LAUGHS], ids=["cycle", "laughs"])
def test_yaml_aliases_are_refused_before_anything_is_built(text):
    with pytest.raises(CodebookError, match=r"line \d+: YAML aliases \(\*\w+\) are not allowed"):
        parse_codebook(text)


def _limited_memory():
    import resource

    limit = 1 << 30  # 1 GB of address space: far more than coder needs, far less than a bomb
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limit as on Linux")
@pytest.mark.parametrize("text", [ALIAS_CYCLE, LAUGHS], ids=["cycle", "laughs"])
def test_codebook_load_of_an_alias_bomb_is_one_line_in_bounded_memory(tmp_path, text):
    path = tmp_path / "bomba.yaml"
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "coder", "init", "-p", str(tmp_path / "p.db")],
                   env=env, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "coder", "codebook", "load", str(path), "-p",
                           str(tmp_path / "p.db")], env=env, capture_output=True, text=True,
                          preexec_fn=_limited_memory, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("coder: ")
    assert str(path) in done.stderr and "aliases" in done.stderr


def test_a_codebook_written_back_has_no_aliases():
    from coder.codebook.load import dump_codebook_yaml

    shared = ["una", "frase"]
    text = dump_codebook_yaml({"codes": [{"id": "A", "name": "A", "examples": shared},
                                         {"id": "B", "name": "B", "examples": shared}]})
    assert "&" not in text and "*" not in text
    assert [c.examples for c in parse_codebook(text).codes] == [shared, shared]


def test_the_test_codebook_still_loads():
    assert parse_codebook(CODEBOOK).codes


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_codebook_show_cuts_definitions_at_word_boundaries(tmp_path):
    words = "Una definición larguísima que sigue y sigue con palabras extraordinariamente largas " \
            "hasta pasar con holgura los ochenta caracteres del resumen mostrado"
    book = tmp_path / "libro.yaml"
    book.write_text(f"codebook: {{name: Libro}}\ncodes:\n  - id: A\n    name: Uno\n"
                    f"    definition: {words}\n", encoding="utf-8")
    project = tmp_path / "p.db"
    assert cli("init", "-p", project).exit_code == 0
    assert cli("codebook", "load", book, "-p", project).exit_code == 0
    result = CliRunner().invoke(main, ["codebook", "show", "-p", str(project)],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    shown = result.output.split("— ", 1)[1].split("…")[0].split()
    assert shown and all(word in words.split() for word in shown)


MARKUP = "Mensaje [/] del [bold]día[sic]"  # what rich would read as markup


def test_brackets_in_users_words_are_shown_as_written(tmp_path):
    """A title, a text or a codebook's words holding "[/]" or "[bold]" are shown as
    written by every table and tree: rich read them as markup, and "[/]" stopped
    `coder documents` with a traceback."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(
        f"{MARKUP}\n01 de marzo de 2020\n\nPRESIDENTE JUAN PÉREZ: Dijo [/] que no.\n",
        encoding="utf-8")
    book = tmp_path / "libro.yaml"
    book.write_text(f"codebook: {{name: '{MARKUP}'}}\ncodes:\n  - id: A\n    name: '{MARKUP}'\n"
                    f"    definition: '{MARKUP}'\n    patterns:\n"
                    "      - {id: dijo, lang: es, pattern: [{LOWER: dijo}]}\n", encoding="utf-8")
    project = tmp_path / "p.db"
    for command in (["init"], ["import", tmp_path / "corpus"], ["codebook", "load", book]):
        assert cli(*command, "-p", project).exit_code == 0
    for command in (["documents"], ["stats", "--by", "document"], ["codebook", "show"]):
        result = CliRunner().invoke(main, [*command, "-p", str(project)], terminal_width=250)
        assert result.exit_code == 0, (command, result.output)
        assert "[/]" in result.output, (command, result.output)
    shown = CliRunner().invoke(main, ["codebook", "show", "-p", str(project)], terminal_width=250)
    assert shown.output.count(MARKUP) == 3, shown.output
