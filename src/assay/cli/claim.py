"""``assay claim``: the numbers papers promise, and whether our runs reproduce them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import Reading
from assay.errors import InputError
from assay.pipeline.claims import Direction, ReproStatus
from assay.store.claims import ClaimRecord, parse_claim_id
from assay.store.reproductions import FromRun

claim_app = typer.Typer(
    help="Claims of papers, the runs that reproduce them, and what reproducing taught us.",
    no_args_is_help=True,
)

STATUS_STYLE = {
    ReproStatus.REPRODUCED: "bold green",
    ReproStatus.PARTIALLY: "yellow",
    ReproStatus.NOT_REPRODUCED: "bold red",
    ReproStatus.UNTESTED: "dim",
}

ClaimArgument = Annotated[str, typer.Argument(help="The claim's id (see: assay claim list).")]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _reproduced(record: ClaimRecord) -> str:
    r = record.assessment.reproduction
    if r is None:
        return "—"
    return f"{r.value:.4g} [{r.low:.4g}, {r.high:.4g}]"


def _gap(record: ClaimRecord) -> str:
    """Measured minus claimed, and relative to the claim as the explanation says it:
    ``+372 (38.2x the claim)`` for a reproduction at least twice the claim, else
    ``-0.02 (-5%)``."""
    a = record.assessment
    r = a.reproduction
    if a.gap is None or a.relative_gap is None or r is None:
        return "—"
    ratio = r.value / a.claim.value
    relative = f"{ratio:.3g}x the claim" if ratio >= 2 else f"{a.relative_gap:+.0%}"
    return f"{a.gap:+.3g} ({relative})"


def _shortfall(shortfall: float | None) -> str:
    """How far short of the claim; a reproduction beyond it is short of nothing."""
    if shortfall is None:
        return "—"
    if shortfall < 0:
        return "none (beyond the claim)"
    return f"{shortfall:.0%}"


def status_text(record: ClaimRecord) -> Text:
    status = record.assessment.status
    return Text(status.value, style=STATUS_STYLE[status])


def claims_table(records: Sequence[ClaimRecord], *, with_paper: bool = True) -> output.Sheet:
    """Claims with their reproduced value and interval, gap and status."""
    k = output.Kind
    table = output.table(  # the paper's key under the id: 80 columns hold them
        output.Column("ID, paper" if with_paper else "ID", k.ID),
        output.Column("Claim, setting", ratio=3),
        output.Column("Claimed", k.NUMBER),
        output.Column("Reproduced (95% CI)", ratio=2),
        output.Column("Gap"),
        output.Column("Status", k.LABEL),
        expand=True,
    )
    for record in records:
        claim = record.claim
        unit = f" {claim.unit}" if claim.unit else ""
        cells: list[str | Text] = [
            f"{record.id}\n{record.paper_key}" if with_paper else str(record.id),
            f"{claim.metric} ({claim.direction.value} is better)\n{claim.setting or '—'}",
            f"{claim.value:.4g}{unit}",
            _reproduced(record),
            _gap(record),
            status_text(record),
        ]
        table.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))
    return table


def claim_panel(record: ClaimRecord) -> Panel:
    a = record.assessment
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    runs = "\n".join(
        f"{r.run}: {len(r.values)} trial value(s), {r.source}" if r.values else r.run
        for r in record.runs
    )
    rows: list[tuple[str, str | Text]] = [
        ("Paper", f"{record.paper_key}: {record.paper_title}"),
        ("Claim", a.claim.describe()),
        ("Better", a.claim.direction.value),
        ("Reproduced", _reproduced(record)),
        ("Gap", _gap(record)),
        ("Shortfall", _shortfall(a.shortfall)),
        ("Status", status_text(record)),
        ("Why", a.explanation),
        ("Runs", runs or "none linked yet: assay claim link CLAIM RUN"),
    ]
    for name, value in rows:
        facts.add_row(name, Text(value) if isinstance(value, str) else value)
    parts: list[Table | Text | output.Sheet] = [facts]
    if a.claim.findings:
        findings = output.table(
            output.Column("When", output.Kind.DATE),
            output.Column("By", output.Kind.ID),
            output.Column("Finding"),
            title="Findings while reproducing",
            expand=True,
        )
        for f in a.claim.findings:
            findings.add_row(f.at.date().isoformat(), Text(f.by), Text(f.text))
        parts += [Text(""), findings]
    return Panel(Group(*parts), title=f"claim {record.id}", title_align="left")


def _print(record: ClaimRecord, json: bool, message: str) -> None:
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(message)
        output.console.print(claim_panel(record))


def parse_values(text: str, *, field: str = "--values") -> list[float]:
    """Numbers separated by commas or spaces."""
    values = []
    for item in (piece for piece in re.split(r"[,\s]+", text.strip()) if piece):
        try:
            values.append(float(item))
        except ValueError:
            raise InputError(
                f"{field}: {item!r} is not a number; expected trial values such as 0.38,0.41"
            ) from None
    if not values:
        raise InputError(f"{field} is empty; expected trial values such as 0.38,0.41")
    return values


_direction = Direction  # --direction is parsed as a Direction already


@claim_app.command("add")
def add(
    paper: Annotated[str, typer.Argument(help="The paper: key, DOI, arXiv id or title words.")],
    metric: Annotated[str, typer.Option("--metric", help="What is claimed, e.g. speedup.")],
    value: Annotated[float, typer.Option("--value", help="The number the paper promises.")],
    setting: Annotated[
        str, typer.Option("--setting", help="Where it holds, e.g. 'seq len 4096, A100'.")
    ] = "",
    direction: Annotated[
        Direction,
        typer.Option("--direction", case_sensitive=False, help="Which way is better."),
    ] = Direction.HIGHER,
    unit: Annotated[str, typer.Option("--unit", help="The value's unit, e.g. x or ms.")] = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Record a quantitative claim of a paper."""
    with open_workspace(db, by) as ws:
        record = ws.claims.add(
            paper, metric=metric, value=value, setting=setting, direction=_direction(direction),
            unit=unit,
        )  # fmt: skip
    _print(record, json, f"Added claim [bold]{record.id}[/] to {escape(record.paper_key)}.")


