"""One name per concept across the whole command line, choices as enums, and
fractions written either way.

The naming checks walk every command of every module's ``register``; each check is
also run on a small app with the mistake it looks for, to prove that it can fail.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
import typer.main

import assay.cli
from assay.cli.options import LENIENT_CHOICES, either, fraction, renamed
from assay.errors import InputError
from assay.pipeline.gates import Answer
from assay.types import parse_fraction
from support import run_main as _run

Command = tuple[str, Any]

OPTION = re.compile(r"^--?[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Every option that takes a date is named for what the date is, never --by.
DATE_NAMES = {"--due", "--resolve-by", "--since", "--until", "--on", "--as-of",
              "--first-seen", "--outcome-on"}  # fmt: skip
DEPRECATED = "Deprecated spelling of "


def _fresh_app() -> typer.Typer:
    """Every command module's ``register`` called on a new root app."""
    app = typer.Typer()
    for info in pkgutil.iter_modules(assay.cli.__path__):
        module = importlib.import_module(f"assay.cli.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    return app


def _walk(command: Any, path: str = "assay") -> Iterator[Command]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, f"{path} {name}")


def _commands(app: typer.Typer) -> list[Command]:
    return list(_walk(typer.main.get_command(app)))


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def _is_date(option: Any) -> bool:
    return option.metavar == "DATE" or "YYYY-MM-DD" in (option.help or "")


# --- the checks: each returns the problems it finds ----------------------------------


def hyphenated(commands: list[Command]) -> list[str]:
    """Option names are lower-case words joined by hyphens."""
    return [f"{path} {o}" for path, c in commands for p in _options(c) for o in p.opts
            if not OPTION.match(o)]  # fmt: skip


def by_is_the_person(commands: list[Command]) -> list[str]:
    """``--by`` is always who is acting: metavar WHO, from ASSAY_USER; never a date."""
    bad = []
    for path, command in commands:
        for option in _options(command):
            if "--by" in option.opts and (
                option.metavar != "WHO" or option.envvar != "ASSAY_USER" or _is_date(option)
            ):
                bad.append(f"{path} --by")
    return bad


def no_second_names(commands: list[Command]) -> list[str]:
    """No visible --who (the person is --by) and no visible --notes (it is --note)."""
    return [f"{path} {name}" for path, c in commands for p in _options(c) if not p.hidden
            for name in p.opts if name in ("--who", "--notes")]  # fmt: skip


def not_note_and_notes(commands: list[Command]) -> list[str]:
    """No command takes both --note and --notes."""
    bad = []
    for path, command in commands:
        names = {name for option in _options(command) for name in option.opts}
        if {"--note", "--notes"} <= names and not _only_alias(command, "--notes"):
            bad.append(path)
    return bad


def _only_alias(command: Any, name: str) -> bool:
    return all(o.hidden for o in _options(command) if name in o.opts)


def dates_are_named(commands: list[Command]) -> list[str]:
    """Every visible date option is named for what the date is, with metavar DATE."""
    bad = []
    for path, command in commands:
        for option in _options(command):
            if option.hidden or not _is_date(option):
                continue
            if option.metavar != "DATE" or not set(option.opts) <= DATE_NAMES:
                bad.append(f"{path} {'/'.join(option.opts)}")
    return bad


def hidden_are_old_spellings(commands: list[Command]) -> list[str]:
    """A hidden option is the old spelling of a visible option of the same command."""
    bad = []
    for path, command in commands:
        visible = {name for o in _options(command) if not o.hidden for name in o.opts}
        for option in _options(command):
            if not option.hidden:
                continue
            new = (option.help or "").removeprefix(DEPRECATED).split(" ")[0].rstrip(".")
            if not (option.help or "").startswith(DEPRECATED) or new not in visible:
                bad.append(f"{path} {'/'.join(option.opts)}")
    return bad


CHECKS: list[Callable[[list[Command]], list[str]]] = [
    hyphenated,
    by_is_the_person,
    no_second_names,
    not_note_and_notes,
    dates_are_named,
    hidden_are_old_spellings,
]


@pytest.fixture(scope="module")
def commands() -> list[Command]:
    return _commands(_fresh_app())


