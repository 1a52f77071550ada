"""Who is acting: ``--by``, then ``ASSAY_USER``, then git's user name, then the OS user.

This is the name typed or guessed; :func:`assay.workspace.users.identify` proves it
where it can (an API token, a PostgreSQL login)."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess


def resolve_actor(explicit: str | None = None) -> str:
    """The name recorded as the author of a change."""
    for candidate in (explicit, os.environ.get("ASSAY_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    found = _git_user()  # a subprocess: asked only when no name was given
    if found and found.strip():
        return found.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


def _git_user() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def named_actor(explicit: str | None = None) -> str | None:
    """The name the user gave (``--by``, then ``ASSAY_USER``), or ``None`` when they
    gave none and the name comes from git or the OS: a name given explicitly is
    checked against a proven identity, a guessed one is replaced by it."""
    for candidate in (explicit, os.environ.get("ASSAY_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    return None
