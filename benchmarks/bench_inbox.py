"""The reads of the reading inbox (issue 16) on a large inbox: every source's yield
(``assay inbox sources``), the week's cadence (``assay cadence``) and the untriaged
list (``assay inbox``), which read the links stored at triage and never replay history.

Setup: a SQLite workspace with 20,000 inbox items over 10 sources, half of them
triaged (spread over 20 weeks), 5,000 sent to pass 1 with their paper records,
reading passes (1,500 reached pass 2, 300 pass 3) and 1,000 links to 50 techniques;
filled with plain SQL.

Target: ``inbox sources`` answers in at most 0.25 s (median of 9 reads through the
service, as the command calls it); ``cadence`` and the untriaged list are reported.

Reference in the same run: one pass over every item row with ``sqlite3`` alone
(``SELECT id, status, paper_id, technique_id FROM inbox_items`` fetched into Python),
the least any read that looked at every item would cost; each ratio is what the
joins and the service add around it.

Run: ``python benchmarks/bench_inbox.py [--quick]`` (``--quick``: 4,000 items);
writes ``benchmarks/results/inbox.json`` and exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
ITEMS = 20_000
REPEATS = 9
TARGET_SECONDS = 0.25


def fill(db: Path, items: int) -> None:
    """The inbox, papers, passes and technique links, in plain SQL."""
    start = dt.datetime(2026, 7, 6, tzinfo=dt.UTC)
    stamp = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731 -- as the store writes
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO inbox_sources (id, name, key, kind, location, by, at) "
            "VALUES (?,?,?,?,?,?,?)",
            [(s, f"source {s}", f"source {s}", "rss", "f.rss", "b", stamp(start))
             for s in range(1, 11)],
        )  # fmt: skip
        techniques = [
            (t, f"T{t}", f"t{t}", "area", "ASSESS", stamp(start), stamp(start))
            for t in range(1, 51)
        ]
        conn.executemany(
            "INSERT INTO techniques (id, name, key, area, ring, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            techniques,
        )
        papers, passes, links, rows = [], [], [], []
        pass1 = items // 4
        for i in range(1, items + 1):
            triaged = i % 2 == 0
            at = start + dt.timedelta(minutes=10 * i)
            paper = i // 2 if triaged and i // 2 <= pass1 else None
            status = "new" if not triaged else ("pass1" if paper else "skipped")
            technique = (i % 50) + 1 if paper is None and i % 10 == 0 else None
            if paper is not None:
                papers.append((paper, f"p{paper}", f"Paper {paper}", f"Paper {paper}",
                               f"paper {paper}", "[]", "", "", "manual", "b",
                               stamp(at), stamp(at)))  # fmt: skip
                reached = 3 if paper % 16 == 0 else 2 if paper % 3 == 0 else 1
                for number in range(1, reached + 1):
                    day = (at + dt.timedelta(days=number)).date().isoformat()
                    passes.append((paper, number, '{"claim": "c"}', "continue", "r", "b", day))
                if paper % 5 == 0:
                    links.append((paper, (paper % 50) + 1, "b", stamp(at)))
            rows.append((i, (i % 10) + 1, f"Item {i}", "[]", None, None, None, None,
                         f"item {i}", "", None, "b", stamp(start), status, "",
                         None, f"r{i % 7}" if triaged else None,
                         stamp(at) if triaged else None, paper, technique))  # fmt: skip
        conn.executemany(
            "INSERT INTO papers (id, key, title, raw_title, title_key, authors, venue, abstract,"
            " source, by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            papers,
        )
        conn.executemany(
            "INSERT INTO reading_passes (paper_id, number, answers, decision, reason, by,"
            " read_on) VALUES (?,?,?,?,?,?,?)",
            passes,
        )
        conn.executemany(
            "INSERT INTO paper_techniques (paper_id, technique_id, by, at) VALUES (?,?,?,?)",
            links,
        )
        conn.executemany(
            "INSERT INTO inbox_items (id, source_id, title, authors, url, url_key, arxiv_id,"
            " doi, title_key, abstract, published, imported_by, imported_at, status, reason,"
            " assignee, triaged_by, triaged_at, paper_id, technique_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )


def timed(read: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        read()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 items instead of 20,000")
    args = parser.parse_args()
    items = 4_000 if args.quick else ITEMS
    from assay import Workspace
    from assay.pipeline.inbox import parse_week

    with tempfile.TemporaryDirectory() as folder:
        Workspace.init(Path(folder), user="bench").close()
        db = Path(folder) / ".assay" / "assay.db"
        fill(db, items)
        with Workspace.open(Path(folder), user="bench") as ws:
            found = ws.inbox.sources()
            week = parse_week("2026-W28")
            busy = ws.inbox.cadence(week)
            sources = timed(ws.inbox.sources)
            cadence = timed(lambda: ws.inbox.cadence(week))
            untriaged = timed(ws.inbox.list)
        with sqlite3.connect(db) as conn:
            query = "SELECT id, status, paper_id, technique_id FROM inbox_items"
            reference = timed(lambda: conn.execute(query).fetchall())
    result = {
        "items": items,
        "sources": len(found),
        "reached_pass2": sum(s.pass2 for s in found),
        "reached_pass3": sum(s.pass3 for s in found),
        "cadence_week": str(busy.week),
        "cadence_scans": sum(p.scans for p in busy.people),
        "sources_seconds_median": round(sources, 4),
        "cadence_seconds_median": round(cadence, 4),
        "untriaged_list_seconds_median": round(untriaged, 4),
        "reference_scan_seconds": round(reference, 4),
        "ratio_sources_to_scan": round(sources / reference, 2),
        "ratio_cadence_to_scan": round(cadence / reference, 2),
        "ratio_list_to_scan": round(untriaged / reference, 2),
        "target_seconds": TARGET_SECONDS,
        "met": sources <= TARGET_SECONDS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "inbox.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
