"""``assay ci`` as one library call: :func:`run_ci` returns a :class:`CiReport`.

In order: find the repository; resolve ``--head`` (default HEAD) and
``--base`` (default: the merge base with the pull request's target, see
:func:`assay.bench.ci_git.default_base`); read the benchmark file from head's
tree (``bench_from="base"``: from base's); check both commits out as
worktrees and write that one text into both, so the same file measures both
sides; collect each side's environment and compare the fingerprints
(hardware or Python differing: refused unless ``allow_mismatch``); run the
job (:func:`assay.bench.ci_run.run_job`); remove the worktrees. Bad input is
an :class:`~assay.errors.InputError` raised before any worktree exists, or
with the worktrees removed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.bench.ci import FORMAT, CiRow, FingerprintCheck, alerts, compare_fingerprints
from assay.bench.ci_git import (
    Repository,
    bench_source,
    default_base,
    dependency_changes,
    find_repository,
    resolve_commit,
    worktrees,
)
from assay.bench.ci_run import (
    BASE,
    HEAD,
    CiOptions,
    JobProgress,
    Side,
    run_job,
    side_environment,
    side_specs,
)
from assay.errors import InputError

__all__ = ["CiReport", "refuse_mismatch", "run_ci"]


@dataclass(frozen=True)
class CiReport:
    """What a CI job found: the commits, the file, the fingerprint check, the rows."""

    base: str
    head: str
    base_how: str
    bench: str
    bench_from: str
    options: CiOptions
    fingerprint: FingerprintCheck
    rows: list[CiRow]
    trials: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def alerts(self) -> list[CiRow]:
        """The rows that fail the job: confirmed regressions (and failed benchmarks)."""
        return alerts(self.rows)

    @property
    def exit_code(self) -> int:
        """1 when a row alerts, else 0."""
        return 1 if self.alerts else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (format :data:`assay.bench.ci.FORMAT`)."""
        opts = self.options
        return {
            "format": FORMAT,
            "base": {"commit": self.base, "how": self.base_how},
            "head": {"commit": self.head},
            "bench": {"path": self.bench, "from": self.bench_from},
            "options": {
                "trials": opts.trials,
                "rounds": opts.rounds,
                "cpu": opts.cpu,
                "margin": opts.margin,
                "confirm": opts.confirm,
                "confirm_trials": opts.confirm_blocks,
                "seed": opts.seed,
                "confidence": opts.confidence,
                "threads": opts.threads,
                "methods": list(opts.methods),
                "statistic": opts.statistic,
            },
            "fingerprint": self.fingerprint.to_dict(),
            "alerts": len(self.alerts),
            "exit_code": self.exit_code,
            "rows": [row.to_dict() for row in self.rows],
            "trials": dict(self.trials),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "environments": self.environments,
        }


def _import_path(tree: Path, src: str | None) -> Path:
    if src is None:
        return tree / "src" if (tree / "src").is_dir() else tree
    path = tree / src
    if not path.is_dir():
        raise InputError(f"--src {src!r} is not a directory in the checked-out commit")
    return path


def _sides(
    trees: dict[str, Path], commits: dict[str, str], bench: str, text: str, src: str | None
) -> dict[str, Side]:
    sides = {}
    for name, tree in trees.items():
        file = tree / bench
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        sides[name] = Side(name, commits[name], tree, _import_path(tree, src), file)
    return sides


def _commits(repo: Repository, base: str | None, head: str | None) -> tuple[str, str, str]:
    head_commit = resolve_commit(repo, head or "HEAD", "--head")
    if base is not None:
        return resolve_commit(repo, base, "--base"), head_commit, f"--base {base}"
    base_commit, how = default_base(repo, head_commit)
    return base_commit, head_commit, how


def _check_fingerprint(
    sides: dict[str, Side], deps: list[str], allow_mismatch: bool
) -> tuple[FingerprintCheck, dict[str, dict[str, Any]]]:
    with ThreadPoolExecutor(max_workers=len(sides)) as pool:
        envs = dict(zip(sides, pool.map(side_environment, sides.values()), strict=True))
    check = compare_fingerprints(envs[BASE], envs[HEAD], dependency_files=deps)
    refuse_mismatch(check, allow_mismatch)
    return check, envs


def refuse_mismatch(check: FingerprintCheck, allow_mismatch: bool) -> None:
    """An InputError when hardware or Python differ between the sides and that is not
    allowed; differing packages are only flagged."""
    if check.refused and not allow_mismatch:
        raise InputError(
            "base and head would be measured in different environments ("
            + "; ".join(check.refused)
            + "); their times cannot be compared. Pass --allow-mismatch to run anyway"
        )


def run_ci(
    bench_file: Path,
    *,
    base: str | None = None,
    head: str | None = None,
    options: CiOptions | None = None,
    src: str | None = None,
    bench_from: str = "head",
    allow_mismatch: bool = False,
    directory: Path | None = None,
    progress: Callable[[JobProgress], None] | None = None,
) -> CiReport:
    """Run a CI job comparing ``base`` and ``head``; see the module docstring."""
    options = options or CiOptions()
    if bench_from not in (BASE, HEAD):
        raise InputError(f"--bench-from {bench_from!r} must be base or head")
    directory = directory or Path.cwd()
    repo = find_repository(directory)
    base_commit, head_commit, how = _commits(repo, base, head)
    commits = {BASE: base_commit, HEAD: head_commit}
    relative, text, origin = bench_source(repo, bench_file, commits[bench_from], directory)
    source = bench_from if origin == "commit" else "working tree"
    deps = dependency_changes(repo, base_commit, head_commit)
    started = time.monotonic()
    with worktrees(repo, [(BASE, base_commit), (HEAD, head_commit)]) as trees:
        sides = _sides(trees, commits, relative, text, src)
        check, envs = _check_fingerprint(sides, deps, allow_mismatch)
        job = run_job(sides, side_specs(sides), options, progress)
    seconds = {**job.seconds, "total": time.monotonic() - started}
    return CiReport(
        base_commit, head_commit, how, relative, source, options, check, job.rows,
        job.trials, seconds, envs,
    )  # fmt: skip
