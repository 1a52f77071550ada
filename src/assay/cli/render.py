"""Rich renderings of pipeline values, shared by the commands that print them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assay.cli import output
from assay.cli.output import Column, Kind
from assay.pipeline.radar import Technique, grouped
from assay.types import Ring

if TYPE_CHECKING:
    from assay.pipeline.gates import DecisionPin
    from assay.store.placements import Placement

_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F) if code != 0x0A}


def shown(text: str) -> Text:
    """User text for the terminal: control characters (terminal escapes) made visible."""
    return Text(text.translate(_CONTROL))


RING_STYLE = {
    Ring.ADOPT: "bold green",
    Ring.TRIAL: "cyan",
    Ring.ASSESS: "yellow",
    Ring.HOLD: "magenta",
    Ring.SKIP: "red",
}


def _action(technique: Technique, today: dt.date) -> Text:
    if technique.next_action is None:
        return Text("—", style="dim")
    text = Text()
    if technique.is_overdue(today):
        text.append("OVERDUE ", style="bold red")
    return text.append(technique.next_action)


def _due(technique: Technique, today: dt.date) -> Text:
    if technique.due is None or technique.next_action is None:
        return Text("—", style="dim")
    style = "bold red" if technique.is_overdue(today) else ""
    return Text(technique.due.isoformat(), style=style)


def _name(
    technique: Technique,
    stale: Collection[str],
    marks: Mapping[str, Placement] | None = None,
    retired: Collection[str] = (),
) -> Text:
    text = Text(technique.name)
    if technique.name in stale:
        text.append(" (stale)", style="yellow")
    placement = (marks or {}).get(technique.name)
    if placement is not None:
        text.append(f" ({placement.mark})", style="bold red")
    if technique.name in retired:
        text.append(" (retired)", style="bold red")
    return text


def placement_label(placement: Placement) -> str:
    """``override`` or ``imported``: how the legend under the radar names the mark."""
    return placement.mark


def placement_fields(placement: Placement | None) -> dict[str, object]:
    """What ``radar --json`` and ``technique show --json`` add to a technique:
    ``override`` (who, when, why, what was waived) or null, and ``imported``."""
    return {
        "override": placement.override_dict() if placement is not None else None,
        "imported": placement is not None and placement.kind == "imported",
    }


def retired_words(retired: tuple[dt.datetime, str, str]) -> str:
    """``2026-12-06 by priya: entered twice``."""
    at, by, why = retired
    return f"{at:%Y-%m-%d} by {by}: {why}"


def retired_dict(retired: tuple[dt.datetime, str, str] | None) -> dict[str, str] | None:
    """A retirement for JSON (``None``: not retired)."""
    if retired is None:
        return None
    at, by, why = retired
    return {"at": at.isoformat(), "by": by, "why": why}


def _since(technique: Technique) -> str:
    return technique.history[-1].at.date().isoformat() if technique.history else "—"


def radar_table(
    techniques: Sequence[Technique],
    today: dt.date,
    *,
    stale: Collection[str] = (),
    marks: Mapping[str, Placement] | None = None,
    retired: Collection[str] = (),
    owners: Mapping[str, str] | None = None,
) -> output.Sheet:
    """The radar grouped by ring (ADOPT first) and area; stale blips are marked, and
    so are placements by override or import with no evidence behind them (``marks``)
    and retired techniques (shown with ``--include-retired``). ``owners`` (area as
    given -> owner, issue 16) puts each area's owner under its name."""
    table = output.table(
        Column("Ring", Kind.LABEL),
        Column("Area"),
        Column("Technique", ratio=2),
        Column("Owner", Kind.ID),
        Column("Since", Kind.DATE),
        Column("Next due", Kind.DATE),
        title="Research radar",
        expand=True,
    )
    for ring, areas in grouped(techniques).items():
        first_in_ring = True
        for area, members in areas.items():
            for index, technique in enumerate(members):
                table.add_row(
                    Text(ring.value, style=RING_STYLE[ring]) if first_in_ring else "",
                    _area(area, owners) if index == 0 else "",
                    _name(technique, stale, marks, retired),
                    Text(technique.owner or "—"),
                    _since(technique),
                    _due(technique, today),
                )
                first_in_ring = False
        table.add_section()
    return table


def _area(area: str, owners: Mapping[str, str] | None) -> Text:
    owner = (owners or {}).get(area)
    text = Text(area)
    if owner:
        text.append(f"\nowner: {owner}", style="dim")
    return text


def technique_list(
    techniques: Sequence[Technique], today: dt.date, *, retired: Collection[str] = ()
) -> output.Sheet:
    """One row per technique: where it sits, who owns it and what is next; those in
    ``retired`` are marked so."""
    table = output.table(
        Column("Technique", ratio=2),
        Column("Area"),
        Column("Ring", Kind.LABEL),
        Column("Owner", Kind.ID),
        Column("Next action", ratio=3),
        Column("Due", Kind.DATE),
        expand=True,
    )
    for technique in techniques:
        name = Text(technique.name)
        if technique.name in retired:
            name.append(" (retired)", style="bold red")
        table.add_row(
            name,
            Text(technique.area),
            Text(technique.ring.value, style=RING_STYLE[technique.ring]),
            Text(technique.owner or "—"),
            _action(technique, today),
            _due(technique, today),
        )
    return table


def technique_panel(technique: Technique, today: dt.date) -> Panel:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Ring", Text(technique.ring.value, style=RING_STYLE[technique.ring]))
    facts.add_row("Area", Text(technique.area))
    facts.add_row("Owner", Text(technique.owner or "—"))
    facts.add_row("Summary", shown(technique.summary or "—"))
    facts.add_row("Next action", _action(technique, today))
    facts.add_row("Due", _due(technique, today))
    history = output.table(
        Column("When (UTC)", Kind.DATE),
        Column("From", Kind.LABEL),
        Column("To", Kind.LABEL),
        Column("By", Kind.ID),
        Column("Why"),
        title="Ring history",
    )
    for move in technique.history:
        history.add_row(
            move.at.strftime("%Y-%m-%d %H:%M"),
            move.from_ring.value if move.from_ring else "—",
            Text(move.to_ring.value, style=RING_STYLE[move.to_ring]),
            shown(move.by),
            shown(move.why),
        )
    title = Text(technique.name)
    return Panel(Group(facts, Text(""), history), title=title, title_align="left")


def print_decision(label: str, pin: DecisionPin, *, bullet: str = "") -> None:
    """A decision as ``technique show`` and the radar print it: ``LABEL: YES at the
    discovery gate ... decided on run(s) A``, then the new evidence since, if any."""
    output.prose(Text(f"{label}: {pin.describe()}"), bullet=bullet)
    since = pin.since_short()
    if since is not None:
        output.prose(Text(since), bullet="  ")
