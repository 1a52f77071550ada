"""``assay radar export`` and ``assay radar import``: the radar in the formats other
tools draw, ThoughtWorks build-your-own-radar CSV and Backstage tech-radar JSON.

These register on the ``radar`` command group of :mod:`assay.cli.radar`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.options import RadarFormat
from assay.cli.radar import radar_app
from assay.errors import InputError

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
    db: DbOption = None,
) -> None:
    """Write the radar as BYOR CSV or Backstage JSON (SKIP is written as a tagged HOLD)."""
    name = _format(fmt, out)
    with open_workspace(db) as ws:
        text = ws.radar.export(name)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write it ({exc.strerror})") from None
    output.console.print(escape(f"Wrote the radar to {out} ({name})."))


def import_(
    path: Annotated[Path, typer.Argument(help="A BYOR CSV or Backstage JSON file.")],
    fmt: FormatOption = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Add the techniques of a radar file (with their history, from Backstage), all or none."""
    name = _format(fmt, path)
    with open_workspace(db, by) as ws:
        techniques = ws.radar.import_file(path, name)
    if json:
        output.emit_json({"imported": [t.to_dict() for t in techniques]})
    else:
        output.console.print(
            escape(f"Imported {len(techniques)} technique(s) from {path} ({name}).")
        )


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import`` to the ``radar`` group (``app`` is not used)."""
    del app
    if "export" not in {c.name for c in radar_app.registered_commands}:
        radar_app.command("export")(export)
        radar_app.command("import")(import_)
