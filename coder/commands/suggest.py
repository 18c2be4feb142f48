"""``coder suggest``, ``coder suggestions`` and ``coder patterns try|report|export|import``."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpus.kinds import KINDS as ROLES
from ..errors import CoderError
from ..project import Project
from .common import print_json, progress, warn, with_project
from .selection import document_selection, selection_options, split_values


@click.command("suggest")
@selection_options("speaker", "role", "doc", "dates", "where", help={
    "speaker": "Only turns of this speaker (name or alias; accents and case ignored).",
    "role": f"Only turns of speakers of this kind ({', '.join(ROLES)})."})
@click.option("--model", help="An installed trained spaCy pipeline (e.g. es_core_news_sm); "
                              "needed by patterns on POS, TAG, DEP, MORPH or ENT_TYPE.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes matching in parallel, this one included (default: 2 on a machine "
                   "with two or more cores when there are over 5 million characters to match, "
                   "else 1; each takes about 250 MB on a large corpus).")
@click.option("--naive", is_flag=True, help="The slow reference pass (every turn through the "
                                            "whole pipeline); gives the same suggestions.")
@click.option("--force", is_flag=True, help="Re-match documents whose suggestions are current.")
@click.option("--off-for-coder", "off_for", multiple=True, metavar="NAME",
              help="Hide suggestions from this coder of the project (reliability coding) and "
                   "stop; repeatable (commas work too).")
@click.option("--on-for-coder", "on_for", multiple=True, metavar="NAME",
              help="Show suggestions to this coder again and stop; repeatable (commas work too).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as JSON.")
@with_project
def suggest(project: Project, speakers: list[str], roles: list[str], doc_ids: list[int],
            since: str | None, until: str | None, model: str | None, workers: int | None,
            naive: bool, force: bool, off_for: tuple[str, ...], on_for: tuple[str, ...], as_json: bool) -> None:
    """Pre-highlight candidate spans: match the codebook's patterns against the turns.

    \b
    Runs over every document unless --doc/--since/--until/--where narrow the documents
    and --speaker/--role the turns (speaker lines and headers are never matched);
    documents excluded from analyses are left out unless --include-excluded or --doc.  A rerun
    only matches documents whose text, codebook version or pipeline changed, or whose
    earlier run did not cover the turns asked for; changed documents get their stale
    suggestions replaced, while coders' accept/reject decisions are kept.  Each document
    is committed on its own, so an interrupted run resumes where it stopped.
    """
    from ..suggest import RunScope, execute_run, prepare_run
    from ..team.coders import set_suggestions_off

    if off_for or on_for:
        hide, show = split_values(off_for), split_values(on_for)
        # Existing coders only, as `coder coders suggestions off`: a mistyped name must not
        # become a new coder while the one meant keeps seeing suggestions.  One transaction:
        # an unknown name changes nothing.
        with project.transaction():
            set_suggestions_off(project, hide, True)
            set_suggestions_off(project, show, False)
        for name in hide:
            click.echo(f"{name}: suggestions hidden")
        for name in show:
            click.echo(f"{name}: suggestions shown")
        return
    if len(speakers) > 1 or len(roles) > 1:
        raise CoderError("suggest takes one --speaker and one --role")
    scope = RunScope(speaker=speakers[0] if speakers else None, role=roles[0] if roles else None,
                  doc_ids=doc_ids or None, since=since, until=until, **document_selection())
    run = prepare_run(project, scope, model=model, force=force, warn=warn)
    for note in run.notes:
        warn(note)
    with progress(len(run.tasks), "suggesting") as advance:
        report = execute_run(project, run, naive=naive, workers=workers, progress=advance)
    if as_json:
        print_json(report.as_dict())
        return
    pipelines = ", ".join(sorted(set(report.pipelines.values()))) or "none"
    skipped = f", {report.no_patterns} in a language without patterns" if report.no_patterns else ""
    click.echo(f"{report.documents} document(s) in scope: {report.processed} matched, "
               f"{report.up_to_date} up to date, {report.no_turns} without turns in scope"
               f"{skipped}; {report.suggestions} suggestion(s) written (pipeline {pipelines})")


@click.command("suggestions")
@selection_options("doc", "code", help={"code": "Only this code (and its sub-codes)."})
@click.option("--coder", help="Status as seen by this coder (pending / accepted / rejected / "
                               "covered: accepted by coding the span with the same code).")
@click.option("--status", type=click.Choice(["pending", "accepted", "rejected", "covered",
                                             "disputed"]),
              help="Only suggestions with this status (with --coder: as that coder decided).")
@click.option("--limit", type=click.IntRange(1, None), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (id, code, start, end, text, "
                                                       "pattern, status, codebook_version, ...).")
@with_project
def suggestions(project: Project, doc_ids: list[int], codes: list[str], coder: str | None,
                status: str | None, limit: int | None, as_json: bool) -> None:
    """List suggestions with their text, pattern and decision status.

    A suggestion nobody decided but a coder coded over with the same code is `covered`
    (accepted by coding), as in the workbench: it is not pending and not counted as left.
    """
    from ..suggest import list_suggestions
    from ..team.coders import suggestions_visible

    if coder and not suggestions_visible(project, coder):
        warn(f"suggestions are hidden for {coder} (reliability coding); "
             f"`coder suggest --on-for-coder {coder}` shows them again")
        if as_json:
            print_json([])
        return
    if len(codes) > 1:
        raise CoderError("suggestions takes one --code (its sub-codes are included)")
    rows = list_suggestions(project, doc_ids=doc_ids or None, code=codes[0] if codes else None,
                            coder=coder,
                            status=status, limit=limit)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        text = " ".join(row["text"].split())
        reading = (f"  {row['source']}/{row['polarity']}" if row.get("source") else "") + (
            "  (set aside)" if row.get("marked") else "")
        click.echo(f"#{row['id']}  doc {row['document']} {row['start']}-{row['end']}  "
                   f"{row['code']}  {row['pattern']}  [{row['status']}]{reading}  {text!r}")
    click.echo(f"{len(rows)} suggestion(s)", err=True)


@click.group("patterns")
def patterns() -> None:
    """Try, measure, export and import the codebook's spaCy patterns."""


