"""A team's speaker decisions: rename, and a roster file shared between project files.

``coder speakers rename SPEAKER NAME [--kind KIND]`` names a speaker (and optionally fixes
its kind on every turn); the speaker's spellings are pinned to it, so later imports and
:func:`coder.corpus.reconcile.reconcile` keep the decision, as they keep merges and splits.

A roster (``coder speakers export roster.yaml`` / ``coder speakers load roster.yaml``) lists
speakers with their spellings::

    speakers:
      - name: Rosa Elvira Campos Luna
        kind: official         # optional: every turn of this speaker gets this kind
        spellings:
          - SECRETARIA ROSA ELVIRA CAMPOS LUNA
          - ROSA ELVIRA CAMPOS, SECRETARIA DE CULTURA

A name appears once; an entry has only these keys.  No roster or rename makes anyone the
president: that is the head of government of the administration in force on each
document's date (``coder speakers administrations``), so a kind is any other.

Loading it stores it in the project: every spelling it lists, now or in a later import,
belongs to that speaker under that name; a spelling the rules read as the same name as a
listed one follows it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import CoderError
from ..project import Project
from .kinds import KINDS, PERSON_KINDS
from .reconcile import ROSTER_SETTING
from .speakers import (
    GENERIC_KEYS,
    check_kinds,
    clean,
    display_name,
    find_speaker,
    fold_name,
    list_speakers,
    name_key,
    parse_speaker,
    read_line,
)

# What an entry of a roster file may say.
ROSTER_KEYS = ("name", "kind", "spellings")
# Characters a name never holds: C0 controls, DEL, and the bidi overrides and isolates
# that make a name read differently from what it is.
_CONTROL = re.compile("[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
PRESIDENT_BY_DATE = ("the president is whoever heads the government on each document's date "
                     "(see `coder speakers administrations`)")


class VoiceIntoPerson(CoderError):
    """A merge of a generic voice (Press ...) into a person, refused: the person would
    become the voice.  ``person`` is the person's name, for the command that says how to
    move one spelling instead."""

    def __init__(self, message: str, *, person: str) -> None:
        super().__init__(message)
        self.person = person


def _check_name(name: str) -> str | None:
    """What is wrong with a speaker name a user gives (None: nothing), before the spaces
    are tidied: a control or bidi character would be stored and shown as it is."""
    found = _CONTROL.search(name)
    if found:
        return f"the name {name!r} holds a control character (U+{ord(found.group()):04X})"
    if not name.split():
        return "the name is empty"
    return None


def _check_kind(kind: str | None) -> str | None:
    """What is wrong with a kind a user sets on a speaker (None: nothing)."""
    if kind is None:
        return None
    if kind == "president":
        return "kind 'president' cannot be set: " + PRESIDENT_BY_DATE
    if kind not in KINDS:
        return f"unknown kind {kind!r}; one of {', '.join(k for k in KINDS if k != 'president')}"
    return None


def _voice_line(line) -> bool:
    """Whether a spelling reads as a generic voice (Press, Recording ...): no person, no role."""
    return not line.person and not line.role_only


def _is_voice(project: Project, speaker: dict) -> bool:
    """Whether a speaker stands for many people (Press, Moderator, Unknown speaker ...):
    its key is a generic voice's, or a spelling of it reads as one (a voice a roster
    renamed keeps its spellings)."""
    if speaker["key"].split(" #")[0] in GENERIC_KEYS:
        return True
    return any(_voice_line(read_line(alias)) for (alias,) in project.db.execute(
        "SELECT alias FROM speaker_aliases WHERE speaker_id = ?", [speaker["id"]]))


def rename_speaker(project: Project, speaker: str, name: str, kind: str | None = None) -> dict:
    """Give ``speaker`` (id, name or spelling) the display name ``name`` and, with ``kind``,
    that kind on every turn.  Sticks across imports.  One transaction; returns the speaker."""
    from .reconcile import reconcile

    problem = _check_name(name or "")
    if problem:
        raise CoderError(problem.replace("the name", "the new name"))
    name = " ".join(name.split())
    problem = _check_kind(kind)
    if problem:
        raise CoderError(problem, option="kind")
    row = find_speaker(project, speaker)
    # Names that differ only in accents or case are one key (see reconcile): a clash too.
    folded = fold_name(name)
    clash = [other for other in project.rows("SELECT id, name FROM speakers WHERE id != ?",
                                             [row["id"]]) if fold_name(other["name"]) == folded]
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

    from ..outputs import write_text

    entries = []
    fixed = dict(project.db.execute("SELECT id, fixed_kind FROM speakers"))
    for speaker in sorted(list_speakers(project), key=lambda s: s["name"]):
        entry: dict = {"name": speaker["name"]}
        # A president kind fixed by an older version is left out: loading refuses it, as
        # the administrations decide who is the president.
        if fixed.get(speaker["id"]) and fixed[speaker["id"]] != "president":
            entry["kind"] = fixed[speaker["id"]]
        entry["spellings"] = sorted(speaker["aliases"])
        entries.append(entry)
    text = ("# coder speaker roster: load it into another project file with\n"
            "#   coder speakers load FILE.yaml\n"
            + yaml.safe_dump({"speakers": entries}, allow_unicode=True, sort_keys=False, width=100))
    write_text(path, text)
    return len(entries)


def read_roster(path: str | Path) -> list[dict]:
    """Read and check a roster file; CoderError naming the file on anything malformed."""

    from .. import yamlsafe
    from ..errors import read_text

    path = Path(path)
    if path.is_dir():
        raise CoderError(f"{path}: is a folder, not a roster file")
    text = read_text(path)
    data = yamlsafe.load_file_text(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("speakers"), list):
        raise CoderError(f"{path}: expected a list under 'speakers:' (see `coder speakers export`)")
    seen: dict[str, int] = {}
    names: dict[str, int] = {}  # folded name -> the entry that has it
    entries = []
    for number, item in enumerate(data["speakers"], 1):
        if not isinstance(item, dict):
            raise CoderError(f"{path}: speaker {number} is not a mapping")
        name = item.get("name")
        if name is None or (isinstance(name, str) and not name.split()):
            raise CoderError(f"{path}: speaker {number} has no name")
        if not isinstance(name, str):
            raise CoderError(f"{path}: speaker {number}: the name {name!r} is not text "
                             "(put it in quotes)")
        problem = _check_name(name)
        if problem:
            raise CoderError(f"{path}: speaker {number}: {problem}")
        name = " ".join(name.split())
        unknown = [key for key in item if key not in ROSTER_KEYS]
        if unknown:
            raise CoderError(f"{path}: speaker {number} ({name}): unknown key {unknown[0]!r}; "
                             f"the keys are {', '.join(ROSTER_KEYS)}")
        # One entry per person: two of one name (accents and case aside) would be two
        # speakers nobody can tell apart.
        folded = fold_name(name)
        if folded in names:
            raise CoderError(f"{path}: speaker {number}: the name {name!r} is speaker "
                             f"{names[folded]}'s too; list all of one person's spellings "
                             "under one entry")
        names[folded] = number
        kind = item.get("kind")
        problem = _check_kind(kind)
        if problem:
            raise CoderError(f"{path}: speaker {number} ({name}): {problem}")
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
        entries.append({"name": name, "kind": kind, "spellings": spellings})
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


def unresolved_speakers(project: Project, kinds: Iterable[str] | None = None) -> list[dict]:
    """Speakers the rules were unsure of, with why (a short form or typo that could be
    several people, a role without a name); with ``kinds``, only those of these kinds."""
    wanted = check_kinds(kinds)
    where = "" if wanted is None else f" AND s.kind IN ({', '.join('?' * len(wanted))})"
    rows = project.rows(
        "SELECT s.id, s.name, s.kind, s.unresolved AS why,"
        " (SELECT count(*) FROM turns t WHERE t.speaker_id = s.id) AS turns"
        f" FROM speakers s WHERE s.unresolved IS NOT NULL{where} ORDER BY turns DESC, s.name",
        wanted or [])
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


def merge_speakers(project: Project, source: str, target: str) -> dict:
    """Merge speaker ``source`` into ``target``: turns and aliases move, the fix is kept.

    Later imports that produce ``source``'s key resolve to ``target``.  One transaction;
    returns the target speaker.
    """
    src = find_speaker(project, source)
    dst = find_speaker(project, target)
    if src["id"] == dst["id"]:
        raise CoderError(f"{source!r} and {target!r} are already the same speaker")
    if _is_voice(project, src) and not _is_voice(project, dst):
        # The merged speaker would be the voice (see reconcile): the person's every turn
        # would become press, moderator ... and the president would be nobody.
        raise VoiceIntoPerson(
            f"cannot merge {src['name']!r} into {dst['name']!r}: {src['name']} is a generic "
            f"voice (many people) and would make {dst['name']} one too; instead move a "
            f"spelling of {dst['name']}'s that {src['name']} holds to {dst['name']} with a "
            "split", person=dst["name"])
    with project.transaction():
        db = project.db
        db.execute("UPDATE turns SET speaker_id = ? WHERE speaker_id = ?", [dst["id"], src["id"]])
        # The user chose the target's name; both speakers' spellings are pinned.
        db.execute("UPDATE speakers SET fixed_name = 1 WHERE id = ?", [dst["id"]])
        db.execute("UPDATE speaker_aliases SET speaker_id = ?, manual = 1 WHERE speaker_id IN (?, ?)",
                   [dst["id"], src["id"], dst["id"]])
        db.execute("UPDATE speaker_merges SET speaker_id = ? WHERE speaker_id = ?", [dst["id"], src["id"]])
        db.execute("INSERT INTO speaker_merges(key, speaker_id) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET speaker_id = excluded.speaker_id",
                   [src["key"], dst["id"]])
        db.execute("DELETE FROM speakers WHERE id = ?", [src["id"]])
        from .reconcile import reconcile

        reconcile(project)
        if src["kind"] != dst["kind"]:
            from .turns import link_questions

            for (document_id,) in db.execute(
                "SELECT DISTINCT document_id FROM turns WHERE speaker_id = ?", [dst["id"]]
            ).fetchall():
                link_questions(project, document_id)
        project.log_event("merge", "speaker", dst["id"], before=src, after=dst)
    return dst


def _find_alias(project: Project, spelling: str) -> dict:
    """A raw spelling as listed by ``coder speakers`` (exact, else accent/case-insensitive)."""
    rows = project.rows("SELECT * FROM speaker_aliases WHERE alias IN (?, ?)",
                        [spelling, clean(spelling)])
    if not rows:
        folded = fold_name(clean(spelling))
        rows = [row for row in project.rows("SELECT * FROM speaker_aliases")
                if fold_name(row["alias"]) == folded]
    if not rows:
        raise CoderError(f"no spelling {spelling!r}; the speakers list shows each speaker's spellings")
    if len(rows) > 1:
        raise CoderError(f"{spelling!r} matches {len(rows)} spellings; write it exactly")
    return rows[0]


def split_speaker(project: Project, spelling: str, into: str | None = None) -> dict:
    """Move one raw spelling, and the turns spoken under it, to another speaker.

    This undoes what the rules (or a merge) joined wrongly.  ``into`` names the speaker to
    move it to: an existing one (id, name or spelling) or, if none matches, a new speaker
    of that name; without ``into``, a new speaker as the rules read the spelling.  Later
    imports keep the fix: the spelling is looked up before any rule.  One transaction;
    returns the speaker the spelling now belongs to.
    """
    if into is not None:
        problem = _check_name(into)
        if problem:
            raise CoderError(problem.replace("the name is empty", "into is empty; give the "
                                             "speaker the spelling belongs to")
                             .replace("the name ", "into "), option="into")
        into = " ".join(into.split())
    alias = _find_alias(project, spelling)
    source = project.rows("SELECT * FROM speakers WHERE id = ?", [alias["speaker_id"]])[0]
    line = parse_speaker(alias["alias"])
    target = None
    if into is not None:
        try:
            target = find_speaker(project, into)
        except CoderError:
            target = None  # a new speaker of that name
        if target is not None and _voice_line(line) and not _is_voice(project, target):
            # As a merge of a voice into a person (see merge_speakers): the person would
            # become the voice.
            raise CoderError(f"{alias['alias']!r} is a generic voice's spelling "
                             f"({source['name']}: many people); moved to {target['name']!r} "
                             f"it would make {target['name']} a voice too")
    elif line.key == source["key"] or line.key in GENERIC_KEYS:
        raise CoderError(f"the rules read {alias['alias']!r} as {source['name']} itself; "
                         "name the speaker it should go to", option="into")
    else:  # the speaker the rules alone would give it, if there is one
        found = project.rows("SELECT * FROM speakers WHERE key = ?", [line.key])
        target = found[0] if found else None
    if target is not None and target["id"] == source["id"]:
        raise CoderError(f"{alias['alias']!r} already belongs to {source['name']}")
    with project.transaction():
        db = project.db
        if target is None:
            name = into if into else line.name
            key = name_key(name) if into else line.key
            if not key:
                raise CoderError(f"{into!r} is not a name")
            kind = line.kind if line.kind in PERSON_KINDS else "other"
            target_id = db.execute(
                "INSERT INTO speakers(key, name, role, kind, fixed_name) VALUES (?, ?, ?, ?, ?)",
                [key, display_name(name) if into else line.name, line.role, kind,
                 int(bool(into))]).lastrowid
            # A merge that sent this name to the old speaker would send it back there.
            db.execute("DELETE FROM speaker_merges WHERE key = ?", [key])
            target = project.rows("SELECT * FROM speakers WHERE id = ?", [target_id])[0]
        db.execute("UPDATE speaker_aliases SET speaker_id = ?, manual = 1 WHERE id = ?",
                   [target["id"], alias["id"]])
        # What stays with the old speaker is pinned too, so the rules do not join it again.
        db.execute("UPDATE speaker_aliases SET manual = 1 WHERE speaker_id = ?", [source["id"]])
        moved = db.execute("UPDATE turns SET speaker_id = ? WHERE alias_id = ?",
                           [target["id"], alias["id"]]).rowcount
        left = db.execute("SELECT count(*) FROM speaker_aliases WHERE speaker_id = ?",
                          [source["id"]]).fetchone()[0]
        if not left:  # its only spelling moved: nothing is left of the old speaker
            db.execute("UPDATE speaker_merges SET speaker_id = ? WHERE speaker_id = ?",
                       [target["id"], source["id"]])
            db.execute("DELETE FROM speakers WHERE id = ?", [source["id"]])
        from .reconcile import reconcile

        reconcile(project)
        if source["kind"] != target["kind"]:
            from .turns import link_questions

            for (document_id,) in db.execute(
                    "SELECT DISTINCT document_id FROM turns WHERE alias_id = ?",
                    [alias["id"]]).fetchall():
                link_questions(project, document_id)
        project.log_event("split", "speaker", target["id"],
                          before={"speaker": source, "alias": alias["alias"]},
                          after={"speaker": target, "turns": moved})
    target["turns"] = moved
    return target
