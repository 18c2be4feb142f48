"""Working as a team: coders, blind reliability samples and assignments, review and
adjudication of disagreements into a gold layer, and merging coders' project files.

Nothing here imports ``textual``; the review screen lives in ``coder.tui.screens.review``.
"""
