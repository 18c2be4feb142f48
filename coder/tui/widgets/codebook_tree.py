"""The codebook on the side of the coding screen: a tree of codes with their keys and colours."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from ...codebook.colours import DARK_BACKGROUND, scheme
from ...codebook.model import Code

# What the workbench says where codes would be when the project has no codebook yet.
NO_CODEBOOK = "No codebook: load one with `coder codebook load FILE.yaml`."


def code_colors(codes: list[Code], background: str = DARK_BACKGROUND) -> dict[str, str]:
    """Every code's display colour on ``background`` (:func:`coder.codebook.colours.scheme`:
    the codebook's colour when it reads well there and differs from its siblings', else the
    nearest one that does; a shade of the parent's, or a palette colour, for codes without)."""
    return scheme(codes, background)


def key_label(key: str | None) -> str:
    """How a code's key is shown: the key, or a blank of the same width."""
    return (key or " ")[:1]


class CodebookTree(Tree[str]):
    """The code tree; each node's data is the code id.  Selecting a node (enter or a click)
    posts ``Tree.NodeSelected``, which the coding screen turns into "apply this code"."""

    DEFAULT_CSS = """
    CodebookTree { background: $surface; padding: 0 1; scrollbar-size-vertical: 1;
                   overflow-x: hidden; }
    """

    def __init__(self, codes: list[Code], colors: dict[str, str], *, id: str | None = None) -> None:
        self.codes = codes
        self.palette = colors
        self._code_nodes: dict[str, object] = {}
        self.current: str | None = None
        super().__init__("Codebook", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self._add_codes()

    def _label(self, code: Code) -> Text:
        label = Text()
        label.append("● " if code.id == self.current else "■ ",
                      style=self.palette.get(code.id, "#888888"))
        label.append(f"{key_label(code.key)} ", style="bold")
        label.append(code.name, style="bold" if code.id == self.current else "")
        return label

    def _add_codes(self) -> None:
        if not self.codes:
            # An empty tree looks broken; a leaf without data is never taken for a code.
            self.root.add_leaf(Text("(no codebook)", style="dim italic"), data=None)
        nodes = {}
        parents = {code.parent for code in self.codes}
        for code in self.codes:
            parent = nodes.get(code.parent, self.root)
            if code.id in parents:
                nodes[code.id] = parent.add(self._label(code), data=code.id, expand=True)
            else:
                nodes[code.id] = parent.add_leaf(self._label(code), data=code.id)
        self._code_nodes = nodes

    def set_codes(self, codes: list[Code], colors: dict[str, str]) -> None:
        """Show another version of the code tree (after a change to the codebook)."""
        self.codes = codes
        self.palette = colors
        self.current = None
        self.clear()
        self._add_codes()

    def mark_current(self, code_id: str | None) -> None:
        """Show ``code_id`` as the current code (the one the card explains)."""
        if code_id == self.current:
            return
        old, self.current = self.current, code_id
        by_id = {code.id: code for code in self.codes}
        for changed in (old, code_id):
            if changed in self._code_nodes and changed in by_id:
                self._code_nodes[changed].set_label(self._label(by_id[changed]))
