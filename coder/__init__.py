"""coder: a terminal workbench for qualitative discourse coding.

The public Python API, for notebooks and scripts::

    import coder
    project = coder.open_project("coder.db")
"""

from .api import Project, open_project
from .errors import CoderError
from .version import __version__

__all__ = ["CoderError", "Project", "__version__", "open_project"]
