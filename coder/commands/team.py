"""``coder coders``, ``sample``, ``assignments``, ``agreement``, ``review``, ``merge``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from ..project import Project, default_path
from ..wording import count_of
from .common import print_json, project_option, warn, with_project
from .selection import document_selection, selection_options

CODERS_HELP = "Coders, comma-separated (alice,bob,carol)."


def _coders(value: str) -> list[str]:
    from ..team.coders import parse_coders

    return parse_coders(value)


# -- coders -------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@project_option
@click.pass_context
def coders(ctx: click.Context, as_json: bool, project_path: Path | None) -> None:
    """List the coders with their progress; `coders add` adds some.

    \b
    Coders are never deleted: their coded work is part of the record.  The gold coder
    holds the adjudicated layer that `coder review` produces.
    """
    ctx.obj = project_path
    if ctx.invoked_subcommand is not None:
        return
    from ..team.coders import list_coders
    from .tables import print_table

    with Project(project_path or default_path()) as project:
        rows = list_coders(project)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["turns coded"] = "" if row["turns_coded"] is None else f"{100 * row['turns_coded']:.0f}%"
        row["role"] = "gold" if row["gold"] else ("blind" if row["suggestions_off"] else "")
        row["done"] = f"{row['done']}/{row['assigned']}" if row["assigned"] else ""
    print_table(rows, ["name", "role", "annotations", "documents", "reliability", "done",
                       "turns coded"], title=count_of(len(rows), "coder"))


@coders.command("add")
@click.argument("names", nargs=-1, required=True)
@click.option("--gold", is_flag=True, help="Mark them as a gold (adjudicated) layer.")
@click.pass_obj
def coders_add(project_path: Path | None, names: tuple[str, ...], gold: bool) -> None:
    """Add coders by name (existing ones are kept as they are)."""
    from ..team.coders import add_coders

    with Project(project_path or default_path()) as project:
        rows = add_coders(project, [n for name in names for n in name.split(",") if n.strip()],
                          gold=gold)
    click.echo("coders: " + ", ".join(r["name"] + (" (gold)" if r["is_gold"] else "") for r in rows))


@coders.command("suggestions")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.argument("names", nargs=-1, required=True)
@click.pass_obj
def coders_suggestions(project_path: Path | None, state: str, names: tuple[str, ...]) -> None:
    """Show (on) or hide (off) pattern suggestions for these coders."""
    from ..team.coders import set_suggestions_off

    with Project(project_path or default_path()) as project:
        set_suggestions_off(project, list(names), state == "off")
    click.echo(f"suggestions {state} for {', '.join(names)}")


# -- sample and assignments ---------------------------------------------------------------


@click.command()
@click.option("--size", required=True, help="Documents in the reliability sample: N or N%.")
@click.option("--stratify", type=click.Choice(["month", "year", "kind"]), default=None,
              help="Sample proportionally within months, years or document kinds.")
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same sample).")
@click.option("--coders", "coder_list", required=True, help=CODERS_HELP)
@click.option("--replace", is_flag=True, help="Replace the existing assignments.")
@click.option("--no-suggestions", "blind", is_flag=True,
              help="Hide pattern suggestions from these coders too (fully blind coding).")
@click.option("--json", "as_json", is_flag=True, help="Print the sample as JSON.")
@selection_options("where")
@with_project
def sample(project: Project, size: str, stratify: str | None, seed: int | None, coder_list: str,
           replace: bool, blind: bool, as_json: bool) -> None:
    """Draw a blind reliability sample every coder codes; spread the rest one coder each.

    \b
    coder sample --size 15% --stratify month --seed 7 --coders alice,bob,carol
    coder sample --size 20 --seed 7 --coders alice,bob --where genre=mañanera
    While coding the sample nobody sees the others' codings; with --no-suggestions
    pattern suggestions are hidden too.  Documents excluded from analyses are left out
    unless --include-excluded; --where draws from documents with those attributes only.
    """
    from ..team.sample import draw_sample

    names = _coders(coder_list)
    if seed is None:
        import secrets

        seed = secrets.randbelow(10**6)
        warn(f"no --seed given; using --seed {seed} (note it to draw the same sample again)")
    result = draw_sample(project, names, size=size, stratify=stratify, seed=seed,
                         replace=replace, blind_suggestions=blind, **document_selection())
    if as_json:
        print_json(result.as_dict())
        return
    click.echo(f"reliability sample: {count_of(len(result.reliability), 'document')} for "
               f"{', '.join(names)} (seed {seed}"
               + (f", stratified by {stratify}" if stratify else "") + ")")
    if stratify:
        for key, (picked, total) in result.strata.items():
            click.echo(f"  {key:<12} {picked:>4} of {total}")
    for name, docs in result.single.items():
        click.echo(f"{name}: {count_of(len(docs), 'document')} on their own")
    click.echo("others' codings are hidden while coding the sample"
               + ("; suggestions are hidden too" if blind else ""))


@click.group(invoke_without_command=True)
@click.option("--coder", "coder_name", default=None, help="Only this coder's assignments.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@project_option
@click.pass_context
def assignments(ctx: click.Context, coder_name: str | None, as_json: bool,
                project_path: Path | None) -> None:
    """Who codes what: assignments and progress per coder."""
    ctx.obj = project_path
    if ctx.invoked_subcommand is not None:
        return
    from ..team.coders import list_coders
    from ..team.sample import assignments as list_assignments
    from .tables import print_table

    with Project(project_path or default_path()) as project:
        rows = list_assignments(project, coder_name)
        progress = [c for c in list_coders(project) if c["assigned"]
                    and (coder_name is None or c["name"] == coder_name)]
    if as_json:
        print_json({"progress": progress, "assignments": rows})
        return
    if not rows:
        click.echo("no assignments yet; draw a sample with `coder sample`")
        return
    for c in progress:
        c["turns coded"] = "" if c["turns_coded"] is None else f"{100 * c['turns_coded']:.0f}%"
    print_table(progress, ["name", "assigned", "reliability", "in_progress", "done", "turns coded"],
                title="progress")
    print_table(rows, ["coder", "document_id", "date", "sample", "status", "annotations", "title"],
                title=count_of(len(rows), "assignment"), max_width={"title": 50})


@assignments.command("mark")
@click.argument("document_id", type=int)
@click.argument("status", type=click.Choice(["todo", "in_progress", "done"]))
@click.option("--coder", "coder_name", required=True, help="Whose assignment.")
@click.pass_obj
def assignments_mark(project_path: Path | None, document_id: int, status: str, coder_name: str) -> None:
    """Mark a coder's assigned document todo, in_progress or done."""
    from ..team.sample import set_status

    with Project(project_path or default_path()) as project:
        set_status(project, coder_name, document_id, status)
    click.echo(f"document #{document_id}: {status} for {coder_name}")


