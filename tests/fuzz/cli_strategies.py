"""Hypothesis strategies for fuzzing the command line: every leaf command of the real
Typer app, with hostile values for each of its parameters.

The command tree is introspected (:func:`leaf_commands`), so a new command or option
is fuzzed without anyone listing it here. Each parameter gets values by its click type
(paths, integers, floats, choices, flags) and, for the many options that take text
(durations, fractions, dates, run ids, file names given as text), by a pool that mixes
hostile text with the names of records the seeded workspace holds, so that a command
gets past "no such technique" often enough to reach its deeper code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from assay.cli.app import root_group

__all__ = ["Hostile", "Invocation", "invocations", "leaf_commands"]

# Commands not fuzzed, and why: `demo` builds a whole demo workspace and runs its
# benchmark (seconds per call; its one parameter is a directory, covered by `init`).
SKIPPED_COMMANDS = frozenset({"demo"})
# Parameters not fuzzed, and why: `paper add --arxiv` asks the arXiv API over the
# network (its offline error has its own test in tests/unit/formats/test_arxiv.py).
SKIPPED_PARAMS = frozenset({("paper add", "arxiv")})
# Exit code 1 is documented for these: a check that fails (gate check, audit verify),
# a benchmark whose every trial failed, a reproduction that differs.
EXIT_1 = frozenset({"gate check", "audit verify", "bench run", "bench resume", "repro diff"})


@dataclass(frozen=True)
class Hostile:
    """The files and names one example may use: made fresh under ``scratch`` each time."""

    workspace: Path
    scratch: Path
    names: tuple[str, ...]

    @property
    def database(self) -> Path:
        return self.workspace / ".assay" / "assay.db"

    def invalid_inputs(self) -> set[str]:
        """The :meth:`paths` no command can read as its input file."""
        s, home = self.scratch, self.workspace / ".assay"
        return {
            str(s / "folder"), "/dev/zero", str(s / "binary.bin"), str(s / "missing.txt"),
            str(s / "latin1.csv"), str(s / "nul.toml"), str(s / "binary.bin" / "x"),
            str(s / ("p" * 10_000)), str(self.database), str(self.database) + "-wal",
            str(home / "new-file.csv"), "",
        }  # fmt: skip

    def invalid_outputs(self) -> set[str]:
        """The :meth:`paths` no command may write (``existing.txt`` without --force)."""
        s, home = self.scratch, self.workspace / ".assay"
        return {
            str(s / "folder"), "/dev/zero", str(s / "binary.bin" / "x"), str(s / ("p" * 10_000)),
            str(self.database), str(self.database) + "-wal", str(home / "assay.toml"),
            str(home / "new-file.csv"), "",
        }  # fmt: skip

    def paths(self) -> list[str]:
        """Paths a user might pass where a file is expected: every kind that is wrong."""
        s = self.scratch
        return [
            str(s / "folder"),
            "/dev/zero",
            str(s / "binary.bin"),
            str(s / "missing.txt"),
            str(s / "existing.txt"),
            str(s / "latin1.csv"),
            str(s / "nul.toml"),
            str(s / "binary.bin" / "x"),
            str(s / ("p" * 10_000)),
            str(self.database),
            str(self.database) + "-wal",
            str(self.workspace / ".assay" / "assay.toml"),
            str(self.workspace / ".assay" / "new-file.csv"),
            str(s / "new-output.txt"),
            "",
            "-",
        ]


@dataclass(frozen=True)
class Invocation:
    """One command line: the command's path (``["radar", "move"]``) and its arguments."""

    path: tuple[str, ...]
    args: tuple[str, ...]
    invalid: tuple[str, ...] = ()
    """The values given that are invalid for their parameter's type whatever the
    command (a number that is huge or not finite, an input file that is a folder,
    a device, binary, missing, too long, or the workspace's own): exit 0 with any
    of them counts as "not refused"."""

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def argv(self) -> list[str]:
        return [*self.path, *self.args]


def leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every runnable command of ``assay`` (groups walked down to their leaves)."""
    leaves: list[tuple[tuple[str, ...], Any]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        if hasattr(command, "commands"):  # a group (Typer vendors click: no isinstance)
            for name in sorted(command.commands):
                walk(command.commands[name], (*path, name))
        elif " ".join(path) not in SKIPPED_COMMANDS:
            leaves.append((path, command))

    walk(root_group(loaded=True), ())
    return leaves


# Parameters that name a file to write, and the commands whose path may be a folder.
OUTPUT_PARAMS = frozenset({"out", "plot"})
FOLDER_COMMANDS = frozenset({"init"})
NON_FINITE = {"inf", "-inf", "nan", "1e309", "-1e309"}
HUGE_INTS = ["99999999999999999999", "-99999999999999999999", "9" * 400, "2147483648"]
SMALL_INTS = ["0", "-1", "1", "2", "3", "10"]
FLOATS = ["inf", "-inf", "nan", "1e309", "-1e309", "1e-320", "0", "-0.5", "0.5", "1", "100"]
ESCAPES = [
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
    "\x1b[2J\x1b[H",
    "a\rb",
    "\x9b31m",
    "bell\x07",
    "\x08\x08\x08",
]
MARKUP = ["[bold]x[/]", "[red", "<script>alert(1)</script>", '<img src=x onerror="alert(1)">']
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
TEXTS = [
    "",
    " ",
    "x",
    "a" * 5000,
    "émoji 🎉",
    "line one\nline two",
    "../../../../etc/passwd",
    "%s%n{0}",
    "'; DROP TABLE techniques; --",
]
DURATIONS = ["9999999999999999999d", "1e400s", "-1d", "0s", "nan", "inf", "1d", "30d", "2w", "5m"]
DATES = ["2026-13-45", "0000-01-01", "9999-12-31", "99999-01-01", "2027-01-01", "yesterday"]
FRACTIONS = ["70%", "0.7", "1.5", "-0.1", "150%", "nan%", "inf", "1e-400", "0", "1"]
ROLES_AND_MISC = ["admin", "viewer", "contributor", "approver", "nobody", "tester"]


def _text_pool(hostile: Hostile) -> list[str]:
    return [
        *TEXTS, *ESCAPES, *MARKUP, *FORMULAS, *HUGE_INTS, *SMALL_INTS, *FLOATS, *DURATIONS,
        *DATES, *FRACTIONS, *ROLES_AND_MISC, *hostile.paths(), *hostile.names,
    ]  # fmt: skip


def _values(param: Any, hostile: Hostile) -> st.SearchStrategy[str]:
    """Values for one parameter (as the text a shell would pass), by its click type's
    name (Typer vendors click, so its classes are not click's)."""
    kind = param.type
    type_name = type(kind).__name__
    names = st.sampled_from(hostile.names) if hostile.names else st.nothing()
    if hasattr(kind, "choices"):
        choices = [str(c) for c in kind.choices]
        return st.one_of(st.sampled_from(choices), st.sampled_from(["", "nope", *ESCAPES[:1]]))
    if type_name in ("IntParamType", "IntRange"):
        return st.sampled_from([*HUGE_INTS, *SMALL_INTS, "", "1.5", "abc", "nan"])
    if type_name in ("FloatParamType", "FloatRange"):
        return st.sampled_from([*FLOATS, "", "abc", *HUGE_INTS])
    if type_name in ("Path", "TyperPath"):
        return st.sampled_from(hostile.paths())
    weighted = st.sampled_from(_text_pool(hostile))
    return st.one_of(names, weighted, st.text(max_size=30))


def _option(param: Any, hostile: Hostile) -> st.SearchStrategy[list[str]]:
    flag = param.opts[0]
    if param.is_flag:
        return st.just([flag])
    values = _values(param, hostile)
    if param.multiple:
        return st.lists(values, min_size=1, max_size=3).map(
            lambda vs: [part for v in vs for part in (flag, v)]
        )
    return values.map(lambda v: [flag, v])


@st.composite
def _arguments(draw: Callable[..., Any], path: tuple[str, ...], command: Any,
               hostile: Hostile) -> Invocation:  # fmt: skip
    args: list[str] = []
    options: list[str] = []
    invalid: list[str] = []
    name = " ".join(path)
    for param in command.params:
        if (name, param.name) in SKIPPED_PARAMS or param.name == "db":
            continue
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                count = 1 if param.nargs == 1 else draw(st.integers(1, 3))
                drawn = [draw(_values(param, hostile)) for _ in range(count)]
                args.extend(drawn)
                invalid.extend(v for v in drawn if _invalid(name, param, v, hostile))
        elif param.required or draw(st.booleans()):
            if param.name == "by":
                options.extend(["--by", draw(st.sampled_from(["tester", "", "nobody", "Tester"]))])
            else:
                drawn = draw(_option(param, hostile))
                options.extend(drawn)
                invalid.extend(v for v in drawn[1:2] if _invalid(name, param, v, hostile))
    # "--" keeps an argument that starts with "-" an argument, as a careful user writes it.
    line = [*options, "--", *args] if args else options
    return Invocation(path, tuple(line), tuple(invalid))


def _invalid(command: str, param: Any, value: str, hostile: Hostile) -> bool:
    """Whether ``value`` is invalid for ``param`` in any command (see Invocation.invalid)."""
    type_name = type(param.type).__name__
    if type_name in ("IntParamType", "IntRange"):
        return value in HUGE_INTS or value in ("", "1.5", "abc", "nan")
    if type_name in ("FloatParamType", "FloatRange"):
        return value in NON_FINITE or value in ("", "abc")
    if type_name not in ("Path", "TyperPath") or command in FOLDER_COMMANDS:
        return False
    if param.name in OUTPUT_PARAMS:
        return value in hostile.invalid_outputs()
    return value in hostile.invalid_inputs()


def invocations(hostile: Hostile) -> st.SearchStrategy[Invocation]:
    """One command line for a leaf command drawn from the whole tree."""
    leaves = leaf_commands()
    return st.sampled_from(leaves).flatmap(lambda leaf: _arguments(leaf[0], leaf[1], hostile))
