"""Every command has help text and one naming style: lower-case, hyphenated."""

from __future__ import annotations

import re
from typing import Any

from assay.cli.app import COMMANDS, PANELS, root_group

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
OPTION = re.compile(r"^--?[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    if hasattr(command, "commands"):  # a group (Typer vendors its own click)
        for name, sub in sorted(command.commands.items()):
            found += _walk(sub, (*path, name))
    return found


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    return _walk(root_group(loaded=True))


def test_there_are_commands() -> None:
    names = {" ".join(path) for path, _ in _commands()}
    for expected in ("init", "demo", "db status", "technique add", "radar move", "radar overdue"):
        assert expected in names


def test_every_command_has_help_text() -> None:
    missing = [
        " ".join(path) or "assay" for path, cmd in _commands() if not (cmd.help or "").strip()
    ]
    assert missing == []


def test_command_names_are_hyphenated() -> None:
    bad = [" ".join(path) for path, _ in _commands() if path and not NAME.match(path[-1])]
    assert bad == []


def test_option_names_are_hyphenated_and_have_help() -> None:
    bad = []
    for path, cmd in _commands():
        for param in cmd.params:
            if param.param_type_name == "option":
                bad += [f"{' '.join(path)} {o}" for o in param.opts if not OPTION.match(o)]
                if not (param.help or "").strip():
                    bad.append(f"{' '.join(path)} {param.opts[0]}: no help")
    assert bad == []


def test_every_top_level_command_sits_in_a_help_panel() -> None:
    placed = {name for name, entry in COMMANDS.items() if entry.panel in PANELS}
    top = set(root_group(loaded=True).commands)
    assert top - placed == set()
    assert placed - top == set()
