"""How fast the command line answers, on a workspace the size of a busy team's.

Targets (issue 9), each a ratio to ``python -c "import numpy"`` measured in the same
run: ``assay --help`` at most 1.5x; ``radar --json``, ``status``, ``gate review`` and
a write (``technique next``) at most 3x, on a workspace of 10,000 techniques, 500
runs of 200 trials, 2,000 papers and 1,000 predictions. How each grows from a
1,000-technique workspace (with a tenth of the runs, papers and predictions) to the
10,000 one is reported beside it: it should be flat, never linear in the history.

What is measured: the wall time of each command as a fresh subprocess of the
virtual environment's real ``assay`` executable, the median of several runs after
one warm-up. Both workspaces are generated through the command line's bulk imports
(``radar import`` of a BYOR CSV, ``paper add --bibtex``, ``predict import`` of a
Fatebook CSV) and the Python API for runs (pyperf JSON files), with prototypes
judged by runs, YES gates and radar moves backed by them, so that staleness and gate
review have real work. They are cached under ``benchmarks/.cache/``, keyed by
:data:`CACHE_VERSION`, so a second run does not regenerate them (generating the 10k
workspace takes minutes: each imported run is analysed). A cached workspace made by
an older assay is upgraded by the first command that opens it, as a user's would be.

Run: ``python benchmarks/bench_cli.py [--quick]``; writes
``benchmarks/results/cli.json`` and exits 1 when a target is missed, naming it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

HERE = Path(__file__).parent
RESULTS = HERE / "results"
CACHE = HERE / ".cache"
# Bump when the generated workspace changes shape, to regenerate the cache.
CACHE_VERSION = 1
PROTOTYPES = 4  # each judged by RUNS_PER_PROTOTYPE runs, decided YES, moved to TRIAL
RUNS_PER_PROTOTYPE = 3
RUNS_PER_METHOD = 100  # pyperf worker runs per benchmark: 2 methods, 200 trials a run
USER = "bench"
AREAS = ("Techniques", "Tools", "Platforms", "Languages & Frameworks")


@dataclass(frozen=True)
class Size:
    """How much record a generated workspace holds."""

    name: str
    techniques: int
    runs: int
    papers: int
    predictions: int


SIZES = (Size("1k", 1_000, 50, 200, 100), Size("10k", 10_000, 500, 2_000, 1_000))
# Command -> (arguments, target ratio to the reference or None for "report only").
COMMANDS: dict[str, tuple[tuple[str, ...], float | None]] = {
    "help": (("--help",), 1.5),
    "version": (("--version",), None),
    "radar_json": (("radar", "--json"), 3.0),
    "status": (("status",), 3.0),
    "gate_review": (("gate", "review", "proto-0"), 3.0),
    "write_technique_next": (
        ("technique", "next", "technique-00007", "benchmark on our data", "--due", "DUE"),
        3.0,
    ),
}


def assay_executable() -> str:
    """The virtual environment's own ``assay`` script (not a shim on PATH)."""
    found = Path(sys.executable).resolve().parent / "assay"
    if not found.exists():
        found = Path(sys.prefix) / "bin" / "assay"
    if not found.exists():
        sys.exit(f"no assay executable beside {sys.executable}; run: pip install -e .")
    return str(found)


