"""The demo project: the bundled sample corpus plus the shipped codebook, with suggestions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import CoderError
from .project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "corpus"
SHIPPED_CODEBOOK = REPO / "codebooks" / "securitization.yaml"


def build_demo(path: str | Path, *, fresh: bool = False,
               echo: Callable[[str], None] = lambda _: None) -> str:
    """Build (or reuse) a demo project at ``path``; returns a one-line summary.

    Imports the sample corpus, loads the shipped codebook and runs the suggestion engine.
    An existing demo project is reused as it is unless ``fresh``.
    """
    from .codebook import load_codebook, store_codebook
    from .corpus.importer import import_paths

    path = Path(path)
    if not SAMPLE_CORPUS.is_dir() or not SHIPPED_CODEBOOK.is_file():
        raise CoderError(f"the sample corpus or codebook is missing under {REPO}; "
                         "install coder from a clone of its repository (pip install -e .)")
    if path.exists() and not fresh:
        with Project(path) as project:
            documents = project.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        if documents:
            return f"reusing demo project {path} ({documents} documents); --fresh rebuilds it"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Project(path, create=True) as project:
        echo(f"importing the sample corpus from {SAMPLE_CORPUS} ...")
        report = import_paths(project, [SAMPLE_CORPUS])
        store_codebook(project, load_codebook(SHIPPED_CODEBOOK))
        suggestions = _suggest(project, echo)
        project.coder_id("demo")
    return (f"demo project {path}: {report.documents} documents, codebook "
            f"{SHIPPED_CODEBOOK.name}, {suggestions} suggestions")


def _suggest(project: Project, echo: Callable[[str], None]) -> int:
    from .suggest import run_suggest

    echo("pre-highlighting candidate phrases ...")
    run_suggest(project)
    return project.db.execute("SELECT count(*) FROM suggestions").fetchone()[0]
