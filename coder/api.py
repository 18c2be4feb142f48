"""The public Python API for notebooks and scripts: a project with its analysis views.

This module sits above every layer (it may reach the exports), so the core
:class:`coder.project.Project` never imports upwards; ``coder.open_project`` returns the
:class:`Project` defined here.
"""

from __future__ import annotations

from pathlib import Path

from . import corpus  # noqa: F401  (registers the work an upgraded project needs on opening)
from . import project as core


class Project(core.Project):
    """A project opened from Python: the core project plus the segments table."""

    def segments(self, **filters):
        """Coded segments as a tidy pandas DataFrame (see :func:`coder.export.segments.segments_frame`).

        Filters as :func:`coder.selection.resolve_filters` (``coder``, ``gold``, ``codes``,
        ``since``, ``until``, ``document_ids``).
        """
        # Imported here: ``import coder`` must stay light (pandas loads only when asked).
        from .export.segments import segments_frame

        return segments_frame(self, **filters)


def open_project(path: str | Path | None = None, *, create: bool = False) -> Project:
    """Open the project file at ``path`` (default: ``$CODER_PROJECT`` or ``./coder.db``).

    ``create=True`` makes a new, empty project file when none exists.
    """
    return Project(path if path is not None else core.default_path(), create=create)
