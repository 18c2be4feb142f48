"""The codebook format: loading, validation that names the line, storing, versions."""

from __future__ import annotations

import json

import pytest

from coder.codebook import (
    current_codebook,
    load_codebook,
    parse_codebook,
    project_codes,
    store_codebook,
)
from coder.errors import CodebookError
from tests.helpers import CODEBOOK


def test_load_tree(codebook_file):
    book = load_codebook(codebook_file)
    assert [c.id for c in book.codes] == ["SEC", "SEC.WAR", "DES", "DES.NOFORCE", "DES.ROOT"]
    war = book.code("SEC.WAR")
    assert war.parent == "SEC" and war.key == "1" and war.color == "#e74c3c"
    assert war.when_not_to_use.startswith("A past war")
    assert war.patterns == [{"id": "war-phrase", "lang": "es", "pattern": "guerra contra el narco"}]
    assert book.tree()[0]["children"][0]["id"] == "SEC.WAR"
    assert len(book.version) == 64


def test_flat_parent_form():
    book = parse_codebook("codes:\n  - {id: A, name: A}\n  - {id: B, name: B, parent: A}\n")
    assert book.code("B").parent == "A"


BAD = {
    "duplicate key": ('codes:\n  - {id: A, name: A, key: "1"}\n  - {id: B, name: B, key: "1"}\n',
                      r"line 3: duplicate key '1'"),
    "duplicate id": ("codes:\n  - {id: A, name: A}\n  - {id: A, name: Again}\n", r"line 3: duplicate code id A"),
    "cycle": ("codes:\n  - {id: A, name: A, parent: B}\n  - {id: B, name: B, parent: A}\n", r"cycle in the code tree"),
    "unknown parent": ("codes:\n  - {id: A, name: A, parent: Z}\n", r"parent Z is not in the codebook"),
    "yaml syntax": ("codes:\n  - id: A\n    name: [unclosed\n", r"line \d+, column \d+: YAML syntax error"),
    "duplicate field": ("codes:\n  - id: A\n    name: A\n    name: B\n", r"line 4: duplicate field 'name'"),
    "typo field": ("codes:\n  - id: A\n    name: A\n    when_not_use: x\n", r"did you mean 'when_not_to_use'"),
    "reserved key": ('codes:\n  - {id: A, name: A, key: "q"}\n', r"key 'q' is a coding-screen command"),
    "bad colour": ('codes:\n  - {id: A, name: A, color: red}\n', r"colour 'red'"),
    "pattern not list": ("codes:\n  - id: A\n    name: A\n    patterns:\n      - id: p\n        pattern: 3\n",
                         r"line 5: code A, pattern p: `pattern` must be"),
    "pattern bad token": ("codes:\n  - id: A\n    name: A\n    patterns:\n      - id: p\n        pattern: [{NOTANATTR: x}]\n",
                          r"code A, pattern p"),
    "pattern no id": ("codes:\n  - id: A\n    name: A\n    patterns:\n      - pattern: guerra\n", r"every pattern needs an `id`"),
    "no codes": ("codebook: {name: x}\n", r"`codes:` must be a non-empty list"),
    "not a mapping": ("- a\n- b\n", r"a codebook is a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_codebooks_name_the_problem(case):
    text, message = BAD[case]
    with pytest.raises(CodebookError, match=message) as info:
        parse_codebook(text)
    assert "\n" not in str(info.value)


def test_load_error_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("codes: [\n")
    with pytest.raises(CodebookError, match="broken.yaml: line"):
        load_codebook(path)


def test_store_and_reload(project, codebook_file):
    book = load_codebook(codebook_file)
    version = store_codebook(project, book)
    assert project.setting("codebook_version") == version
    assert current_codebook(project).version == version
    codes = project_codes(project)
    assert [c.id for c in codes] == [c.id for c in book.codes]
    row = project.rows("SELECT patterns FROM codes WHERE id = 'DES.ROOT'")[0]
    assert json.loads(row["patterns"])[0]["pattern"][0] == {"LEMMA": "atender"}


def test_new_version_retires_dropped_codes_and_keeps_ids(project):
    store_codebook(project, parse_codebook(CODEBOOK))
    smaller = CODEBOOK.split("      - id: DES.ROOT")[0]
    version = store_codebook(project, parse_codebook(smaller))
    retired = project.rows("SELECT id FROM codes WHERE retired = 1")
    assert retired == [{"id": "DES.ROOT"}]
    assert project.setting("codebook_version") == version
    assert "DES.ROOT" not in [c.id for c in project_codes(project)]


def test_shipped_codebook_is_valid():
    from coder.demo import SHIPPED_CODEBOOK

    if not SHIPPED_CODEBOOK.exists():
        pytest.fail("codebooks/securitization.yaml is missing")
    book = load_codebook(SHIPPED_CODEBOOK)
    assert len(book.codes) >= 30
    assert {c.id.split(".")[0] for c in book.codes} >= {"SEC", "DES", "CTX"}
    leaves = [c for c in book.codes if not book.children(c.id)]
    assert all(c.definition and c.when_to_use and c.when_not_to_use for c in leaves)
    assert sum(1 for c in leaves if c.patterns) >= len(leaves) // 2
    assert {p["lang"] for c in book.codes for p in c.patterns} >= {"es", "en"}
