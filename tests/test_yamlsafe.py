"""Rosters and administrations files refuse YAML aliases before building anything (#10, #14)."""

from __future__ import annotations

import pytest

from coder.corpus.administrations import parse_administrations
from coder.corpus.roster import load_roster
from coder.errors import CoderError

# Nine levels of ten-fold aliases: a billion strings if it were ever expanded.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
    for i in range(9))


def test_a_roster_with_an_alias_bomb_is_one_line_and_changes_nothing(project, tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text("speakers:\n  - name: &n Ana Pérez\n    aliases: [*n]\n" + BOMB,
                    encoding="utf-8")
    before = project.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(CoderError) as failure:
        load_roster(project, path)
    message = str(failure.value)
    assert message.startswith(f"{path}: line 3: YAML aliases (*n) are not allowed")
    assert "\n" not in message
    assert project.db.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_an_administrations_file_with_an_alias_cycle_is_refused():
    text = "administrations: &x\n  - head: Someone\n    start: 2000-01-01\n    others: *x\n"
    with pytest.raises(CoderError, match=r"^admins.yaml: line 4: YAML aliases \(\*x\)"):
        parse_administrations(text, "admins.yaml")
