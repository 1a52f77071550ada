"""``assay workspace``: the workspace's settings (``.assay/assay.toml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import JsonOption

workspace_app = typer.Typer(
    help="The workspace's settings: show them, or set one (assay.toml).", no_args_is_help=True
)


def _settings_file() -> Path:
    from assay.errors import NoWorkspaceError
    from assay.workspace.core import DIRNAME, find_root

    root = find_root(Path.cwd())
    if root is None:
        raise NoWorkspaceError(
            f"no assay workspace here or above {Path.cwd()}; create one with: assay init"
        )
    return root / DIRNAME / "assay.toml"


@workspace_app.command("set")
def set_setting(
    key: Annotated[
        str, typer.Argument(metavar="KEY", help="SECTION.NAME, like cadence.scan_per_week.")
    ],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")],
) -> None:
    """Set one setting in .assay/assay.toml, checked before it is written (comments kept)."""
    from assay.workspace.settings import set_value

    path = _settings_file()
    set_value(path, key, value)
    output.prose(f"Set {escape(key)} = {escape(value)} in {escape(str(path))}")


@workspace_app.command("show")
def show(json: JsonOption = False) -> None:
    """Print the settings in effect (defaults included)."""
    import dataclasses

    from assay.workspace.settings import load_settings

    settings = dataclasses.asdict(load_settings(_settings_file()))
    if json:
        output.emit_json(settings)
        return
    for section, values in settings.items():
        if isinstance(values, dict):
            for name, value in values.items():
                output.prose(f"{section}.{name} = {escape(repr(value))}")
        else:
            output.prose(f"{section} = {escape(repr(values))}")


def register(app: typer.Typer) -> None:
    app.add_typer(workspace_app, name="workspace")
