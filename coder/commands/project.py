"""``coder init``, ``coder documents``, ``coder speakers``, ``coder demo``."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpus.kinds import KINDS
from ..project import Project, default_path
from .common import print_json, project_option


@click.command()
@project_option
def init(project_path: Path | None) -> None:
    """Create a new project file (default ./coder.db; -p or CODER_PROJECT to choose).

    An existing project file is left as it is (and upgraded to this version's schema).
    """
    path = project_path or default_path()
    existed = path.exists()
    with Project(path, create=True) as project:
        version = project.schema_version
    click.echo(f"{'opened existing' if existed else 'created'} project {path} (schema {version})")


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--where", multiple=True, metavar="KEY=VALUE",
              help="Only documents with this attribute (genre=speech, administration=..., "
                   "kind, lang, or any key set with `documents set`; repeatable: all hold).")
@click.option("--since", metavar="YYYY[-MM[-DD]]",
              help="Only documents dated from this day/month/year (YYYY[-MM[-DD]]).")
@click.option("--until", metavar="YYYY[-MM[-DD]]",
              help="Only documents dated up to this day/month/year (YYYY[-MM[-DD]]; inclusive).")
@click.option("--excluded", "only_excluded", is_flag=True,
              help="Only the documents excluded from analyses.")
@click.option("--duplicates", is_flag=True,
              help="List same-day near-duplicates (the same text published twice) with their "
                   "overlap instead; with --where, --since, --until or --excluded a pair is "
                   "listed when either of its documents passes them (so a matching "
                   "document's twin outside the filter still shows).")
@click.option("--threshold", type=click.FloatRange(0.1, 1.0), default=0.8, show_default=True,
              help="With --duplicates: how much of the shorter text must be in the longer.")
@click.option("--coverage", is_flag=True,
              help="Documents and words per month instead (months with none show 0: gaps), "
                   "of the documents --where, --since, --until and --excluded keep; "
                   "excluded documents are left out unless --include-excluded or --excluded.")
@click.option("--include-excluded", is_flag=True, help="With --coverage: count excluded ones too.")
@project_option
@click.pass_context
def documents(ctx: click.Context, as_json: bool, where: tuple[str, ...], since: str | None,
              until: str | None, only_excluded: bool, duplicates: bool, threshold: float,
              coverage: bool, include_excluded: bool, project_path: Path | None) -> None:
    """List the documents by date: id, date, genre, title, turns, words, excluded.

    \b
    Attributes: each document has a genre (mañanera, covid briefing, speech, event: from
    its title) and an administration (the head of government on its date); add your own
    with `coder documents set DOC key=value`.  `--where key=value` filters by them here
    and in search, stats and export; exports carry them as REFI-QDA Variables.
    \b
    Duplicates and gaps:
      coder documents --duplicates            same-day near-duplicate pairs, with overlap
      coder documents exclude 373             leave one out of stats, search, matrices,
                                              exports and samples (kept, never deleted)
      coder documents include 373             count it again
      coder documents --coverage              documents and words per month
    """
    ctx.obj = project_path
    if ctx.invoked_subcommand is not None:
        return
    from click.core import ParameterSource

    from ..corpus import documents as docs
    from ..errors import CoderError
    from ..selection import check_date_range, normalise_date
    from .tables import print_table

    if duplicates and coverage:
        raise CoderError("--duplicates and --coverage are two listings: give one of them")
    if not duplicates and ctx.get_parameter_source("threshold") is ParameterSource.COMMANDLINE:
        raise CoderError("--threshold is for --duplicates")
    since, until = normalise_date(since, "since"), normalise_date(until, "until")
    check_date_range(since, until)
    excluded = True if only_excluded else None
    with Project(project_path or default_path()) as project:
        if duplicates:
            rows = docs.duplicates(project, threshold=threshold, where=where, excluded=excluded,
                                   since=since, until=until)
            if as_json:
                print_json(rows)
                return
            for row in rows:
                row["overlap"] = f"{row['containment']:.0%} (J {row['jaccard']:.2f})"
                row["excluded"] = "yes" if row["excluded"] else ""
            print_table(rows, ["date", "document", "duplicate", "overlap", "excluded", "title"],
                        title=f"{len(rows)} same-day near-duplicate pairs", max_width={"title": 50})
            return
        if coverage:
            rows = docs.coverage(project, where=where, include_excluded=include_excluded,
                                 excluded=excluded, since=since, until=until)
            if as_json:
                print_json(rows)
                return
            print_table(rows, ["month", "documents", "words"],
                        title=f"coverage by month ({len(rows)} month{'s' * (len(rows) != 1)})")
            return
        rows = docs.list_documents(project, where=where, excluded=excluded, since=since,
                                   until=until)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["excluded"] = "yes" if row["excluded"] else ""
    print_table(rows, ["id", "date", "genre", "lang", "title", "turns", "words", "excluded"],
                title=f"{len(rows)} documents in {project.path}", max_width={"title": 60})


@documents.command("set")
@click.argument("document")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.pass_obj
def documents_set(project_path: Path | None, document: str, assignments: tuple[str, ...]) -> None:
    """Set attributes of DOCUMENT (its id): KEY=VALUE (an empty VALUE removes KEY).

    \b
    e.g.  coder documents set 12 venue=Palacio audience=press
    Filter with --where venue=Palacio; exported as REFI-QDA Variables.
    """
    from ..corpus.documents import set_attributes

    with Project(project_path or default_path()) as project:
        after = set_attributes(project, document, assignments)
    click.echo(f"document #{document.lstrip('#')}: " +
               ", ".join(f"{k}={v}" for k, v in sorted(after.items())))


@documents.command("exclude")
@click.argument("ids", nargs=-1, required=True, metavar="DOCUMENT...")
@click.pass_obj
def documents_exclude(project_path: Path | None, ids: tuple[str, ...]) -> None:
    """Leave DOCUMENT(s) out of stats, search, matrices, exports and samples (e.g. a
    near-duplicate); they are kept, never deleted.  Analyses count them again with
    --include-excluded, or when named by id."""
    from ..corpus.documents import set_excluded

    with Project(project_path or default_path()) as project:
        changed = set_excluded(project, ids, True)
    _say_changed(ids, changed, "excluded", "already excluded")


@documents.command("include")
@click.argument("ids", nargs=-1, required=True, metavar="DOCUMENT...")
@click.pass_obj
def documents_include(project_path: Path | None, ids: tuple[str, ...]) -> None:
    """Count excluded DOCUMENT(s) in analyses again."""
    from ..corpus.documents import set_excluded

    with Project(project_path or default_path()) as project:
        changed = set_excluded(project, ids, False)
    _say_changed(ids, changed, "included", "not excluded")


def _say_changed(ids: tuple[str, ...], changed: list[int], done: str, already: str) -> None:
    """What exclude/include did: the documents changed, and those that already were so
    (nothing written for them; nothing at all when none changed)."""
    given = list(dict.fromkeys(int(str(raw).lstrip("#")) for raw in ids))  # checked by the core
    same = [d for d in given if d not in changed]
    unchanged = ", ".join(f"#{d}" for d in same)
    if not changed:
        click.echo(f"nothing changed: {unchanged} {'is' if len(same) == 1 else 'are'} {already}")
        return
    click.echo(f"{done} {len(changed)} document{'s' if len(changed) != 1 else ''}: "
               + ", ".join(f"#{d}" for d in changed)
               + (f" ({unchanged} {'was' if len(same) == 1 else 'were'} {already})"
                  if same else ""))


def _kind_list(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
               ) -> list[str] | None:
    """``--kind a --kind b,c`` as [a, b, c] (None: not given); the core checks the kinds."""
    kinds = [kind.strip() for value in values for kind in value.split(",") if kind.strip()]
    return kinds or None


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option("--unresolved", is_flag=True,
              help="Only the speakers the rules were unsure of, and why (a short form or typo "
                   "that could be several people, a role without a name).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND[,KIND]", callback=_kind_list,
              help="Only speakers of this kind (repeat it or separate kinds with commas): "
                   f"{', '.join(KINDS)}.  A speaker's kind is that of most of its turns.")
@project_option
@click.pass_context
def speakers(ctx: click.Context, as_json: bool, unresolved: bool, kinds: list[str] | None,
             project_path: Path | None) -> None:
    """List canonical speakers, their kinds, roles and every raw spelling seen.

    \b
    Spellings that differ in accents, titles, roles, typos or a missing surname are one
    speaker when the rules can tell (the same document or role); generic voices are Press
    (PREGUNTA, INTERLOCUTOR/A), Unidentified voice (VOZ MUJER, INTERVENCIÓN ...: press on
    turns that ask), Moderator, Recording (VIDEO, VOZ DEL ...), Other voices (INTÉRPRETE
    ...).  A title or role with no name (PRESIDENTA) is the person seen with it, or the
    head of government of the day; never a person called so.  Kind and role
    belong to each turn: the head of government of the document's date (see
    `coder speakers administrations`) is the president, and the people and voices of a
    clip the turn before announced ("vamos a ver el video") are a recording.
    \b
    How a team fixes speakers:
      coder speakers --unresolved            what the rules were unsure of
      coder speakers --kind official,guest   only the speakers of these kinds
      coder speakers merge A B               two speakers that are one person (a generic
                                             voice such as Press never merges into a person)
      coder speakers split SPELLING          a spelling joined to the wrong speaker
      coder speakers rename A "Full Name" [--kind official]
      coder speakers export roster.yaml      share the decisions ...
      coder speakers load roster.yaml        ... and apply them to another project file
    Every fix sticks across later imports.
    """
    ctx.obj = project_path
    if ctx.invoked_subcommand is not None:
        return
    from ..corpus.speakers import list_speakers
    from .tables import print_table

    with Project(project_path or default_path()) as project:
        if unresolved:
            from ..corpus.roster import unresolved_speakers

            rows = unresolved_speakers(project, kinds)
        else:
            rows = list_speakers(project, kinds)
    if as_json:
        print_json(rows)
        return
    if unresolved:
        print_table(rows, ["id", "name", "kind", "turns", "why"],
                    title=f"{len(rows)} unresolved speakers", max_width={"why": 60})
        return
    for row in rows:
        row["spellings"] = len(row["aliases"])
    print_table(rows, ["id", "name", "kind", "role", "turns", "spellings"],
                title=f"{len(rows)} speakers", max_width={"role": 50})


@speakers.command("merge")
@click.argument("source")
@click.argument("target")
@click.pass_obj
def speakers_merge(project_path: Path | None, source: str, target: str) -> None:
    """Merge speaker SOURCE into TARGET (names, ids or raw spellings).

    Turns and spellings move to TARGET; later imports follow the fix.  A generic voice
    (Press, Moderator, Unidentified voice, Recording ...) cannot be merged into a person:
    move a spelling of theirs it holds with `coder speakers split SPELLING --into NAME`.
    """
    import shlex

    from ..corpus.roster import VoiceIntoPerson, merge_speakers
    from ..errors import CoderError

    with Project(project_path or default_path()) as project:
        try:
            merged = merge_speakers(project, source, target)
        except VoiceIntoPerson as exc:  # the core names no flags: the command to run is ours
            raise CoderError(f"{exc}: `coder speakers split SPELLING --into "
                             f"{shlex.quote(exc.person)}`") from None
    click.echo(f"merged {source!r} into {merged['name']} (#{merged['id']})")


@speakers.command("split")
@click.argument("spelling")
@click.option("--into", help="The speaker it belongs to: an existing one (name, id or "
                             "spelling) or the name of a new one.  Default: a new speaker "
                             "as the rules read the spelling.")
@click.pass_obj
def speakers_split(project_path: Path | None, spelling: str, into: str | None) -> None:
    """Move the raw SPELLING (as `coder speakers --json` lists it) and its turns to another
    speaker.

    \b
    For a spelling the rules (or a merge) joined to the wrong speaker, e.g.
      coder speakers split "ZOÉ ALEJANDRO ROBLEDO ABURTO"
      coder speakers split "JUAN PÉREZ, VOCERO" --into "Juan Pérez Gómez"
    Later imports keep the fix.
    """
    from ..corpus.roster import split_speaker

    with Project(project_path or default_path()) as project:
        target = split_speaker(project, spelling, into)
    turns = target["turns"]
    click.echo(f"moved {spelling!r} ({turns} turn{'' if turns == 1 else 's'}) to "
               f"{target['name']} (#{target['id']})")


@speakers.command("rename")
@click.argument("speaker")
@click.argument("name")
# --kind is checked by the core, so a wrong one is a one-line error like the others.
@click.option("--kind", metavar="KIND",
              help="Also give every turn of the speaker this kind: "
                   f"{', '.join(k for k in KINDS if k != 'president')} (never president: "
                   "the head of government of each document's date is the president, see "
                   "`coder speakers administrations`).")
@click.pass_obj
def speakers_rename(project_path: Path | None, speaker: str, name: str, kind: str | None) -> None:
    """Call SPEAKER (id, name or spelling) NAME from now on, optionally of --kind KIND.

    All digits that are a speaker's id name that speaker.

    \b
    The name and kind stick across later imports (the speaker's spellings are pinned to
    it), e.g.
      coder speakers rename 42 "Rosa Icela Rodríguez Velázquez" --kind official
    """
    from ..corpus.roster import rename_speaker

    with Project(project_path or default_path()) as project:
        row = rename_speaker(project, speaker, name, kind)
    click.echo(f"speaker #{row['id']} is now {row['name']} ({row['kind']})")


# PATH arguments accept folders so the core refuses them in one line (click's own check
# prints a usage block).
@speakers.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def speakers_export(project_path: Path | None, path: Path) -> None:
    """Write the speaker roster (names, kinds a user fixed, spellings) to PATH (YAML).

    Load it into another project file with `coder speakers load PATH`, so a team applies
    the same speaker decisions everywhere.
    """
    from ..corpus.roster import export_roster

    with Project(project_path or default_path()) as project:
        count = export_roster(project, path)
    click.echo(f"wrote {count} speakers to {path}")


@speakers.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def speakers_load(project_path: Path | None, path: Path) -> None:
    """Apply a roster file (see `coder speakers export`): each listed spelling, now or in
    a later import, belongs to its speaker, under the roster's name and kind.

    A malformed file is refused with a one-line error and the project is left unchanged.
    """
    from ..corpus.roster import load_roster

    with Project(project_path or default_path()) as project:
        counts = load_roster(project, path)
    click.echo(f"loaded {counts['speakers']} speakers ({counts['found']} of their "
               f"{counts['spellings']} spellings are in this project)")


@speakers.command("administrations")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.pass_obj
def speakers_administrations(project_path: Path | None, path: Path | None) -> None:
    """Show the administrations (head of government and dates) that decide who is the
    president on each date; with PATH, use that YAML file's instead (the format of
    coder/data/administrations.yaml), e.g. for another country's corpus.
    """
    from ..corpus.administrations import load_administrations
    from ..corpus.roster import set_administrations

    with Project(project_path or default_path()) as project:
        if path is not None:
            count = set_administrations(project, path)
            click.echo(f"using {count} administrations from {path}")
        for adm in load_administrations(project):
            click.echo(f"{adm.since} – {adm.end or 'today'}\t{adm.head}\t{adm.role}")


@click.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fresh", is_flag=True, help="Rebuild the demo project from scratch.")
@click.option("--no-tui", is_flag=True, help="Build the project and stop (do not open the TUI).")
@click.option("--coder", "coder_name", default="demo", show_default=True,
              help="Coder name to open the workbench as.")
# Not CODER_PROJECT: `demo --fresh` rebuilds its file, so it only takes a path typed here.
@click.option("-p", "--project", "project_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The demo project file (the same as PATH).")
def demo(path: Path | None, fresh: bool, no_tui: bool, coder_name: str,
         project_path: Path | None) -> None:
    """Build a demo project from the bundled sample corpus and codebook, then open it.

    PATH (or -p FILE) defaults to ./coder-demo.db; an existing demo project is reused
    unless --fresh.
    """
    from ..demo import build_demo

    if path and project_path and path != project_path:
        raise click.UsageError("give the demo file once: PATH or -p, not both")
    path = path or project_path or Path("coder-demo.db")
    summary = build_demo(path, fresh=fresh, echo=click.echo)
    click.echo(summary)
    if no_tui:
        click.echo(f"open it with: coder tui -p {path} --coder {coder_name}")
        return
    from ..tui.run import run_tui

    run_tui(path, coder_name=coder_name)
