"""The research record through its commands: paper, claim, predict, postmortem, repro,
search and radar export/import, on a real SQLite workspace.

The commands are registered on an app of the test's own, whose root group does what
``assay.cli.app.main`` does: an ``AssayError`` becomes one red line and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from assay.cli import (
    claim,
    output,
    paper,
    postmortem,
    predict,
    radar,
    radar_io,
    repro,
    search,
    technique,
    workspace,
)
from assay.errors import AssayError
from assay.workspace import Workspace
from support import new_team, table_digest

DATA = Path(__file__).parents[2] / "unit" / "formats" / "data"
MODULES = (workspace, technique, radar, paper, claim, predict, postmortem, repro, search, radar_io)


class _Main(TyperGroup):
    """Errors as ``assay.cli.main`` shows them: assay's and the parser's, one line, exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            code = super().main(*args, **{**kwargs, "standalone_mode": False})
        except AssayError as exc:
            output.error(str(exc))
            sys.exit(2)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                output.err_console.print(ctx.get_help(), markup=False)
            else:
                output.error(" ".join(exc.format_message().split()))
            sys.exit(int(getattr(exc, "exit_code", 2)))
        sys.exit(code if isinstance(code, int) else 0)


def make_app() -> typer.Typer:
    app = typer.Typer(cls=_Main, no_args_is_help=True, add_completion=False)
    for module in MODULES:
        module.register(app)
    return app


APP = make_app()
Run = Callable[..., Result]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch)


