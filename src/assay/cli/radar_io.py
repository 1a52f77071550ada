"""``assay radar export`` and ``assay radar import``: the radar in the formats other
tools draw, ThoughtWorks build-your-own-radar CSV and JSON and Backstage tech-radar JSON
(see docs/radar-files.md).

These register on the ``radar`` command group of :mod:`assay.cli.radar`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import RadarFormat
from assay.cli.radar import radar_app
from assay.errors import InputError

if TYPE_CHECKING:
    from assay.workspace.radar_files import RadarImport

FormatOption = Annotated[
    RadarFormat | None,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="The file's format; default: from its extension (.csv, .json).",
    ),
]


def _format(fmt: RadarFormat | None, path: Path) -> str:
    if fmt is not None:
        return fmt.value
    # The workspace's table says which extension implies which format (imported here:
    # the command is about to open the workspace anyway).
    from assay.workspace.radar import RADAR_FORMATS

    for name, suffix in RADAR_FORMATS.items():
        if path.suffix.lower() == suffix:
            return name
    raise InputError(
        f"{path}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
        f"give --format {' or '.join(RadarFormat)}"
    )


def export(
    out: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    fmt: FormatOption = None,
    force: files.ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write the radar as BYOR CSV, BYOR JSON or Backstage JSON (.json: Backstage).

    What an imported file said beyond assay's columns (isNew, extra columns, links,
    timeline text, ring names, quadrant order) is written back; SKIP is written as a
    tagged HOLD.
    """
    files.check_output(out, force=force, db=db)
    name = _format(fmt, out)
    with open_workspace(db) as ws:
        text = ws.radar.export(name)
    files.write_text(out, text)
    output.console.print(escape(f"Wrote the radar to {out} ({name})."))


RingMapOption = Annotated[
    str | None,
    typer.Option(
        "--ring-map",
        help='The file\'s own ring names, as "1=adopt,2=trial,3=assess,4=hold" (any names, '
        "any case; rings: adopt, trial, assess, hold, skip).",
    ),
]


def import_(
    path: Annotated[Path, typer.Argument(help="A BYOR CSV or JSON, or Backstage JSON file.")],
    fmt: FormatOption = None,
    ring_map: RingMapOption = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the good records of a file and list the bad ones (default: import "
            "nothing when any record is bad).",
        ),
    ] = False,
    override: Annotated[
        bool,
        typer.Option(
            "--override",
            help="Place TRIAL records without a YES gate, recorded as overrides (approver).",
        ),
    ] = False,
    why: Annotated[str | None, typer.Option("--why", help="Why the override.")] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Add the techniques of a radar file (with their history, from Backstage).

    The whole file is checked first: with any bad record, a name already on the radar,
    or a TRIAL/ADOPT placement you may not make, nothing is imported and every one is
    listed, unless --skip-invalid. A record repeating an earlier one word for word is
    merged. TRIAL and ADOPT need a YES gate: an admin imports them marked "imported, no
    evidence on record"; an approver may place TRIAL with --override --why.
    """
    with open_workspace(db, by) as ws:
        result = ws.radar.import_radar(
            path,
            None if fmt is None else fmt.value,
            ring_map=ring_map,
            skip_invalid=skip_invalid,
            override=override,
            why=why,
        )
    if json:
        output.emit_json(result.to_dict())
        return
    _report(result)


def _report(result: RadarImport) -> None:
    from assay.workspace.radar_files import IMPORTED, OVERRIDE  # `assay radar` starts without it

    for repeat in result.merged:
        output.warn(f"{result.source}, line {repeat.line}: {repeat}")
    for problem in result.skipped:
        output.warn(f"skipped {problem}")
    output.console.print(
        escape(
            f"Read {result.records} record(s) from {result.source} ({result.format}): "
            f"{len(result.added)} added, {len(result.merged)} merged (repeated word for "
            f"word), {len(result.skipped)} skipped."
        )
    )
    for kind in (IMPORTED, OVERRIDE):
        names = [name for name, placed in result.placed.items() if placed == kind]
        if names:
            what = "placed by override" if kind == OVERRIDE else kind
            output.console.print(
                escape(f"{len(names)} TRIAL/ADOPT placement(s) {what}: {', '.join(names)}")
            )


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import`` to the ``radar`` group (``app`` is not used)."""
    del app
    if "export" not in {c.name for c in radar_app.registered_commands}:
        radar_app.command("export")(export)
        radar_app.command("import")(import_)
