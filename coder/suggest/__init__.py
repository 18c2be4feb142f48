"""Suggestions: codebook patterns -> spaCy matchers -> candidate spans for coders.

- :mod:`.patterns`  validation of pattern entries (no pipeline needed) and what they ask of one
- :mod:`.pipeline`  the spaCy pipelines, their recorded names, the lookup lemma table
- :mod:`.engine`    matching: the naive reference pass and the fast pass (same hits)
- :mod:`.store`     runs in the project file, incremental rules, listing, reports, JSONL

Nothing here imports spaCy at module level, so importing this package is cheap.
"""

from .patterns import check_pattern, needs_attrs
from .store import (
    Scope,
    SuggestReport,
    execute_run,
    export_patterns,
    import_patterns,
    list_suggestions,
    pattern_report,
    prepare_run,
    run_suggest,
    set_suggestions_visible,
    suggestions_visible,
)

__all__ = [
    "Scope", "SuggestReport", "check_pattern", "execute_run", "export_patterns",
    "import_patterns", "list_suggestions", "needs_attrs", "pattern_report", "prepare_run",
    "run_suggest", "set_suggestions_visible", "suggestions_visible",
]