def _where(items: list[str]) -> dict[str, str]:
    found = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"--where {item!r}: expected PARAM=VALUE, e.g. n=4096")
        found[name.strip()] = value.strip()
    return found


@claim_app.command("link")
def link(
    claim: ClaimArgument,
    run: Annotated[str, typer.Argument(help="The id of a run that tries to reproduce it.")],
    values: Annotated[
        str | None,
        typer.Option(
            "--values",
            help="For a run recorded elsewhere: its per-trial values of the claimed metric, "
            "e.g. 2.1,2.3,2.2 (one per trial or seed).",
        ),
    ] = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="The run's metric; default: the claim's.")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="The run's method; default: its candidate.")
    ] = None,
    against: Annotated[
        str | None, typer.Option("--against", help="Compare with this method; default baseline.")
    ] = None,
    as_: Annotated[
        Reading,
        typer.Option(
            "--as",
            case_sensitive=False,
            help="value, ratio (method÷against), times-smaller (against÷method: '3x faster'), "
            "reduction (1 − method÷against) or increase (method÷against − 1).",
        ),
    ] = Reading.VALUE,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="The sweep point, e.g. n=4096.")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Link a run to a claim and reassess it; a large gap flags the paper automatically.

    A run in this workspace is read per trial (paired by seed when compared with
    another method); a run recorded elsewhere needs --values.
    """
    claim_id = parse_claim_id(claim)
    numbers = None if values is None else parse_values(values)
    reading = (metric, method, against, where) != (None, None, None, None) or as_ != "value"
    from_run = None
    if reading:
        from_run = FromRun(metric, method, against, as_.value, _where(where or []))
    with open_workspace(db, by) as ws:
        record = ws.claims.link_run(claim_id, run, numbers, from_run=from_run)
    _print(record, json, f"Linked run [bold]{escape(run.strip())}[/] to claim {record.id}.")


@claim_app.command("finding")
def finding(
    claim: ClaimArgument,
    text: Annotated[str, typer.Argument(help="What reproducing taught you.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Log implicit knowledge found while reproducing ('layer-norm eps must be 1e-5')."""
    claim_id = parse_claim_id(claim)
    with open_workspace(db, by) as ws:
        record = ws.claims.add_finding(claim_id, text)
    _print(record, json, f"Logged a finding on claim {record.id}.")


@claim_app.command("show")
def show(claim: ClaimArgument, db: DbOption = None, json: JsonOption = False) -> None:
    """Show a claim with its reproduction, gap, status, runs and findings."""
    claim_id = parse_claim_id(claim)
    with open_workspace(db) as ws:
        record = ws.claims.get(claim_id)
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(claim_panel(record))


@claim_app.command("list")
def list_(
    paper: Annotated[
        str | None, typer.Argument(help="Only this paper's claims (key, DOI, title words).")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """List claims with their reproduced value, interval, gap and status."""
    with open_workspace(db) as ws:
        records = ws.claims.list(paper)
    if json:
        output.emit_json({"claims": [r.to_dict() for r in records]})
    elif not records:
        output.console.print("No claims yet. Add one: assay claim add PAPER --metric M --value V")
    else:
        output.console.print(claims_table(records))


def register(app: typer.Typer) -> None:
    app.add_typer(claim_app, name="claim")