def test_the_walk_reaches_every_command_group(commands: list[Command]) -> None:
    paths = {path for path, _ in commands}
    for expected in ("assay predict add", "assay bench run", "assay radar import",
                     "assay technique attach", "assay compare", "assay user set-role"):  # fmt: skip
        assert expected in paths
    assert len(paths) > 60


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_the_command_line_passes(check: Callable[[list[Command]], list[str]],
                                 commands: list[Command]) -> None:  # fmt: skip
    assert check(commands) == []


def _bad_app() -> typer.Typer:
    """One command per mistake the checks look for."""
    app = typer.Typer()

    @app.command("snake")
    def snake(dry_run: Annotated[bool, typer.Option("--dry_run", help="x")] = False) -> None:
        """An option with an underscore."""

    @app.command("dated")
    def dated(
        when: Annotated[str, typer.Option("--by", metavar="DATE", help="YYYY-MM-DD.")] = "",
    ) -> None:
        """--by as a date."""

    @app.command("who")
    def who(name: Annotated[str, typer.Option("--who", help="The person.")] = "") -> None:
        """--who instead of --by."""

    @app.command("notes")
    def notes(
        a: Annotated[str, typer.Option("--note", help="x")] = "",
        b: Annotated[str, typer.Option("--notes", help="x")] = "",
    ) -> None:
        """Both --note and --notes."""

    @app.command("read")
    def read(
        day: Annotated[str, typer.Option("--date-read", help="YYYY-MM-DD.")] = "",
    ) -> None:
        """A date option with another name."""

    @app.command("hidden")
    def hidden(x: Annotated[str, typer.Option("--secret", hidden=True, help="x")] = "") -> None:
        """A hidden option that is no old spelling."""

    return app


EXPECTED_FINDINGS = {
    "hyphenated": "assay snake --dry_run",
    "by_is_the_person": "assay dated --by",
    "no_second_names": "assay who --who",
    "not_note_and_notes": "assay notes",
    "dates_are_named": "assay read --date-read",
    "hidden_are_old_spellings": "assay hidden --secret",
}


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_each_check_finds_its_mistake(check: Callable[[list[Command]], list[str]]) -> None:
    found = check(_commands(_bad_app()))
    assert EXPECTED_FINDINGS[check.__name__] in found


# --- choices ---------------------------------------------------------------------------


def _option(commands: list[Command], path: str, name: str) -> Any:
    command = dict(commands)[path]
    return next(o for o in _options(command) if name in o.opts)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("assay bench run", "--isolation"),
        ("assay bench run", "--interleave"),
        ("assay bench run", "--gpu-cache"),
        ("assay bench import", "--format"),
        ("assay prototype new", "--stage"),
        ("assay prototype new", "--strategy"),
        ("assay prototype new", "--portfolio"),
        ("assay prototype set", "--portfolio"),
        ("assay gate export", "--stage"),
        ("assay user add", "--role"),
        ("assay technique add", "--ring"),
        ("assay technique attach", "--kind"),
        ("assay radar export", "--format"),
        ("assay report", "--audience"),
        ("assay report", "--format"),
        ("assay compare", "--test"),
        ("assay claim add", "--direction"),
        ("assay claim link", "--as"),
        ("assay paper flag", "--severity"),
        ("assay paper read", "--decision"),
        ("assay postmortem new", "--missed-flag"),
    ],
)
def test_choice_options_list_their_choices(commands: list[Command], path: str, name: str) -> None:
    option = _option(commands, path, name)
    # Typer >= 0.29 describes the type itself; older Typer passes a click.Choice.
    described = getattr(option, "type_descriptor", None) or getattr(option, "type", None)
    assert len(getattr(described, "choices", None) or ()) >= 2, f"{path} {name} is free text"


