"""Correcting mistakes: ``assay technique rename``, and ``retire`` for techniques
(``assay technique retire``), papers (``assay paper retire``) and runs (``assay bench
retire``), each with ``--undo``. Thin wrappers over ``workspace.corrections``.

:func:`register` adds each command to the group being built (``technique``,
``paper`` or ``bench``), so that building one group imports no other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace

WhyOption = Annotated[
    str | None,
    typer.Option("--why", help="What was wrong with it (required to retire); kept for good."),
]
UndoOption = Annotated[
    bool, typer.Option("--undo", help="Unretire it: back into the views and the evidence.")
]


def rename(
    old: Annotated[str, typer.Argument(help="The technique's current name (any case).")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Rename a technique, keeping its history, prototypes, decisions and links (admin)."""
    with open_workspace(db, by) as ws:
        technique = ws.corrections.rename_technique(old, new)
    if json:
        output.emit_json(technique.to_dict() | {"renamed_from": old})
    else:
        output.console.print(
            f"Renamed [bold]{escape(old)}[/] to [bold]{escape(technique.name)}[/]; "
            "its history and links follow it."
        )


def _retire(
    kind: str, ref: str, why: str | None, undo: bool, db: str | None, by: str | None, json: bool
) -> None:
    """Retire (or, with ``undo``, unretire) one record and say so."""
    from assay.errors import InputError

    if undo and why is not None:
        raise InputError("--undo takes no --why: unretiring needs no reason")
    with open_workspace(db, by) as ws:
        if undo:
            done = ws.corrections.unretire(kind, ref)
        else:
            done = ws.corrections.retire(kind, ref, why=why or "")
    if json:
        output.emit_json(done.to_dict())
    elif undo:
        output.console.print(f"Unretired {kind} [bold]{escape(done.ref)}[/].")
    else:
        output.console.print(
            f"Retired {kind} [bold]{escape(done.ref)}[/]: it leaves the views and the "
            "evidence; it stays in the audit log and in --include-retired."
        )


def retire_technique(
    name: Annotated[str, typer.Argument(help="The technique (any case).")],
    why: WhyOption = None,
    undo: UndoOption = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Retire a technique entered by mistake: it leaves the radar, keeps its name (admin)."""
    _retire("technique", name, why, undo, db, by, json)


def retire_paper(
    paper: Annotated[str, typer.Argument(help="The paper: key, DOI, arXiv id or title.")],
    why: WhyOption = None,
    undo: UndoOption = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Retire a paper added by mistake: it leaves lists, search and exports (admin)."""
    _retire("paper", paper, why, undo, db, by, json)


def retire_run(
    run_id: Annotated[str, typer.Argument(help="The run's id (see: assay bench list).")],
    why: WhyOption = None,
    undo: UndoOption = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Retire a run that should not count: it no longer judges any prototype (admin)."""
    _retire("run", run_id, why, undo, db, by, json)


_COMMANDS: dict[str, tuple[tuple[str, Callable[..., None]], ...]] = {
    "technique": (("rename", rename), ("retire", retire_technique)),
    "paper": (("retire", retire_paper),),
    "bench": (("retire", retire_run),),
}


def register(app: typer.Typer) -> None:
    """Add the commands to the ``technique``, ``paper`` or ``bench`` group in ``app``."""
    for group in app.registered_groups:
        target = group.typer_instance
        if target is None or group.name not in _COMMANDS:
            continue
        known = {info.name for info in target.registered_commands}
        for name, command in _COMMANDS[group.name]:
            if name not in known:
                target.command(name)(command)
