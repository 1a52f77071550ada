"""The root Typer application and the one place errors become exit codes.

Each command group lives in its own module and is registered here. A command is a
thin wrapper over a :class:`assay.Workspace` method or an ``assay.stats`` function.
"""

from __future__ import annotations

import sys

import typer

from assay.cli import output
from assay.errors import AssayError

app = typer.Typer(
    name="assay",
    help="Carry ML research into production without fooling yourself.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    # Imported here so that each module can import ``app`` helpers without cycles.
    from assay.cli import (
        bench,
        claim,
        compare,
        cost,
        criteria,
        db,
        demo,
        gate,
        paper,
        portfolio,
        postmortem,
        predict,
        prototype,
        radar,
        radar_io,
        report,
        repro,
        review,
        search,
        status,
        technique,
        technique_attach,
        user,
        workspace,
    )

    core = [workspace, db, technique, radar, radar_io, bench, compare]
    research = [paper, claim, predict, postmortem, repro, search]
    decisions = [prototype, criteria, gate, user, cost, review, portfolio, status]
    decisions += [technique_attach, report]
    for module in [*core, *research, *decisions, demo]:
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; an :class:`AssayError` becomes one line and exit code 2."""
    _register()
    try:
        app(args=argv, prog_name="assay", standalone_mode=True)
    except AssayError as exc:
        output.error(str(exc))
        sys.exit(2)
