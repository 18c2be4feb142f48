"""The codebook's patterns as spaCy pipelines that ``spacy.load`` opens as they are.

``coder patterns export --format spacy FOLDER`` writes one pipeline folder per language
of the patterns (``FOLDER/es``, ``FOLDER/en``) and a ``README.txt``.  Each pipeline is
what coder matches with: ``spacy.blank(lang)``, the lookup lemmatizer with
spacy-lookups-data's table (saved inside the folder), the sentencizer, then one
``span_ruler`` per attribute the phrase patterns are compared on (``coder_lower``,
``coder_lemma``, ``coder_orth``: spaCy's ``phrase_matcher_attr`` is one per ruler; token
patterns go to the first).  Every ruler adds to ``doc.spans["coder"]``: one span per
match, labelled with the code id, its ``id_`` the pattern id; an exclude pattern's spans
are labelled ``NOT:<code>``.

Run on the text of one turn (coder never matches headers or speaker lines), the spans
are the raw hits of ``coder suggest``.  What spaCy patterns cannot say, and coder then
does on top of them (see README.txt): a code's hits overlapping one of its ``NOT:``
spans are dropped; of overlapping hits of one code only the longest is kept; and codes
with clause rules (a required context, source/polarity/sector reading) keep or set
aside hits by reading the clause around them.  Patterns that need a trained pipeline
(POS, DEP, ENT_TYPE, ...) are left out, with a note.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import CoderError
from ..project import Project
from .engine import PatternRef, build_plan, capability_problem
from .pipeline import pipeline_spec

SPANS_KEY = "coder"
MANIFEST = "coder-patterns.json"
EXCLUDE_PREFIX = "NOT:"

README = """\
spaCy pipelines with the patterns of a coder codebook ({codebook})
===================================================================

One folder per language: {langs}.  Load one the documented spaCy way and read the
spans under the key "{key}":

    import spacy
    nlp = spacy.load("{example}")
    doc = nlp(text_of_one_turn)
    for span in doc.spans["{key}"]:
        print(span.label_, span.id_, span.start_char, span.end_char, span.text)

span.label_ is the code id, span.id_ the pattern id.  Each pipeline is spacy.blank(lang)
+ the lookup lemmatizer (spacy-lookups-data's table, saved in the folder; the lookup is
case-sensitive, as in coder) + the sentencizer + span rulers.  Phrase patterns are
compared on the attribute their ruler states (phrase_matcher_attr): coder_lower (LOWER,
the default), coder_lemma (LEMMA), coder_orth (ORTH/TEXT).  Token patterns are written
as coder normalises them (attribute names in capitals) into the first ruler.

These spans are the raw hits of `coder suggest`.  To get its suggestions from them:
1. drop a span of code C that overlaps a span labelled "{exclude}C" (exclude patterns),
   and drop the "{exclude}" spans themselves;
2. of overlapping spans of one code keep only the longest (the first of equals);
3. codes with clause rules in the codebook (a required context, or counting only own
   affirmed moves) keep or set aside hits after reading the clause around them: that
   is coder's own reading, not a spaCy pattern, and is not in these pipelines.
