"""coder: a terminal workbench for qualitative discourse coding.

The public Python API, for notebooks and scripts::

    import coder
    project = coder.open_project("coder.db")
"""

from .api import Project, open_project
from .errors import CoderError

__all__ = ["CoderError", "Project", "open_project"]
__version__ = "0.1.0"
