"""``assay audit``: the hash-chained log of every write, and its verification."""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import DbOption, JsonOption, date_option, open_workspace
from assay.store.audit import Entry
from assay.store.audit_verify import Verification

audit_app = typer.Typer(
    help="The audit trail: who changed which record, when and how; verify nothing was "
    "changed behind assay's back.",
    no_args_is_help=True,
)


@audit_app.command("log")
def log(
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Entries from this day on.")
    ] = None,
    who: Annotated[
        str | None,
        typer.Option("--user", metavar="NAME", help="Entries by this user, or for them."),
    ] = None,
    record: Annotated[
        str | None,
        typer.Option(
            "--record",
            metavar="TABLE:KEY",
            help="One record's entries: TABLE:KEY (techniques:rag, runs:20261206-ab12cd) or "
            "a name in any table.",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1_000_000, help="At most this many entries.")
    ] = 50,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The newest entries first: when, who (and for whom), through what, which record."""
    day = date_option(since, field="--since")
    start = None if day is None else dt.datetime.combine(day, dt.time(), dt.UTC)
    with open_workspace(db) as ws:
        found = ws.audit.log(since=start, who=who, record=record, limit=limit)
    if json:
        output.emit_json([entry.to_dict() for entry in found])
        return
    if not found:
        output.prose("No audit entries match.")
        return
    output.console.print(_log_table(found))


def _log_table(found: list[Entry]) -> output.Sheet:
    k = output.Kind
    table = output.table(
        output.Column("#", k.NUMBER, justify="right"), output.Column("When (UTC)", k.DATE),
        output.Column("Who", k.NAMES), output.Column("Via", k.NAMES),
        output.Column("Action", k.LABEL), output.Column("Record", k.NAMES, ratio=2),
        output.Column("Changed", ratio=2),
    )  # fmt: skip
    for entry in found:
        who = entry.actor + (f" for {entry.on_behalf_of}" if entry.on_behalf_of else "")
        table.add_row(
            str(entry.id), f"{entry.at:%Y-%m-%d %H:%M:%S}", escape(who),
            escape(entry.via or "—"), entry.action,
            escape(f"{entry.record_table}:{entry.record_key}"), escape(_changed(entry)),
        )  # fmt: skip
    return table


def _changed(entry: Entry) -> str:
    """For an update, the columns it changed; for an insert or delete, nothing."""
    if entry.before is None or entry.after is None:
        return ""
    then, now = jsonlib.loads(entry.before), jsonlib.loads(entry.after)
    names = sorted(n for n in {*then, *now} if then.get(n) != now.get(n))
    return ", ".join(names)


@audit_app.command("verify")
def verify(db: DbOption = None, json: JsonOption = False) -> None:
    """Exit 0 when the chain is whole, every record matches its last audited image and
    the frozen criteria their hashes; exit 1 naming what was changed behind assay's back."""
    with open_workspace(db) as ws:
        result = ws.audit.verify()
    if json:
        output.emit_json(result.to_dict())
    else:
        _print_verification(result)
    if not result.ok:
        raise typer.Exit(1)


def _print_verification(result: Verification) -> None:
    if result.ok:
        output.prose(
            f"[green]The audit trail is whole[/]: {result.entries} entries, {result.records} "
            f"records match their last audited images, head {result.head_hash[:16] or '—'}."
        )
        return
    first = result.problems[0]
    output.error(f"tampering: {first.message}")
    for problem in result.problems[1:]:
        output.prose(escape(problem.message), bullet="  - ")
    output.prose(
        f"[dim]{len(result.problems)} problem(s); {result.entries} entries, {result.records} "
        "records checked[/]"
    )


def register(app: typer.Typer) -> None:
    """Add ``assay audit`` to the root application."""
    app.add_typer(audit_app, name="audit")
