"""The codebook: a tree of codes, each with its definition, rules, examples and patterns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..project import Project

# Keys the coding screen binds itself; a code's hot-key may not take one of them.
RESERVED_KEYS = frozenset("quvstcxnNarAmo/?[]{}hjkli ;") | {"space"}


@dataclass
class Code:
    """One code of the codebook."""

    id: str
    name: str
    parent: str | None = None
    key: str | None = None
    color: str | None = None
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    examples: list[str] = field(default_factory=list)
    patterns: list[dict] = field(default_factory=list)
    exclude: list[dict] = field(default_factory=list)
    # How suggestions of this code read the clause (coder.suggest.moves): requires_context,
    # within, counts_as, negation.  Children inherit it.
    move: dict = field(default_factory=dict)
    line: int | None = None  # where the code starts in the YAML file

    def as_dict(self) -> dict:
        """The code's YAML fields (without children)."""
        return {
            "id": self.id, "name": self.name, "parent": self.parent, "key": self.key,
            "color": self.color, "definition": self.definition, "when_to_use": self.when_to_use,
            "when_not_to_use": self.when_not_to_use, "examples": self.examples,
            "patterns": self.patterns, "exclude": self.exclude,
            **({"move": self.move} if self.move else {}),
        }


@dataclass
class Attribute:
    """An attribute dimension of codings, e.g. ``source`` (own / attributed / quoted).

    A coding of one of ``codes`` (or of a code below one of them) carries at most one of
    ``values`` for the dimension; ``codes`` empty means every code.
    """

    id: str
    name: str
    values: list[str]
    codes: list[str] = field(default_factory=list)
    description: str = ""
    value_names: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    def as_dict(self) -> dict:
        """The dimension's YAML fields (also how the project stores it)."""
        return {"id": self.id, "name": self.name, "values": list(self.values),
                "codes": list(self.codes), "description": self.description,
                "value_names": dict(self.value_names)}

    @classmethod
    def from_dict(cls, data: dict) -> Attribute:
        """Rebuild a dimension from :meth:`as_dict` output."""
        return cls(id=data["id"], name=data.get("name") or data["id"],
                   values=list(data.get("values") or []), codes=list(data.get("codes") or []),
                   description=data.get("description") or "",
                   value_names=dict(data.get("value_names") or {}))

    def applies_to(self, code_id: str, parents: dict[str, str | None]) -> bool:
        """Whether codings of ``code_id`` carry this dimension (``parents``: code -> parent)."""
        if not self.codes:
            return True
        seen: set[str] = set()
        current: str | None = code_id
        while current is not None and current not in seen:
            if current in self.codes:
                return True
            seen.add(current)
            current = parents.get(current)
        return False


@dataclass
class Codebook:
    """A validated codebook; ``codes`` are in tree order (every parent before its children)."""

    name: str
    codes: list[Code]
    version: str
    yaml_text: str
    description: str = ""
    languages: list[str] = field(default_factory=lambda: ["es"])
    references: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    # Per group, what a second code of the group on a coded span does: "ask" (replace when
    # the coder confirms) or "refuse" (see coder.annotate.CONFLICT_MODES).
    group_conflicts: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    attributes: list[Attribute] = field(default_factory=list)
    # Word lists the suggestion rules read (coder.suggest.moves): context lexicons that
    # codes require around a match, and topics that predict a suggestion's sector.
    lexicons: dict[str, list[str]] = field(default_factory=dict)
    topics: dict[str, list[str]] = field(default_factory=dict)

    def attributes_for(self, code_id: str) -> list[Attribute]:
        """The attribute dimensions a coding of ``code_id`` carries, in codebook order."""
        parents = {code.id: code.parent for code in self.codes}
        return [attribute for attribute in self.attributes if attribute.applies_to(code_id, parents)]

    def code(self, code_id: str) -> Code:
        """The code with this id (KeyError if none)."""
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def children(self, code_id: str | None) -> list[Code]:
        """Direct children of a code (``None``: the top-level codes)."""
        return [code for code in self.codes if code.parent == code_id]

    def tree(self) -> list[dict]:
        """The code tree as nested dicts with ``children`` (for JSON output)."""

        by_parent: dict[str | None, list[Code]] = {}
        for code in self.codes:
            by_parent.setdefault(code.parent, []).append(code)
        roots: list[dict] = []
        # Iterative, not recursive: a deep tree must not hit the recursion limit.
        stack: list[tuple[str | None, list[dict]]] = [(None, roots)]
        while stack:
            parent, into = stack.pop()
            for code in by_parent.get(parent, []):
                node = {**code.as_dict(), "children": []}
                into.append(node)
                stack.append((code.id, node["children"]))
        return roots


def tree_order(codes: list[Code]) -> list[Code]:
    """Codes in tree order: each parent, then its children, depth first.

    A code whose parent is not among ``codes`` counts as top-level (codes imported from
    elsewhere may hang under a parent that is not there).
    """
    present = {code.id for code in codes}
    by_parent: dict[str | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent if code.parent in present else None, []).append(code)
    ordered: list[Code] = []
    # Depth first with an explicit stack (no recursion limit on deep trees); a code seen
    # twice (a cycle in imported data) is not walked again.
    seen: set[str] = set()
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        code = stack.pop()
        if code.id in seen:
            continue
        seen.add(code.id)
        ordered.append(code)
        stack.extend(reversed(by_parent.get(code.id, [])))
    return ordered


# -- the stored code tree (ids, parents) ---------------------------------------------------

def code_tree(project: Project) -> dict[str, dict]:
    """Every code (also retired ones): ``{id: {"name", "parent_id", "sort", "retired"}}``."""
    return {r["id"]: r for r in project.rows(
        "SELECT id, name, parent_id, sort, retired FROM codes ORDER BY sort, id")}


def descendants(tree: dict[str, dict], code_id: str) -> list[str]:
    """``code_id`` and every code under it, in tree order."""
    children: dict[str | None, list[str]] = {}
    for cid, row in tree.items():
        children.setdefault(row["parent_id"], []).append(cid)
    found, stack = [], [code_id]
    while stack:
        cid = stack.pop()
        if cid in found:  # a cycle in imported data must not loop forever
            continue
        found.append(cid)
        stack.extend(reversed(children.get(cid, [])))
    return found


def code_path(tree: dict[str, dict], code_id: str) -> str:
    """The code's names from the root down, joined with `` > ``."""
    names, seen, current = [], set(), code_id
    while current is not None and current in tree and current not in seen:
        seen.add(current)
        names.append(tree[current]["name"])
        current = tree[current]["parent_id"]
    return " > ".join(reversed(names))