@pytest.fixture
def cli(root: Path) -> Run:
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        env = {"ASSAY_USER": "tester", "COLUMNS": "120"}
        return runner.invoke(APP, [str(a) for a in args], env=env)

    return run


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def data(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def refused(result: Result, *fragments: str) -> str:
    """A refusal: exit code 2 and one line on stderr holding every fragment."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


digest = table_digest
# A resolve-by date may not be in the past, so new predictions in these tests look ahead.
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


# -- the command tree ----------------------------------------------------------------------


def test_every_research_command_has_help_and_hyphenated_names() -> None:
    import re

    command = typer.main.get_command(APP)
    groups = ("paper", "claim", "predict", "postmortem", "repro")
    assert isinstance(command, TyperGroup)
    found = []
    for name in (*groups, "search"):
        sub = command.commands[name]
        found.append(sub)
        if isinstance(sub, TyperGroup):
            found += list(sub.commands.values())
    radar_group = command.commands["radar"]
    assert isinstance(radar_group, TyperGroup)
    found += [radar_group.commands["export"], radar_group.commands["import"]]
    for cmd in found:
        assert cmd.help, cmd.name
        assert cmd.name and re.fullmatch(r"[a-z]+(-[a-z]+)*", cmd.name), cmd.name
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert re.fullmatch(r"--[a-z0-9]+(-[a-z0-9]+)*", opt), (cmd.name, opt)
    assert len(found) >= 30


# -- papers ----------------------------------------------------------------------------------


def test_paper_add_list_show(cli: Run) -> None:
    added = data(cli("paper", "add", "--bibtex", DATA / "refs.bib", "--json"))
    # four entries: the arXiv export of FlashAttention merges into the first (issue 13)
    assert (added["records"], added["new"], added["merged"], added["skipped"]) == (4, 3, 1, 0)
    again = data(cli("paper", "add", "--bibtex", DATA / "refs.bib", "--key", "noyear", "--json"))
    assert again["papers"][0]["merged_by"] == "title:attentionsinksstreamingnotes"
    atom = ok(cli("paper", "add", "--atom", DATA / "arxiv_2205.14135.xml"))
    assert "merged by doi:10.48550/arxiv.2205.14135" in atom.stdout
    fields = data(
        cli("paper", "add", "--title", "Linformer: Self-Attention with Linear Complexity",
            "--authors", "Sinong Wang and Belinda Z. Li", "--year", "2020",
            "--arxiv-id", "2006.04768", "--code-url", "https://github.com/x/linformer", "--json")
    )  # fmt: skip
    assert fields["papers"][0]["key"] == "2006.04768"
    listed = data(cli("paper", "list", "--json"))["papers"]
    assert len(listed) == 4
    shown = data(cli("paper", "show", "linformer", "--json"))
    assert [a["family"] for a in shown["authors"]] == ["Wang", "Li"]
    assert shown["code_url"] == "https://github.com/x/linformer"
    flash = data(cli("paper", "show", "10.48550/arXiv.2205.14135", "--json"))
    assert flash["raw_title"].startswith("Flash{A}ttention")
    assert flash["reading"]["status"] == "unread"
    assert "FlashAttention: Fast" in ok(cli("paper", "show", "dao2022")).stdout
    assert "Linformer" in ok(cli("paper", "list")).stdout


def test_a_malformed_bibtex_file_exits_2_naming_the_line_and_imports_nothing(
    cli: Run, root: Path
) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib", "--key", "noyear"))
    before = digest(root)
    bad = write(
        root / "bad.bib", "@article{a, title={A}}\n\n@article{b,\n  title = {B}\n  year = 2020\n}\n"
    )
    refused(cli("paper", "add", "--bibtex", bad), "bad.bib, line 5", "expected ',' or '}'")
    refused(cli("paper", "add", "--bibtex", root / "missing.bib"), "missing.bib: no such file")
    refused(cli("paper", "add", "--bibtex", DATA / "refs.bib", "--key", "dao2O22"), "no entry")
    refused(cli("paper", "add"), "exactly one source")
    refused(cli("paper", "add", "--csl", bad, "--atom", bad), "exactly one source")
    refused(cli("paper", "add", "--year", "2020"), "exactly one source")
    refused(cli("paper", "add", "--title", "T", "--doi", "not-a-doi"), "is not a DOI")
    assert digest(root) == before


@pytest.mark.parametrize("year", ["{twenty}", "{abc}", "{-5}", "{99999999999999999999}"])
def test_a_bibtex_year_that_is_no_year_exits_2_and_imports_nothing(
    cli: Run, root: Path, year: str
) -> None:
    before = digest(root)
    bad = write(
        root / "years.bib",
        f"@article{{good, title={{Good}}, year=2020}}\n\n@article{{bad, title={{Bad}},\n"
        f"  year = {year}}}\n",
    )
    refused(cli("paper", "add", "--bibtex", bad), "years.bib, line 3: entry 'bad': year",
            "expected a four-digit year")  # fmt: skip
    assert digest(root) == before
    for spelling in ("2022", "{2022}", '"2022"'):
        good = write(root / "good.bib", f"@misc{{k, title={{Kept}}, year = {spelling}}}\n")
        ok(cli("paper", "add", "--bibtex", good))
        assert data(cli("paper", "show", "k", "--json"))["year"] == 2022


def test_an_empty_bibtex_file_and_a_key_used_twice_exit_2(cli: Run, root: Path) -> None:
    before = digest(root)
    for name, body in (("empty.bib", ""), ("notes.bib", "just some notes\n")):
        empty = write(root / name, body)
        expected = (f"{name}: no BibTeX entries found", "expected entries such as @article{")
        refused(cli("paper", "add", "--bibtex", empty), *expected)
    assert digest(root) == before
    # a key used twice for different entries keeps both and says so (issue 13)
    dup = write(root / "dup.bib", "@article{dup, title={A}}\n\n@article{dup, title={B}}\n")
    kept = ok(cli("paper", "add", "--bibtex", dup))
    assert "dup.bib, line 3: citation key 'dup' is used again (first at line 1)" in kept.stderr
    assert [p["key"] for p in data(cli("paper", "list", "--json"))["papers"]] == ["dup", "dup-2"]


def test_paper_add_arxiv_fetches_or_says_the_network_is_unavailable(
    cli: Run, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    before = digest(root)
    refused(cli("paper", "add", "--arxiv", "2205.14135"), "the network is unavailable", "Atom")
    assert digest(root) == before

    class Answer:
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self) -> bytes:
            return (DATA / "arxiv_2205.14135.xml").read_bytes()

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: Answer())
    added = data(cli("paper", "add", "--arxiv", "arXiv:2205.14135v2", "--json"))
    assert added["papers"][0]["key"] == "2205.14135"


def test_paper_show_explains_ambiguity_and_absence(cli: Run) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib"))
    line = refused(cli("paper", "show", "attention"), "ambiguous: 3 papers match")
    assert "dao2022flashattention" in line
    assert "noyear" in line
    refused(cli("paper", "show", "nothing like it"), "no paper matches", "assay paper list")


def test_reading_passes_from_options_and_from_a_notes_file(cli: Run, root: Path) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib"))
    ok(cli("technique", "add", "FlashAttention", "--area", "inference"))
    ok(cli("paper", "link", "dao2022", "flashattention"))
    before = digest(root)
    refused(cli("paper", "read", "dao2022", "--pass", "1", "--claim", "x"), "--decision")
    refused(cli("paper", "read", "dao2022", "--pass", "2", "--technique", "t", "--decision",
                "continue", "--reason", "r"), "pass 2 needs pass 1 first")  # fmt: skip
    refused(cli("paper", "read", "dao2022", "--pass", "1", "--technique", "t", "--decision",
                "continue", "--reason", "r"), "pass 1 has no question 'technique'")  # fmt: skip
    refused(cli("paper", "read", "dao2022", "--pass", "1", "--claim", "x", "--decision",
                "maybe", "--reason", "r"), "'maybe' is not one of 'continue', 'stop'")  # fmt: skip
    bad = write(
        root / "bad.toml", '[pass1]\nclaim = "x"\nwho = "me"\ndecision = "stop"\nreason = "r"\n'
    )
    refused(cli("paper", "read", "dao2022", "--from", bad), "bad.toml: pass1.who: unknown key")
    broken = write(root / "broken.toml", "[pass1\nclaim = 1\n")
    refused(cli("paper", "read", "dao2022", "--from", broken), "broken.toml:", "line 1")
    assert digest(root) == before
    stopped = ok(cli("paper", "read", "noyear", "--pass", "1", "--relevance", "not ours",
                     "--decision", "stop", "--reason", "off topic"))  # fmt: skip
    assert "good outcome" in stopped.stdout
    notes = write(
        root / "notes.toml",
        '[pass1]\nclaim = "2-4x faster exact attention"\ndecision = "continue"\nreason = "ours"\n'
        'on = 2026-02-01\n\n[pass2]\ntechnique = "tiling"\ndecision = "continue"\nreason = "go"\n'
        '\n[pass3]\nablations = "block size"\ndecision = "continue"\nreason = "prototype"\n'
        '\n[note]\nrelevance = 5\nsummary = "IO-aware exact attention."\n'
        'key_insight = "memory traffic"\n',
    )
    shown = data(cli("paper", "read", "dao2022", "--from", notes, "--json"))
    assert [p["pass"] for p in shown["passes"]] == [1, 2, 3]
    assert shown["passes"][0]["on"] == "2026-02-01"
    assert shown["reading"]["status"] == "complete"
    assert shown["note"]["relevance"] == 5
    assert shown["techniques"] == ["FlashAttention"]
    again = data(cli("paper", "read", "dao2022", "--pass", "2", "--from", notes, "--json"))
    assert [p["pass"] for p in again["passes"]] == [1, 2]  # a reread drops pass 3


def test_note_flags_checklist_and_viability(cli: Run, root: Path) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib"))
    before = digest(root)
    refused(cli("paper", "note", "dao2022", "--summary", "x"), "needs --relevance")
    refused(cli("paper", "flag", "dao2022", "weak", "--severity", "low", "--evidence", "T1"),
            "'weak' is not one of 'weak-baselines'")  # fmt: skip
    refused(cli("paper", "flag", "dao2022", "toy-datasets", "--severity", "huge",
                "--evidence", "T1"), "'--severity'", "'huge' is not one of")  # fmt: skip
    refused(cli("paper", "viability", "dao2022", "--efficiency", "5"), "missing integration")
    refused(cli("paper", "viability", "dao2022", "--note", "speed=fast"), "not a dimension")
    assert digest(root) == before
    ok(cli("paper", "note", "dao2022", "--relevance", "4", "--summary", "Tiled attention.",
           "--on", "2026-01-10"))  # fmt: skip
    ok(cli("paper", "flag", "dao2022", "weak_baselines", "--severity", "medium",
           "--evidence", "Table 1: eager PyTorch only", "--evidence", "Fig 3"))  # fmt: skip
    ok(cli("paper", "checklist", "dao2022", "--dependencies", "--training-code",
           "--no-pretrained-models"))  # fmt: skip
    ok(cli("paper", "viability", "dao2022", "--efficiency", "5", "--integration", "3",
           "--robustness", "4", "--maintainability", "1", "--note", "efficiency=needs sm80",
           "--red", "maintainability=one author", "--reversibility", "high",
           "--expected-gain", "high", "--maturity", "medium", "--criticality", "medium",
           "--shadow-mode"))  # fmt: skip
    shown = data(cli("paper", "show", "dao2022", "--json"))
    assert shown["note"]["date_read"] == "2026-01-10"
    (flag,) = shown["red_flags"]
    assert flag["evidence"] == [
        {"where": "Table 1", "what": "eager PyTorch only"},
        {"where": "Fig 3", "what": ""},
    ]
    assert shown["code_checklist"]["score"] == 2
    assert shown["viability"]["blockers"] == ["maintainability"]
    assert shown["viability"]["scores"]["computational-efficiency"]["notes"] == "needs sm80"
    assert shown["adoption"]["timing"] == "adopt early"
    text = ok(cli("paper", "show", "dao2022")).stdout
    for expected in ("weak-baselines", "2/5", "blockers: maintainability", "adopt early"):
        assert expected in text
    assert ok(cli("paper", "unflag", "dao2022", "weak-baselines"))
    refused(cli("paper", "unflag", "dao2022", "weak-baselines"), "carries no weak-baselines")


# -- claims ---------------------------------------------------------------------------------


def test_claims_gap_status_findings_and_the_automatic_flag(cli: Run, root: Path) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib"))
    made = data(cli("claim", "add", "dao2022", "--metric", "speed-up", "--value", "3",
                    "--setting", "GPT-2 1K", "--unit", "x", "--json"))  # fmt: skip
    assert made["status"] == "untested"
    before = digest(root)
    refused(cli("claim", "link", "1", "run-a", "--values", "2.0,abc"), "'abc' is not a number")
    refused(cli("claim", "link", "7", "run-a", "--values", "2,3"), "no claim 7")
    refused(cli("claim", "link", "x", "run-a", "--values", "2,3"), "not a claim id")
    refused(cli("claim", "link", "1", "run-a"), "not in this workspace", "--values")
    refused(cli("claim", "add", "dao2022", "--metric", "m", "--value", "1", "--direction",
                "up"), "'up' is not one of 'higher', 'lower', 'either'")  # fmt: skip
    assert digest(root) == before
    linked = data(cli("claim", "link", "#1", "run-a", "--values", "2.0, 2.2 2.4", "--json"))
    assert linked["status"] == "partially reproduced"
    assert linked["gap"] == pytest.approx(-0.8)
    assert linked["reproduced"]["low"] == pytest.approx(2.2 - 0.496827, abs=1e-6)
    assert linked["runs"] == [
        {"run": "run-a", "values": [2.0, 2.2, 2.4], "source": "given", "as": "value"}
    ]
    flags = data(cli("paper", "show", "dao2022", "--json"))["red_flags"]
    assert [(f["kind"], f["origin"], f["severity"]) for f in flags] == [
        ("reproducibility", "auto", "medium")
    ]
    ok(cli("claim", "finding", "c1", "layer-norm eps must be 1e-5"))
    shown = data(cli("claim", "show", "1", "--json"))
    assert shown["findings"][0]["text"] == "layer-norm eps must be 1e-5"
    assert [c["id"] for c in data(cli("claim", "list", "--json"))["claims"]] == [1]
    text = ok(cli("claim", "show", "1")).stdout
    assert "partially reproduced" in text
    assert "layer-norm eps" in text
    assert "partially reproduced" in ok(cli("claim", "list", "dao2022")).stdout


# -- predictions --------------------------------------------------------------------------------


def test_predict_add_resolve_score_and_plot(cli: Run, root: Path) -> None:
    made = data(cli("predict", "FlashAttention-3 serves by 2027-06", "--p", "0.7", "--resolve-by",
                    "2027-06-30", "--tags", "inference,serving", "--json"))  # fmt: skip
    assert (made["id"], made["tags"]) == ("1", ["inference", "serving"])
    soon, later = dt.date.today() + dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=2)
    after = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    ok(cli("predict", "add", "Old question", "--p", "0.8", "--resolve-by", soon.isoformat()))
    ok(cli("predict", "Another", "--p", "20%", "--resolve-by", later.isoformat(), "--by", "ben"))
    before = digest(root)
    refused(cli("predict", "Q", "--p", "0.7", "--resolve-by", "2020-01-01"),
            "resolve-by date 2020-01-01 is in the past", "expected today")  # fmt: skip
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    refused(cli("predict", "add", "Q", "--p", "0.7", "--resolve-by", yesterday), "in the past")
    refused(cli("predict", "Q", "--p", "1.2", "--resolve-by", "2027-01-01"),
            "--p '1.2' is out of range; expected a probability")  # fmt: skip
    refused(cli("predict", "Q", "--p", "0.5", "--resolve-by", "someday"),
            "--resolve-by 'someday' is not a date")  # fmt: skip
    refused(cli("predict", "Q", "--p", "0.5", "--by", "2027-01-01"), "--resolve-by 2027-01-01")
    refused(cli("predict", "Q", "--p", "0.5", "--resolve-by", "2027-01-01", "--criterion",
                "effect(latency.p99 <= -20%"), "invalid criterion", "column")  # fmt: skip
    refused(cli("predict", "resolve", "2", "perhaps"),
            "'perhaps' is not one of 'yes', 'no', 'ambiguous'")  # fmt: skip
    refused(cli("predict", "resolve", "9", "yes"), "no prediction 9")
    assert digest(root) == before
    ok(cli("predict", "resolve", "2", "yes"))
    ok(cli("predict", "resolve", "p3", "NO", "--by", "ben"))
    refused(cli("predict", "resolve", "2", "no"), "already resolved yes")
    listed = data(cli("predict", "list", "--json"))["predictions"]
    assert [(p["id"], p["resolution"] and p["resolution"]["outcome"]) for p in listed] == [
        ("1", None), ("2", "yes"), ("3", "no"),
    ]  # fmt: skip
    plot = root / "calibration.svg"
    scored = data(cli("predict", "score", "--as-of", after, "--json", "--plot", plot))
    assert scored["overall"]["count"] == 2
    assert scored["overall"]["brier"] == pytest.approx((0.04 + 0.04) / 2)
    assert scored["by_person"]["ben"]["count"] == 1
    assert plot.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<svg" in plot.read_text(encoding="utf-8")
    text = ok(cli("predict", "score", "--as-of", after)).stdout
    assert "Brier 0.040" in text
    assert "Calibration" in text
    only = data(cli("predict", "score", "--as-of", after, "--person", "ben", "--json"))
    assert list(only["by_person"]) == ["ben"]
    refused(cli("predict", "score", "--plot", root / "plot.txt"), "expected a .svg")


def test_fatebook_import_export_and_evidence_check(cli: Run, root: Path) -> None:
    imported = data(cli("predict", "import", DATA / "fatebook.csv", "--json"))
    assert imported["new"] >= 1
    assert "multiple-choice" in ok(cli("predict", "import", DATA / "fatebook.csv")).stderr
    out = root / "export.csv"
    ok(cli("predict", "export", "-o", out))
    assert out.read_text(encoding="utf-8").startswith(
        "Question title,Your forecast (as a number between 0% and 100%),"
    )
    before = digest(root)
    bad = write(root / "bad.csv", "Question title,Question resolve by\nQ,2026-01-01\n")
    refused(cli("predict", "import", bad), "bad.csv, line 1", "missing column")
    assert digest(root) == before
    ok(cli("predict", "p99 drops", "--p", "0.6", "--resolve-by", NEXT_YEAR, "--criterion",
           "effect(latency.p99) <= -20%"))  # fmt: skip
    evidence = write(root / "ev.json", json.dumps({"effects": {"latency.p99": {
        "relative": {"value": -0.3, "low": -0.35, "high": -0.25, "n": 10},
        "lower_is_better": True}}}))  # fmt: skip
    checked = data(cli("predict", "check", "--evidence", evidence, "--json"))["checks"]
    assert [(c["criterion_outcome"], c["resolved_now"]) for c in checked] == [("PASS", True)]
    refused(cli("predict", "check", "--evidence", write(root / "e.json", "{")), "e.json, line 1")


# -- post-mortems -------------------------------------------------------------------------------

PM = """
lessons = ["Benchmark against what production runs."]
wrong_predictions = [1]
missed_red_flags = ["weak-baselines"]

[[problems]]
category = "paper evaluation"
text = "compared against naive attention only"

[[why_chains]]
problem = "the speed-up vanished in production"
whys = ["the baseline was naive attention", "nobody asked what production runs"]
pattern = "benchmark-production gap"

[[actions]]
text = "add a baseline check to triage"
owner = "Priya"
due = 2025-12-01

[[actions]]
text = "re-test projection attention beyond 32k tokens"
owner = "Aiko"
due = 2099-02-01
question = "Does projection attention pay off beyond 32k tokens?"
technique = "Long-context projection attention"
area = "architecture"
"""


def test_postmortem_new_actions_done_and_patterns(cli: Run, root: Path) -> None:
    ok(cli("technique", "add", "Linformer", "--area", "architecture"))
    ok(cli("radar", "move", "Linformer", "SKIP", "--why", "vanished against FlashAttention"))
    ok(cli("predict", "Linformer ships", "--p", "0.7", "--resolve-by", NEXT_YEAR))
    before = digest(root)
    bad = write(root / "bad.toml", PM.replace("due = 2025-12-01", 'due = "soon"'))
    refused(cli("postmortem", "new", "Linformer", "--from", bad), "bad.toml: actions.0.due")
    wrong = write(root / "wrong.toml", PM.replace("[1]", "[5]"))
    refused(cli("postmortem", "new", "Linformer", "--from", wrong), "no prediction 5")
    kind = write(root / "kind.toml", PM.replace('"paper evaluation"', '"papers"'))
    refused(cli("postmortem", "new", "Linformer", "--from", kind), "problems.0.category")
    refused(cli("postmortem", "new", "X", "--action", "do it"), "--action needs --owner")
    refused(cli("postmortem", "new", "X", "--problem", "nonsense"), "expected CATEGORY: TEXT")
    assert digest(root) == before
    made = data(cli("postmortem", "new", "linformer", "--from", write(root / "pm.toml", PM),
                    "--lesson", "Quality at our lengths first.", "--json"))  # fmt: skip
    assert made["subject"] == "Linformer"
    assert [e["kind"] for e in made["timeline"]] == ["first seen", "outcome"]
    assert made["lessons"][-1] == "Quality at our lengths first."
    assert (
        data(cli("technique", "show", "Long-context projection attention", "--json"))["ring"]
        == "ASSESS"
    )
    actions = data(cli("postmortem", "actions", "--json"))["actions"]
    assert [(a["id"], a["overdue"], a["technique"]) for a in actions] == [
        (1, True, None),
        (2, False, "Long-context projection attention"),
    ]
    ok(cli("postmortem", "done", "1", "--on", "2026-01-02"))
    assert [a["id"] for a in data(cli("postmortem", "actions", "--json"))["actions"]] == [2]
    refused(cli("postmortem", "done", "1"), "already done")
    refused(cli("postmortem", "new", "proto-kv", "--outcome", "killed"),
            "no technique or prototype named 'proto-kv'")  # fmt: skip
    ok(cli("technique", "add", "proto-kv", "--area", "serving"))
    simple = data(cli("postmortem", "new", "proto-kv", "--first-seen", "2026-01-01",
                      "--outcome", "killed at the gate", "--outcome-on", "2026-03-01",
                      "--problem", "integration: the KV layout differs", "--missed-flag",
                      "toy-datasets", "--action", "write an integration checklist",
                      "--owner", "Sam", "--due", "2026-04-01", "--json"))  # fmt: skip
    assert simple["problems"] == [{"category": "integration", "text": "the KV layout differs"}]
    patterns = data(cli("postmortem", "patterns", "--json"))
    assert patterns["postmortems"] == 2
    assert patterns["patterns"]["benchmark-production gap"] == 1
    assert patterns["missed_red_flags"]["weak-baselines"] == 1
    assert "benchmark-production gap" in ok(cli("postmortem", "patterns")).stdout
    assert "root cause" in ok(cli("postmortem", "show", "1")).stdout
    assert "Linformer" in ok(cli("postmortem", "list")).stdout
    opened = ok(cli("postmortem", "actions")).stdout
    assert "Long-context" in opened


# -- repro diff -------------------------------------------------------------------------------

NUMPY_SIDES = """
import numpy as np

def reference(x):
    h = x * 2
    yield "double", h
    yield "sum", h.sum(axis=-1)

def candidate(x):
    h = x * 2
    yield "double", h
    yield "sum", h.sum(axis=-1) + 1e-3

def make_input():
    return np.arange(6.0).reshape(2, 3)
"""


def test_repro_diff_numpy(cli: Run, root: Path) -> None:
    import numpy as np

    sides = write(root / "sides.py", NUMPY_SIDES)
    np.save(root / "x.npy", np.ones((2, 3)))
    same = ok(cli("repro", "diff", f"{sides}:reference", f"{sides}:reference", "--input",
                  root / "x.npy"))  # fmt: skip
    assert "all 2 compared layers agree" in same.stdout
    broken = cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
                 f"{sides}:make_input", "--json")  # fmt: skip
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["first_break"] == "sum"
    assert [layer["breaks"] for layer in report["layers"]] == [False, True]
    loose = cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
                root / "x.npy", "--atol", "0.01")  # fmt: skip
    assert loose.exit_code == 0
    refused(cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate"), "needs --input")
    refused(cli("repro", "diff", f"{sides}:nope", f"{sides}:candidate", "--input",
                root / "x.npy"), "has no 'nope'")  # fmt: skip
    refused(cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
                root / "none.npy"), "no such file")  # fmt: skip


TORCH_SIDES = """
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, eps):
        super().__init__()
        torch.manual_seed(0)
        self.proj = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8, eps=eps)
        self.act = nn.GELU()
        self.out = nn.Linear(8, 4)

    def forward(self, x):
        return self.out(self.act(self.norm(self.proj(x))))


