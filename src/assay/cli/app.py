"""The root Typer application and the one place errors become exit codes.

Each command group lives in its own module; :data:`COMMANDS` is the one registry of
the top-level commands: for each, the modules that build it, its one-line help and
the help panel it shows in. The root group (:class:`LazyGroup`) answers
``assay --help`` from that table alone and imports a command's modules only when the
command is invoked (or its own help is asked for), so that start-up, ``--help``,
``--version`` and a typo stay fast. A test checks the table against the commands the
modules really build, so the two cannot drift.
"""

from __future__ import annotations

import difflib
import errno
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from assay.errors import AssayError
from assay.version import __version__

__all__ = ["COMMANDS", "PANELS", "Entry", "LazyGroup", "app", "load", "main", "root_group"]


@dataclass(frozen=True)
class Entry:
    """A top-level command in the table: the modules whose ``register(app)`` builds it
    (the first defines it, the others add subcommands to it), its one-line help as
    ``assay --help`` shows it, and the panel it is listed under."""

    modules: tuple[str, ...]
    help: str
    panel: str


def _entry(modules: str, help: str, panel: str) -> Entry:
    return Entry(tuple(f"assay.cli.{m}" for m in modules.split()), help, panel)


# The help panels, in the order `assay --help` shows them.
PANELS = ("Workspace", "Radar", "Evidence", "Decisions", "Research record")

_WS, _RADAR, _EVIDENCE, _DECISIONS, _RESEARCH = PANELS