def _env() -> dict[str, str]:
    """The commands' environment: no ASSAY_ settings but the bench user, and bytecode
    cached as on a user's machine. With PYTHONDONTWRITEBYTECODE set (some shells and CI
    images set it) an editable install recompiles every assay module on every command,
    0.1-0.2 s that no installed copy pays; the warm-up round writes the cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"ASSAY_USER": USER, "COLUMNS": "120"})
    return env


def cli(cwd: Path, *args: str) -> str:
    """Run ``assay ARGS`` in ``cwd``; stop the benchmark with its stderr if it fails."""
    done = subprocess.run(
        [assay_executable(), *args], cwd=cwd, env=_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"assay {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


# -- generating the workspaces -------------------------------------------------------------


def write_inputs(size: Size, folder: Path, rng: random.Random) -> None:
    """The radar CSV, the BibTeX file and the Fatebook CSV to import."""
    rows = ["name,ring,quadrant,isNew,description"]
    for i in range(size.techniques):
        ring = "Hold" if i % 5 == 4 else "Assess"
        rows.append(f"technique-{i:05d},{ring},{AREAS[i % 4]},FALSE,generated technique {i}")
    (folder / "radar.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    entries = [
        f"@article{{paper{i},\n  title = {{A study of technique {i}}},\n"
        f"  author = {{Doe, Jane and Roe, Richard}},\n  year = {{{2015 + i % 10}}},\n"
        f"  journal = {{Journal of Generated Results}}\n}}\n"
        for i in range(size.papers)
    ]
    (folder / "papers.bib").write_text("\n".join(entries), encoding="utf-8")
    header = (
        "Question title,Forecast created by,Forecast (0-1),Forecast created at,"
        "Question created at,Question resolve by,Resolution,Resolved at,"
        "Question notes,Question tags"
    )
    lines = [header]
    for i in range(size.predictions):
        resolved = i % 2 == 0
        outcome, at = (rng.choice(("YES", "NO")), "2026-06-01 12:00:00") if resolved else ("", "")
        lines.append(
            f"Will technique {i} pay off?,{USER},{rng.randint(5, 95) / 100},"
            f"2026-01-02 10:00:00,2026-01-02 10:00:00,2027-12-31 00:00:00,{outcome},{at},,bench"
        )
    (folder / "predictions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_pyperf(path: Path, rng: random.Random, speedup: float) -> None:
    """A pyperf JSON file: ``baseline`` and ``fast``, each RUNS_PER_METHOD worker runs."""

    def runs(mean: float) -> list[dict[str, object]]:
        return [
            {"values": [rng.gauss(mean, mean * 0.02) for _ in range(5)], "metadata": {}}
            for _ in range(RUNS_PER_METHOD)
        ]

    data = {
        "version": "1.0",
        "metadata": {"unit": "second"},
        "benchmarks": [
            {"metadata": {"name": "baseline"}, "runs": runs(0.010)},
            {"metadata": {"name": "fast"}, "runs": runs(0.010 * speedup)},
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def import_runs(ws: Path, files: list[Path]) -> list[str]:
    """Record the pyperf files as runs through the Python API, in this one process."""
    from assay import Workspace

    with Workspace.open(ws, user=USER) as workspace:
        return [workspace.runs.import_file(path, baseline="baseline").run_id for path in files]


def register_prototypes(ws: Path) -> None:
    """Prototypes registered before their runs exist (pre-registration)."""
    criteria = ("--success", "effect(time) <= -10%", "--timebox", "60d", "--candidate", "fast")
    hypothesis = ("--hypothesis", "the fast variant is at least 10% faster")
    for i in range(PROTOTYPES):
        cli(ws, "prototype", "new", f"technique-{i:05d}", f"proto-{i}", *hypothesis, *criteria)


def decide_prototypes(ws: Path, run_ids: list[str]) -> None:
    """Link runs to each prototype, decide its gate YES and move its technique to TRIAL."""
    for i in range(PROTOTYPES):
        for run_id in run_ids[i * RUNS_PER_PROTOTYPE : (i + 1) * RUNS_PER_PROTOTYPE]:
            cli(ws, "prototype", "evidence", f"proto-{i}", run_id)
        cli(ws, "gate", "decide", f"proto-{i}", "yes", "--why", "30% faster on our data")
        cli(ws, "radar", "move", f"technique-{i:05d}", "trial", "--why", "gate said YES")


def step(size: Size, what: str, action: Callable[..., T], *args: Any) -> T:
    """Run one generation step, saying how long it took on stderr."""
    started = time.perf_counter()
    result = action(*args)
    print(f"  {size.name}: {what} {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return result


def generate(size: Size) -> Path:
    """The cached workspace of ``size``, generated first when missing."""
    root = CACHE / f"{size.name}-v{CACHE_VERSION}"
    if (root / "ready").exists():
        return root / "ws"
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "inputs").mkdir(parents=True)
    started = time.perf_counter()
    rng = random.Random(size.techniques)
    inputs, ws = partial / "inputs", partial / "ws"
    write_inputs(size, inputs, rng)
    cli(partial, "init", "ws")
    cli(ws, "user", "add", USER, "--role", "admin")
    step(size, "radar import", cli, ws, "radar", "import", str(inputs / "radar.csv"))
    step(size, "paper import", cli, ws, "paper", "add", "--bibtex", str(inputs / "papers.bib"))
    step(size, "predict import", cli, ws, "predict", "import", str(inputs / "predictions.csv"))
    step(size, "prototype new", register_prototypes, ws)
    files = []
    for i in range(size.runs):
        files.append(inputs / f"run-{i:04d}.json")
        write_pyperf(files[-1], rng, speedup=0.7 if i < PROTOTYPES * RUNS_PER_PROTOTYPE else 1.0)
    run_ids = step(size, "runs import", import_runs, ws, files)
    step(size, "evidence, gates, moves", decide_prototypes, ws, run_ids)
    for path in files:  # the runs are in the database now
        path.unlink()
    (partial / "ready").write_text(f"{time.perf_counter() - started:.1f} s\n", encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    return root / "ws"


# -- timing ----------------------------------------------------------------------------


def _wall(argv: list[str], cwd: Path) -> float:
    """Seconds of ``argv`` as a subprocess; stop the benchmark if it fails."""
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return wall


def interleaved(runs: dict[str, tuple[list[str], Path]], repeats: int) -> dict[str, float]:
    """Median seconds of each named ``(argv, cwd)``, after one warm-up round.

    The runs alternate, round by round (the reference among them), in an order that
    rotates every round: on a shared machine a burst of load then slows every
    command and the reference alike, instead of whichever happened to be timed in it.
    """
    names = list(runs)
    walls: dict[str, list[float]] = {name: [] for name in names}
    for index in range(repeats + 1):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            wall = _wall(*runs[name])
            if index:
                walls[name].append(wall)
    return {name: statistics.median(found) for name, found in walls.items()}


def time_commands(
    workspaces: dict[str, Path], repeats: int
) -> tuple[float, dict[str, dict[str, float]]]:
    """The reference's median and every command's of :data:`COMMANDS` in each
    workspace, all interleaved."""
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    runs: dict[str, tuple[list[str], Path]] = {
        "reference": ([sys.executable, "-c", "import numpy"], HERE)
    }
    for size, ws in workspaces.items():
        for name, (args, _) in COMMANDS.items():
            argv = [assay_executable(), *(due if a == "DUE" else a for a in args)]
            runs[f"{size}/{name}"] = (argv, ws)
    medians = interleaved(runs, repeats)
    timed = {size: {name: medians[f"{size}/{name}"] for name in COMMANDS} for size in workspaces}
    return medians["reference"], timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    workspaces = {size.name: generate(size) for size in SIZES}
    reference, timed = time_commands(workspaces, repeats)
    big, small = timed[SIZES[-1].name], timed[SIZES[0].name]
    commands, missed = {}, []
    for name, (argv, target) in COMMANDS.items():
        ratio = big[name] / reference
        met = None if target is None else ratio <= target
        if met is False:
            missed.append(f"{name}: {ratio:.2f}x the reference (target {target}x)")
        commands[name] = {
            "argv": ["assay", *argv],
            "median_s": {size: timed[size][name] for size in timed},
            "ratio_to_reference": ratio,
            "target_ratio": target,
            "met": met,
            "growth_1k_to_10k": big[name] / small[name],
        }
    out = {
        "name": "cli",
        "quick": args.quick,
        "repeats": repeats,
        "reference": {"argv": "python -c 'import numpy'", "median_s": reference},
        "workspaces": {
            s.name: s.__dict__ | {"path": str(workspaces[s.name].relative_to(HERE.parent))}
            for s in SIZES
        },
        "commands": commands,
        "met": not missed,
        "missed": missed,
        "environment": _environment(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli.json").write_text(json.dumps(out, indent=2) + "\n")
    for name, row in commands.items():
        print(
            f"{name:22} 1k {row['median_s']['1k']:7.3f} s  10k {row['median_s']['10k']:7.3f} s  "
            f"{row['ratio_to_reference']:6.2f}x ref  growth {row['growth_1k_to_10k']:5.2f}x  "
            f"{'' if row['met'] is None else ('met' if row['met'] else 'MISSED')}"
        )
    print(f"reference python -c 'import numpy': {reference:.3f} s")
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if missed else 0


def _environment() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "python": sys.version.split()[0],
        "collected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    sys.exit(main())
