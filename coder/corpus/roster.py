"""A team's speaker decisions: rename, and a roster file shared between project files.

``coder speakers rename SPEAKER NAME [--kind KIND]`` names a speaker (and optionally fixes
its kind on every turn); the speaker's spellings are pinned to it, so later imports and
:func:`coder.corpus.reconcile.reconcile` keep the decision, as they keep merges and splits.

A roster (``coder speakers export roster.yaml`` / ``coder speakers load roster.yaml``) lists
speakers with their spellings::

    speakers:
      - name: Andrés Manuel López Obrador
        kind: president        # optional: every turn of this speaker gets this kind
        spellings:
          - PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR
          - LIC. ANDRÉS MANUEL LÓPEZ OBRADOR

Loading it stores it in the project: every spelling it lists, now or in a later import,
belongs to that speaker under that name; a spelling the rules read as the same name as a
listed one follows it too.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CoderError
from ..project import Project
from .speakers import KINDS, find_speaker, list_speakers

ROSTER_SETTING = "speaker_roster"


def rename_speaker(project: Project, speaker: str, name: str, kind: str | None = None) -> dict:
    """Give ``speaker`` (id, name or spelling) the display name ``name`` and, with ``kind``,
    that kind on every turn.  Sticks across imports.  One transaction; returns the speaker."""
    from .reconcile import reconcile

    name = " ".join((name or "").split())
    if not name:
        raise CoderError("the new name is empty")
    if kind is not None and kind not in KINDS:
        raise CoderError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    row = find_speaker(project, speaker)
    clash = project.rows("SELECT id FROM speakers WHERE name = ? AND id != ?", [name, row["id"]])
    if clash:
        raise CoderError(f"another speaker (#{clash[0]['id']}) is called {name!r}; "
                         f"to make them one use `coder speakers merge {row['id']} {clash[0]['id']}`")
    with project.transaction():
        db = project.db
        db.execute("UPDATE speakers SET name = ?, fixed_name = 1, fixed_kind = COALESCE(?, fixed_kind)"
                   " WHERE id = ?", [name, kind, row["id"]])
        db.execute("UPDATE speaker_aliases SET manual = 1 WHERE speaker_id = ?", [row["id"]])
        reconcile(project)
        after = project.rows("SELECT * FROM speakers WHERE id = ?", [row["id"]])[0]
        project.log_event("rename", "speaker", row["id"], before=row, after=after)
    return after


def export_roster(project: Project, path: str | Path) -> int:
    """Write every speaker with its spellings (and a kind a user fixed) to a YAML roster;
    returns how many speakers were written."""
    import yaml

    from ..export.tables import atomic_path

    entries = []
    fixed = dict(project.db.execute("SELECT id, fixed_kind FROM speakers"))
    for speaker in sorted(list_speakers(project), key=lambda s: s["name"]):
        entry: dict = {"name": speaker["name"]}
        if fixed.get(speaker["id"]):
            entry["kind"] = fixed[speaker["id"]]
        entry["spellings"] = sorted(speaker["aliases"])
        entries.append(entry)
    text = ("# coder speaker roster: load it into another project file with\n"
            "#   coder speakers load FILE.yaml\n"
            + yaml.safe_dump({"speakers": entries}, allow_unicode=True, sort_keys=False, width=100))
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return len(entries)


def read_roster(path: str | Path) -> list[dict]:
    """Read and check a roster file; CoderError naming the file on anything malformed."""
    import yaml

    from ..errors import read_text

    path = Path(path)
    if path.is_dir():
        raise CoderError(f"{path}: is a folder, not a roster file")
    text = read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise CoderError(f"{path}: not valid YAML{where}") from None
    except RecursionError:
        raise CoderError(f"{path}: nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("speakers"), list):
        raise CoderError(f"{path}: expected a list under 'speakers:' (see `coder speakers export`)")
    seen: dict[str, int] = {}
    entries = []
    for number, item in enumerate(data["speakers"], 1):
        if not isinstance(item, dict):
            raise CoderError(f"{path}: speaker {number} is not a mapping")
        name = item.get("name")
        if not isinstance(name, str) or not " ".join(name.split()):
            raise CoderError(f"{path}: speaker {number} has no name")
        kind = item.get("kind")
        if kind is not None and kind not in KINDS:
            raise CoderError(f"{path}: speaker {number} ({name}): unknown kind {kind!r}; "
                             f"one of {', '.join(KINDS)}")
        spellings = item.get("spellings", [])
        if not isinstance(spellings, list) or not all(isinstance(s, str) and s.strip()
                                                      for s in spellings):
            raise CoderError(f"{path}: speaker {number} ({name}): 'spellings' must be a list of "
                             "non-empty strings")
        for spelling in spellings:
            if spelling in seen and seen[spelling] != number:
                raise CoderError(f"{path}: the spelling {spelling!r} is listed under speakers "
                                 f"{seen[spelling]} and {number}")
            seen[spelling] = number
        entries.append({"name": " ".join(name.split()), "kind": kind, "spellings": spellings})
    return entries


def load_roster(project: Project, path: str | Path) -> dict:
    """Apply a roster file to the project (and to its later imports).  The file is read and
    checked before anything changes; one transaction.  Returns counts."""
    from .reconcile import reconcile

    entries = read_roster(path)
    with project.transaction():
        project.set_setting(ROSTER_SETTING, entries)
        project.db.execute("UPDATE speakers SET fixed_name = 0, fixed_kind = NULL"
                           " WHERE id NOT IN (SELECT speaker_id FROM speaker_aliases WHERE manual = 1)")
        reconcile(project)
        listed = {s for e in entries for s in e["spellings"]}
        found = sum(1 for (alias,) in project.db.execute("SELECT alias FROM speaker_aliases")
                    if alias in listed)
        project.log_event("load", "roster", None, after={"file": str(path), "speakers": len(entries)})
    return {"speakers": len(entries), "spellings": len(listed), "found": found}


def unresolved_speakers(project: Project) -> list[dict]:
    """Speakers the rules were unsure of, with why (a short form or typo that could be
    several people, a role without a name)."""
    rows = project.rows(
        "SELECT s.id, s.name, s.kind, s.unresolved AS why,"
        " (SELECT count(*) FROM turns t WHERE t.speaker_id = s.id) AS turns"
        " FROM speakers s WHERE s.unresolved IS NOT NULL ORDER BY turns DESC, s.name")
    aliases: dict[int, list[str]] = {}
    for speaker_id, alias in project.db.execute(
            "SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"):
        aliases.setdefault(speaker_id, []).append(alias)
    for row in rows:
        row["aliases"] = aliases.get(row["id"], [])
    return rows


def set_administrations(project: Project, path: str | Path) -> int:
    """Use the administrations in a YAML file for this project (see
    ``coder/data/administrations.yaml``); turn kinds are recomputed.  Returns how many."""
    from ..errors import read_text
    from .administrations import SETTING, parse_administrations
    from .reconcile import reconcile

    path = Path(path)
    if path.is_dir():
        raise CoderError(f"{path}: is a folder, not an administrations file")
    text = read_text(path)
    found = parse_administrations(text, str(path))
    with project.transaction():
        project.set_setting(SETTING, text)
        reconcile(project)
        project.log_event("load", "administrations", None, after={"file": str(path)})
    return len(found)