# -- agreement ----------------------------------------------------------------------------


@click.command()
@click.option("--coders", "coder_list", required=True, help=CODERS_HELP)
@click.option("--unit", type=click.Choice(["turn", "sentence", "document", "character", "span"]),
              default="turn", show_default=True, help="Unit of analysis.")
@click.option("--overlap", type=float, default=0.9, show_default=True,
              help="span unit: least intersection/union for two segments to agree.")
@selection_options("code", "sample", "where")
@click.option("--bootstrap", type=int, default=0,
              help="Bootstrap replicates for 95% CIs (at least 200; 1000 or more for a paper). "
                   "Not for --unit span.")
@click.option("--seed", type=int, default=None,
              help="Seed of the bootstrap (without one a seed is chosen and printed).")
@click.option("--attributes", "attributes", is_flag=True,
              help="Agreement on attribute values (source, polarity, ...) instead: nominal alpha "
                   "per dimension over segments matched at --overlap (docs/AGREEMENT.md).")
@click.option("--blind-only", is_flag=True,
              help="Only documents every coder coded blind (no reveal of others' work to them "
                   "before their last change there, from the events log).")
@click.option("--methods", is_flag=True,
              help="Print a ready-to-paste methods paragraph and table (sample, blindness, "
                   "unit, codebook version, alpha with bootstrap CIs; --bootstrap defaults to "
                   "1000 and --seed to 1 here). With --json: the same content as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the table to this CSV file.")
