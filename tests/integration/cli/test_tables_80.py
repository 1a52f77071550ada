"""Every table the CLI prints fits an 80-column terminal, and none splits a number, a
date or an identifier across lines (issue 10, problem 11: "Pape r", "2026-12-0 / 6",
"baselin e").

One real workspace, filled through the command line with the names and lengths real
teams use; each listing command then runs in this process at 80 columns. A line
longer than 80 fails, and so does an atom of the record (a paper key, a run id, a
date, a prototype name) that the output shows only in pieces.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus
from assay.cli import output
from assay.store import runs as run_rows
from assay.workspace import Workspace
from support import run_main

DATA = Path(__file__).parents[2] / "unit" / "formats" / "data"
WIDTH = 80
TODAY = dt.date.today()
SOON = (TODAY + dt.timedelta(days=20)).isoformat()
LATER = (TODAY + dt.timedelta(days=300)).isoformat()
TECHNIQUE = "Tiled attention for long-context inference"
PROTOTYPE = "tiled-attention-p99-latency"


def _store_run(root: Path) -> str:
    """A finished run of two methods with realistic names, five paired trials each."""
    header = RunHeader(
        spec={
            "name": "attention_latency",
            "baseline": "eager_attention_baseline",
            "candidates": ["tiled_attention_kernel"],
            "metrics": [],
        },
        options={"plan_seed": 1, "confidence": 0.95},
        environment={},
        planned=10,
    )
    with Workspace.open(root, user="priya") as ws, ws.db.write() as session:
        at = dt.datetime.now(dt.UTC)
        run_id = run_rows.create_run(
            session, name="attention_latency", source=str(root / "attention_bench.py"),
            kind="bench", header=header, by="priya", at=at,
        )  # fmt: skip
        for method, t in (("eager_attention_baseline", 0.0125), ("tiled_attention_kernel", 0.0081)):
            for seed in range(5):
                value = t * (1 + 0.01 * seed)
                trial = TrialResult(
                    TrialKey(method, (("n", 4096),), seed),
                    TrialStatus.OK,
                    seed,
                    0,
                    values={"time": value, "peak_rss": 1.5 * 2**30},
                    samples={"time": value * np.array([0.9, 1.0, 1.1, 1.6])},
                )
                run_rows.add_trial(session, run_id, trial)
        run_rows.finish_run(session, run_id, {}, at)
    return str(run_id)


def _ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run_main(list(argv), capsys)
    assert code == 0, f"assay {' '.join(argv)}: {err}"
    return out


@pytest.fixture
def record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, str]:
    """A workspace with users, techniques, papers, claims, predictions, a post-mortem,
    a prototype with a run as evidence and a gate decision; returns the ids."""
    root = tmp_path / "team"
    Workspace.init(root, user="priya").close()
    monkeypatch.chdir(root)
    monkeypatch.delenv("ASSAY_DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSAY_USER", "priya")
    run = lambda *argv: _ok(capsys, *argv)  # noqa: E731
    run("user", "add", "priya", "--role", "admin")
    run("user", "add", "samuel.okonkwo", "--role", "approver")
    run("technique", "add", TECHNIQUE, "--area", "inference serving",
        "--summary", "compute attention in tiles that stay in on-chip memory")  # fmt: skip
    run("technique", "add", "Speculative decoding with a draft model",
        "--area", "inference serving")  # fmt: skip
    run("technique", "add", "Mixed-precision training", "--area", "training infrastructure")
    run("technique", "next", "Speculative decoding with a draft model",
        "benchmark against our draft model on the production traffic replay",
        "--due", SOON)  # fmt: skip
    run("paper", "add", "--bibtex", str(DATA / "refs.bib"))
    run("paper", "note", "dao2022flashattention", "--relevance", "4",
        "--summary", "Tiled exact attention.")  # fmt: skip
    run("paper", "flag", "dao2022flashattention", "weak_baselines", "--severity", "medium",
        "--evidence", "Table 1: eager PyTorch only")  # fmt: skip
    run("claim", "add", "dao2022flashattention", "--metric", "speed-up", "--value", "3",
        "--setting", "GPT-2 medium, sequence length 1024, A100", "--unit", "x")  # fmt: skip
    run("predict", "Tiled attention cuts our P99 latency by a fifth on the replay",
        "--p", "0.7", "--resolve-by", LATER)  # fmt: skip
    run("technique", "add", "Linformer-style projection attention", "--area", "architecture")
    run("postmortem", "new", "Linformer-style projection attention",
        "--first-seen", "2026-01-05", "--outcome", "dropped: quality fell at 32k tokens",
        "--action", "re-run the long-context evaluation with the new tokenizer",
        "--owner", "samuel.okonkwo", "--due", SOON)  # fmt: skip
    run("prototype", "new", TECHNIQUE, PROTOTYPE,
        "--hypothesis", "tiled attention is at least 20% faster at n=4096",
        "--success", "effect(time) <= -20%", "--kill", "not_worse(peak_rss, margin=10%)",
        "--timebox", "2w", "--portfolio", "core")  # fmt: skip
    run_id = _store_run(root)
    run("prototype", "evidence", PROTOTYPE, run_id)
    run("gate", "decide", PROTOTYPE, "yes", "--why", "a third faster at n=4096, memory equal",
        "--by", "samuel.okonkwo")  # fmt: skip
    run("inbox", "import", str(DATA.parents[2] / "data" / "inbox" / "arxiv-cs.LG.rss"))
    run("inbox", "triage", "1", "--pass1", "--assign", "samuel.okonkwo")
    run("inbox", "triage", "2", "--skip", "we do not sample from a draft model today")
    return {"run": run_id, "paper": "dao2022flashattention", "today": TODAY.isoformat()}


#: (command line, atoms its output must show whole); "{run}" etc. come from the record.
COMMANDS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("radar",), ("{today}", "priya")),
    (("technique", "list"), (SOON,)),
    (("technique", "show", TECHNIQUE), ("{today}",)),
    (("user", "list"), ("samuel.okonkwo", "{today}")),
    (("paper", "list"), ("{paper}", "muller2021linear", "2022")),
    (("paper", "show", "{paper}"), ("{paper}",)),
    (("claim", "list"), ("{paper}",)),
    (("predict", "list"), (LATER,)),
    (("postmortem", "list"), ()),
    (("postmortem", "actions"), (SOON, "samuel.okonkwo")),
    (("postmortem", "show", "1"), ("2026-01-05",)),
    (("prototype", "list"), (PROTOTYPE, "{today}")),
    (("prototype", "show", PROTOTYPE), (PROTOTYPE, "{run}")),
    (("gate", "review", PROTOTYPE), (PROTOTYPE,)),
    (("gate", "history"), (PROTOTYPE, "{today}", "samuel.okonkwo")),
    (("bench", "list"), ("{run}", "{today}")),
    (("bench", "show", "{run}"), ("eager_attention_baseline", "tiled_attention_kernel")),
    (("bench", "compare", "{run}", "--metric", "time"), ("tiled_attention_kernel",)),
    (("review", "agenda"), ("{today}",)),
    (("status",), ()),
    (("portfolio",), (PROTOTYPE,)),
    (("search", "attention"), ("{paper}",)),
    (("inbox", "--status", "all"), ("2309.06180", "samuel.okonkwo")),
    (("inbox", "sources"), ("arxiv-cs.LG",)),
    (("cadence",), ("samuel.okonkwo",)),
]


def _problems(out: str, atoms: list[str]) -> list[str]:
    found = [f"{len(line)} columns: {line!r}" for line in out.splitlines() if len(line) > WIDTH]
    flat = re.sub(r"\s+", " ", out)
    found += [f"{atom!r} is split or missing" for atom in atoms if atom not in flat]
    return found


def test_every_table_fits_80_columns_and_splits_no_atom(
    record: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "console", Console(width=WIDTH, soft_wrap=True))
    failures = {}
    for argv, atoms in COMMANDS:
        line = [a.format(**record) for a in argv]
        out = _ok(capsys, *line)
        assert out.strip(), f"assay {' '.join(line)} printed nothing"
        found = _problems(out, [a.format(**record) for a in atoms])
        if found:
            failures[" ".join(line)] = [*found, out]
    assert not failures, "\n\n".join(f"assay {k}:\n" + "\n".join(v) for k, v in failures.items())


def test_the_check_sees_a_wide_line_and_a_split_atom() -> None:
    """The check itself can fail: what it catches, injected."""
    assert _problems("x" * 81, []) != []
    assert _problems("│ 2026-12-0 │\n│ 6         │", ["2026-12-06"]) != []
    assert _problems("│ 2026-12-06 │", ["2026-12-06"]) == []
