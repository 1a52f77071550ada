"""``assay serve``: the team's web app over this workspace, under uvicorn."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from assay.cli import output
from assay.cli.common import DbOption
from assay.errors import InputError, MissingDependencyError

__all__ = ["CONFIG_ENV", "register", "serve"]

# How `--workers N` hands the settings to each worker process (uvicorn imports the
# app factory by name there): JSON in this environment variable.
CONFIG_ENV = "ASSAY_SERVE_CONFIG"


def _check(port: int, root_path: str, workers: int) -> str:
    """The root path, normalised; bad options are :class:`InputError` (exit 2)."""
    if not 0 < port < 65536:
        raise InputError(f"--port {port} is not a port; give 1 to 65535 (default 8765)")
    if workers < 1 or workers > 64:
        raise InputError(f"--workers {workers} must be between 1 and 64")
    root = root_path.strip()
    if root and (not root.startswith("/") or any(c in root for c in "?#\\ ") or "//" in root):
        raise InputError(f"--root-path {root_path!r} must be a path such as /assay")
    return root.rstrip("/")


def _refuse_without_logins(db: str | None) -> None:
    """Nobody could log in: say how to set a password, and start nothing."""
    from assay.cli.common import open_workspace

    with open_workspace(db) as ws:
        if ws.accounts.with_password():
            return
        users = [u.name for u in ws.users.list() if not u.retired]
    if not users:
        raise InputError(
            "no user can log in: add one and set their password first, e.g. "
            "assay user add NAME --role admin, then: assay user password NAME"
        )
    raise InputError(
        f"no user can log in: none of {len(users)} user(s) has a password; set one with: "
        f"assay user password {users[0]}"
    )


def serve(
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on (0.0.0.0: every one).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8765,
    root_path: Annotated[
        str,
        typer.Option(
            "--root-path",
            metavar="PATH",
            help="The path a reverse proxy serves the app under (/assay), stripped or not.",
        ),
    ] = "",
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (each keeps its own page cache).")
    ] = 1,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Mark cookies Secure always (or never); default: when the request came over TLS.",
            show_default=False,
        ),
    ] = None,
    trust_proxy: Annotated[
        bool,
        typer.Option(
            "--trust-proxy",
            help="Believe X-Forwarded-Proto and X-Forwarded-For (only behind your own TLS proxy).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Serve the team's web app: radar, techniques, runs, gates, predictions, reports."""
    root = _check(port, root_path, workers)
    try:
        import uvicorn

        import assay.web  # noqa: F401 - fails here when the web extra is missing
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "fastapi", "web") from None
    _refuse_without_logins(db)
    config = {
        "workspace": db or str(Path.cwd()),
        "secure_cookies": secure_cookies,
        "trust_proxy": trust_proxy,
        "root_path": root,
    }
    shown = f"[{host}]" if ":" in host else host
    output.console.print(f"assay serves this workspace at http://{shown}:{port}{root}/")
    output.console.print("Log in with a user's password (assay user password NAME); Ctrl+C stops.")
    options = {
        "host": host,
        "port": port,
        "proxy_headers": trust_proxy,
        "forwarded_allow_ips": "*" if trust_proxy else None,
        "log_level": "info",
        "server_header": False,
    }
    if workers == 1:
        from assay.web import create_app

        app = create_app(config.pop("workspace"), **config)  # type: ignore[arg-type]
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    os.environ[CONFIG_ENV] = json.dumps(config)
    uvicorn.run(
        "assay.web.app:app_from_environment",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
