"""Put a codebook into a project, and read the current one back."""

from __future__ import annotations

import json

from ..errors import CodebookError
from ..project import Project, now
from .load import parse_codebook
from .model import Attribute, Code, Codebook, tree_order


def store_codebook(project: Project, codebook: Codebook) -> str:
    """Make ``codebook`` the project's current codebook, in one transaction.

    Codes are matched by id: existing annotations keep pointing at them; codes no longer
    in the codebook are marked retired (never deleted, so nothing coded is lost).
    Returns the codebook version (the sha256 of its YAML text).
    """
    with project.transaction():
        db = project.db
        row = db.execute("SELECT id FROM codebooks WHERE version = ?", [codebook.version]).fetchone()
        if row:
            codebook_id = row[0]
        else:
            codebook_id = db.execute(
                "INSERT INTO codebooks(name, version, source, yaml, loaded_at, attributes)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [codebook.name, codebook.version, codebook.source, codebook.yaml_text, now(),
                 _attributes_json(codebook)],
            ).lastrowid
        # Clear parents first so a reshaped tree never trips the foreign key mid-way.
        db.execute("UPDATE codes SET parent_id = NULL")
        for sort, code in enumerate(codebook.codes):
            db.execute(
                "INSERT INTO codes(id, codebook_id, parent_id, name, key, color, definition,"
                " when_to_use, when_not_to_use, examples, patterns, exclude, sort, retired)"
                " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
                " ON CONFLICT(id) DO UPDATE SET codebook_id = excluded.codebook_id,"
                " name = excluded.name, key = excluded.key, color = excluded.color,"
                " definition = excluded.definition, when_to_use = excluded.when_to_use,"
                " when_not_to_use = excluded.when_not_to_use, examples = excluded.examples,"
                " patterns = excluded.patterns, exclude = excluded.exclude, sort = excluded.sort,"
                " retired = 0",
                [code.id, codebook_id, code.name, code.key, code.color, code.definition,
                 code.when_to_use, code.when_not_to_use,
                 json.dumps(code.examples, ensure_ascii=False),
                 json.dumps(code.patterns, ensure_ascii=False),
                 json.dumps(code.exclude, ensure_ascii=False), sort],
            )
        for code in codebook.codes:
            if code.parent:
                db.execute("UPDATE codes SET parent_id = ? WHERE id = ?", [code.parent, code.id])
        ids = [code.id for code in codebook.codes]
        db.execute(
            f"UPDATE codes SET retired = 1, key = NULL WHERE id NOT IN ({','.join('?' * len(ids))})", ids
        )
        db.execute("DELETE FROM code_groups")
        for group_id, members in codebook.groups.items():
            db.execute("INSERT INTO code_groups(id, codes) VALUES (?, ?)", [group_id, json.dumps(members)])
        for key, value in (("codebook_version", codebook.version), ("codebook_id", codebook_id),
                           ("languages", codebook.languages),
                           ("group_conflicts", codebook.group_conflicts)):
            db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
                       " SET value = excluded.value", [key, json.dumps(value)])
        project.log_event("load", "codebook", codebook_id,
                          after={"name": codebook.name, "version": codebook.version,
                                 "codes": len(codebook.codes)})
    return codebook.version


def _attributes_json(codebook: Codebook) -> str:
    return json.dumps([attribute.as_dict() for attribute in codebook.attributes], ensure_ascii=False)


def codebook_attributes(project: Project) -> list[Attribute]:
    """The attribute dimensions of the current codebook (empty when none is loaded).

    Read from the codebook version's row, so the workbench and exports need not re-parse
    (and re-validate the patterns of) the YAML.
    """
    codebook_id = project.setting("codebook_id")
    if codebook_id is None:
        return []
    row = project.db.execute("SELECT attributes FROM codebooks WHERE id = ?", [codebook_id]).fetchone()
    return [Attribute.from_dict(entry) for entry in json.loads(row[0] if row else "[]")]


def codes_dropped_by(project: Project, codebook: Codebook) -> list[dict]:
    """Active codes that loading ``codebook`` would retire, with their number of codings."""
    keep = {code.id for code in codebook.codes}
    rows = project.rows(
        "SELECT c.id, (SELECT count(*) FROM annotations a WHERE a.code_id = c.id AND a.deleted = 0)"
        " AS codings FROM codes c WHERE c.retired = 0 ORDER BY c.sort, c.id")
    return [row for row in rows if row["id"] not in keep]


def new_group_conflicts(project: Project, codebook: Codebook) -> list[dict]:
    """Exclusive groups that loading ``codebook`` adds (or changes) which existing codings
    already break: ``{"group", "codes", "codings", "documents"}`` per such group.

    A coding breaks a group when the same coder has a live coding of another code of the
    group overlapping it (sharing a character), the test coding applies
    (:func:`coder.annotate.exclusive_conflicts`).  Loading changes no coding; the
    counts tell the team what agreement and review will meet.
    """
    stored = {row["id"]: json.loads(row["codes"])
              for row in project.rows("SELECT id, codes FROM code_groups")}
    found = []
    for group_id, members in codebook.groups.items():
        if set(stored.get(group_id) or ()) == set(members):
            continue  # not new: its conflicts were there to see before
        marks = ",".join("?" * len(members))
        row = project.db.execute(
            "SELECT count(DISTINCT a.id), count(DISTINCT a.document_id) FROM annotations a"
            " JOIN annotations b ON b.document_id = a.document_id AND b.coder_id = a.coder_id"
            ' AND b.code_id != a.code_id AND b.start < a."end" AND a.start < b."end"'
            f" WHERE a.deleted = 0 AND b.deleted = 0 AND a.code_id IN ({marks})"
            f" AND b.code_id IN ({marks})", [*members, *members]).fetchone()
        if row[0]:
            found.append({"group": group_id, "codes": list(members), "codings": row[0],
                          "documents": row[1], "new": group_id not in stored})
    return found


def current_codebook(project: Project) -> Codebook:
    """The project's current codebook (as loaded), or a CodebookError if none is loaded."""
    codebook_id = project.setting("codebook_id")
    if codebook_id is None:
        raise CodebookError("no codebook loaded; run `coder codebook load FILE.yaml`",
                            path=project.path)
    row = project.rows("SELECT * FROM codebooks WHERE id = ?", [codebook_id])[0]
    codebook = parse_codebook(row["yaml"], source=row["source"])
    return codebook


def project_codes(project: Project, *, include_retired: bool = False) -> list[Code]:
    """The codes stored in the project, in tree order (also codes imported from elsewhere)."""
    where = "" if include_retired else "WHERE retired = 0"
    rows = project.rows(f"SELECT * FROM codes {where} ORDER BY sort, id")
    codes = [
        Code(id=r["id"], name=r["name"], parent=r["parent_id"], key=r["key"], color=r["color"],
             definition=r["definition"] or "", when_to_use=r["when_to_use"] or "",
             when_not_to_use=r["when_not_to_use"] or "", examples=json.loads(r["examples"]),
             patterns=json.loads(r["patterns"]), exclude=json.loads(r["exclude"]))
        for r in rows
    ]
    return tree_order(codes)
