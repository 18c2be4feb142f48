"""One way to say what a command works on: coder.selection and ``@selection_options``."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.commands.selection import DATE_METAVAR
from coder.corpus.importer import import_paths
from coder.errors import CoderError
from coder.selection import date_sql, normalise_date, resolve_filters

ALIASES = {"--document": "--doc", "--docs": "--doc", "--codes": "--code"}


def walk(command: click.Command, path: tuple[str, ...] = ()):
    """Every command and sub-command with its path."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def test_every_date_option_takes_one_syntax():
    seen = 0
    for path, command in walk(main):
        for param in command.params:
            if param.name in ("since", "until"):
                seen += 1
                assert param.metavar == DATE_METAVAR, (path, param.name)
                assert not isinstance(param.type, click.DateTime), path
    assert seen >= 10  # export, search, stats, cooccurrence, suggest, audit draw


def test_old_spellings_are_hidden_aliases_never_shown():
    for path, command in walk(main):
        for param in command.params:
            for alias in ALIASES:
                if alias in getattr(param, "opts", []):
                    assert param.hidden, (path, alias)
                    assert any(ALIASES[alias] in p.opts for p in command.params), (path, alias)
        help_text = command.get_help(click.Context(command, info_name="coder"))
        for alias in ALIASES:
            assert f"{alias} " not in help_text, (path, alias)


@pytest.mark.parametrize("spelling", ["--doc", "--document"])
def test_document_option_and_its_alias_select_the_same(project, transcript, tmp_path, spelling):
    import_paths(project, [transcript])
    runner = CliRunner()
    ok = runner.invoke(main, ["export", str(tmp_path / "one.csv"), spelling, "1",
                              "-p", str(project.path)])
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(main, ["export", str(tmp_path / "x.csv"), spelling, "7,8",
                                   "-p", str(project.path)])
    assert missing.exit_code == 1 and "no document 7, 8 in the project" in missing.output
    bad = runner.invoke(main, ["export", str(tmp_path / "x.csv"), spelling, "uno",
                               "-p", str(project.path)])
    assert bad.exit_code == 1 and "--doc 'uno' is not a document id" in bad.output


@pytest.mark.parametrize("args", [
    ["search", "guerra", "--since", "2019-02-30"],
    ["stats", "--since", "2019-02-30"],
    ["cooccurrence", "--until", "2019-02-30"],
    ["export", "x.csv", "--since", "2019-02-30"],
    ["suggest", "--since", "2019-02-30"],
    ["audit", "draw", "--per-code", "1", "--seed", "1", "--since", "2019-02-30"],
])
def test_every_command_rejects_a_bad_date_the_same_way(project, args):
    result = CliRunner().invoke(main, [*args, "-p", str(project.path)])
    assert result.exit_code == 1
    assert "'2019-02-30' is not a date (2019-02 has no day 30)" in result.output
    flag = "--until" if "--until" in args else "--since"
    assert f"coder: {flag} '2019-02-30'" in result.output  # the core's "since" shown as the flag


def test_the_cli_shows_the_flag_of_the_option_a_core_error_is_about():
    from coder.commands.common import cli_message

    assert cli_message(CoderError("per_code must be at least 1", option="per_code")) == \
        "--per-code must be at least 1"
    assert cli_message(CoderError("a coder is listed twice", option="coders")) == \
        "--coders: a coder is listed twice"
    assert cli_message(CoderError("no project file here", path="x.db", option="project")) == \
        "-p/--project: x.db: no project file here"
    assert cli_message(CoderError("perhaps not", option="per")) == "--per: perhaps not"
    assert cli_message(CoderError("no code 'X'")) == "no code 'X'"


def test_dates_are_prefixes_compared_inclusively():
    assert normalise_date("2019", "since") == "2019"
    assert normalise_date("2019-03", "until") == "2019-03"
    with pytest.raises(CoderError, match="no month 13"):
        normalise_date("2019-13", "since")
    sql, params = date_sql("2019", "2019-03", "d.date")
    assert params == ["2019", "2019-03"] and "substr(d.date, 1, 7) <= ?" in sql


def test_resolve_filters_expands_codes_and_checks_documents(project, transcript):
    from coder.codebook import parse_codebook, store_codebook
    from tests.helpers import CODEBOOK

    import_paths(project, [transcript])
    store_codebook(project, parse_codebook(CODEBOOK))
    top = project.db.execute("SELECT id FROM codes WHERE parent_id IS NULL ORDER BY sort").fetchone()[0]
    below = {r[0] for r in project.db.execute("SELECT id FROM codes WHERE parent_id = ?", [top])}
    resolved = resolve_filters(project, codes=top, document_ids="1")
    assert resolved.code_ids[0] == top and below <= set(resolved.code_ids)
    assert resolved.document_ids == [1]
    with pytest.raises(CoderError, match="no code 'NOPE'"):
        resolve_filters(project, codes=["NOPE"])
