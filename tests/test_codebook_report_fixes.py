"""A tester's report on codebooks: merge keeps patterns, duplicate groups, retired ids,
deep trees, pattern import messages and no-op imports, Spanish values, new groups over
existing codings, REFI files and model names given to the wrong command."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from coder.annotate import apply_code, set_attribute
from coder.cli import main
from coder.codebook import current_codebook, load_codebook, parse_codebook, store_codebook
from coder.codebook.edit import add_code, merge_codes, move_code, split_code, undo_edit
from coder.codebook.load import MAX_CODE_DEPTH
from coder.codebook.model import Code, Codebook, tree_order
from coder.corpus.importer import import_paths
from coder.errors import CodebookError, CoderError, PatternError
from coder.project import Project
from coder.suggest import export_patterns, import_patterns, list_suggestions, run_suggest
from tests.helpers import CODEBOOK, with_attributes

TABLES = ("codes", "codebooks", "annotations", "code_groups", "events", "suggestions")


def counts(project: Project) -> dict:
    """Rows per table, and the current codebook: what a refused command must not change."""
    return {**{t: project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES},
            "version": project.setting("codebook_version")}


def cli(project: Project, *args: str):
    return CliRunner().invoke(main, ["-p", str(project.path), *args])


@pytest.fixture
def coded(project, transcript, codebook_file):
    import_paths(project, [transcript])
    store_codebook(project, load_codebook(codebook_file))
    return project


def stored_patterns(project: Project, code_id: str) -> list[str]:
    row = project.db.execute("SELECT patterns, exclude FROM codes WHERE id = ?", [code_id]).fetchone()
    return [p["id"] for p in json.loads(row[0]) + json.loads(row[1])]


# -- 1. merging codes merges their patterns -------------------------------------------------

def test_merge_moves_the_source_patterns_to_the_target_and_undo_takes_them_back(coded):
    run_suggest(coded)
    spans = {(s["start"], s["end"]) for s in list_suggestions(coded, code="DES.ROOT")}
    assert spans  # "atender las causas"
    result = cli(coded, "codebook", "merge", "DES.ROOT", "DES.NOFORCE")
    assert result.exit_code == 0, result.output
    assert "1 pattern(s)" in result.output
    assert stored_patterns(coded, "DES.NOFORCE") == ["abrazos", "causas"]
    run_suggest(coded)
    assert spans <= {(s["start"], s["end"]) for s in list_suggestions(coded, code="DES.NOFORCE")}
    undo_edit(coded)
    assert stored_patterns(coded, "DES.ROOT") == ["causas"]
    assert stored_patterns(coded, "DES.NOFORCE") == ["abrazos"]


def test_merge_returns_how_many_patterns_moved_excludes_too(project):
    exclude = "        exclude:\n          - id: no-causas\n            pattern: sin causas\n"
    store_codebook(project, parse_codebook(CODEBOOK + exclude))  # DES.ROOT is the last code
    _, codings, patterns = merge_codes(project, "DES.ROOT", "SEC.WAR")
    assert (codings, patterns) == (0, 2)
    war = current_codebook(project).code("SEC.WAR")
    assert [p["id"] for p in war.patterns] == ["war-phrase", "causas"]
    assert [p["id"] for p in war.exclude] == ["no-causas"]


# -- 2. exclusive groups: ids unique, codes listed once -------------------------------------

@pytest.mark.parametrize("groups, words", [
    ("  - {id: G1, codes: [SEC.WAR, DES.ROOT]}\n  - {id: G1, codes: [DES.NOFORCE, SEC]}\n",
     "duplicate exclusive group id G1 (first on line"),
    ("  - {id: G1, codes: [SEC.WAR, DES.ROOT, SEC.WAR]}\n",
     "exclusive group G1: code SEC.WAR is listed twice"),
])
def test_duplicate_group_ids_and_repeated_codes_are_refused(coded, tmp_path, groups, words):
    path = tmp_path / "groups.yaml"
    path.write_text(CODEBOOK + "exclusive_groups:\n" + groups, encoding="utf-8")
    before = counts(coded)
    result = cli(coded, "codebook", "load", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"coder: {path}: line ") and words in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert counts(coded) == before


# -- 3. a new code may not take over a retired code's codings ---------------------------------

def test_a_new_code_cannot_take_a_retired_code_id_with_codings(coded, tmp_path):
    apply_code(coded, "alice", 1, "DES.ROOT", 0, 10)
    apply_code(coded, "alice", 1, "DES.ROOT", 20, 30)
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(CODEBOOK.split("      - id: DES.ROOT")[0], encoding="utf-8")
    store_codebook(coded, load_codebook(smaller))
    before = counts(coded)
    result = cli(coded, "codebook", "new", "DES.ROOT", "Something else")
    assert result.exit_code == 1
    assert "DES.ROOT was the id of a retired code ('Root causes') with 2 coding(s)" in result.output
    assert "load a codebook that has it" in result.output and "pick another id" in result.output
    with pytest.raises(CodebookError, match="retired code"):
        split_code(coded, "DES.NOFORCE", "DES.ROOT", "x", annotation_ids=[1])
    assert counts(coded) == before
    # The way back: loading the old codebook brings the code, with its codings, back.
    store_codebook(coded, parse_codebook(CODEBOOK))
    assert current_codebook(coded).code("DES.ROOT").name == "Root causes"


def test_a_retired_code_without_codings_may_be_added_again(coded):
    add_code(coded, "NEW", "Typo")
    undo_edit(coded)  # NEW is retired, nobody coded it
    add_code(coded, "NEW", "New")
    assert current_codebook(coded).code("NEW").name == "New"


# -- 4. deep trees: a limit, and no recursion ------------------------------------------------

def chain(prefix: str, n: int, indent: int = 2) -> str:
    lines = []
    for i in range(n):
        pad = " " * (indent + 4 * i)
        lines += [f"{pad}- id: {prefix}{i}", f"{pad}  name: {prefix} {i}", f"{pad}  children:"]
    lines[-1] = lines[-1].replace("children:", "color: '#123456'")
    return "\n".join(lines) + "\n"


def test_a_codebook_nested_deeper_than_the_limit_is_refused_in_one_line(project, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("codes:\n" + chain("A", 100), encoding="utf-8")
    result = cli(project, "codebook", "load", str(path))
    assert result.exit_code == 1
    assert f"code A{MAX_CODE_DEPTH} is nested {MAX_CODE_DEPTH + 1} levels deep; a codebook " \
           f"allows at most {MAX_CODE_DEPTH}" in result.output
    assert len(result.output.strip().splitlines()) == 1
    flat = "codes:\n" + "".join(f"  - {{id: F{i}, name: f{i}" + (f", parent: F{i - 1}" if i else "")
                                + "}\n" for i in range(3000))
    with pytest.raises(CodebookError, match=f"nested more than {MAX_CODE_DEPTH} levels deep"):
        parse_codebook(flat)


def test_moving_a_chain_under_another_is_refused_past_the_limit(project, tmp_path):
    path = tmp_path / "chains.yaml"
    path.write_text("codes:\n" + chain("A", 40) + chain("B", 40), encoding="utf-8")
    store_codebook(project, load_codebook(path))
    before = counts(project)
    result = cli(project, "codebook", "move", "B0", "A39")
    assert result.exit_code == 1
    assert result.output.strip() == (f"coder: code B{MAX_CODE_DEPTH - 40} would be nested "
                                     f"{MAX_CODE_DEPTH + 1} levels deep; a codebook allows at "
                                     f"most {MAX_CODE_DEPTH}")
    assert counts(project) == before
    move_code(project, "B20", "A39")  # 40 + 20 levels: within the limit
    assert current_codebook(project).code("B39").parent == "B38"


def test_tree_walks_do_not_recurse():
    codes = [Code(id=f"C{i}", name="c", parent=f"C{i - 1}" if i else None) for i in range(5000)]
    assert [c.id for c in tree_order(list(reversed(codes)))] == [c.id for c in codes]
    tree = Codebook(name="deep", codes=codes, version="v", yaml_text="").tree()
    depth = 0
    while tree:
        depth, tree = depth + 1, tree[0]["children"]
    assert depth == 5000


# -- 5. and 8. patterns import: the user's file and line; nothing changed, no new version --

def test_patterns_import_names_the_users_file_and_line(coded, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"label":"DES.ROOT","pattern":"hola","id":"war-phrase","lang":"es"}\n',
                    encoding="utf-8")
    before = counts(coded)
    with pytest.raises(PatternError) as error:
        import_patterns(coded, path)
    assert str(error.value) == (f"{path}: line 1: code DES.ROOT: pattern id 'war-phrase' is "
                                "already used by code SEC.WAR (pattern ids are unique across"
                                " the codebook)")
    path.write_text('{"label":"DES.ROOT","pattern":"hola","id":"h","lang":"es"}\n'
                    '{"label":"SEC.WAR","pattern":"adios","id":"h","lang":"es"}\n', encoding="utf-8")
    with pytest.raises(PatternError, match=r"mine.jsonl: line 2: code SEC.WAR: pattern id 'h' is"
                                           r" also on line 1 \(code DES.ROOT\)"):
        import_patterns(coded, path)
    assert counts(coded) == before


def test_reimporting_unchanged_patterns_makes_no_new_version(coded, tmp_path):
    run_suggest(coded)
    path = tmp_path / "r.jsonl"
    export_patterns(coded, path)
    before = counts(coded)
    result = cli(coded, "patterns", "import", str(path))
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert counts(coded) == before
    assert run_suggest(coded).processed == 0
    lines = path.read_text(encoding="utf-8").replace('"abrazos, no balazos"', '"abrazos"')
    path.write_text(lines, encoding="utf-8")
    assert import_patterns(coded, path)["changed"]
    assert coded.setting("codebook_version") != before["version"]


# -- 6. Spanish attribute values; code ids say they are ASCII -------------------------------

SI_NO = """
attributes:
  - id: respuesta
    codes: [SEC]
    values: [{values}]
