"""Start-up: the command table is the one registry, and answering ``--help``,
``--version`` or a typo imports nothing heavy (each probed in a fresh interpreter)."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
import typer
import typer.main

import assay
import assay.cli
from assay.cli import common
from assay.cli.app import COMMANDS, load

HEAVY = ("sqlalchemy", "alembic", "numpy", "scipy", "matplotlib", "pydantic", "pygments")
TABLE_MODULES = {module for entry in COMMANDS.values() for module in entry.modules}


def _probe(args: list[str], prelude: str = "") -> tuple[int, str, str, list[str]]:
    """Run ``main(args)`` in a fresh interpreter: exit code, stdout, stderr, and the
    modules loaded when it finished (printed as JSON on the last line of stderr)."""
    code = (
        "import json, sys\n"
        f"{prelude}\n"
        "from assay.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)) + '\\n')\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["COLUMNS"] = "100"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    *err, modules = done.stderr.rstrip("\n").split("\n")
    assert modules.startswith("["), f"the probe crashed: {done.stderr}"
    return done.returncode, done.stdout, "\n".join(err).strip(), json.loads(modules)


def _heavy(modules: Iterable[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


# -- the table is the one registry --------------------------------------------------------


def _first_paragraph(command: typer.core.TyperCommand | typer.core.TyperGroup) -> str:
    text = command.short_help or command.help or ""
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_says_what_the_command_says(name: str) -> None:
    entry = COMMANDS[name]
    holder = typer.Typer(add_completion=False)
    for module in entry.modules:
        importlib.import_module(module).register(holder)
    built = typer.main.get_group(holder).commands
    assert set(built) == {name}, f"{entry.modules} build {sorted(built)}, the table says {name}"
    assert _first_paragraph(built[name]) == entry.help
    assert load(name).rich_help_panel == entry.panel


def unlisted_command_modules(paths: Iterable[str], listed: set[str]) -> list[str]:
    """Modules of the ``assay.cli`` package (found in ``paths``) that define a top-level
    ``register`` function, but that no entry of the command table names."""
    found = []
    for info in pkgutil.iter_modules(list(paths), prefix="assay.cli."):
        source = Path(info.module_finder.path, info.name.rsplit(".", 1)[1] + ".py")  # type: ignore[union-attr]
        if not source.is_file():
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        registers = any(
            isinstance(node, ast.FunctionDef) and node.name == "register" for node in tree.body
        )
        if registers and info.name not in listed:
            found.append(info.name)
    return sorted(found)


def test_every_command_module_is_in_the_table() -> None:
    assert unlisted_command_modules(assay.cli.__path__, TABLE_MODULES) == []


def test_a_command_module_missing_from_the_table_is_caught(tmp_path: Path) -> None:
    (tmp_path / "stray.py").write_text(
        "def register(app):\n    app.command('stray')(print)\n", encoding="utf-8"
    )
    paths = [*assay.cli.__path__, str(tmp_path)]
    assert unlisted_command_modules(paths, TABLE_MODULES) == ["assay.cli.stray"]


def test_a_table_help_that_drifts_is_caught() -> None:
    real = load("status")
    assert _first_paragraph(real) == COMMANDS["status"].help
    real.help = "Something else entirely."
    assert _first_paragraph(real) != COMMANDS["status"].help


# -- nothing heavy before a command runs --------------------------------------------------


def test_help_lists_every_command_without_importing_one() -> None:
    code, out, err, modules = _probe(["--help"])
    assert code == 0, err
    for name, entry in COMMANDS.items():
        assert f" {name} " in out, name
        assert entry.panel in out
    assert "--version" in out
    assert _heavy(modules) == []
    assert TABLE_MODULES & set(modules) == set()


def test_version_prints_the_one_version_and_imports_nothing_heavy() -> None:
    code, out, err, modules = _probe(["--version"])
    assert (code, out, err) == (0, f"assay {assay.__version__}\n", "")
    assert _heavy(modules) == []
    assert "rich.table" not in modules
    assert TABLE_MODULES & set(modules) == set()


@pytest.mark.parametrize("typo", ["nosuchcommand", "radr"])
def test_a_typo_is_one_line_exit_2_and_imports_nothing_heavy(typo: str) -> None:
    code, out, err, modules = _probe([typo])
    assert code == 2 and out == ""
    assert err.startswith(f"error: No such command '{typo}'.") and "\n" not in err
    assert ("Did you mean 'radar'?" in err) == (typo == "radr")
    assert _heavy(modules) == [] and "rich.table" not in modules
    assert TABLE_MODULES & set(modules) == set()


def test_parsing_a_command_line_imports_no_validation_library() -> None:
    # Typer 0.29 builds a pydantic TypeAdapter for every parameter it parses (about
    # 0.1 s on each command); pyproject keeps typer below it. Parse a real command line
    # (an enum argument that is wrong, so the command body never runs) and look.
    code, out, err, modules = _probe(["radar", "move", "some-technique", "sideways"])
    assert code == 2 and out == ""
    assert "sideways" in err
    assert "pydantic" not in _heavy(modules)


def test_the_probe_sees_a_heavy_import() -> None:
    code, _, _, modules = _probe(["--version"], prelude="import numpy, sqlalchemy")
    assert code == 0
    assert {"sqlalchemy", "numpy"} <= set(_heavy(modules))


def test_a_command_imports_only_its_own_modules() -> None:
    code, out, err, modules = _probe(["radar", "--help"])
    assert code == 0, err
    assert "overdue" in out and "import" in out  # radar_io's commands joined the group
    assert TABLE_MODULES & set(modules) == set(COMMANDS["radar"].modules)


def test_a_subcommand_help_and_its_usage_errors_still_work() -> None:
    code, out, err, _ = _probe(["bench", "run", "--help"])
    assert code == 0 and "Usage: assay bench run" in out, err
    code, out, err, _ = _probe(["radar", "--qqq"])  # close to no option: no suggestion
    assert (code, out) == (2, "")
    assert err == "error: No such option: --qqq (see: assay radar --help)"


def test_no_arguments_print_the_help() -> None:
    code, out, _, _ = _probe([])
    assert code == 2 and "Usage: assay [OPTIONS] COMMAND" in out and "postmortem" in out


def test_import_assay_cli_stays_light() -> None:
    code = "import json, sys, assay, assay.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert _heavy(json.loads(done.stdout)) == []


# -- one version, one environment variable, public Typer -----------------------------------


def test_the_version_lives_in_one_place() -> None:
    from assay.version import __version__

    assert assay.__version__ is __version__
    assert __version__ == importlib.metadata.version("assay")


def test_the_database_variable_agrees_with_the_workspace() -> None:
    from assay.workspace import ENV_URL

    assert common.ENV_URL == ENV_URL


def test_typer_parser_errors_are_public_typer_exceptions() -> None:
    # main() catches typer.TyperException: Typer's parser errors derive from it (0.28+).
    assert issubclass(typer.BadParameter, typer.TyperException)
    with pytest.raises(typer.TyperException) as caught:
        typer.main.get_command(assay.cli.app).main(["nosuchcommand"], standalone_mode=False)
    assert getattr(caught.value, "exit_code", None) == 2
