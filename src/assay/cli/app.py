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


# Where each top-level command shows in `assay --help`.
PANELS = {
    "Workspace": ("init", "demo", "db", "search"),
    "Radar": ("technique", "radar"),
    "Evidence": ("bench", "compare", "repro"),
    "Decisions": (
        "prototype",
        "criteria",
        "gate",
        "cost",
        "report",
        "status",
        "review",
        "portfolio",
        "user",
    ),
    "Research record": ("paper", "claim", "predict", "postmortem"),
}


def _panel(name: str | None) -> str | None:
    return next((panel for panel, names in PANELS.items() if name in names), None)


_registered = False


def _register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
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
    for command in app.registered_commands:
        command.rich_help_panel = _panel(command.name)
    for group in app.registered_groups:
        group.rich_help_panel = _panel(group.name)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every user mistake becomes one line and exit code 2.

    That covers assay's own errors (:class:`AssayError`) and the command-line
    parser's (a missing option, an unknown one, a value of the wrong type).
    """
    from typer import exceptions as typer_exceptions
    from typer._click import exceptions as parser  # Typer vendors its own click

    _register()
    try:
        code = app(args=argv, prog_name="assay", standalone_mode=False)
    except AssayError as exc:
        output.error(str(exc))
        sys.exit(2)
    except parser.NoArgsIsHelpError as exc:
        output.err_console.print(exc.ctx.get_help() if exc.ctx else str(exc), markup=False)
        sys.exit(exc.exit_code)
    except parser.UsageError as exc:
        where = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
        output.error(f"{exc.format_message()}{where}")
        sys.exit(exc.exit_code)
    except parser.ClickException as exc:
        output.error(exc.format_message())
        sys.exit(exc.exit_code)
    except typer_exceptions.Abort:
        output.error("aborted")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
