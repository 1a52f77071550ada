"""``assay predict``: forecasts, their resolution, scores and calibration, Fatebook CSV.

``assay predict "QUESTION" --p 70% --resolve-by 2027-06-30`` adds a prediction: a
first argument that is not a subcommand is read as ``predict add``. As everywhere,
``--by`` names who is acting; before 0.2 it was the resolve-by date here, so a date
given to ``--by`` is refused with a pointer to ``--resolve-by``.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text
from typer.core import TyperGroup

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.cli.options import either, renamed
from assay.errors import InputError
from assay.pipeline.predictions import Outcome, Prediction, Score
from assay.store.predictions import ScoreReport, parse_prediction_id
from assay.types import parse_date, parse_fraction
from assay.workspace import documents


class _AddByDefault(TyperGroup):
    """A group whose first argument, when it names no subcommand, means ``add``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["add", *args]
        return super().parse_args(ctx, args)


predict_app = typer.Typer(
    cls=_AddByDefault,
    help='Predictions: assay predict "QUESTION" --p 70% --resolve-by YYYY-MM-DD, then resolve '
    "and score.",
    no_args_is_help=True,
)

IdArgument = Annotated[str, typer.Argument(help="The prediction's id (see: assay predict list).")]


def _tags(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


def _probability(p: str) -> float:
    """``--p``: 0.7 or 70%."""
    return parse_fraction(p, field="--p", what="a probability", inclusive=True)


_DATE_LIKE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$")


def _person(value: str | None) -> str | None:
    """``predict add --by`` is the person; a date there is the old spelling of --resolve-by."""
    if value is not None and _DATE_LIKE.match(value):
        raise InputError(
            f"--by {value.strip()!r} is a date, but --by names who forecasts; give the "
            f"resolve-by date as --resolve-by {value.strip()}"
        )
    return value


PValueOption = Annotated[
    str, typer.Option("--p", metavar="P", help="Your probability that it happens: 0.7 or 70%.")
]


def _line(prediction: Prediction) -> str:
    latest = prediction.forecasts[-1].p if prediction.forecasts else None
    r = prediction.resolution
    state = f"resolved {r.outcome.value.upper()}" if r else f"open until {prediction.resolve_by}"
    shown = f"{latest:.0%}" if latest is not None else "—"
    return f"[bold]{prediction.id}[/] {escape(prediction.question)} ({shown}, {state})"


@predict_app.command("add")
def add(
    question: Annotated[str, typer.Argument(help="What will happen, e.g. 'X ships by 2027-06'.")],
    p: PValueOption,
    resolve_by: Annotated[
        str,
        typer.Option(
            "--resolve-by", metavar="DATE", help="When it resolves at the latest, YYYY-MM-DD."
        ),
    ],
    tags: Annotated[str | None, typer.Option("--tags", help="Comma-separated tags.")] = None,
    criterion: Annotated[
        str | None,
        typer.Option(
            "--criterion",
            help="An expression in the criteria language; when the "
            "evidence decides it, the prediction resolves itself.",
        ),
    ] = None,
    notes: Annotated[str, typer.Option("--note", help="Context for later readers.")] = "",
    old_notes: Annotated[str | None, renamed("--notes", "--note")] = None,
    db: DbOption = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            envvar="ASSAY_USER",
            show_envvar=True,
            metavar="WHO",
            callback=_person,
            help="Who forecasts; default: git's user.name, then the OS user.",
        ),
    ] = None,
    who: Annotated[str | None, renamed("--who", "--by")] = None,
    json: JsonOption = False,
) -> None:
    """Add a prediction with your forecast, to resolve by a date."""
    day = parse_date(resolve_by, field="--resolve-by")
    notes = either(notes, old_notes) or ""
    by = either(by, who)
    with open_workspace(db, by) as ws:
        made = ws.predictions.add(
            question, _probability(p), day, tags=_tags(tags), criterion=criterion, notes=notes
        )
    if json:
        output.emit_json(made.to_dict())
    else:
        output.console.print(f"Predicted: {_line(made)}")


