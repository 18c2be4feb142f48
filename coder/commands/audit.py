"""``coder audit draw|judge|list|mark|report``: measure the precision of suggestions by reading them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import CoderError
from ..project import Project, default_path
from ..wording import first_few
from .common import print_json, project_option, warn, with_project
from .selection import selection_options, split_values
from .tui import default_coder

if TYPE_CHECKING:
    from ..team.audit import Tally


def _predicted(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in split_values(values):
        if "=" not in value:
            raise CoderError(f"--predicted {value!r}: write DIMENSION=VALUE, e.g. source=own")
        key, _, val = value.partition("=")
        out[key.strip()] = val.strip()
    return out


def _read_ids(path: Path) -> list[int]:
    """Suggestion ids from a file: numbers separated by spaces, commas or lines; # comments."""
    import re

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoderError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    ids = []
    for number, line in enumerate(text.splitlines(), start=1):
        for word in re.split(r"[\s,;]+", line.split("#", 1)[0].strip()):
            if not word:
                continue
            if not word.isdigit():
                raise CoderError(f"{path}: line {number}: {word!r} is not a suggestion id")
            ids.append(int(word))
    if not ids:
        raise CoderError(f"{path}: no suggestion ids in it")
    return ids


@click.group()
def audit() -> None:
    """Measure the precision of suggestions: a judge reads a seeded sample against the codebook.

    \b
    Counting matches says nothing about whether they are right.  Draw a sample (the same
    number of suggestions of every code, reproducible from the seed), read each one in the
    workbench against the code's definition and mark it correct, borderline or wrong with
    a reason, then read the report: precision per code, pattern and year with n and a
    Wilson 95 % interval.  Judges see only their own verdicts (in the report too, until
    they have judged all their items; a project owner sees all); two judges drawing with
    the same seed read the same suggestions.

    \b
      coder audit draw --judge ana --per-code 10 --seed 7 --since 2019 --until 2020
      coder audit draw --judge ana --per-code 10 --seed 8 --presented --unjudged   # what is shown, fresh
      coder audit judge --judge ana              # the audit screen: c / b / w, r / e for a reason
      coder audit list --judge ana               # the items, with their text
      coder audit mark 12 wrong --reason "not about security" --judge ana
      coder audit mark --from verdicts.csv --judge ana   # item,verdict,reason rows
      coder audit report                         # or --json
    """


@audit.command("draw")
@click.option("--judge", "judge", default=None, metavar="NAME",
              help="Who reads the sample (default: $CODER_NAME or your user name).")
@click.option("--per-code", type=int, default=None, metavar="N",
              help="Suggestions to draw of every code (fewer when a code has fewer); needed "
              "unless --ids is given.")
@click.option("--seed", type=int, required=True, help="Seed of the draw: the same seed and filters "
              "give the same sample.")
@selection_options("code", "dates", "where")
@click.option("--predicted", multiple=True, metavar="DIM=VALUE",
              help="Only suggestions predicted so, e.g. source=own (repeatable).")
@click.option("--presented", is_flag=True,
              help="Only suggestions the workbench presents: not set aside (dimmed).  This is "
              "'what I am shown'; prefer it to --predicted source=own, which filters only codes "
              "that carry a source dimension.")
@click.option("--unjudged", is_flag=True,
              help="Leave out suggestions any judge has already given a verdict on (same document, "
              "code and span): a fresh, held-out sample.")
@click.option("--ids", "ids_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Only the suggestion ids listed in FILE (numbers separated by "
              "spaces, commas or lines; # starts a comment).  --per-code may then be left out.")
