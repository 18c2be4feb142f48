"""coder: a terminal workbench for qualitative discourse coding.

The public Python API, for notebooks and scripts::

    import coder
    project = coder.open_project("coder.db")
"""

from .errors import CoderError
from .project import Project, open_project

__all__ = ["CoderError", "Project", "open_project"]
__version__ = "0.1.0"