@with_project
def agreement(project: Project, coder_list: str, unit: str, overlap: float, codes: list[str],
              docs: str | None, bootstrap: int, seed: int | None, attributes: bool,
              blind_only: bool, methods: bool, as_json: bool, csv_path: Path | None) -> None:
    """Inter-coder reliability: Krippendorff's alpha and friends, per code and pooled.

    \b
    coder agreement --coders alice,bob,carol --unit turn --bootstrap 1000 --seed 1
    coder agreement --coders alice,bob --methods          # paragraph + table for a paper
    Each code is a binary variable; only documents all coders coded count.  The report
    ends with whether each coder coded each document blind (from the events log).
    """
    if methods:
        from ..team.methods import format_methods, methods_report
        from .selection import document_selection

        info = methods_report(project, _coders(coder_list), unit, docs=docs,
                              codes=list(codes) or None, bootstrap=bootstrap or 1000,
                              seed=1 if seed is None else seed, blind_only=blind_only,
                              overlap=overlap, **document_selection())
        if as_json:
            print_json(info)
        else:
            click.echo(format_methods(info))
        return
    if attributes:
        from ..agreement.attributes import attribute_agreement, format_attribute_agreement
        from .selection import document_selection

        result = attribute_agreement(project, _coders(coder_list), docs=docs or "auto",
                                     overlap=overlap, **document_selection())
        if as_json:
            print_json(result)
        else:
            click.echo(format_attribute_agreement(result))
        return
    from ..agreement.report import agreement_report
    from ..team.methods import agreement_documents, blind_summary
    from .selection import document_selection

    names = _coders(coder_list)
    scope, record, _ = agreement_documents(project, names, docs, blind_only=blind_only,
                                           **document_selection())
    report = agreement_report(project, names, unit, codes=list(codes) or None,
                              scope=scope, overlap=overlap, bootstrap=bootstrap, seed=seed)
    blind = blind_summary(record, names, report.documents)
    if report.bootstrap and seed is None:
        warn(f"no --seed given; the bootstrap used --seed {report.seed} (note it to get the "
             "same intervals again)")
    if csv_path is not None:
        report.write_csv(csv_path)
    if as_json:
        print_json({**report.as_dict(), "blind": dataclasses.asdict(blind)})
        return
    import shutil

    click.echo(report.format_text(shutil.get_terminal_size((100, 24)).columns))
    click.echo("\nBlind coding (from the events log: no reveal of others' work before the "
               "coder's last change there)")
    for name, counts in blind.coders.items():
        click.echo(f"  {name}: blind on {counts.blind} of "
                   f"{count_of(len(report.documents), 'document')}")
    for document, who in blind.not_blind():
        click.echo(f"  #{document}: not blind: {', '.join(who)}")
    if csv_path is not None:
        click.echo(f"\nwrote {csv_path}")


# -- review and merge ---------------------------------------------------------------------


@click.command()
@click.option("--coders", "coder_list", required=True, help=CODERS_HELP)
@click.option("--adjudicator", required=True, help="Who settles the disagreements.")
@click.option("--gold", default="gold", show_default=True, help="The gold coder to write to.")
@selection_options("sample", help={"sample": "reliability | all | 1,2,3 (as for `agreement`)."})
@click.option("--adopt-unanimous", is_flag=True,
              help="First copy every span all coders coded identically into the gold layer.")
@click.option("--list", "as_list", is_flag=True, help="Print the queue instead of opening the TUI.")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON.")
@click.option("--reveal-reason", default=None, metavar="TEXT",
              help="Owner's override: also show sampled documents some coder has not marked "
                   "done, logged as a reveal for each such coder (their later changes there "
                   "no longer count as blind).")
