"""``kill -9`` in the middle of writes leaves a consistent database."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from assay import Workspace

# Adds techniques and moves them as fast as it can until it is killed. It says
# "ready" after its first write, so that a slow start (imports on a loaded machine)
# cannot make the kill land before anything was written.
_WRITER = """
import sys
from pathlib import Path
from assay import Ring, Workspace
ws = Workspace.open(Path(sys.argv[1]), user="writer")
i = 0
while True:
    name = f"{sys.argv[2]}-{i}"
    ws.radar.add(name, area="load")
    ws.radar.move(name, Ring.HOLD, why="step")
    if i == 0:
        print("ready", flush=True)
    i += 1
"""


def test_kill_9_mid_write_leaves_no_partial_record(tmp_path: Path) -> None:
    Workspace.init(tmp_path).close()
    for attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), f"run{attempt}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.4 + 0.3 * attempt)  # land the kill at different points of the loop
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(tmp_path / ".assay" / "assay.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        techniques = con.execute("SELECT count(*) FROM techniques").fetchone()[0]
        assert techniques > 0
        # Every technique has its first placement, and its ring is the last move's ring.
        orphans = con.execute(
            "SELECT count(*) FROM techniques t WHERE NOT EXISTS "
            "(SELECT 1 FROM ring_moves m WHERE m.technique_id = t.id AND m.from_ring IS NULL)"
        ).fetchone()[0]
        assert orphans == 0
        mismatched = con.execute(
            "SELECT count(*) FROM techniques t JOIN ring_moves m ON m.technique_id = t.id "
            "WHERE m.id = (SELECT max(id) FROM ring_moves WHERE technique_id = t.id) "
            "AND m.to_ring != t.ring"
        ).fetchone()[0]
        assert mismatched == 0
    finally:
        con.close()
    # And the workspace still opens and reads, and its audit trail is whole: each
    # write's entries were committed with it or not at all.
    with Workspace.open(tmp_path) as ws:
        assert len(ws.radar.list()) == techniques
        verification = ws.audit.verify()
        assert verification.ok, verification.problems