@patterns.command("try")
@click.argument("text")
@click.option("--lang", default="es", show_default=True, help="Language of the text.")
@click.option("--model", help="An installed trained spaCy pipeline instead of the blank one.")
@click.option("--code", help="Only this code's patterns (and its sub-codes').")
@click.option("--kind", type=click.Choice(ROLES), default="president", show_default=True,
              help="Read TEXT as a turn of this kind of speaker (press: a reporter's question).")
@click.option("--json", "as_json", is_flag=True, help="Print tokens and hits as JSON.")
@with_project
def patterns_try(project: Project, text: str, lang: str, model: str | None, code: str | None,
                 kind: str, as_json: bool) -> None:
    """Show which patterns fire on TEXT, token by token (token, lower, lemma) and the hits.

    Each hit shows the move read from its clause, as `coder suggest` stores it: source
    (own / attributed / quoted), polarity (affirmed / negated / hypothetical / question),
    the sector, where the required context was found, and the cue words that decided
    them; a hit the code counts only as an own affirmed move is marked "set aside".
    Example: coder patterns try "No vamos a declarar la guerra, dijeron ellos."

    The lookup lemma table is case-sensitive: a capitalised word it does not list
    ("Atender" at a sentence start) keeps its own text as lemma, so LEMMA patterns miss
    it; the table below shows where that happens.
    """
    from ..suggest.store import try_patterns

    trial = try_patterns(project, text, lang=lang, model=model, code=code, kind=kind, warn=warn)
    if as_json:
        print_json(trial.as_json())
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .tables import cells

    console = Console()
    table = Table(title=f"tokens ({trial.pipeline})", title_justify="left")
    for name in ("#", "token", "lower", "lemma", "in lemma table"):
        table.add_column(name)
    for token in trial.tokens:
        in_table = {True: "yes", False: "no (lemma = text)", None: "-"}[token.in_table]
        table.add_row(*cells([token.i, repr(token.text)[1:-1], token.lower, token.lemma, in_table]))
    console.print(table)
    if not trial.hits:
        console.print("no pattern fires")
        return
    for hit in trial.hits:
        label = "exclude " if hit.exclude else ""
        why = hit.dropped if isinstance(hit.dropped, str) else "an exclude pattern overlaps it"
        # (escape: the text, the codebook's ids and the cues are shown as written, not as markup)
        note = f"  [dim](dropped: {escape(why)})[/]" if hit.dropped else ""
        console.print(f"{escape(hit.code)}  {label}{escape(hit.pattern)}  {hit.start}-{hit.end}  "
                      f"[bold]{escape(repr(hit.text))}[/]{note}", highlight=False)
        reading = hit.reading
        if reading is not None and not hit.dropped:
            cues = ", ".join(f"{k}: {v!r}" for k, v in reading.cues.items())
            aside = reading.cues.get("set_aside") or "not an own affirmed move"
            console.print(f"    source={reading.source}  polarity={reading.polarity}"
                          f"  sector={escape(reading.sector or '-')}"
                          f"  context={escape(reading.context or '-')}"
                          + (f"  [yellow]set aside: {escape(aside)}[/]" if reading.marked else "")
                          + (f"  [dim]({escape(cues)})[/]" if cues else ""), highlight=False)


