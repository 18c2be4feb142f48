"""Shared fixtures: temporary projects, a small transcript written for the tests, the real corpus.

The texts and builders behind them are in ``tests/helpers.py``; the workbench fixtures in
``tests/tui/conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coder.project import Project
from tests.helpers import CODEBOOK, REAL_CORPUS, TRANSCRIPT


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory):
    """Tests, and the commands they start, keep coder's cache of table lookups in a
    folder of their own (see coder.suggest.wordcache), never in the user's."""
    before = os.environ.get("CODER_CACHE_DIR")
    os.environ["CODER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["CODER_CACHE_DIR"]
    else:
        os.environ["CODER_CACHE_DIR"] = before


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A new, empty project file."""
    with Project(tmp_path / "test.db", create=True) as project:
        yield project


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    """A short transcript in the corpus layout (written for the tests)."""
    path = tmp_path / "2019" / "marzo" / "05--conferencia.txt"
    path.parent.mkdir(parents=True)
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    """The test codebook (CODEBOOK) as a YAML file."""
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def real_corpus() -> Path:
    """The shared real corpus; tests using it skip where it is absent."""
    if not REAL_CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus/mananeras) is not here")
    return REAL_CORPUS
