"""Environment metadata and wrapper-script detection."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assay.measure.environment import (
    collect_environment,
    describe_executable,
    environment_warnings,
    git_state,
)


def test_collect_environment_has_the_essentials(tmp_path: Path) -> None:
    env = collect_environment(tmp_path)
    assert env["cpu"]["count"] >= 1
    assert env["cpu"]["usable"] >= 1
    assert env["python"]["version"].count(".") == 2
    assert os.path.isabs(env["python"]["real_executable"])
    assert "numpy" in env["packages"]
    assert env["git"] is None  # not a checkout
    assert isinstance(env["gpus"], list)
    assert len(env["load_average"]) == 3


def test_load_above_the_core_count_warns() -> None:
    env = {"cpu": {"usable": 2, "governor": None}, "load_average": [3.5, 2.0, 1.0]}
    (warning,) = environment_warnings(env)
    assert "3.50" in warning
    assert "2 usable CPU cores" in warning
    assert "noisy" in warning


def test_quiet_machine_does_not_warn() -> None:
    env = {"cpu": {"usable": 2, "governor": "performance"}, "load_average": [0.5, 0.5, 0.5]}
    assert environment_warnings(env) == []


def test_powersave_governor_and_dirty_checkout_warn() -> None:
    env = {
        "cpu": {"usable": 4, "governor": "powersave"},
        "load_average": [0.1, 0.1, 0.1],
        "git": {"commit": "abc", "dirty": True},
    }
    warnings = environment_warnings(env)
    assert any("powersave" in w for w in warnings)
    assert any("uncommitted" in w for w in warnings)


def test_git_state_of_a_checkout(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "bench.py").write_text("x = 1\n")
    git("add", "bench.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one")
    state = git_state(tmp_path)
    assert state is not None
    assert len(state["commit"]) == 40
    assert state["dirty"] is False
    (tmp_path / "bench.py").write_text("x = 2\n")
    state = git_state(tmp_path)
    assert state is not None
    assert state["dirty"] is True


def test_a_shell_wrapper_is_detected(tmp_path: Path) -> None:
    script = tmp_path / "python3"
    script.write_text(f'#!/usr/bin/env bash\nexec {sys.executable} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    info = describe_executable(str(script))
    assert info.wrapper == "/usr/bin/env bash"
    warning = info.warning()
    assert warning is not None
    assert "script" in warning


def test_a_real_program_is_not_a_wrapper() -> None:
    info = describe_executable(os.path.realpath(sys.executable))
    assert info.wrapper is None
    assert info.warning() is None


def test_unknown_command() -> None:
    info = describe_executable("no-such-command-for-assay-tests")
    assert info.path is None
    assert info.warning() is None


def test_pyenv_shim_names_the_real_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shims, bin_dir = tmp_path / "shims", tmp_path / "bin"
    shims.mkdir()
    bin_dir.mkdir()
    shim = shims / "tool"
    shim.write_text("#!/usr/bin/env bash\nexec true\n")
    shim.chmod(0o755)
    pyenv = bin_dir / "pyenv"
    pyenv.write_text("#!/bin/sh\necho /opt/real/tool\n")
    pyenv.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}")
    info = describe_executable("tool")
    assert info.wrapper == "/usr/bin/env bash"
    assert info.target == "/opt/real/tool"
    assert "/opt/real/tool" in (info.warning() or "")
