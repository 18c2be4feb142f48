"""REFI-QDA 1.5: exchange coded work with ATLAS.ti, MAXQDA, NVivo, QualCoder and others.

- :func:`export_qdc` writes the project's codes as a codebook (``.qdc``);
- :func:`export_qdpx` writes the project (codes, documents, every coder's codings, memos,
  document metadata) as a ``.qdpx`` zip;
- :func:`import_refi` reads a ``.qdpx``, ``.qde`` or ``.qdc`` written by any program.

See ``docs/REFI.md`` for what maps to what, and what cannot.
"""

from __future__ import annotations

from .importer import import_refi
from .write import export_qdc, export_qdpx

__all__ = ["export_qdc", "export_qdpx", "import_refi"]
