"""``assay serve`` as a real subprocess (issue 12): it refuses a workspace where
nobody can log in, refuses bad options, and serves /healthz and the pages on a free
port of 127.0.0.1, under a proxy's root path too."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import run_assay
from support.web_app import PASSWORD, cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(root: Path, *extra: str, said: list[str] | None = None) -> Iterator[str]:
    """``assay serve`` in ``root`` until it answers /healthz; its base URL. What it
    printed goes into ``said`` once it has stopped."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    argv = [sys.executable, "-m", "assay", "serve", "--port", str(port), *extra]
    process = subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                out = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"assay serve exited with {process.returncode}: {out}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("assay serve did not answer /healthz within 60 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            if said is not None:
                said.append(process.stdout.read().decode(errors="replace"))
            process.stdout.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one admin, ada, who has no password yet."""
    from assay.workspace import Workspace

    home = tmp_path_factory.mktemp("serve") / "team"
    Workspace.init(home, user="ada").close()
    cli(home, "user", "add", "ada", "--role", "admin")
    cli(home, "technique", "add", "Tiling", "--area", "inference")
    return home


def test_serve_refuses_a_workspace_where_nobody_can_log_in(root: Path) -> None:
    done = run_assay(root, "serve", "--port", str(_free_port()))
    assert done.returncode == 2
    assert "assay user password ada" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (("--port", "0"), "--port 0"),
        (("--root-path", "assay"), "--root-path"),
        (("--workers", "0"), "--workers 0"),
    ],
)
def test_serve_refuses_bad_options(root: Path, option: tuple[str, str], words: str) -> None:
    done = run_assay(root, "serve", *option)
    assert done.returncode == 2 and words in done.stderr


def test_serve_answers_on_a_free_port(root: Path) -> None:
    from assay.workspace import Workspace

    with Workspace.open(root, user="ada") as ws:
        ws.accounts.set_password("ada", PASSWORD)
    said: list[str] = []
    with serving(root, "--host", "127.0.0.1", said=said) as base:
        assert httpx.get(f"{base}/healthz").json() == {"ok": True}
        away = httpx.get(f"{base}/radar")
        assert away.status_code == 303 and away.headers["location"].startswith("/login")
        assert "server" not in away.headers  # uvicorn's banner is not sent
    assert f"assay serves this workspace at {base}/" in said[0]
    with serving(root, "--root-path", "/assay/") as base:
        for path in ("/healthz", "/assay/healthz"):  # a proxy that strips the prefix, or not
            assert httpx.get(f"{base}{path}").status_code == 200, path
        away = httpx.get(f"{base}/radar")
        assert away.headers["location"] == "/assay/login?next=%2Fradar"