# Every top-level command: the only registry. Keep each panel's commands together.
COMMANDS: dict[str, Entry] = {
    "init": _entry(
        "workspace",
        "Create a workspace: PATH/.assay/ with assay.toml and a SQLite database (WAL mode).",
        _WS,
    ),
    "demo": _entry(
        "demo", "Build a demo workspace with a team's radar, then print the radar.", _WS
    ),
    "db": _entry("db", "Inspect and upgrade the workspace database's schema.", _WS),
    "workspace": _entry(
        "workspace_settings", "The workspace's settings: show them, or set one (assay.toml).", _WS
    ),
    "serve": _entry(
        "serve",
        "Serve the team's web app: radar, techniques, runs, gates, predictions, reports.",
        _WS,
    ),
    "search": _entry(
        "search",
        "Search papers, notes, flags, claims, predictions, post-mortems and the radar.",
        _WS,
    ),
    "technique": _entry(
        "technique technique_attach retire",
        "Add, list, show, edit, rename and retire techniques.",
        _RADAR,
    ),
    "radar": _entry(
        "radar radar_io",
        "The research radar: print it, move techniques between rings, list overdue actions.",
        _RADAR,
    ),
    "area": _entry("area", "Areas of the radar and their owners.", _RADAR),
    "bench": _entry(
        "bench retire", "Benchmark a baseline against candidates on your workload.", _EVIDENCE
    ),
    "compare": _entry(
        "compare",
        "Compare two sets of trial values and say whether the candidate is better.",
        _EVIDENCE,
    ),
    "repro": _entry(
        "repro", "Reproduce a paper's implementation: compare it with yours.", _EVIDENCE
    ),
    "ab": _entry(
        "ab",
        "Production A/B tests: analyse a file of units or arms, store it as evidence.",
        _EVIDENCE,
    ),
    "ci": _entry(
        "ci",
        "Benchmark base against head interleaved in one job; exit 1 on a confirmed regression.",
        _EVIDENCE,
    ),
    "load": _entry(
        "load",
        "Serving under load: open-loop latency, client health, the highest rate within an SLO.",
        _EVIDENCE,
    ),
    "prototype": _entry(
        "prototype",
        "Prototypes: a hypothesis, pre-registered success and kill criteria, a time-box.",
        _DECISIONS,
    ),
    "criteria": _entry(
        "criteria", "The criteria language: check an expression without data.", _DECISIONS
    ),
    "gate": _entry(
        "gate",
        "Gates: the recommended answer from the evidence, decisions, CI checks, MADR export.",
        _DECISIONS,
    ),
    "status": _entry(
        "status",
        "Kill criteria that fire, expired time-boxes, gates awaiting a decision, everything "
        "overdue (next actions, post-mortem actions, predictions), stale blips.",
        _DECISIONS,
    ),
    "review": _entry(
        "review", "The research review: what to discuss, and what was decided.", _DECISIONS
    ),
    "rollout": _entry(
        "rollout",
        "Production rollouts: the ramp behind a feature flag, A/B evidence at each step, "
        "rollbacks.",
        _DECISIONS,
    ),
    "watch": _entry(
        "watch",
        "Watched metrics: the history per benchmark and metric, change points, and the "
        "decisions they reopen.",
        _DECISIONS,
    ),
    "report": _entry(
        "report",
        "Write a report built only from the record: criteria, evidence, decisions, cost.",
        _DECISIONS,
    ),
    "cost": _entry(
        "cost",
        "Monthly benefit, payback and 12-month ROI with intervals from the measured effects.",
        _DECISIONS,
    ),
    "portfolio": _entry(
        "portfolio",
        "Active prototypes' time-boxed days per category against the 60-70/20-30/5-10 % guide.",
        _DECISIONS,
    ),
    "user": _entry("user", "Users and roles: viewer < contributor < approver < admin.", _DECISIONS),
    "audit": _entry(
        "audit",
        "The audit trail: who changed which record, when and how; verify nothing was changed "
        "behind assay's back.",
        _DECISIONS,
    ),
    "token": _entry(
        "token", "API tokens for automation, each acting with its user's role.", _DECISIONS
    ),
    "inbox": _entry(
        "inbox",
        "The reading inbox: import feeds, triage each item (pass 1, skip, a technique), "
        "sources and their yield, the weekly digest.",
        _RESEARCH,
    ),
    "cadence": _entry(
        "cadence",
        "This week's scans and second passes, the month's deep reads, against the team's "
        "targets; who is behind.",
        _RESEARCH,
    ),
    "paper": _entry(
        "paper retire",
        "Papers: add them, read them in passes, flag them, score their viability.",
        _RESEARCH,
    ),
    "claim": _entry(
        "claim",
        "Claims of papers, the runs that reproduce them, and what reproducing taught us.",
        _RESEARCH,
    ),
    "predict": _entry(
        "predict",
        'Predictions: assay predict "QUESTION" --p 70% --resolve-by YYYY-MM-DD, then resolve '
        "and score.",
        _RESEARCH,
    ),
    "learning": _entry(
        "learning",
        "Learnings: what each prototype taught, kept or killed; needed before a NO or a SKIP.",
        _RESEARCH,
    ),
    "postmortem": _entry(
        "postmortem",
        "Post-mortems of failed techniques and prototypes, their actions and patterns.",
        _RESEARCH,
    ),
    "question": _entry(
        "question",
        "Open a research question on the radar from a post-mortem or a production regression.",
        _RESEARCH,
    ),
    "credibility": _entry(
        "credibility",
        "Predicted against measured for every adopted or rejected technique; calibration; "
        "adoptions and owned failures.",
        _RESEARCH,
    ),
    "coverage": _entry(
        "coverage", "Papers read → prototypes → production, per person and team.", _RESEARCH
    ),
    "writeup": _entry(
        "writeup",
        "The write-up of what was built, from a technique's record (Markdown or HTML).",
        _RESEARCH,
    ),
    "self": _entry(
        "self_assessment",
        "Self-assessment: capabilities rated 1-5 with history, growth areas (private).",
        _RESEARCH,
    ),
}


def load(name: str) -> Any:
    """Import the modules of top-level command ``name`` and build it: the click
    command (or group) exactly as ``assay NAME`` runs it, placed in its panel."""
    entry = COMMANDS[name]
    holder = typer.Typer(add_completion=False)
    for module in entry.modules:
        importlib.import_module(module).register(holder)
    command: Any = typer.main.get_group(holder).commands[name]
    command.rich_help_panel = entry.panel
    from assay.cli.numbers import finite_floats  # every float option refuses inf and nan

    return finite_floats(command)