@patterns.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_project
def patterns_report(project: Project, as_json: bool) -> None:
    """Per pattern: hits, documents, accepted, rejected, precision (and against gold codings).

    \b
    precision = accepted / (accepted + rejected) over every coder's decisions, with n
    and a Wilson 95 % interval ("thin": fewer than 30 decisions); a suggestion a coder
    coded over with the same code without pressing a or r counts as accepted ("+N coded"
    in the accepted column, `covered` in --json), as the workbench counts it; the audited columns
    come from `coder audit` (a seeded sample read against the codebook), which is the
    number to trust: decisions made while coding lean towards what coders agreed with.
    """
    from ..suggest import pattern_report
    from ..team.audit import with_intervals

    report = with_intervals(project, pattern_report(project))
    if as_json:
        print_json(report.as_json())
        return
    from rich.console import Console
    from rich.table import Table

    from .tables import cells as plain

    gold = bool(report.gold_coders)
    table = Table(title="patterns" + (f" (gold: {', '.join(report.gold_coders)})" if gold else ""),
                  title_justify="left")
    # Precision cells read "50% [24-76]": the rate and its Wilson 95 % interval.
    audited = any(row.audit for row in report.patterns)
    columns = ["code", "pattern", "hits", "docs", "accepted", "rejected", "precision"]
    if audited:
        columns += ["audited", "audited precision"]
    if gold:
        columns += ["gold hits", "gold TP", "gold precision"]
    for name in columns:
        table.add_column(name, justify="left" if name in ("code", "pattern") else "right")

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    def interval(value: float | None, low: float | None, high: float | None, thin: bool) -> str:
        if value is None:
            return "-"
        return f"{value:.0%} [{low:.0%}-{high:.0%}]" + (" thin" if thin else "")

    for row in report.patterns:
        pattern = row.pattern + ("" if row.in_codebook else " (not in codebook)")
        audit = row.audit  # the pattern's audited cell (coder.team.audit.PatternCell)
        cells = [row.code, pattern, str(row.hits), str(row.documents),
                 str(row.accepted) + (f" +{row.covered} coded" if row.covered else ""),
                 str(row.rejected),
                 interval(row.precision, row.low, row.high, row.thin)]
        if audited:
            cells += [str(audit.n) if audit else "0",
                      interval(audit.precision, audit.low, audit.high, audit.thin)
                      if audit else "-"]
        if gold:
            cells += [str(row.gold_hits), str(row.gold_tp), pct(row.gold_precision)]
        table.add_row(*plain(cells))
    console = Console()
    console.print(table)
    if report.codes:
        recall = Table(title="recall against gold codings", title_justify="left")
        for name in ("code", "gold annotations", "found by a suggestion", "recall"):
            recall.add_column(name)
        for recalled in report.codes:
            recall.add_row(*plain([recalled.code, recalled.gold_annotations, recalled.gold_found,
                                   pct(recalled.gold_recall)]))
        console.print(recall)


@patterns.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["spacy", "jsonl"]),
              help="spacy: a folder of pipelines spacy.load opens (the default for a folder or "
                   "a new name without extension); jsonl: pattern lines for `patterns "
                   "import` (the default for a file name like rules.jsonl).")
@with_project
def patterns_export(project: Project, path: Path, fmt: str | None) -> None:
    """Write the patterns as spaCy pipelines (a folder) or as JSONL lines.

    \b
    spacy (PATH is a folder): one pipeline per language, PATH/es, PATH/en, each the
      blank language + lookup lemmatizer + sentencizer + span rulers stating the
      attribute phrase patterns are compared on; spacy.load("PATH/es")(turn_text)
      gives doc.spans["coder"] (label = code id, id = pattern id): the raw hits of
      `coder suggest`.  PATH/README.txt says what coder does on top (exclude patterns,
      the longest of overlapping hits, clause rules), which spaCy patterns cannot say.
    jsonl: one {"label", "pattern", "id", "lang"} line per pattern, plus "attr" when a
      phrase is not compared on LOWER (exclude patterns labelled NOT:<code>); `coder
      patterns import` reads it back.
    """
    if fmt is None:  # a folder, or a new name without an extension: the pipelines
        new = not path.exists() and not path.is_symlink()
        fmt = "spacy" if (path.is_dir() and not path.is_symlink()) or (new and not path.suffix) \
            else "jsonl"
    if fmt == "jsonl":
        from ..suggest import export_patterns

        count = export_patterns(project, path)
        click.echo(f"wrote {count} pattern(s) to {path}")
        return
    from ..suggest.spacy_export import export_spacy_pipelines

    result = export_spacy_pipelines(project, path, warn=warn)
    pipelines = ", ".join(f"{path / lang} ({count} pattern(s))"
                          for lang, count in result.languages.items())
    click.echo(f"wrote spaCy pipeline(s) {pipelines}; spans in doc.spans['coder']; "
               f"see {path / 'README.txt'}")


@patterns.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_project
def patterns_import(project: Project, path: Path) -> None:
    """Replace the patterns of the codes named in an EntityRuler JSONL file.

    Everything is validated before anything changes; the codebook then gets a new
    version (so the next `coder suggest` re-matches), in one transaction.  A file that
    changes no pattern changes nothing (no new version).
    """
    from ..suggest import import_patterns

    result = import_patterns(project, path)
    if not result["changed"]:
        click.echo(f"nothing changed: {path} gives its {result['codes']} code(s) the patterns "
                   f"they have; codebook version {result['version'][:12]} stays")
        return
    click.echo(f"replaced the patterns of {result['codes']} code(s) ({result['patterns']} "
               f"pattern(s)); codebook version {result['version'][:12]}")
