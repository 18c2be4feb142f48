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

    def segments(self, *, viewer: str | None = None, **filters):
        """Coded segments as a tidy pandas DataFrame (see :func:`coder.export.segments.segments_frame`).

        Filters as :func:`coder.selection.resolve_filters` (``coder``, ``gold``, ``codes``,
        ``since``, ``until``, ``document_ids``).  Blind coding holds here as in the CLI:
        ``viewer`` (default ``$CODER_NAME``) does not get others' codings on documents they
        code blind in the reliability sample; a warning says what was left out.
        """
        # Imported here: ``import coder`` must stay light (pandas loads only when asked).
        import os
        import warnings

        from .export.segments import segments_frame
        from .team.blind import Withholding, held_back_note

        viewer = viewer or os.environ.get("CODER_NAME") or None
        withhold = Withholding(self, viewer, via="python api") if viewer else None
        frame = segments_frame(self, withhold=withhold, **filters)
        if withhold is not None:
            held = withhold.finish()
            if held:
                warnings.warn(held_back_note(held, viewer), stacklevel=2)
        return frame


def open_project(path: str | Path | None = None, *, create: bool = False) -> Project:
    """Open the project file at ``path`` (default: ``$CODER_PROJECT`` or ``./coder.db``).

    ``create=True`` makes a new, empty project file when none exists.
    """
    return Project(path if path is not None else core.default_path(), create=create)
