"""How long a BibTeX import takes, and how it grows with the file (issue 13).

Target: ``assay paper add --bibtex`` of a 10,000-entry file in at most 10 s here, and
linear growth: the time per entry at 10,000 entries at most 2x that at 1,000 (the
old import grew with the square of the file: 0.8 / 2.8 / 10.4 / 43.7 s for 200 / 400
/ 800 / 1,600 entries). The reference, measured in the same run, is the parse alone
(reading the file into records, :func:`assay.formats.bibtex.read_bibtex`), so the
figures say how much the store adds on top of the parser.

The files are generated in the shape of real bibliographies (the IRIDIA repository's
style): ``@string`` macros for authors and venues joined with ``#``, chapters that
``crossref`` their book, LaTeX accents and macros in titles, DOIs, and titles that
repeat across years (different works, kept apart). The import is the real command
line, a fresh subprocess on a fresh SQLite workspace, timed end to end.

Run: ``python benchmarks/bench_formats_bibtex.py [--quick]``; writes
``benchmarks/results/formats_bibtex.json`` and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
SIZES = (1_000, 2_000, 5_000, 10_000)
TARGET_SECONDS = 10.0
TARGET_GROWTH = 2.0
ASSAY = Path(sys.executable).with_name("assay")


def make_bib(n: int) -> str:
    """A bibliography of ``n`` entries: one book per 20, the rest chapters of it."""
    lines = [
        '@string{and = " and "}',
        '@string{Dorigo = "Marco Dorigo"}',
        '@string{Stuetzle = "Thomas St{\\"u}tzle"}',
        '@string{lncs = "Lecture Notes in Computer Science"}',
        '@preamble{"\\providecommand{\\MaxMinAntSystem}{MMAS}"}',
        "% generated for benchmarks/bench_formats_bibtex.py",
    ]
    for i in range(n):
        if i % 20 == 0:
            book = f"Book{i}"
            lines.append(
                f"@Book{{{book},\n  editor = Dorigo #and# Stuetzle,\n"
                f"  title = {{Proceedings of the {i // 20}th Workshop on Ant Algorithms}},\n"
                f"  booktitle = {{Proceedings of the {i // 20}th Workshop}},\n"
                f"  publisher = {{Springer}}, series = lncs, year = {1990 + i % 35},\n"
                f"  doi = {{10.1007/book.{i}}}\n}}"
            )
            continue
        title = (
            "Ant Colony Optimization"
            if i % 97 == 0
            else f"On the explorative behavior of {{\\MaxMinAntSystem}}: De\\-com\\-po\\-sition {i}"
        )
        lines.append(
            f"@InCollection{{Key{i}:{i % 7},\n"
            f'  author = {{Author{i}, A. and M{{\\"u}}ller, J{{\\o}}rg}} #and# Dorigo,\n'
            f"  title = {{{title}}},\n  pages = {{{i}--{i + 10}}},\n"
            f'  crossref = "{book}",\n  doi = {{10.1000/bench.{i}}}\n}}'
        )
    return "\n\n".join(lines) + "\n"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def time_parse(path: Path, repeats: int) -> float:
    """The median time of reading the file into records, in this process."""
    from assay.formats import bibtex

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        file = bibtex.read_bibtex(path)
        times.append(time.perf_counter() - start)
        assert not file.problems, file.problems[:3]
    return _median(times)


def time_import(path: Path, n: int) -> tuple[float, dict[str, Any]]:
    """One import through the real command line into a fresh workspace: seconds, summary."""
    work = Path(tempfile.mkdtemp(prefix="assay-bench-bib-"))
    try:
        env = {k: v for k, v in os.environ.items() if k != "ASSAY_DATABASE_URL"}
        env["ASSAY_USER"] = "bench"
        subprocess.run([str(ASSAY), "init", str(work / "ws")], check=True, env=env,
                       capture_output=True)  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(
            [str(ASSAY), "paper", "add", "--bibtex", str(path), "--json"],
            cwd=work / "ws", env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        summary = json.loads(done.stdout)
        counts = {k: summary[k] for k in ("records", "new", "merged", "skipped")}
        assert counts["records"] == n == counts["new"] + counts["merged"] + counts["skipped"]
        return seconds, counts
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 2k entries only")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    rows = []
    with tempfile.TemporaryDirectory(prefix="assay-bench-bibfiles-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"refs-{n}.bib"
            path.write_text(make_bib(n), encoding="utf-8")
            parse = time_parse(path, repeats=3)
            seconds, counts = time_import(path, n)
            rows.append({"entries": n, "parse_s": round(parse, 3), "import_s": round(seconds, 3),
                         "import_per_1k_s": round(seconds / n * 1000, 3), **counts})  # fmt: skip
            print(f"{n:>6} entries: parse {parse:6.2f} s, import (CLI) {seconds:6.2f} s, "
                  f"{counts['new']} new, {counts['merged']} merged")  # fmt: skip
    growth = rows[-1]["import_per_1k_s"] / rows[0]["import_per_1k_s"]
    largest = rows[-1]
    missed = []
    if largest["entries"] == 10_000 and largest["import_s"] > TARGET_SECONDS:
        missed.append(f"10,000 entries took {largest['import_s']} s > {TARGET_SECONDS} s")
    if growth > TARGET_GROWTH:
        missed.append(f"time per entry grew {growth:.2f}x from the smallest to the largest file")
    result = {
        "benchmark": "formats_bibtex",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "targets": {"import_10k_s": TARGET_SECONDS, "growth_per_entry": TARGET_GROWTH},
        "sizes": rows,
        "growth_per_entry": round(growth, 2),
        "missed": missed,
    }
    RESULTS.mkdir(exist_ok=True)
    name = "formats_bibtex_quick.json" if args.quick else "formats_bibtex.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"growth of the time per entry, {rows[0]['entries']} to {largest['entries']}: "
          f"{growth:.2f}x")  # fmt: skip
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