reference = Block(1e-5)
candidate = Block(1e-1)
"""


def test_repro_diff_torch_points_at_the_layer_whose_epsilon_differs(cli: Run, root: Path) -> None:
    pytest.importorskip("torch")
    import numpy as np

    sides = write(root / "models.py", TORCH_SIDES)
    np.save(root / "x.npy", np.random.default_rng(0).standard_normal((3, 8)))  # float64
    result = cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
                 root / "x.npy", "--json")  # fmt: skip
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["first_break"] == "norm"
    assert [layer["name"] for layer in report["layers"]] == ["proj", "norm", "act", "out"]
    assert report["layers"][0]["max_abs_error"] == 0.0
    text = cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
               root / "x.npy").stdout  # fmt: skip
    assert "← first break" in text
    refused(cli("repro", "diff", f"{sides}:reference", f"{sides}:candidate", "--input",
                root / "x.npy", "--module", "nope"), "no module named 'nope'")  # fmt: skip


# -- radar interchange and search ----------------------------------------------------------------


def test_radar_csv_export_then_import_into_a_fresh_workspace_gives_the_same_radar(
    cli: Run, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli("technique", "add", "FlashAttention", "--area", "inference", "--summary", "IO-aware"))
    ok(cli("radar", "move", "FlashAttention", "HOLD", "--why", "wait for sm90"))
    ok(cli("technique", "add", "Linformer", "--area", "architecture", "--summary", "projection"))
    ok(cli("radar", "move", "Linformer", "SKIP", "--why", "vanished"))
    csv_file = root / "radar.csv"
    ok(cli("radar", "export", "-o", csv_file))
    assert (
        csv_file.read_text(encoding="utf-8").splitlines()[0]
        == "name,ring,quadrant,isNew,description"
    )
    ok(cli("radar", "export", "-o", root / "radar.json"))
    refused(cli("radar", "export", "-o", root / "radar.txt"), "cannot tell the format")
    mine = [(t["name"], t["area"], t["ring"], t["summary"])
            for t in data(cli("radar", "--json"))["techniques"]]  # fmt: skip
    fresh = root.parent / "fresh"
    Workspace.init(fresh, user="importer").close()
    monkeypatch.chdir(fresh)
    ok(cli("radar", "import", csv_file))
    theirs = [(t["name"], t["area"], t["ring"], t["summary"])
              for t in data(cli("radar", "--json"))["techniques"]]  # fmt: skip
    assert theirs == mine
    before = digest(fresh)
    refused(cli("radar", "import", csv_file), "already on the radar", "nothing imported")
    refused(cli("radar", "import", root / "radar.json", "--format", "opml"), "not one of")
    assert digest(fresh) == before


def test_search_across_the_record(cli: Run) -> None:
    ok(cli("paper", "add", "--bibtex", DATA / "refs.bib"))
    ok(cli("technique", "add", "Linformer", "--area", "architecture"))
    ok(cli("radar", "move", "Linformer", "HOLD", "--why", "Quality dropped on long-context QA"))
    ok(cli("predict", "Long-context QA holds", "--p", "0.4", "--resolve-by", NEXT_YEAR))
    found = data(cli("search", "LONG-CONTEXT qa", "--json"))
    assert [h["kind"] for h in found["hits"]] == ["prediction", "ring move"]
    assert "Quality dropped" in ok(cli("search", "quality dropped")).stdout
    assert "Nothing in the record" in ok(cli("search", "zebra")).stdout
    refused(cli("search", "x"), "too short")


# -- the demo -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_gains_the_research_record(tmp_path: Path) -> None:
    from assay import demo
    from assay.pipeline.claims import ReproStatus

    ws, ctx = demo.build_demo(tmp_path / "demo", today=dt.date(2026, 11, 26), quick=True)
    with ws:
        r = ws
        assert any(line.startswith("research record: 4 papers") for line in ctx.log)
        flash = r.papers.get("dao2022flashattention")
        assert flash.status[0] == "complete"
        assert flash.techniques == ("FlashAttention",)
        statuses = {c.claim.metric: c.assessment.status for c in flash.claims}
        assert statuses == {
            "memory saving": ReproStatus.REPRODUCED,  # by the demo's own benchmark run
            "speed-up": ReproStatus.PARTIALLY,
            "end-to-end speed-up": ReproStatus.REPRODUCED,
        }
        memory = next(c for c in flash.claims if c.claim.metric == "memory saving")
        assert memory.runs[0].run == ctx.runs["attention"]
        assert [f.origin for f in flash.flags].count("auto") == 1
        assert r.papers.get("kitaev2020reformer").status[0] == "stopped"
        report = r.predictions.score(ctx.today)
        assert report.overall.count == 14
        assert sum(b.count for b in report.overall.calibration) == 14
        assert len(report.overdue) == 1
        (pm,) = r.postmortems.list()
        assert pm.subject == "Linformer-style efficient attention"
        assert pm.timeline[-1].kind.value == "outcome"
        assert any(a.overdue(ctx.today) for a in r.postmortems.actions(ctx.today))
        assert ws.radar.get("Projection attention beyond 32k tokens").ring.value == "ASSESS"
        techniques = len(ws.radar.list())
        assert (
            r.radar.export("byor-csv").count("\n") == 1 + techniques
        )  # header + one per technique
