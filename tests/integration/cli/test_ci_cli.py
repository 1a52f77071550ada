"""``assay ci`` through the real command line on real git repositories made here.

Each repository holds a small package ``toy`` (in ``src/``) and a benchmark file
measuring it; commits change how much work ``toy.work`` does, so the effect
between two commits is known. Trial counts are small and the signal large (a
commit that triples the work), so the verdicts hold on a busy shared machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from support import run_assay

WORK = """
def work(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i * i
    return total
"""

BENCH = """
import assay
import toy

@assay.workload
def data(seed):
    return 4000

@assay.baseline
def work(n):
    return toy.work(n)

@assay.candidate
def other(n):
    return toy.work(n // 4)
"""

FAST = ["--trials", "5", "--confirm-trials", "5", "--method", "work"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit(repo: Path, message: str, factor: float | None = None, body: str = WORK) -> str:
    if factor is not None:
        (repo / "src" / "toy" / "__init__.py").write_text(f"FACTOR = {factor}\n{body}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit: ``toy.work`` at factor 1, and the benchmark file."""
    root = tmp_path / "project"
    (root / "src" / "toy").mkdir(parents=True)
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "bench_toy.py").write_text(textwrap.dedent(BENCH))
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "CI")
    commit(root, "c1", 1.0)
    return root


def worktrees(repo: Path) -> list[str]:
    return [
        line for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]  # fmt: skip


def scratch(repo: Path) -> Path:
    """The job's temporary folder (``TMPDIR``), one per test so that jobs of tests
    running in parallel never see each other's worktrees."""
    folder = repo.parent / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def leftovers(repo: Path) -> list[str]:
    """What a job left in its temporary folder: nothing, once it has ended."""
    return sorted(p.name for p in scratch(repo).iterdir())


