"""The declared types of the columns of exported tables.

A writer that guesses a column's type from its values guesses differently for an empty
table (no values: text) than for a full one, so a do-file or script written against one
export breaks on an empty subset (``--since 2030``).  Each table therefore declares its
columns' types once (:func:`coder.export.segments.segment_types`,
:func:`coder.export.matrix.matrix_types`, ``coder.memos.MEMO_TYPES``) and every typed
format follows the declaration whatever the rows:

================  ===================  ==================  ==========================
type              Stata (.dta)         Parquet             pandas
================  ===================  ==================  ==========================
``int``           long                 int64 (not null)    int64
``nullable_int``  long, missing ``.``  int64               Int64
``number``        double               float64             float64
``date``          ``%td`` date         date32              datetime64
``timestamp``     ISO text             timestamp UTC       datetime64 UTC
``text``          string (``strL``)    string              pandas' text type
================  ===================  ==================  ==========================

(A whole number too large for a Stata long becomes a double, as pandas writes it; a
``date`` column holding something other than whole ISO dates stays text in Stata rather
than lose it.)  Columns without a declared type have it inferred from their values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

INT = "int"
NULLABLE_INT = "nullable_int"
NUMBER = "number"
DATE = "date"
TIMESTAMP = "timestamp"
TEXT = "text"
TYPES = (INT, NULLABLE_INT, NUMBER, DATE, TIMESTAMP, TEXT)


@functools.cache
def _pandas_defaults() -> tuple[object, str]:
    """The dtype this pandas gives text, and the unit it gives parsed times: what a table
    with values gets, so an empty one is given the same (pandas 3: ``str`` and ``us``;
    pandas 2: ``object`` and ``ns``)."""
    import pandas as pd

    text = pd.Series(["x"]).dtype
    unit = pd.to_datetime(pd.Series(["2019-03-05"]), format="%Y-%m-%d").dt.unit
    return text, unit


def typed_frame(rows: list, columns: list[str], types: Mapping[str, str]):
    """A pandas DataFrame of ``rows`` (dicts or tuples in ``columns`` order) with the
    dtypes of ``types`` (see the module), the same for no rows as for many."""
    import pandas as pd

    text, unit = _pandas_defaults()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in columns:
        kind = types.get(column)
        if kind == INT:
            frame[column] = frame[column].astype("int64")
        elif kind == NULLABLE_INT:
            frame[column] = frame[column].astype("Int64")
        elif kind == NUMBER:
            frame[column] = frame[column].astype("float64")
        elif kind == DATE:
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d",
                                           errors="coerce").dt.as_unit(unit)
        elif kind == TIMESTAMP:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601",
                                           errors="coerce").dt.as_unit(unit)
        elif kind == TEXT:
            frame[column] = frame[column].astype(text)
    return frame
