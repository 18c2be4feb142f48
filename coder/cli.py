"""The ``coder`` command line: a thin click layer over the domain core.

Each feature's commands live in ``coder/commands/<feature>.py``; this module only
assembles them, so ``coder --help`` stays fast (heavy imports happen inside commands).
"""

from __future__ import annotations

import importlib
import os

import click

from .commands.common import CoderGroup, accept_project_everywhere

# (module in coder.commands, attribute names of click commands/groups to register)
COMMAND_MODULES: list[tuple[str, tuple[str, ...]]] = [
    ("project", ("init", "documents", "speakers", "demo")),
    ("importing", ("import_",)),
    ("codebook", ("codebook",)),
    ("suggest", ("suggest", "suggestions", "patterns")),
    ("annotate", ("code", "annotations", "segments", "undo", "redo")),
    ("memos", ("memo", "memos")),
    ("attributes", ("attributes",)),
    ("audit", ("audit",)),
    ("team", ("coders", "sample", "assignments", "agreement", "review", "merge")),
    ("export", ("export", "search", "stats", "cooccurrence")),
    ("refi", ("import_refi",)),
    ("tui", ("tui",)),
]

HELP = """coder: code transcripts against a codebook, together, reliably.

\b
A typical session:
  coder init                                  create ./coder.db
  coder import transcripts/                   import a folder (recursively)
  coder codebook load codebooks/securitization.yaml
  coder suggest                               pre-highlight candidate phrases
  coder tui --coder alice                     code in the terminal workbench
  coder agreement --coders alice,bob          inter-coder reliability
  coder export segments.csv                   coded segments for R / Stata / pandas

Try it on the bundled sample: coder demo

The project file is ./coder.db unless -p/--project or CODER_PROJECT says otherwise.
"""


@click.group(cls=CoderGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coder")
@click.option("-p", "--project", "project_path", type=click.Path(), default=None,
              help="Project file for the command (also accepted after the command).")
def main(project_path: str | None) -> None:
    if project_path:
        # Sub-commands read -p/--project with CODER_PROJECT as their fallback.
        os.environ["CODER_PROJECT"] = project_path


def _register() -> None:
    """Add every command of :data:`COMMAND_MODULES` (a missing one is an error, not skipped)."""
    for module_name, names in COMMAND_MODULES:
        module = importlib.import_module(f".commands.{module_name}", __package__)
        for name in names:
            main.add_command(getattr(module, name))
    accept_project_everywhere(main)


_register()

if __name__ == "__main__":
    main()