def test_cli_choices_agree_with_the_engine() -> None:
    from assay.cli import options
    from assay.pipeline.radar import ARTIFACT_KINDS
    from assay.report import AUDIENCES, FORMATS
    from assay.stats.comparison import TESTS
    from assay.workspace.radar import RADAR_FORMATS

    def values(kind: type[Enum]) -> list[str]:
        return [m.value for m in kind]

    assert values(options.ArtifactKind) == list(ARTIFACT_KINDS)
    assert set(values(options.Audience)) == set(AUDIENCES)
    assert set(values(options.ReportFormat)) == set(FORMATS)
    assert values(options.StatTest) == ["auto", *TESTS]
    assert values(options.RadarFormat) == list(RADAR_FORMATS)


@pytest.mark.parametrize(
    ("argv", "option", "value"),
    [
        (["bench", "run", "x.py", "--isolation", "docker"], "--isolation", "docker"),
        (["bench", "run", "x.py", "--gpu-cache", "tepid"], "--gpu-cache", "tepid"),
        (["user", "add", "zoe", "--role", "king"], "--role", "king"),
        (["prototype", "new", "T", "p", "--stage", "launch"], "--stage", "launch"),
        (["radar", "move", "T", "later"], "ring", "later"),
    ],
)
def test_a_wrong_choice_is_one_line_and_exit_2(
    argv: list[str], option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(argv, capsys)
    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    assert option in line and repr(value) in line and "is not one of" in line


def test_choices_ignore_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = tmp_path / "a.csv", tmp_path / "b.csv"
    base.write_text("1.0\n1.1\n0.9\n1.05\n")
    cand.write_text("2.0\n2.1\n1.9\n2.05\n")
    code, out, err = _run(["compare", str(base), str(cand), "--test", "WELCH", "--json"], capsys)
    assert code == 0, err
    assert '"name": "welch"' in out


# --- fractions -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("0.7", 0.7), ("70%", 0.7), (" 2.5 % ", 0.025)])
def test_a_fraction_is_written_either_way(text: str, value: float) -> None:
    assert parse_fraction(text, field="--p") == pytest.approx(value)


@pytest.mark.parametrize("text", ["170%", "1.7", "-5%", "abc", "nan", "inf", "%", ""])
def test_a_bad_fraction_names_the_option_and_both_forms(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_fraction(text, field="--p", what="a probability", inclusive=True)
    message = str(caught.value)
    assert message.startswith(f"--p {text!r} is ")
    assert "a probability from 0 to 100%" in message and "(0.7)" in message and "(70%)" in message


def test_a_probability_may_be_0_or_1_a_margin_may_not() -> None:
    assert parse_fraction("100%", field="--p", inclusive=True) == 1.0
    assert parse_fraction("0", field="--p", inclusive=True) == 0.0
    for text in ("100%", "0"):
        with pytest.raises(InputError, match="above 0 and below 100%"):
            parse_fraction(text, field="--margin")
    assert fraction(None, field="--margin", what="a margin") is None


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Path:  # fmt: skip
    assert _run(["init", str(tmp_path)], capsys)[0] == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSAY_USER", "priya")
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    return tmp_path


def _predictions(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    import json

    code, out, err = _run(["predict", "list", "--json"], capsys)
    assert code == 0, err
    predictions: list[dict[str, Any]] = json.loads(out)["predictions"]
    return predictions


def test_predict_takes_a_percentage_and_resolve_by(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["predict", "add", "Ships?", "--p", "70%", "--resolve-by", "2099-06-30", "--note", "ctx"],
        capsys,
    )
    assert code == 0, err
    code, _, err = _run(["predict", "forecast", "1", "--p", "0.4", "--by", "sam"], capsys)
    assert code == 0, err
    [made] = _predictions(capsys)
    assert [(f["by"], f["p"]) for f in made["forecasts"]] == [("priya", 0.7), ("sam", 0.4)]
    assert made["resolve_by"] == "2099-06-30" and made["notes"] == "ctx"


@pytest.mark.parametrize("p", ["170%", "abc"])
def test_a_bad_probability_is_refused_and_writes_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str], p: str
) -> None:
    code, out, err = _run(["predict", "Ships?", "--p", p, "--resolve-by", "2099-06-30"], capsys)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert f"--p {p!r}" in line and "(70%)" in line
    assert _predictions(capsys) == []


def test_a_date_given_to_by_points_to_resolve_by(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["predict", "Ships?", "--p", "0.7", "--by", "2099-06-30"], capsys)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert "--resolve-by 2099-06-30" in line
    assert _predictions(capsys) == []


def test_old_spellings_still_work_and_warn(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["predict", "Ships?", "--p", "0.7", "--resolve-by", "2099-06-30",
            "--who", "sam", "--notes", "old words"]  # fmt: skip
    code, _, err = _run(argv, capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert "--who is deprecated" in warnings[0] and "use --by" in warnings[0]
    assert "--notes is deprecated" in warnings[1] and "use --note" in warnings[1]
    [made] = _predictions(capsys)
    assert made["forecasts"][0]["by"] == "sam" and made["notes"] == "old words"


def test_in_process_is_the_old_spelling_of_isolation_in_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assay.bench import Isolation
    from assay.cli.bench import _Flags, _options
    from assay.cli.options import GpuCache, Interleave

    def flags(in_process: bool, isolation: Isolation | None) -> _Flags:
        return _Flags(2, False, None, None, None, None, in_process, isolation,
                      Interleave.TRIALS, None, GpuCache.WARM, 1)  # fmt: skip

    assert _options(flags(True, None), None).isolation is Isolation.IN_PROCESS
    assert _options(flags(False, None), None).isolation is Isolation.FORK
    with pytest.raises(InputError, match="--in-process contradicts --isolation spawn"):
        _options(flags(True, Isolation.SPAWN), None)
    code, _, err = _run(["bench", "run", "missing.py", "--in-process", "--isolation", "spawn"],
                        capsys)  # fmt: skip
    assert code == 2
    assert "warning: --in-process is deprecated" in err and "--isolation in-process" in err


def test_renamed_and_either_on_a_small_app() -> None:
    from typer.testing import CliRunner

    app = typer.Typer()
    seen: list[str | None] = []

    @app.command()
    def go(
        note: Annotated[str | None, typer.Option("--note", help="x")] = None,
        old: Annotated[str | None, renamed("--notes", "--note")] = None,
    ) -> None:
        """Remember the note."""
        seen.append(either(note, old))

    runner = CliRunner()
    results = [runner.invoke(app, argv) for argv in (["--notes", "a"], ["--note", "b"], [])]
    assert [r.exit_code for r in results] == [0, 0, 0]
    assert seen == ["a", "b", None]
    said = [r.output for r in results]
    assert "--notes is deprecated" in said[0] and "use --note" in said[0]
    assert "deprecated" not in said[1] + said[2]
    assert "--notes" not in runner.invoke(app, ["--help"]).output


def test_lenient_groups_take_spaces_or_underscores_for_hyphens() -> None:
    from typer.testing import CliRunner

    app = typer.Typer(context_settings=LENIENT_CHOICES)
    seen: list[Answer] = []

    @app.command()
    def decide(answer: Annotated[Answer, typer.Argument(case_sensitive=False)]) -> None:
        """Decide."""
        seen.append(answer)

    @app.command()
    def other() -> None:
        """A second command, so that the first is a subcommand."""

    runner = CliRunner()
    for text in ("not-yet", "not yet", "NOT_YET", " Yes "):
        assert runner.invoke(app, ["decide", text]).exit_code == 0, text
    assert seen == [Answer.NOT_YET] * 3 + [Answer.YES]
    assert runner.invoke(app, ["decide", "maybe"]).exit_code == 2


@pytest.mark.parametrize(
    ("group", "path"),
    [("paper", "assay paper flag"), ("prototype", "assay prototype new"),
     ("gate", "assay gate decide")],
)  # fmt: skip
def test_groups_whose_engine_parsers_were_lenient_stay_lenient(
    commands: list[Command], group: str, path: str
) -> None:
    command = dict(commands)[f"assay {group}"]
    normalise = (command.context_settings or {}).get("token_normalize_func")
    assert normalise is not None and normalise("from scratch") == "from-scratch"
    assert path in dict(commands)


def test_a_missing_choice_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["radar", "move", "X"], capsys)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert "Missing argument 'ring'" in line and "adopt, trial, assess, hold, skip" in line
    assert "Value error" not in _run(["user", "add", "zoe", "--role", "king"], capsys)[2]