coder matches each turn's speech on its own, never document headers or speaker lines.
{left_out}"""


@dataclass(frozen=True)
class SpacyExport:
    """What :func:`export_spacy_pipelines` wrote: patterns per language, and the patterns
    left out (one line each: a blank pipeline cannot match them)."""

    languages: dict[str, int]
    left_out: list[str]


def export_spacy_pipelines(project: Project, folder: str | Path,
                           warn: Callable[[str], None] | None = None) -> SpacyExport:
    """Write one spaCy pipeline folder per pattern language under ``folder``.

    ``folder`` must be new, empty, or an earlier export (it is then replaced whole, only
    once the new one is complete).  Returns a :class:`SpacyExport`.  Raises :class:`CoderError` when there are no patterns or the folder holds
    something else.
    """
    from .store import pattern_refs

    folder = Path(folder)
    _check_folder(folder)
    refs = pattern_refs(project)
    if not refs:
        raise CoderError("the codebook has no patterns to export; load one with "
                         "`coder codebook load FILE.yaml`")
    by_lang: dict[str, list[PatternRef]] = {}
    left_out: list[str] = []
    for ref in refs:
        lang = str(ref.entry.get("lang") or "")
        problem = capability_problem(ref, pipeline_spec(lang)) if lang else "no lang"
        if problem:
            left_out.append(f"code {ref.code}, pattern {ref.pattern_id}: {problem}")
            continue
        by_lang.setdefault(lang, []).append(ref)
    if not by_lang:
        raise CoderError("no pattern can be matched by a blank spaCy pipeline; nothing "
                         "was written")
    for line in left_out:
        if warn:
            warn(f"left out of the spaCy export: {line}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        counts = {lang: _write_pipeline(lang, lang_refs, staging / lang, warn)
                  for lang, lang_refs in sorted(by_lang.items())}
        name = str(project.setting("codebook_name") or project.setting("codebook_version") or "")
        langs = sorted(counts)
        (staging / "README.txt").write_text(README.format(
            codebook=name, langs=", ".join(langs), key=SPANS_KEY,
            example=str(folder / langs[0]), exclude=EXCLUDE_PREFIX,
            left_out=("\nLeft out (they need a trained pipeline):\n"
                      + "".join(f"  {line}\n" for line in left_out)) if left_out else ""),
            encoding="utf-8")
        (staging / MANIFEST).write_text(json.dumps(
            {"spans_key": SPANS_KEY, "languages": counts, "left_out": left_out},
            ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SpacyExport(languages=counts, left_out=left_out)


def _check_folder(folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise CoderError(f"cannot write {folder}: the spaCy export is a folder; give a "
                         "new folder name")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise CoderError(f"cannot write {folder}: the folder holds other files (not an "
                         "earlier pattern export); give a new folder name")
    if not folder.parent.is_dir():
        raise CoderError(f"cannot write {folder}: the folder {folder.parent} does not exist")


def _replace(staging: Path, folder: Path) -> None:
    """Put the finished export in place; an earlier one goes only after it is complete."""
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        os.rename(folder, old)
        os.rename(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, folder)
    folder.chmod(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_pipeline(lang: str, refs: Sequence[PatternRef], path: Path,
                    warn: Callable[[str], None] | None) -> int:
    """One language's pipeline folder; returns how many patterns it holds."""
    import spacy

    plan = build_plan(lang, refs, warn=warn)
    surface: dict[str, list[dict]] = {}  # phrase patterns on LOWER / ORTH, by attribute
    after: list[dict] = []                # LEMMA phrases and token patterns
    for rule in plan.rules:
        label = f"{EXCLUDE_PREFIX}{rule.code}" if rule.exclude else rule.code
        item = {"label": label, "pattern": rule.phrase if rule.tokens is None else rule.tokens,
                "id": rule.pattern_id}
        if rule.tokens is None and rule.attr != "LEMMA":
            surface.setdefault(rule.attr, []).append(item)
        else:
            after.append(item)
    nlp = spacy.blank(lang)
    if pipeline_spec(lang).lemma_table:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    nlp.initialize()  # loads the lookup table from spacy-lookups-data
    first = nlp.pipe_names[0]
    rulers = 0

    def ruler(name: str, attr: str, items: list[dict], **where: str) -> None:
        nonlocal rulers
        # The first ruler starts doc.spans["coder"]; the others add to it.
        pipe = nlp.add_pipe("span_ruler", name=name, config={
            "spans_key": SPANS_KEY, "phrase_matcher_attr": attr, "validate": True,
            "overwrite": rulers == 0}, **where)
        pipe.add_patterns(items)
        rulers += 1

    # Surface phrases before the lemmatizer: their pattern docs need only the tokenizer
    # (spaCy warns when a LOWER phrase is added lemmatized).  LEMMA phrases after it, so
    # the pipes before lemmatize them, as coder does; token patterns there too.
    for attr, items in sorted(surface.items()):
        ruler(f"coder_{attr.lower()}", attr, items, before=first)
    if after or not rulers:
        ruler("coder_lemma", "LEMMA", after)
    nlp.meta["name"] = f"coder_patterns_{lang}"
    nlp.meta["description"] = ("Patterns of a coder codebook; spans in doc.spans['coder'] "
                               "(label = code id, id = pattern id). See ../README.txt.")
    nlp.to_disk(path)
    return len(plan.rules)