class LazyGroup(TyperGroup):
    """The root group: lists the commands from :data:`COMMANDS` without importing them,
    and imports a command's modules the first time it is looked up to run."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command of the table, in table order (then any added directly)."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command named ``cmd_name``, built on first use; ``None`` if unknown."""
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        command = load(cmd_name)
        self.add_command(command, cmd_name)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Write ``assay --help`` from the table alone, in Typer's panels but without
        Typer's help renderer (which loads Markdown and Pygments: slower than the
        rest of start-up together)."""
        del formatter  # printed to stdout directly, as Typer's own renderer does
        _print_root_help(ctx, self)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Refuse an unknown command before parsing the root's options, so that a typo
        costs no more than ``--help`` (Typer's option coercion loads pydantic)."""
        first = args[0] if args else ""
        if first and not first.startswith("-") and self.get_command(ctx, first) is None:
            self.resolve_command(ctx, args)  # raises "No such command", with suggestions
        return list(super().parse_args(ctx, args))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As Typer's, with "did you mean" drawn from the table (Typer draws it from
        the commands already loaded, which here are none)."""
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:
            message = str(getattr(exc, "message", ""))
            if args and self.suggest_commands and "Did you mean" not in message:
                matches = difflib.get_close_matches(args[0], list(COMMANDS))
                if matches and message.startswith("No such command"):
                    suggestions = ", ".join(f"{m!r}" for m in matches)
                    exc.message = f"{message.rstrip('.')}. Did you mean {suggestions}?"
            raise


def _print_root_help(ctx: Any, group: LazyGroup) -> None:
    """``assay --help``: usage, the root options, then each panel's commands."""
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def panel(title: str, rows: Sequence[Sequence[str]], style: str) -> Panel:
        table = Table(show_header=False, box=None, expand=True, pad_edge=False)
        table.add_column(style=style, no_wrap=True, width=width)
        for _ in rows[0][2:]:
            table.add_column(style="bold green", no_wrap=True)
        table.add_column(ratio=10)
        for name, help_text, *extra in rows:
            table.add_row(name, *extra, Text(help_text))
        return Panel(table, title=title, title_align="left", border_style="dim")

    params: list[Any] = group.get_params(ctx)
    options = [
        (param.opts[0], param.help or "", " ".join(param.opts[1:] + param.secondary_opts))
        for param in params
        if getattr(param, "help", None) is not None
    ]
    width = max(len(name) for name in [*COMMANDS, *(row[0] for row in options)])
    parts: list[Any] = [
        Padding(Text(f"Usage: {ctx.command_path} [OPTIONS] COMMAND [ARGS]...", "yellow"), 1),
        Padding(Text(group.help or ""), (0, 1, 1, 1)),
        panel("Options", options, "bold cyan"),
    ]
    for title in PANELS:
        rows = [(name, e.help) for name, e in COMMANDS.items() if e.panel == title]
        parts.append(panel(title, rows, "bold cyan"))
    Console(highlight=False).print(Group(*parts))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"assay {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="assay",
    cls=LazyGroup,
    help="Carry ML research into production without fooling yourself.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print assay's version and exit.",
        ),
    ] = False,
) -> None:
    """Carry ML research into production without fooling yourself."""


def root_group(*, loaded: bool = False) -> LazyGroup:
    """The root click group ``assay`` runs; with ``loaded``, every command is built
    (for tests and tools that walk the whole tree)."""
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    if loaded:
        for name in COMMANDS:
            group.add_command(load(name), name)
    return group


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every user mistake becomes one line and exit code 2.

    That covers assay's own errors (:class:`AssayError`) and the command-line
    parser's (a missing option, an unknown one, a value of the wrong type): Typer
    raises those as :class:`typer.TyperException` (its public base of click's
    exceptions, which it vendors since 0.26 and bases on ``TyperException`` since 0.28).
    """
    from assay.cli import output

    try:
        code = app(args=argv, prog_name="assay", standalone_mode=False)
    except AssayError as exc:
        output.error(str(exc))
        sys.exit(2)
    except typer.TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        exit_code = int(getattr(exc, "exit_code", 2))
        # Typer checks this exception by name too: it is help, not an error.
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            output.err_console.print(ctx.get_help(), markup=False)
            sys.exit(exit_code)
        where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        # One line: a missing choice argument lists its choices on lines of their own,
        # and Typer's choice check prefixes "Value error, " to its message.
        message = " ".join(exc.format_message().replace("Value error, ", "").split())
        output.error(f"{message}{where}")
        sys.exit(exit_code)
    except typer.Abort:
        output.error("aborted")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise  # anything else is a bug in assay: keep its traceback
        from assay.formats.files import shown

        output.error(f"{shown(exc.filename or '')}: the path is too long for this system")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
