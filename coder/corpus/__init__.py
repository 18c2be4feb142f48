"""Corpus: reading transcripts in many formats, speakers, and the documents of a project."""

from ..project import PENDING


def _turn_kinds(project) -> None:
    """Turn kinds and roles for a project upgraded from before turns had them."""
    from .reconcile import fill_turn_kinds, reconcile

    fill_turn_kinds(project)
    reconcile(project)


PENDING["pending:turn_kinds"] = _turn_kinds