@click.option("--draw", "draw_name", default=None, metavar="NAME",
              help="Name of the draw (default: seed-S); drawing again adds only new items.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_project
def audit_draw(project: Project, judge: str | None, per_code: int | None, seed: int,
               codes: list[str], since: str | None, until: str | None, predicted: tuple[str, ...],
               presented: bool, unjudged: bool, ids_file: Path | None, draw_name: str | None,
               as_json: bool) -> None:
    """Draw a stratified sample of suggestions (N per code) for a judge to read.

    \b
    --predicted DIM=VALUE filters only codes that carry DIM: a code without it (a context
    code has no source) is presented by the workbench whatever DIM would say, so its
    suggestions are kept, and a note says how many codes were kept so.  To draw exactly
    what the workbench shows, use --presented (it leaves out the set-aside, dimmed ones).

    \b
      coder audit draw --judge ana --per-code 10 --seed 7 --presented --unjudged --since 2020
      coder audit draw --judge ana --seed 7 --ids ids.txt
    """
    from ..team.audit import draw_audit
    from .selection import document_selection

    ids = _read_ids(ids_file) if ids_file else None
    if per_code is None:
        if ids is None:
            raise CoderError("--per-code N is needed (or --ids FILE to draw listed suggestions)")
        per_code = max(1, len(ids))
    result = draw_audit(project, default_coder(judge), per_code=per_code, seed=seed,
                        codes=codes or None, since=since, until=until,
                        predicted=_predicted(predicted), draw=draw_name, presented=presented,
                        unjudged=unjudged, suggestion_ids=ids,
                        **document_selection())
    for note in result.notes:
        warn(note)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    short = [code for code, n in result.codes.items() if n < per_code]
    click.echo(f"draw {result.draw}: {result.drawn} suggestion(s) of {len(result.codes)} "
               f"code(s) drawn for {result.judge}"
               + (f" ({result.already} already drawn)" if result.already else ""))
    if short:
        warn(f"{len(short)} code(s) have fewer than {per_code} suggestions: "
             f"{first_few(short, 8)}")
    click.echo(f"next: coder audit judge --judge {result.judge}")


@audit.command("judge")
@click.option("--judge", "judge", default=None, metavar="NAME",
              help="Whose sample (default: $CODER_NAME or your user name).")
@click.option("--draw", "draw_name", default=None, metavar="NAME", help="Only this draw.")
@project_option
def audit_judge(judge: str | None, draw_name: str | None, project_path: Path | None) -> None:
    """Open the audit screen: each drawn suggestion in turn, c/b/w to judge it, r for a reason."""
    from ..tui.run import run_audit

    run_audit(project_path or default_path(), default_coder(judge), draw_name)


@audit.command("list")
@click.option("--judge", "judge", default=None, metavar="NAME",
              help="Whose sample (default: $CODER_NAME or your user name).")
@click.option("--draw", "draw_name", default=None, metavar="NAME", help="Only this draw.")
@click.option("--pending", is_flag=True, help="Only items not judged yet.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the context) instead of lines.")
@with_project
def audit_list(project: Project, judge: str | None, draw_name: str | None, pending: bool,
               as_json: bool) -> None:
    """List a judge's items (only that judge's verdicts are shown).

    \b
    [verdict] is followed by `set-aside` when the workbench dims the suggestion now (not
    the speaker's own affirmed move, or a set-aside rule; --json gives why in set_aside_why)
    and by `gone` when a later `coder suggest` no longer makes it.
    """
    from ..team.audit import audit_items

    items = audit_items(project, default_coder(judge), draw=draw_name, pending_only=pending)
    if as_json:
        keep = ("id", "draw", "seq", "document_id", "date", "code_id", "pattern_id", "start", "end",
                "text", "before", "after", "previous", "speaker", "speaker_kind", "predicted",
                "set_aside", "set_aside_why", "verdict", "reason")
        print_json([{k: item[k] for k in keep} for item in items])
        return
    for item in items:
        predicted = " ".join(f"{k}={v}" for k, v in item["predicted"].items())
        shown = {True: " set-aside", False: "", None: " gone"}[item["set_aside"]]
        click.echo(f"#{item['id']} [{item['verdict'] or 'pending'}{shown}] {item['date'] or '-'} "
                   f"{item['code_id']} ({item['pattern_id']}) {predicted}  {item['text']!r}")


@audit.command("mark")
@click.argument("item_id", type=int, required=False)
@click.argument("verdict", type=click.Choice(["correct", "borderline", "wrong", "none"]),
                required=False)
@click.option("--reason", default=None, help="Why (kept with the verdict; shown in the report JSON).")
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE.csv", help="Many verdicts at once: a CSV whose header names item (an "
              "audit item id) or suggestion (a suggestion id), verdict and optionally reason.")
@click.option("--judge", "judge", default=None, metavar="NAME",
              help="Who judges (default: $CODER_NAME or your user name).")
@with_project
def audit_mark(project: Project, item_id: int | None, verdict: str | None, reason: str | None,
               from_file: Path | None, judge: str | None) -> None:
    """Record a verdict on one item without the screen (`none` withdraws it), or many with --from.

    \b
    --from FILE.csv marks every row in one transaction: a bad row (an unknown verdict,
    an item that is not the judge's) stops with the file and row named, nothing changed.
      item,verdict,reason
      12,wrong,"vaccination, not security"
      13,correct,
    """
    from ..team.audit import judge_item, judge_items, read_verdicts

    judge = default_coder(judge)
    if from_file is not None:
        if item_id is not None or verdict is not None or reason is not None:
            raise CoderError("--from FILE.csv takes the items, verdicts and reasons from the file:"
                             " give no ITEM_ID, VERDICT or --reason with it")
        rows = judge_items(project, judge, read_verdicts(from_file), source=str(from_file))
        counts = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("correct", "borderline", "wrong")}
        click.echo(f"{len(rows)} verdict(s) from {from_file} recorded for {judge}: "
                   + ", ".join(f"{n} {v}" for v, n in counts.items())
                   + (f", {sum(1 for r in rows if r['verdict'] is None)} withdrawn"
                      if any(r["verdict"] is None for r in rows) else ""))
        return
    if item_id is None or verdict is None:
        raise CoderError("give ITEM_ID and VERDICT (correct, borderline, wrong or none), "
                         "or --from FILE.csv")
    row = judge_item(project, judge, item_id, None if verdict == "none" else verdict, reason)
    click.echo(f"#{item_id}: {row['verdict'] or 'pending'}")