@predict_app.command("forecast")
def forecast(
    prediction: IdArgument,
    p: Annotated[str, typer.Option("--p", metavar="P", help="Your probability: 0.7 or 70%.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Add your forecast to an open prediction (your latest before it resolves counts)."""
    ident = parse_prediction_id(prediction)
    with open_workspace(db, by) as ws:
        updated = ws.predictions.forecast(ident, _probability(p))
    if json:
        output.emit_json(updated.to_dict())
    else:
        output.console.print(f"Forecast recorded: {_line(updated)}")


@predict_app.command("resolve")
def resolve(
    prediction: IdArgument,
    outcome: Annotated[
        Outcome, typer.Argument(case_sensitive=False, help="What happened.", show_default=False)
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Resolve a prediction yes, no or ambiguous, recording who and when."""
    ident = parse_prediction_id(prediction)
    answer = outcome
    with open_workspace(db, by) as ws:
        resolved = ws.predictions.resolve(ident, answer)
    if json:
        output.emit_json(resolved.to_dict())
    else:
        output.console.print(f"Resolved: {_line(resolved)}")


@predict_app.command("list")
def list_(db: DbOption = None, json: JsonOption = False) -> None:
    """List predictions with their ids, forecasts and resolutions."""
    if json:
        with open_workspace(db) as ws:
            document = documents.predictions(ws)
        output.emit_json(document)
        return
    with open_workspace(db) as ws:
        predictions = ws.predictions.list()
    if not predictions:
        output.console.print(
            'No predictions yet: assay predict "QUESTION" --p 70% --resolve-by DATE'
        )
        return
    today = dt.date.today()
    k = output.Kind
    table = output.table(
        output.Column("ID", k.ID), output.Column("Question", ratio=4),
        output.Column("Forecasts", ratio=2), output.Column("Resolve by", k.DATE),
        output.Column("Resolution", ratio=2), output.Column("Tags"),
        expand=True,
    )  # fmt: skip
    for p in predictions:
        r = p.resolution
        late = r is None and p.is_due(today)
        question = Text(p.question)
        if p.criterion:
            question.append(f"\ncriterion: {p.criterion}", style="dim")
        table.add_row(
            p.id or "",
            question,
            Text(", ".join(f"{f.by} {f.p:.0%}" for f in p.forecasts)),
            Text(p.resolve_by.isoformat() + ("\nOVERDUE" if late else ""),
                 style="bold red" if late else ""),
            Text(f"{r.outcome.value} ({r.by}, {r.at.date()})" if r else "—"),
            Text(", ".join(p.tags) or "—"),
        )  # fmt: skip
    output.console.print(table)


def _score_line(title: str, s: Score) -> str:
    if s.count == 0:
        return f"{title}: no forecasts count yet (resolved yes/no and past their date)"
    assert s.brier is not None
    assert s.log is not None
    return f"{title}: {s.count} forecasts, Brier {s.brier:.3f}, log score {s.log:.3f}"


def _calibration(s: Score) -> output.Sheet:
    table = output.table(
        *(output.Column(name, output.Kind.NUMBER, justify="right")
          for name in ("Forecast", "Count", "Mean forecast", "Observed yes")),
        title="Calibration",
    )  # fmt: skip
    for b in s.calibration:
        table.add_row(
            f"{b.low:.0%}–{b.high:.0%}", str(b.count),
            "—" if b.mean_forecast is None else f"{b.mean_forecast:.0%}",
            "—" if b.observed is None else f"{b.observed:.0%}",
        )  # fmt: skip
    return table


def _print_report(report: ScoreReport) -> None:
    print_ = output.console.print
    print_(_score_line(f"Overall on {report.as_of}", report.overall))
    print_("[dim]Brier: 0 is perfect, 0.25 is always saying 50%. Log score: 0 is perfect, "
           "-0.693 is always 50%.[/]")  # fmt: skip
    if report.overall.count:
        print_(_calibration(report.overall))
    for who, s in report.by_person.items():
        print_(_score_line(f"  {escape(who)}", s))
    for tag, s in report.by_tag.items():
        print_(_score_line(f"  tag {escape(tag)}", s))
    if report.overdue:
        print_(f"[bold red]{len(report.overdue)} prediction(s) past their date, unresolved:[/]")
        for p in report.overdue:
            print_(f"  {_line(p)}")


def write_plot(s: Score, path: Path) -> None:
    """A calibration plot: mean forecast against observed frequency, per bucket."""
    if path.suffix.lower() not in {".svg", ".png", ".pdf"}:
        raise InputError(f"--plot {path}: expected a .svg, .png or .pdf file name")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.5, 4.5))
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    points = [
        (b.mean_forecast, b.observed, 30 + 20 * b.count)
        for b in s.calibration
        if b.mean_forecast is not None and b.observed is not None
    ]
    axes.scatter(
        [x for x, _, _ in points],
        [y for _, y, _ in points],
        s=[size for _, _, size in points],
        label="buckets (size: count)",
    )
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="forecast", ylabel="observed frequency of yes")
    axes.set_title(f"Calibration ({s.count} forecasts)")
    axes.legend(loc="upper left")
    with files.atomic_path(path) as temp:
        figure.savefig(temp, format=path.suffix.lower()[1:])


@predict_app.command("score")
def score(
    person: Annotated[str | None, typer.Option("--person", help="Only this forecaster.")] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Only predictions with this tag.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Score as on this date (YYYY-MM-DD)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a calibration plot (FILE.svg).")
    ] = None,
    force: files.ForceOption = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Brier and log scores and a calibration table, overall, per person and per tag."""
    day = date_option(as_of, field="--as-of")
    if plot is not None:
        files.check_output(plot, force=force, db=db, option="--plot")
    with open_workspace(db) as ws:
        report = ws.predictions.score(day, person=person, tag=tag)
        document = documents.calibration(ws, person, as_of=day, tag=tag) if json else None
    if plot is not None:
        write_plot(report.overall, plot)
    if document is not None:
        output.emit_json(document | {"plot": str(plot) if plot else None})
    else:
        _print_report(report)
        if plot is not None:
            output.console.print(f"Calibration plot written to {escape(str(plot))}")


@predict_app.command("check")
def check(
    evidence: Annotated[
        Path,
        typer.Option(
            "--evidence",
            help="Evidence as JSON (candidate, baseline, effects, "
            "verdicts), as assay.criteria.InMemoryEvidence.to_dict writes it.",
        ),
    ],
    ids: Annotated[
        list[str] | None, typer.Argument(help="Only these predictions (default: all open).")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Evaluate open predictions' criteria against evidence; decided ones resolve themselves."""
    from assay.criteria import InMemoryEvidence
    from assay.formats.files import read_text

    try:
        data = jsonlib.loads(read_text(evidence, "evidence as JSON", encoding="utf-8"))
    except jsonlib.JSONDecodeError as exc:
        raise InputError(f"{evidence}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{evidence}: expected an object with candidate, baseline, effects")
    loaded = InMemoryEvidence.from_dict(data)
    wanted = [parse_prediction_id(i) for i in ids or []]
    with open_workspace(db, by) as ws:
        checks = ws.predictions.check(loaded, wanted or None)
    if json:
        output.emit_json({"checks": [c.to_dict() for c in checks]})
        return
    if not checks:
        output.console.print("No open prediction has a criterion to check.")
    for c in checks:
        state = "resolved" if c.resolved else "still open"
        output.console.print(f"{_line(c.prediction)}: {c.outcome}, {state}. {escape(c.reason)}")


@predict_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A Fatebook CSV export.")],
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good rows and list the bad ones (default: import nothing "
            "when any row is bad).",
        ),
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Import a Fatebook CSV export (current, older or tournament); questions already
    here are merged. Every bad row is listed, and nothing is imported when any row is
    bad, unless --skip-invalid."""
    with open_workspace(db, by) as ws:
        result = ws.predictions.import_fatebook(path, skip_invalid=skip_invalid)
    for title in result.skipped:
        output.warn(f"skipped the multiple-choice question {title!r}: assay predicts yes/no")
    for problem in result.problems:
        output.warn(f"skipped {problem}")
    for note in result.notes:
        output.warn(note)
    if json:
        output.emit_json(result.to_dict())
        return
    output.console.print(
        f"{escape(result.source)} ({result.kind}): {result.rows} row(s): "
        f"{result.rows_added} added, {result.rows_merged} already here, "
        f"{result.rows_skipped} skipped. Imported {result.new} new prediction(s), merged "
        f"{result.merged} already here ({result.forecasts_added} forecast(s) added)."
    )


@predict_app.command("export")
def export(
    out: Annotated[Path, typer.Option("-o", "--output", help="The CSV file to write.")],
    force: files.ForceOption = False,
    db: DbOption = None,
) -> None:
    """Export every prediction as CSV that Fatebook's spreadsheet importer reads
    (its column names, forecasts as percentages); assay reads it back unchanged."""
    files.check_output(out, force=force, db=db)
    with open_workspace(db) as ws:
        text = ws.predictions.export_fatebook()
    _write(out, text)
    output.console.print(f"Wrote {escape(str(out))}")


def _write(path: Path, text: str) -> None:
    files.write_text(path, text)


def register(app: typer.Typer) -> None:
    app.add_typer(predict_app, name="predict")
