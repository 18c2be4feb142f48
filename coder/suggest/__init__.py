"""Suggestions: codebook patterns -> spaCy matchers -> candidate spans for coders.

The pattern language itself (validation, what a pattern asks of a pipeline) is
:mod:`coder.codebook.patterns`; who sees suggestions is :mod:`coder.team.coders`.

- :mod:`.pipeline`  the spaCy pipelines, their recorded names, the lookup lemma table
- :mod:`.engine`    matching: the naive reference pass and the fast pass (same hits)
- :mod:`.store`     runs in the project file, incremental rules, listing, reports, JSONL

Nothing here imports spaCy at module level, so importing this package is cheap.
"""

from ..codebook.patterns import check_pattern, needs_attrs
from .store import (
    RunScope,
    SuggestReport,
    execute_run,
    export_patterns,
    import_patterns,
    list_suggestions,
    pattern_report,
    prepare_run,
    run_suggest,
)

__all__ = [
    "RunScope", "SuggestReport", "check_pattern", "execute_run", "export_patterns",
    "import_patterns", "list_suggestions", "needs_attrs", "pattern_report", "prepare_run",
    "run_suggest",
]
