"""``assay cadence``: the team's reading against its targets (see docs/inbox.md)."""

from __future__ import annotations

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.inbox import WeekOption, week_option


def cadence(
    week: WeekOption = None, db: DbOption = None, by: ByOption = None, json: JsonOption = False
) -> None:
    """This week's scans and second passes, the month's deep reads, against the team's
    targets; who is behind.

    Per person: items triaged (scans) and second passes in the ISO week, deep reads
    (pass 3) in its month, against [cadence] in assay.toml (assay workspace set)."""
    chosen = week_option(week)
    with open_workspace(db, by) as ws:
        found = ws.inbox.cadence(chosen)
    if json:
        output.emit_json(found.to_dict())
        return
    t = found.targets
    number = output.Kind.NUMBER
    sheet = output.table(
        output.Column("Person", output.Kind.NAMES),
        output.Column("Scans", number, justify="right"),
        output.Column("Pass 2", number, justify="right"),
        output.Column("Pass 3", number, justify="right"),
        output.Column("Behind on", output.Kind.TEXT),
        title=f"Reading cadence {found.week} ({found.week.monday} to {found.week.sunday})",
        caption=f"Targets a person: {t.scan_per_week} scans and {t.pass2_per_week} second "
        f"passes a week, {t.pass3_per_month} deep read (pass 3) a month "
        f"({found.month[0]:%B %Y}); set with: assay workspace set cadence.scan_per_week N",
    )
    for p in found.people:
        sheet.add_row(
            escape(p.person),
            str(p.scans),
            str(p.second_passes),
            str(p.deep_reads),
            "[red]" + escape("; ".join(p.short)) + "[/]" if p.short else "on track",
        )
    output.console.print(sheet)
    if found.behind:
        output.prose(f"Behind: {escape(', '.join(found.behind))}")


def register(app: typer.Typer) -> None:
    app.command("cadence")(cadence)