@with_project
def review(project: Project, coder_list: str, adjudicator: str, gold: str, docs: str | None,
           adopt_unanimous: bool, as_list: bool, as_json: bool, reveal_reason: str | None) -> None:
    """Review the disagreements among coders and settle them into the gold layer.

    \b
    coder review --coders alice,bob,carol --adjudicator dana
    Keys: 1-5 take coder N's version, u union, 0 none, e own span, r reason, z undo, Z redo.
    Sampled documents stay out of the queue until every coder marked them done (blind
    coding; `coder assignments mark DOC done --coder NAME`).
    """
    from ..team.review import adopt_unanimous as adopt
    from ..team.review import disagreements, held_message, reviewable

    names = _coders(coder_list)
    if not 2 <= len(names) <= 5:
        from ..errors import CoderError

        raise CoderError("review compares 2 to 5 coders (--coders alice,bob)")
    if adopt_unanimous:
        n = adopt(project, names, adjudicator=adjudicator, docs=docs, gold=gold)
        click.echo(f"copied {n} unanimous codings into {gold}", err=True)
    if as_list or as_json or not sys.stdout.isatty():
        items, held = reviewable(project, names, disagreements(project, names, docs=docs, gold=gold),
                                 reveal_reason=reveal_reason, by=adjudicator)
        if held:
            warn(held_message(held))
        if as_json:
            print_json([d.as_dict() for d in items])
            return
        from .tables import print_table

        rows = [{"n": i, "doc": d.document_id, "code": d.code_id, "where": f"{d.start}-{d.end}",
                 "kind": d.kind, "coded by": ",".join(d.coders_with), "chars": d.split_chars,
                 "status": "settled" if d.settled else "open"} for i, d in enumerate(items, 1)]
        print_table(rows, ["n", "doc", "code", "where", "kind", "coded by", "chars", "status"],
                    title=f"{count_of(len(items), 'disagreement')} ({sum(not d.settled for d in items)} open)")
        return
    path = project.path
    project.close()
    from ..tui.run import run_review

    run_review(path, names, adjudicator, reveal_reason=reveal_reason)


@click.command()
@click.argument("other", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the merge report as JSON.")
@with_project
def merge(project: Project, other: Path, as_json: bool) -> None:
    """Bring another coder's project file in (documents matched by content hash).

    Annotations and memos are matched by their uuid, so merging twice changes nothing;
    where both files changed the same annotation, the newer change wins and is listed.
    """
    from ..team.merge import merge_project

    report = merge_project(project, other)
    if as_json:
        print_json(report.as_dict())
        return
    for text in report.warnings:
        warn(text)
    # Updated rows are said as well as added ones: a status moved on to done changes
    # what agreement counts, and "0 assignments added" alone hid it.
    updated = [count_of(n, what) for n, what in ((report.memos_updated, "memo"),
                                                 (report.decisions_updated, "decision"),
                                                 (report.assignments_updated, "assignment"))
               if n]
    click.echo(f"merged {other}: {count_of(report.documents_imported, 'document')} imported "
               f"({report.documents_matched} matched), "
               f"{count_of(report.annotations_added, 'annotation')} added, "
               f"{report.annotations_updated} updated, {report.annotations_unchanged} "
               f"already here; {count_of(report.memos_added, 'memo')}, "
               f"{count_of(report.decisions_added, 'decision')}, "
               f"{count_of(report.assignments_added, 'assignment')} added"
               + (f", {', '.join(updated)} updated" if updated else "")
               + (f"; {count_of(report.reveals_added, 'reveal')} of others' work (blind-coding "
                  "record)" if report.reveals_added else "")
               + (f"; new coders: {', '.join(report.coders_added)}" if report.coders_added else ""))
    if report.codebook_adopted:
        click.echo(f"this project had no codes: took {other}'s codebook "
                   f"(version {report.codebook_adopted[:12]})")
    if report.sample_adopted:
        click.echo(f"this project had no reliability sample: took the record of {other}'s "
                   "(how it was drawn, whether suggestions were hidden)")
    if report.conflicts:
        click.echo(f"{count_of(len(report.conflicts), 'conflict')} (the newer version was kept):")
        for c in report.conflicts[:20]:
            click.echo(f"  {c['entity']} {c.get('uuid', c.get('key'))}: kept {c['kept']}"
                       + (f" (differed in {', '.join(c['fields'])})" if c.get("fields") else ""))
