"""YAML files that users hand to coder (rosters, administrations): safe, and without aliases.

An alias (``*name``) is refused while the document is composed, before anything is built
from it: an alias cycle would recurse without end and a "billion laughs" of nested aliases
would grow until memory ran out.  None of these files has a use for them.
"""

from __future__ import annotations

import yaml


class AliasRefused(yaml.YAMLError):
    """A YAML alias in a file that may not have one; ``line`` is 1-based."""

    def __init__(self, line: int, anchor: str | None) -> None:
        super().__init__(f"line {line}: YAML aliases (*{anchor}) are not allowed; "
                         "write the value out in full")
        self.line = line


class NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises :class:`AliasRefused` at the first alias."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(event.start_mark.line + 1, event.anchor)
        return super().compose_node(parent, index)


def load(text: str) -> object:
    """Parse YAML ``text`` safely, refusing aliases (:class:`AliasRefused`)."""
    return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def load_file_text(text: str, source: object) -> object:
    """Parse a user's YAML file ``text`` (aliases refused); a one-line CoderError naming
    ``source`` on anything unreadable, so every such file fails the same way."""
    from .errors import CoderError

    try:
        return load(text)
    except AliasRefused as exc:
        raise CoderError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise CoderError(f"{source}: not valid YAML{where}") from None
    except RecursionError:
        raise CoderError(f"{source}: nested too deeply") from None
