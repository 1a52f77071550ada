"""benchmarks/gpu_check.py without a device: a clear message, a JSON that says so, exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "gpu_check.py"


def test_without_a_cuda_device_the_check_says_skipped(tmp_path: Path) -> None:
    out = tmp_path / "gpu_check.json"
    # no device visible, even on a machine that has one
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "gpu_check: skipped, no CUDA device here" in done.stdout
    assert json.loads(out.read_text()) == {"skipped": "no CUDA device"}
