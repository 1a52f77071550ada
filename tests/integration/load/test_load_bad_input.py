"""Bad input to ``assay load``: one line naming the option, exit code 2, nothing sent
and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import run_assay


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "http://example.com/"], "not a loopback address"),
        (["run", "http://10.1.2.3:80/"], "--allow-remote"),
        (["run", "ftp://127.0.0.1/"], "expected an http:// or https:// URL"),
        (["run", "{url}", "--rate", "0"], "--rate: expected requests per second above 0"),
        (["run", "{url}", "--rate", "-5"], "--rate: expected requests per second above 0"),
        (["run", "{url}", "--duration", "0"], "--duration: expected seconds above 0"),
        (["run", "{url}", "--arrivals", "weibull"], "--arrivals: expected one of"),
        (["run", "{url}", "--arrivals", "trace"], "--trace FILE"),
        (["run", "{url}", "--trace", "{bad_trace}"], "arrivals.csv:3: offsets must not decrease"),
        (["run", "{url}", "--trace", "missing.csv"], "no such trace file"),
        (["run", "{url}", "--processes", "0"], "--processes: expected 1..64"),
        (["run", "{url}", "--header", "nocolon"], "--header: expected 'NAME: VALUE'"),
        (["run", "{url}", "--method", "BREW"], "--method: expected"),
        (["run", "{url}", "--rates", "100,x"], "--rates: expected numbers"),
        (["run", "{url}", "--rates", "100,0"], "--rates: expected requests per second above 0"),
        (["run", "{url}", "--vs", "http://example.com/"], "--vs: example.com is not a loopback"),
        (["run", "{url}", "--ttft", "0"], "--ttft: expected milliseconds above 0"),
        (["run", "{url}", "--send-lag-limit", "-1"], "--send-lag-limit: expected milliseconds"),
        (["run", "{url}", "--trace", "/dev/zero"], "not a regular file"),
        (["run", "{url}", "--data", "@/dev/zero"], "--data: /dev/zero is not a regular file"),
        (["run", "{url}", "--out", "{tmp}/.assay/r.json"], "the workspace's own files"),
        (["run", "{url}", "--out", "{tmp}/existing.json"], "add --force to overwrite"),
        (["run", "{url}", "--out", "{tmp}"], "is a folder"),
        (["run", "{url}", "--client", "curl"], "--client: expected wire or aiohttp"),
        (["run", "{url}", "--timeout", "0"], "--timeout: expected seconds above 0"),
        (["run", "{url}", "--connections", "0"], "--connections: expected at least 1"),
        (["run", "{url}", "--rate", "nan"], "--rate"),
        (["slo", "{url}", "--p99", "0"], "--p99: expected milliseconds above 0"),
        (
            ["slo", "{url}", "--p99", "10", "--start-rate", "500", "--max-rate", "100"],
            "--start-rate",
        ),
        (["slo", "http://example.com/", "--p99", "10"], "not a loopback address"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    url = "http://127.0.0.1:9/"  # the discard port: refused before anything is sent
    bad_trace = tmp_path / "arrivals.csv"
    bad_trace.write_text("0\n2\n1\n")
    out = tmp_path / "out.json"
    (tmp_path / "existing.json").write_text("keep me")
    argv = [a.format(url=url, bad_trace=bad_trace, tmp=tmp_path) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(out)]
    result = run_assay(tmp_path, "load", *argv)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()  # nothing written
    assert (tmp_path / "existing.json").read_text() == "keep me"
    assert not (tmp_path / ".assay").exists()
