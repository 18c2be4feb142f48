"""Getting coded data out of a project: tidy tables, matrices, search, REFI-QDA.

- :mod:`coder.export.segments`: one row per coded segment (``segments_rows``,
  ``segments_frame``, ``SEGMENT_COLUMNS``).
- :mod:`coder.export.tables`: writers for CSV, Parquet, Excel and JSON Lines.
- :mod:`coder.export.columns`: the declared column types typed formats follow.
- :mod:`coder.export.matrix`: code x document / turn / month matrices and co-occurrence.
- :mod:`coder.export.search`: the FTS5 index over turns, KWIC lines, search-as-suggestions.
- :mod:`coder.export.refi`: the REFI-QDA project (``.qdpx``) and codebook (``.qdc``).

Nothing heavy is imported here: pandas and pyarrow load inside the functions that use them.
"""