def ci(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_assay(repo, "ci", *args, env={"GITHUB_BASE_REF": "", "TMPDIR": str(scratch(repo))})


def test_a_slower_head_is_a_confirmed_regression(repo: Path, tmp_path: Path) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    c2 = commit(repo, "c2: three times the work", 3.0)
    out_md, out_json = tmp_path / "comment.md", tmp_path / "ci.json"
    done = ci(
        repo, "--base", c1, "--head", c2, "benchmarks/bench_toy.py", *FAST,
        "--markdown", str(out_md), "--json-file", str(out_json),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    text = out_md.read_text()
    assert text.startswith("### assay ci: 1 confirmed regression")
    assert f"Base `{c1[:12]}` (--base {c1}) → head `{c2[:12]}`" in text
    assert "**regression (confirmed)**" in text and "can detect" in text
    data = json.loads(out_json.read_text())
    assert data["exit_code"] == 1 and data["alerts"] == 1
    (row,) = data["rows"]
    assert row["benchmark"] == "work" and row["status"] == "regression (confirmed)"
    assert row["first_pass"]["verdict"] == "worse" and row["confirmation"]["verdict"] == "worse"
    assert 0.5 < row["effect"] < 4.0  # three times the work: about +200%
    assert row["noise_floor"] is not None and row["noise_floor"] < row["effect"]
    assert data["trials"] == {"first_pass": 15, "confirmation": 10}
    assert data["fingerprint"]["refused"] == []
    assert done.stdout == ""  # the comment went to the file
    assert worktrees(repo) == [f"worktree {repo}"]
    assert leftovers(repo) == []


def test_identical_commits_do_not_alert(repo: Path) -> None:
    done = ci(repo, "--base", "HEAD", "--head", "HEAD", "benchmarks/bench_toy.py", *FAST)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### assay ci: no regression")
    table = [line for line in done.stdout.splitlines() if line.startswith("| `work`")]
    assert len(table) == 1 and table[0].endswith("| ~ |")
    assert "more to confirm" not in done.stdout
    assert "5 blocks of 10 rounds per arm on CPU " in done.stdout  # pinned by default


def test_a_faster_head_is_an_improvement(repo: Path) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    c2 = commit(repo, "c2: a third of the work", 0.33)
    done = ci(repo, "--base", c1, "--head", c2, "benchmarks/bench_toy.py", *FAST, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [r["status"] for r in data["rows"]] == ["improvement"]
    assert data["rows"][0]["confirmation"] is None


def test_the_default_base_is_the_merge_base_with_main(repo: Path) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "README.md").write_text("docs\n")
    head = commit(repo, "feature: readme")
    git(repo, "checkout", "-q", "main")
    commit(repo, "main moves on: slower", 3.0)
    git(repo, "checkout", "-q", "feature")
    done = ci(repo, "benchmarks/bench_toy.py", *FAST, "--json", "--no-confirm")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["base"] == {"commit": c1, "how": "merge base of HEAD and main"}
    assert data["head"]["commit"] == head


def test_a_metric_regression_uses_its_declared_direction(repo: Path) -> None:
    bench = BENCH + textwrap.dedent(
        """
        @assay.metric(higher_is_better=True, margin=0.01)
        def quality(output, data):
            return float(getattr(__import__("toy"), "QUALITY", 0.9))
        """
    )
    (repo / "benchmarks" / "bench_toy.py").write_text(textwrap.dedent(bench))
    c1 = commit(repo, "c1 with quality", 1.0, WORK + "QUALITY = 0.9\n")
    c2 = commit(repo, "c2: lower quality", 1.0, WORK + "QUALITY = 0.8\n")
    done = ci(repo, "--base", c1, "--head", c2, "benchmarks/bench_toy.py", *FAST, "--json")
    data = json.loads(done.stdout)
    rows = {r["metric"]: r for r in data["rows"]}
    assert rows["quality"]["base"] == pytest.approx(0.9)
    assert rows["quality"]["head"] == pytest.approx(0.8)
    assert rows["quality"]["margin"] == 0.01  # the declared margin, not --margin
    assert rows["quality"]["status"] == "regression (confirmed)"
    assert done.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-ref"], "--base 'no-such-ref' does not name a commit"),
        (["--base", "HEAD", "--head", "deadbeef"], "--head 'deadbeef' does not name a commit"),
        (["--base", "HEAD", "--trials", "2"], "--trials 2 must be at least 3"),
        (["--base", "HEAD", "--rounds", "0"], "--rounds 0 must be at least 1"),
        (["--base", "HEAD", "--confirm-trials", "2"], "--confirm-trials 2 must be at least 3"),
        (["--base", "HEAD", "--cpu", "4096"], "--cpu 4096 is not a CPU this process may use"),
        (["--base", "HEAD", "--margin", "150%"], "--margin '150%' is out of range"),
        (["--base", "HEAD", "--method", "nope"], "--method 'nope' is not a method"),
        (["--base", "HEAD", "--bench-from", "mine"], "--bench-from 'mine' must be base or head"),
    ],
)
def test_bad_input_exits_2_and_leaves_nothing(repo: Path, args: list[str], message: str) -> None:
    done = ci(repo, *args, "benchmarks/bench_toy.py")
    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split())
    assert done.stdout == ""
    assert worktrees(repo) == [f"worktree {repo}"]
    assert leftovers(repo) == []


def test_without_a_base_and_no_main_branch(repo: Path) -> None:
    git(repo, "branch", "-m", "main", "trunk")
    done = ci(repo, "benchmarks/bench_toy.py")
    assert done.returncode == 2
    assert "no --base given and none of origin/main, main resolves" in " ".join(done.stderr.split())


def test_a_missing_benchmark_file_exits_2(repo: Path) -> None:
    done = ci(repo, "--base", "HEAD", "benchmarks/nope.py")
    assert done.returncode == 2
    assert "benchmark file 'benchmarks/nope.py' does not exist" in " ".join(done.stderr.split())
    assert worktrees(repo) == [f"worktree {repo}"] and leftovers(repo) == []


def test_not_a_git_repository_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bench.py").write_text(textwrap.dedent(BENCH))
    done = run_assay(tmp_path, "ci", "--base", "HEAD", "bench.py")
    assert done.returncode == 2
    assert "is not inside a git repository" in done.stderr


def test_a_benchmark_that_base_cannot_import_exits_2_and_cleans_up(repo: Path) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    bench = BENCH.replace("toy.work(n // 4)", "toy.new_api(n)").replace(
        "import toy", "import toy\nfrom toy import new_api"
    )
    (repo / "benchmarks" / "bench_toy.py").write_text(textwrap.dedent(bench))
    c2 = commit(repo, "c2: new api", 1.0, WORK + "\ndef new_api(n):\n    return work(n)\n")
    done = ci(repo, "--base", c1, "--head", c2, "benchmarks/bench_toy.py", *FAST)
    assert done.returncode == 2
    assert f"on base ({c1[:12]})" in done.stderr and "new_api" in done.stderr
    assert worktrees(repo) == [f"worktree {repo}"] and leftovers(repo) == []


