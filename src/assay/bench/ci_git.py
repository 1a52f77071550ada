"""Git for ``assay ci``: the repository, the two commits, and their worktrees.

:func:`find_repository` finds the repository holding a directory;
:func:`resolve_commit` turns a ref into a commit (an :class:`~assay.errors.InputError`
naming the ref when it does not resolve); :func:`default_base` is the merge base of
HEAD and the pull request's target (``origin/$GITHUB_BASE_REF``, else ``origin/main``,
else ``main``). :func:`worktrees` checks both commits out with ``git worktree add
--detach`` in one temporary directory and removes them (``git worktree remove``,
then ``git worktree prune``) when the block ends, however it ends.
:func:`dependency_changes` lists the dependency files that differ between two
commits (a head that changes a dependency is flagged in the comment).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assay.errors import InputError

__all__ = [
    "DEPENDENCY_FILES",
    "Repository",
    "bench_source",
    "default_base",
    "dependency_changes",
    "find_repository",
    "resolve_commit",
    "worktrees",
]

DEPENDENCY_FILES = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "environment.yml",
    "conda-lock.yml",
)
"""File names whose change between base and head means a dependency may have
changed (besides any ``requirements*.txt``)."""


@dataclass(frozen=True)
class Repository:
    """A git repository: its top-level directory."""

    root: Path

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``git ARGS`` in the repository; on failure raise (``check``) an InputError."""
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
        if check and done.returncode != 0:
            message = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise InputError(f"git {' '.join(args)} failed: {message[-1] if message else '?'}")
        return done


def find_repository(directory: Path) -> Repository:
    """The git repository that holds ``directory``, or an InputError saying it is none."""
    if shutil.which("git") is None:
        raise InputError("assay ci needs git on PATH, and none was found")
    done = subprocess.run(
        ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise InputError(
            f"{directory} is not inside a git repository; assay ci compares two commits, "
            "so run it in a clone (in CI: actions/checkout with fetch-depth: 0)"
        )
    return Repository(Path(done.stdout.strip()).resolve())


def resolve_commit(repo: Repository, ref: str, option: str) -> str:
    """The full commit id ``ref`` names; an InputError naming ``option`` and ``ref`` if none."""
    if not ref or ref.startswith("-"):
        raise InputError(f"{option} {ref!r} is not a git ref")
    done = repo.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if done.returncode != 0:
        raise InputError(
            f"{option} {ref!r} does not name a commit in {repo.root}; in CI, fetch the "
            "history (actions/checkout with fetch-depth: 0) or pass a commit id"
        )
    return done.stdout.strip()


def default_base(repo: Repository, head: str) -> tuple[str, str]:
    """The merge base of ``head`` and the pull request's target, and how it was found.

    The target is ``origin/$GITHUB_BASE_REF`` when GitHub Actions sets it, else
    ``origin/main``, else ``main``: the first that resolves.
    """
    targets = []
    if os.environ.get("GITHUB_BASE_REF"):
        targets.append(f"origin/{os.environ['GITHUB_BASE_REF']}")
    targets += ["origin/main", "main"]
    for target in targets:
        done = repo.git("rev-parse", "--verify", "--quiet", f"{target}^{{commit}}", check=False)
        if done.returncode != 0:
            continue
        base = repo.git("merge-base", head, done.stdout.strip(), check=False)
        if base.returncode == 0 and base.stdout.strip():
            return base.stdout.strip(), f"merge base of HEAD and {target}"
    raise InputError(
        f"no --base given and none of {', '.join(targets)} resolves to a commit sharing "
        "history with the head; pass --base REF (in CI, check out with fetch-depth: 0)"
    )


def bench_source(
    repo: Repository, file: Path, commit: str, cwd: Path | None = None
) -> tuple[str, str, str]:
    """The benchmark file's path in the repository, its text at ``commit``, and where
    the text came from (``commit`` or the working tree, when the file is not committed).
    A relative ``file`` is relative to ``cwd`` (default: the current directory).
    """
    path = file if file.is_absolute() else (cwd or Path.cwd()) / file
    path = Path(os.path.normpath(path))
    resolved = path.resolve() if path.exists() else path
    try:
        relative = resolved.relative_to(repo.root).as_posix()
    except ValueError:
        raise InputError(
            f"benchmark file {str(file)!r} is outside the repository {repo.root}"
        ) from None
    if not relative.endswith(".py"):
        raise InputError(f"benchmark file {str(file)!r} is not a Python file (.py)")
    shown = repo.git("show", f"{commit}:{relative}", check=False)
    if shown.returncode == 0:
        return relative, shown.stdout, "commit"
    if resolved.is_file():
        return relative, resolved.read_text(encoding="utf-8"), "working tree"
    raise InputError(
        f"benchmark file {str(file)!r} does not exist (neither in commit {commit[:12]} "
        "nor in the working tree)"
    )


def dependency_changes(repo: Repository, base: str, head: str) -> list[str]:
    """The dependency files (:data:`DEPENDENCY_FILES`, ``requirements*.txt``) that
    differ between ``base`` and ``head``."""
    if base == head:
        return []
    names = repo.git("diff", "--name-only", base, head).stdout.split()
    return sorted(
        name
        for name in names
        if Path(name).name in DEPENDENCY_FILES
        or (Path(name).name.startswith("requirements") and name.endswith(".txt"))
    )


def _remove(repo: Repository, tree: Path) -> None:
    repo.git("worktree", "remove", "--force", str(tree), check=False)
    shutil.rmtree(tree, ignore_errors=True)


@contextlib.contextmanager
def worktrees(repo: Repository, commits: Sequence[tuple[str, str]]) -> Iterator[dict[str, Path]]:
    """Check out each ``(name, commit)`` detached in a temporary directory; yield
    ``{name: worktree}``; remove them all and prune afterwards, even on an error,
    Ctrl-C or ``SystemExit``."""
    holder = Path(tempfile.mkdtemp(prefix="assay-ci-"))
    made: dict[str, Path] = {}
    try:
        for name, commit in commits:
            tree = holder / name
            done = repo.git("worktree", "add", "--detach", str(tree), commit, check=False)
            if done.returncode != 0:
                raise InputError(
                    f"git worktree add of {commit[:12]} failed: {done.stderr.strip()[-300:]}"
                )
            made[name] = tree
        yield made
    finally:
        for tree in made.values():
            _remove(repo, tree)
        shutil.rmtree(holder, ignore_errors=True)
        repo.git("worktree", "prune", check=False)
