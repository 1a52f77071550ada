"""``assay inbox``: the reading inbox (feeds to triage, sources and their yield, the
weekly digest; see docs/inbox.md)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.errors import InputError

if TYPE_CHECKING:
    from assay.pipeline.inbox import Week
    from assay.store.inbox import InboxItem

inbox_app = typer.Typer(
    help="The reading inbox: import feeds, triage each item (pass 1, skip, a technique), "
    "sources and their yield, the weekly digest.",
    invoke_without_command=True,
)


class Status(enum.StrEnum):
    NEW = "new"
    PASS1 = "pass1"
    SKIPPED = "skipped"
    TECHNIQUE = "technique"
    ALL = "all"


class Format(enum.StrEnum):
    MD = "md"
    HTML = "html"


WeekOption = Annotated[
    str | None,
    typer.Option("--week", metavar="YYYY-Www", help="The ISO week, like 2026-W49; default: now."),
]


def week_option(text: str | None) -> Week | None:
    """The ``--week`` option as a :class:`Week`."""
    from assay.pipeline.inbox import parse_week

    return None if text is None else parse_week(text)


def _routed(item: InboxItem) -> str:
    """Who an untriaged item waits for: the owner of its source's area."""
    return f"for {item.routed_to}" if item.routed_to and item.status.value == "new" else ""


def print_items(items: list[InboxItem], title: str) -> None:
    """Items as a table: number, source, title and authors, status, who."""
    sheet = output.table(
        output.Column("#", output.Kind.ID, justify="right"),
        output.Column("Source", output.Kind.LABEL),
        output.Column("Title", output.Kind.TEXT, ratio=4),
        output.Column("Status", output.Kind.LABEL),
        output.Column("Who", output.Kind.NAMES),
        output.Column("Notes", output.Kind.TEXT, ratio=2),
        title=title,
    )
    for item in items:
        authors = ", ".join(item.authors[:3]) + (" et al." if len(item.authors) > 3 else "")
        notes = item.reason
        if item.paper:
            notes = f"paper {item.paper}, pass {item.pass_reached} read" + (
                f"; {notes}" if notes else ""
            )
        if item.technique:
            notes = f"→ {item.technique}" + (f"; {notes}" if notes else "")
        sheet.add_row(
            str(item.id),
            escape(item.source),
            escape(item.title) + (f"\n[dim]{escape(authors)}[/]" if authors else ""),
            item.status.value,
            escape(item.assignee or item.triaged_by or _routed(item)),
            escape(notes),
        )
    output.console.print(sheet)


@inbox_app.callback()
def inbox(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source's.")] = None,
    status: Annotated[
        Status, typer.Option("--status", help="Only items in this state (all: every item).")
    ] = Status.NEW,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only items for you: assigned, or in an area you own.")
    ] = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """List the inbox: by default the items not triaged yet, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from assay.pipeline.inbox import ItemStatus

    wanted = None if status is Status.ALL else ItemStatus(status.value)
    with open_workspace(db, by) as ws:
        items = ws.inbox.list(source=source, status=wanted, mine=mine)
    if json:
        output.emit_json({"items": [i.to_dict() for i in items]})
        return
    if not items:
        output.prose("Nothing to triage." if wanted is ItemStatus.NEW else "No items.")
        output.prose("Import a feed: assay inbox import FEED [--source NAME]")
        return
    print_items(items, f"Inbox ({status.value}): {len(items)} items")


@inbox_app.command("import")
def import_feed(
    feed: Annotated[
        str,
        typer.Argument(
            metavar="FEED",
            help="A saved feed or an http(s) URL: arXiv Atom or RSS, or a conference list "
            "(CSV or JSON lines with title, authors, url, abstract).",
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source", metavar="NAME", help="The source's name; default: the file's name."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for a URL.", min=0.1)
    ] = 20.0,
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            metavar="AREA",
            help="The radar area the source feeds: its items go to the area's owner.",
        ),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Import a feed into the inbox; items already there or already papers are counted,
    not added again. A bad feed writes nothing."""
    with open_workspace(db, by) as ws:
        done = ws.inbox.import_feed(feed, source=source, timeout=timeout, area=area)
    if json:
        output.emit_json(done.to_dict())
        return
    output.prose(
        f"Imported {len(done.added)} new items from {escape(done.source)} ({done.format}, "
        f"{done.records} in the feed); {len(done.duplicates)} duplicates left out."
    )
    if done.added:
        output.prose(f"Next: assay inbox --source {escape(repr(done.source))}")