def test_a_head_that_fails_its_trials_fails_the_job_and_cleans_up(repo: Path) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    broken = "FACTOR = 1\ndef work(n):\n    raise RuntimeError('broken in head')\n"
    (repo / "src" / "toy" / "__init__.py").write_text(broken)
    c2 = commit(repo, "c2: broken")
    done = ci(repo, "--base", c1, "--head", c2, "benchmarks/bench_toy.py", *FAST, "--json")
    assert done.returncode == 1, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert row["status"] == "failed"
    assert any("head trial(s) failed" in n and "broken in head" in n for n in row["notes"])
    assert worktrees(repo) == [f"worktree {repo}"] and leftovers(repo) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_job_removes_its_worktrees(repo: Path, sig: signal.Signals) -> None:
    c1 = git(repo, "rev-parse", "HEAD")
    c2 = commit(repo, "c2", 2.0)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_BASE_REF"}
    env["TMPDIR"] = str(scratch(repo))
    process = subprocess.Popen(
        [sys.executable, "-m", "assay", "ci", "--base", c1, "--head", c2,
         "benchmarks/bench_toy.py", "--trials", "50"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(worktrees(repo)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(worktrees(repo)) == 3, "the job never checked out its worktrees"
    time.sleep(2.0)  # into the trials
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == (130 if sig == signal.SIGINT else 143)
    assert "interrupted" in err
    assert worktrees(repo) == [f"worktree {repo}"] and leftovers(repo) == []


def test_flat_layout_and_an_uncommitted_benchmark_file(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    (root / "toy").mkdir(parents=True)
    (root / "toy" / "__init__.py").write_text(f"FACTOR = 1.0\n{WORK}")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "CI")
    commit(root, "c1")
    (root / "bench_toy.py").write_text(textwrap.dedent(BENCH))  # not committed
    done = ci(root, "--base", "HEAD", "bench_toy.py", "--trials", "3", "--method", "work")
    assert done.returncode == 0, done.stderr
    assert "`bench_toy.py` from working tree" in done.stdout
    assert worktrees(root) == [f"worktree {root}"]


def test_a_missing_src_folder_exits_2(repo: Path) -> None:
    done = ci(repo, "--base", "HEAD", "--src", "lib", "benchmarks/bench_toy.py")
    assert done.returncode == 2
    assert "--src 'lib' is not a directory" in done.stderr
    assert worktrees(repo) == [f"worktree {repo}"]


def test_the_cleanup_checks_see_a_leftover(repo: Path) -> None:
    """The checks above can fail: a worktree and a temporary folder left behind show."""
    (scratch(repo) / "assay-ci-x").mkdir()
    git(repo, "worktree", "add", "--detach", str(scratch(repo) / "assay-ci-x" / "base"), "HEAD")
    assert len(worktrees(repo)) == 2
    assert leftovers(repo) == ["assay-ci-x"]


SEEN = """
import os

import assay
import toy

@assay.workload
def data(seed):
    return 400

@assay.baseline
def work(n):
    with open({log!r}, "a") as log:  # which process saw which block environment
        pad = len(os.environ.get("ASSAY_ENV_PAD", ""))
        log.write(f"{{os.getppid()}} {{os.environ.get('PYTHONHASHSEED')}} {{pad}}\\n")
    return toy.work(n)

@assay.candidate
def other(n):
    return toy.work(n // 4)
"""


def test_the_arms_of_a_block_share_its_environment_and_blocks_differ(
    repo: Path, tmp_path: Path
) -> None:
    """Every server of a block gets the block's hash seed and environment size; each of
    the 3 blocks draws its own (the servers are the trials' parents: base, head, aa)."""
    log = tmp_path / "seen.log"
    (repo / "benchmarks" / "bench_toy.py").write_text(textwrap.dedent(SEEN.format(log=str(log))))
    commit(repo, "c2", 1.0)
    done = ci(repo, "benchmarks/bench_toy.py", "--base", "HEAD~1", "--trials", "3",
              "--rounds", "2", "--no-confirm", "--method", "work")  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    servers: dict[tuple[str, str], set[str]] = {}
    for line in log.read_text().splitlines():
        parent, seed, pad = line.split()
        servers.setdefault((seed, pad), set()).add(parent)
    assert len(servers) == 3  # one environment per block
    assert all(len(parents) == 3 for parents in servers.values())  # base, head and aa
    assert all(seed != "None" for seed, _ in servers)
