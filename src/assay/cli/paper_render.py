"""Rich renderings of a paper's record for ``assay paper show``."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assay.cli import output
from assay.cli.claim import claims_table
from assay.pipeline.reading import (
    PASS_QUESTIONS,
    RED_FLAG_GUIDE,
    Decision,
    Severity,
    ViabilityDimension,
)
from assay.store.papers import PaperRecord

SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "yellow", Severity.LOW: "dim"}


def plain_cells(*cells: RenderableType) -> list[RenderableType]:
    """Table cells with user text shown as written, never read as Rich markup."""
    return [Text(c) if isinstance(c, str) else c for c in cells]


# --- adding ----------------------------------------------------------------------


def _grid(rows: Sequence[tuple[str, RenderableType]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(*plain_cells(name, value))
    return grid


def _facts(record: PaperRecord) -> Table:
    p = record.paper
    checklist = record.checklist
    state, why = record.status
    return _grid(
        [
            ("Key", p.key),
            ("Authors", ", ".join(a.display for a in p.authors) or "—"),
            ("Year", str(p.year or "—")),
            ("Venue", p.venue or "—"),
            ("DOI", p.doi or "—"),
            ("arXiv", p.arxiv_id or "—"),
            ("URL", p.url or "—"),
            ("Code", p.code_url or "—"),
            ("Raw title", p.raw_title if p.raw_title != p.title else "(same)"),
            ("Techniques", ", ".join(record.techniques) or "—"),
            ("Reading", f"{state}: {why}"),
            (
                "Code checklist",
                "not checked"
                if checklist is None
                else f"{checklist.score}/5"
                + (f"; missing {', '.join(checklist.missing)}" if checklist.missing else ""),
            ),
        ]
    )


def _passes(record: PaperRecord) -> output.Sheet:
    table = output.table(
        output.Column("Pass", output.Kind.NUMBER), output.Column("Answers", ratio=4),
        output.Column("Decision", ratio=2), output.Column("By, on", output.Kind.ID),
        title="Reading passes", expand=True,
    )  # fmt: skip
    for p in record.passes:
        answers = "\n".join(f"{PASS_QUESTIONS[p.number][k]} {v}" for k, v in p.answers.items())
        style = "green" if p.decision is Decision.CONTINUE else "yellow"
        table.add_row(*plain_cells(
            str(p.number), answers, Text(f"{p.decision.value}: {p.reason}", style=style),
            f"{p.by}\n{p.on.isoformat()}",
        ))  # fmt: skip
    return table


def _note(record: PaperRecord) -> Table:
    n = record.note
    assert n is not None
    return _grid(
        [
            ("Read on", n.date_read.isoformat()),
            ("Relevance", f"{n.relevance}/5"),
            ("Summary", n.summary),
            ("Key insight", n.key_insight or "—"),
            ("vs baselines", n.results_vs_baselines or "—"),
            ("Limitations", n.limitations or "—"),
            ("Viability", n.production_viability or "—"),
            ("To implement", n.implementation_effort or "—"),
        ]
    )


def _flags(record: PaperRecord) -> output.Sheet:
    table = output.table(
        output.Column("Flag", ratio=2), output.Column("Severity", output.Kind.LABEL),
        output.Column("Evidence", ratio=3), output.Column("Raised by"),
        title="Red flags", expand=True,
    )  # fmt: skip
    for f in record.flags:
        evidence = "\n".join(str(e) for e in f.evidence) + (f"\n{f.note}" if f.note else "")
        table.add_row(*plain_cells(
            Text(f.kind.value + "\n").append(RED_FLAG_GUIDE[f.kind], style="dim"),
            Text(f.severity.value, style=SEVERITY_STYLE[f.severity]), evidence,
            "assay (automatic)" if f.origin == "auto" else "reader",
        ))  # fmt: skip
    return table


def _viability(record: PaperRecord) -> RenderableType:
    table = output.table(
        output.Column("Dimension", output.Kind.LABEL),
        output.Column("Score", output.Kind.NUMBER),
        output.Column("Notes"), output.Column("Red flags"), output.Column("Green flags"),
        title="Production viability", expand=True,
    )  # fmt: skip
    for d, s in record.scores.items():
        table.add_row(*plain_cells(
            d.value, f"{s.score}/5", s.notes or "—", "\n".join(s.red_flags) or "—",
            "\n".join(s.green_flags) or "—",
        ))  # fmt: skip
    lines: list[RenderableType] = [table]
    v = record.viability
    if v is not None:
        blockers = ", ".join(b.value for b in v.blockers) or "none"
        summary = f"overall {v.overall:.2f}/5, weakest {v.weakest.value}, blockers: {blockers}"
    else:
        missing = [d.value for d in ViabilityDimension if d not in record.scores]
        summary = f"not every dimension is scored; missing {', '.join(missing)}"
    lines.append(_grid([("Viability", summary)]))
    return Group(*lines)


def _adoption(record: PaperRecord) -> Table:
    advice = record.advice
    assert advice is not None
    timing = Text(advice.timing.value, style="bold cyan")
    return _grid([("When to adopt", timing), ("Because", "; ".join(advice.reasons))])


def paper_panel(record: PaperRecord) -> Panel:
    """Everything recorded on a paper."""
    parts: list[RenderableType] = [_facts(record)]
    if record.passes:
        parts += [Text(""), _passes(record)]
    if record.note is not None:
        parts += [Text(""), Text("Note", style="bold underline"), _note(record)]
    if record.flags:
        parts += [Text(""), _flags(record)]
    if record.scores:
        parts += [Text(""), _viability(record)]
    if record.adoption is not None:
        parts += [Text(""), _adoption(record)]
    if record.claims:
        parts += [Text(""), Text("Claims", style="bold underline")]
        parts.append(claims_table(record.claims, with_paper=False))
    return Panel(Group(*parts), title=Text(record.paper.title), title_align="left")
