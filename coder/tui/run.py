"""Run the workbench in the terminal (what ``coder tui``, ``coder review`` and ``coder demo`` call)."""

from __future__ import annotations

from pathlib import Path


def run_tui(path: str | Path, coder_name: str, document_id: int | None = None) -> None:
    """Open the coding workbench on the project file at ``path`` as ``coder_name``."""
    from .app import create_app

    create_app(path, coder_name, document_id=document_id).run()


def run_review(path: str | Path, coders: list[str], adjudicator: str) -> None:
    """Open the review (adjudication) screen comparing ``coders``."""
    from .app import create_app

    create_app(path, adjudicator, mode="review", review_coders=list(coders),
               adjudicator=adjudicator).run()