@inbox_app.command("triage")
def triage(
    item: Annotated[int, typer.Argument(metavar="ITEM", help="The item's number (assay inbox).")],
    pass1: Annotated[
        bool,
        typer.Option("--pass1", help="Worth a first pass: create the paper record and link it."),
    ] = False,
    skip: Annotated[
        str | None, typer.Option("--skip", metavar="WHY", help="Not for us, and why.")
    ] = None,
    technique: Annotated[
        str | None,
        typer.Option("--technique", metavar="NAME", help="Link it to this radar technique."),
    ] = None,
    assign: Annotated[
        str | None,
        typer.Option("--assign", metavar="PERSON", help="Who follows it up (pass 1: you)."),
    ] = None,
    claim: Annotated[
        str | None,
        typer.Option(
            "--claim",
            metavar="TEXT",
            help="With --pass1: record pass 1 now, with the paper's claim in one sentence.",
        ),
    ] = None,
    why: Annotated[
        str, typer.Option("--why", metavar="TEXT", help="Why it is worth reading or linking.")
    ] = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Triage one item: --pass1, --skip "why" or --technique NAME."""
    with open_workspace(db, by) as ws:
        done = ws.inbox.triage(
            item, pass1=pass1, skip=skip, technique=technique, assign=assign, claim=claim, why=why
        )
    if json:
        output.emit_json(done.to_dict())
        return
    if done.paper:
        read = "pass 1 recorded" if done.pass_reached else "pass 1 next"
        output.prose(
            f"#{done.id} → paper {escape(done.paper)} for {escape(done.assignee or '')} "
            f"({read}): assay paper read {escape(done.paper)} --pass {done.pass_reached + 1}"
        )
    elif done.technique:
        output.prose(f"#{done.id} → technique {escape(done.technique)}")
    else:
        output.prose(f"#{done.id} skipped: {escape(done.reason)}")


@inbox_app.command("sources")
def sources(db: DbOption = None, by: ByOption = None, json: JsonOption = False) -> None:
    """Every tracked source with its yield: items imported, triaged, skipped, and how
    many reached pass 1, 2 and 3, a prototype, the radar."""
    with open_workspace(db, by) as ws:
        found = ws.inbox.sources()
    if json:
        output.emit_json({"sources": [s.to_dict() for s in found]})
        return
    if not found:
        output.prose("No sources yet: assay inbox import FEED --source NAME")
        return
    number = output.Kind.NUMBER
    sheet = output.table(
        output.Column("Source", output.Kind.LABEL),
        output.Column("Format", output.Kind.LABEL),
        *(
            output.Column(h, number, justify="right")
            for h in ("Items", "Triaged", "Skip", "P1", "P2", "P3", "Proto", "Radar")
        ),
        title="Sources and their yield",
        caption="P1, P2, P3: items whose paper reached that reading pass; Proto: linked to a "
        "technique with a prototype; Radar: linked to a technique",
    )
    for s in found:
        counts = (s.imported, s.triaged, s.skipped, s.pass1, s.pass2, s.pass3, s.prototype)
        sheet.add_row(escape(s.source), s.kind, *map(str, (*counts, s.radar)))
    output.console.print(sheet)


@inbox_app.command("digest")
def digest(
    week: WeekOption = None,
    format: Annotated[Format, typer.Option("--format", help="Markdown or HTML.")] = Format.MD,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Write it here (default: print).")
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """The week's digest: what survived the scan and each reading pass."""
    chosen = week_option(week)
    with open_workspace(db, by) as ws:
        found = ws.inbox.digest(chosen)
    if json:
        output.emit_json(found.to_dict())
        return
    text = found.render(format.value)
    if out is None:
        output.emit_text(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the digest ({exc.strerror})") from None
    output.prose(f"Wrote the digest of {found.week} to {escape(str(out))}")


def register(app: typer.Typer) -> None:
    app.add_typer(inbox_app, name="inbox")