def _interval(cell: Tally, lenient: bool = False) -> str:
    if not cell.n:
        return "-"
    if lenient:
        return f"{cell.lenient:.2f} [{cell.lenient_low:.2f}-{cell.lenient_high:.2f}]"
    return f"{cell.precision:.2f} [{cell.low:.2f}-{cell.high:.2f}]"


@audit.command("report")
@click.option("--judge", "judges", multiple=True, help="Only these judges (repeatable; commas work).")
@click.option("--draw", "draw_name", default=None, metavar="NAME", help="Only this draw.")
@selection_options("code")
@click.option("--thin", type=int, default=None, metavar="N",
              help="Flag cells with fewer than N suggestions judged (default 30).")
@click.option("--as", "viewer", default=None, metavar="NAME",
              help="Who reads the report (default: $CODER_NAME or your user name).  A judge "
                   "with items still to judge sees only their own judgements; a project "
                   "owner sees all.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_project
def audit_report_command(project: Project, judges: tuple[str, ...], draw_name: str | None,
                         codes: list[str], thin: int | None, viewer: str | None,
                         as_json: bool) -> None:
    """Precision per family, code, pattern, year and prediction, with n and Wilson 95 % intervals.

    \b
    precision = correct / n; lenient = (correct + borderline) / n; [low-high] is the
    Wilson 95 % interval; c/b/w counts correct / borderline / wrong.  n counts distinct
    suggestions: one several judges read counts once, as the share of their verdicts
    (c/b/w may then be fractional).  Cells marked `thin` have too few suggestions to be
    a rate.
    """
    from ..team.audit import THIN, audit_report

    report = audit_report(project, judges=split_values(judges) or None, draw=draw_name,
                          codes=split_values(codes) or None, thin=thin or THIN,
                          viewer=viewer or default_coder())
    if as_json:
        print_json(dataclasses.asdict(report))
        return
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .tables import cells as plain

    console = Console()
    overall = report.overall
    console.print(f"{report.judgements} judgement(s) of {report.suggestions} suggestion(s) by "
                  f"{escape(', '.join(report.judges)) or 'nobody'}"
                  f"; {report.pending} item(s) still to judge", highlight=False)
    if overall.n:
        weighted = (f"; weighted by each code's share of {report.weighted_over} "
                    f"{report.weighted:.2f}" if report.weighted is not None else "")
        console.print(f"overall precision {_interval(overall)}, lenient {_interval(overall, True)}"
                      f", n={overall.n} suggestion(s){weighted}", highlight=False)
    if report.judgements > report.suggestions:
        console.print("n counts suggestions, not judgements: a suggestion read by several "
                      "judges counts once, scored by the share of their verdicts (so c/b/w "
                      "may be fractional)", highlight=False)
    for title, name in (("family", "by_family"), ("code", "by_code"), ("pattern", "by_pattern"),
                        ("year", "by_year"), ("predicted", "by_predicted")):
        cells = getattr(report, name)
        if not cells:
            continue
        table = Table(title=f"per {title} (rates with their Wilson 95 % interval)",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(title, no_wrap=True, overflow="ellipsis", max_width=max(12, console.width - 61))
        # The figures keep their width; a long pattern name is what gets cut.
        for column, width in (("n", 3), ("c/b/w", 5), ("precision", 16), ("lenient", 16)):
            table.add_column(column, justify="right", no_wrap=True, min_width=width)
        table.add_column("", no_wrap=True, min_width=4)
        for cell in cells:
            key = f"{cell.code} {cell.pattern}" if name == "by_pattern" else str(cell.key)
            table.add_row(*plain([key, cell.n, f"{cell.correct}/{cell.borderline}/{cell.wrong}",
                                  _interval(cell), _interval(cell, True), "thin" if cell.thin else ""]))
        console.print(table)
    shared = report.judge_agreement
    if shared:
        alpha = "-" if shared.alpha is None else f"{shared.alpha:.3f}"
        percent = "-" if shared.percent is None else f"{shared.percent:.0%}"
        console.print(f"judges agreeing on the {shared.items} suggestion(s) more than one "
                      f"read: alpha {alpha}, {percent} of pairs", highlight=False)
    for message in report.warnings:
        warn(message)