"""


def test_an_unquoted_no_says_to_quote_it(tmp_path):
    path = tmp_path / "sino.yaml"
    path.write_text(with_attributes(SI_NO.replace("{values}", "si, no")), encoding="utf-8")
    with pytest.raises(CodebookError) as error:
        load_codebook(path)
    assert str(error.value).endswith('attribute respuesta: value no was read as false: write it'
                                     ' in quotes ("no")')
    assert str(error.value).startswith(f"{path}: line ")


def test_accented_values_load_and_survive_exports(coded, tmp_path):
    store_codebook(coded, parse_codebook(with_attributes(SI_NO.replace("{values}", 'sí, "no"'))))
    annotation = apply_code(coded, "alice", 1, "SEC.WAR", 0, 10)
    set_attribute(coded, "alice", annotation["id"], "respuesta", "sí")
    assert cli(coded, "export", str(tmp_path / "s.csv")).exit_code == 0
    with open(tmp_path / "s.csv", encoding="utf-8", newline="") as table:
        assert [row["attr_respuesta"] for row in csv.DictReader(table)] == ["sí"]
    out = tmp_path / "p.qdpx"
    assert cli(coded, "export", str(out)).exit_code == 0
    with Project(tmp_path / "other.db", create=True) as other:
        result = CliRunner().invoke(main, ["-p", str(other.path), "import-refi", str(out)])
        assert result.exit_code == 0, result.output
        values = [json.loads(r[0]) for r in other.db.execute(
            "SELECT attributes FROM annotations WHERE deleted = 0")]
        assert {"respuesta": "sí"} in values


def test_a_code_id_with_an_accent_says_ids_are_ascii():
    text = CODEBOOK.replace("id: SEC.WAR", "id: Seguridad.Militarización")
    with pytest.raises(CodebookError, match=r"code id 'Seguridad.Militarización' must be ASCII "
                                            r"letters \(a-z, no accents\)"):
        parse_codebook(text)


# -- 7. a new exclusive group over codings that already break it ---------------------------

def test_loading_a_new_group_warns_about_codings_that_break_it(coded, tmp_path):
    apply_code(coded, "alice", 1, "SEC.WAR", 0, 10)
    apply_code(coded, "alice", 1, "DES.ROOT", 5, 15)
    apply_code(coded, "bob", 1, "DES.ROOT", 0, 10)  # another coder: agreement's business
    apply_code(coded, "alice", 1, "DES.NOFORCE", 5, 15)  # not in the group
    path = tmp_path / "group.yaml"
    path.write_text(CODEBOOK + "exclusive_groups:\n  - {id: G, codes: [SEC.WAR, DES.ROOT]}\n",
                    encoding="utf-8")
    result = cli(coded, "codebook", "load", str(path))
    assert result.exit_code == 0
    assert ("exclusive group G is new: 2 existing coding(s) in 1 document(s) already overlap "
            "another code of the group by the same coder") in result.output
    assert "coder annotations --code SEC.WAR,DES.ROOT" in result.output
    assert json.loads(coded.db.execute("SELECT codes FROM code_groups").fetchone()[0]) == [
        "SEC.WAR", "DES.ROOT"]
    again = cli(coded, "codebook", "load", str(path))
    assert "exclusive group" not in again.output  # said once, when the group came


# -- 9. a REFI codebook given to `codebook load`; model names --------------------------------

def test_loading_a_qdc_points_at_import_refi(coded, tmp_path):
    out = tmp_path / "x.qdc"
    assert cli(coded, "export", str(out)).exit_code == 0
    before = counts(coded)
    result = cli(coded, "codebook", "load", str(out))
    assert result.exit_code == 1
    assert result.output.strip() == (f"coder: {out}: a REFI-QDA file, not a YAML codebook: use "
                                      f"`coder import-refi {out}`")
    renamed = tmp_path / "x.yaml"
    renamed.write_bytes(out.read_bytes())
    assert "use `coder import-refi" in cli(coded, "codebook", "load", str(renamed)).output
    assert counts(coded) == before


def test_suggest_refuses_an_empty_model_and_offers_pip_only_for_package_names(coded, tmp_path):
    before = counts(coded)
    empty = cli(coded, "suggest", "--model", "")
    assert empty.exit_code == 1 and "--model is empty" in empty.output
    path = cli(coded, "suggest", "--model", "../../etc/nowhere")
    assert path.exit_code == 1 and "pip install" not in path.output
    assert "no spaCy pipeline '../../etc/nowhere': there is no such folder" in path.output
    folder = cli(coded, "suggest", "--model", str(tmp_path))
    assert folder.exit_code == 1 and "is a folder spaCy cannot load as a pipeline" in folder.output
    package = cli(coded, "suggest", "--model", "es_no_such_pipeline_sm")
    assert "pip install es_no_such_pipeline_sm" in package.output
    assert counts(coded) == before
    with pytest.raises(CoderError, match="model is empty"):
        run_suggest(coded, model="")
