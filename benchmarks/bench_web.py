"""How fast the web app answers a busy team, beside a static file from the same server.

Targets (issue 12): with 50 concurrent clients for 30 s against each of the radar,
a technique and a run page, on a workspace of 10,000 techniques and 100,000 trials
(500 runs of 200), served by ``assay serve`` (uvicorn) as a subprocess: no errors
and a 99th percentile latency of at most 100 ms per page. Each page's figures are
reported beside a static file (``/static/...``, the page's own stylesheet) served by
the same server under the same load in the same run, and each page's p99 as a ratio
to the static file's: what the page costs above what the server and the client
cost anyway.

The workspace is the one ``bench_cli.py`` generates and caches under
``benchmarks/.cache/`` (10k: 10,000 techniques, 500 runs of 200 trials; ``--quick``:
the 1k one, 1,000 techniques and 50 runs), copied to a temporary folder so the
benchmark's users, sessions and upgrades never touch the cache. The bench user gets a
password and logs in through the login form, as a person would.

The load: ``wrk`` when ``which wrk`` finds it, else a closed-loop client in a separate
process (asyncio streams speaking HTTP/1.1, one keep-alive connection per client, far
lighter than an HTTP library; each of the 50 clients sends its next request when the
last one answered; like a browser it sends ``Accept-Encoding: gzip``, and reads the
bytes the server sends); the results say which. Each page has its own
phase (a short warm-up, then the measured seconds); the technique and run phases
rotate over 100 techniques and 10 runs. Latency is measured by the client, so it
includes the client's own overhead, and the static baseline shows how much that is.
On a machine with two cores the client and the server share them. Before each phase,
one client alone asks for the page 20 times: its median there (``unloaded``) is the
page's own service time with no queue in front of it, reported with its size.

Run: ``python benchmarks/bench_web.py [--quick] [--workers N]``; writes
``benchmarks/results/web.json`` and exits 1 when a target is missed, naming it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
CLIENTS = 50
SECONDS, QUICK_SECONDS = 30.0, 5.0
WARMUP_S = 2.0
P99_TARGET_MS = 100.0
PASSWORD = "bench-password-long-enough"
TECHNIQUES_ROTATED, RUNS_ROTATED = 100, 10


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# -- the workspace and the server ----------------------------------------------------------


def workspace(quick: bool, into: Path) -> tuple[Path, dict[str, int]]:
    """A copy of bench_cli's cached workspace (generated first when missing) in ``into``."""
    sys.path.insert(0, str(HERE))
    import bench_cli

    size = bench_cli.SIZES[0] if quick else bench_cli.SIZES[-1]
    cached = bench_cli.generate(size)
    copy = into / "ws"
    shutil.copytree(cached, copy)
    shape = {
        "techniques": size.techniques,
        "runs": size.runs,
        "trials": size.runs * 2 * bench_cli.RUNS_PER_METHOD,
        "papers": size.papers,
        "predictions": size.predictions,
    }
    return copy, shape


def prepare(ws: Path) -> tuple[list[str], list[str]]:
    """Give the bench user a password; the techniques and runs the phases rotate over."""
    sys.path.insert(0, str(HERE))
    from bench_cli import USER

    from assay import Workspace

    with Workspace.open(ws, user=USER) as opened:
        opened.accounts.set_password(USER, PASSWORD)
        techniques = [t.name for t in opened.radar.list()][:TECHNIQUES_ROTATED]
        runs = [r.run_id for r in opened.runs.list()][:RUNS_ROTATED]
    return techniques, runs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(ws: Path, log: Path, workers: int) -> Any:
    """``assay serve --workers N`` on a free port of 127.0.0.1 in ``ws``; yields its URL."""
    import httpx

    sys.path.insert(0, str(HERE))
    from bench_cli import assay_executable

    port = _free_port()
    argv = [assay_executable(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    with log.open("wb") as sink:
        server = subprocess.Popen(argv, cwd=ws, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"assay serve did not start:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def login(url: str) -> dict[str, str]:
    """The cookies of a session of the bench user, signed in through the login form."""
    import httpx

    sys.path.insert(0, str(HERE))
    from bench_cli import USER

    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as client:
        form = client.get("/login")
        found = re.search(r'name="csrf"[^>]*value="([^"]*)"', form.text) or re.search(
            r'value="([^"]*)"[^>]*name="csrf"', form.text
        )
        csrf = found.group(1) if found else ""
        data = {"name": USER, "password": PASSWORD, "csrf": csrf, "next": "/radar"}
        answer = client.post("/login", data=data)
        if answer.status_code != 303 or "assay_session" not in client.cookies:
            sys.exit(f"logging in failed: {answer.status_code} {answer.text[:300]}")
        return dict(client.cookies.items())


def unloaded(url: str, cookies: dict[str, str], paths: list[str], n: int = 20) -> dict[str, float]:
    """One client, one request at a time (after one warm-up each): the page's own
    service time (median, ms) and size (bytes), with no queue in front of it."""
    import httpx

    times, sizes = [], []
    with httpx.Client(base_url=url, cookies=cookies, timeout=120) as client:
        for index in range(n + 1):
            path = paths[index % len(paths)]
            began = time.perf_counter()
            answer = client.get(path)
            if answer.status_code != 200:
                sys.exit(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
            if index:
                times.append(time.perf_counter() - began)
                sizes.append(len(answer.content))
    return {"median_ms": percentile(times, 50) * 1000, "bytes": percentile(sizes, 50)}


def static_path(url: str, cookies: dict[str, str]) -> str:
    """The first ``/static/...`` file the radar page links to (its stylesheet)."""
    import httpx

    page = httpx.get(f"{url}/radar", cookies=cookies, timeout=120)
    found = re.search(r'(?:href|src)="[^"]*?(/static/[^"?#]+)', page.text)
    if page.status_code != 200 or not found:
        sys.exit(f"the radar page links no /static/ file ({page.status_code})")
    return found.group(1)


# -- the load ----------------------------------------------------------------------------


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads whole answers
    (Content-Length or chunked): a client that costs far less CPU per request than a
    full HTTP library, so that the load measures the server."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """GET ``path``; its status (the body is read and dropped)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        request += f"Cookie: {self.cookie}\r\nAccept: text/html\r\n"
        request += "Accept-Encoding: gzip\r\n\r\n"  # as every browser asks
        self.writer.write(request.encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        found = re.search(r"\r\ncontent-length: *(\d+)", head)
        if found:
            await self.reader.readexactly(int(found.group(1)))
        elif "transfer-encoding: chunked" in head:
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if "connection: close" in head:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _closed_loop(
    url: str, paths: list[str], cookies: dict[str, str], clients: int, seconds: float
) -> dict[str, Any]:
    """``clients`` loops, each on its own connection sending its next GET when the last
    answered; latencies of the requests begun after the warm-up."""
    from urllib.parse import urlsplit

    where = urlsplit(url)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    latencies: list[float] = []
    errors: dict[str, int] = {}
    start = time.perf_counter()
    measure_from, stop = start + WARMUP_S, start + WARMUP_S + seconds

    async def one(index: int) -> None:
        connection = _Connection(where.hostname or "127.0.0.1", where.port or 80, cookie)
        turn = index
        while (began := time.perf_counter()) < stop:
            path = paths[turn % len(paths)]
            turn += clients
            try:
                status = await asyncio.wait_for(connection.get(path), timeout=30)
                problem = None if status == 200 else f"HTTP {status}"
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                problem = type(exc).__name__
                await connection.close()
            if began >= measure_from:
                latencies.append(time.perf_counter() - began)
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
        await connection.close()

    await asyncio.gather(*(one(i) for i in range(clients)))
    return {"latencies_s": latencies, "errors": errors, "seconds": seconds}


def run_client(spec: dict[str, Any]) -> dict[str, Any]:
    """One phase's load from a separate process (this file with ``--client``)."""
    done = subprocess.run(
        [sys.executable, __file__, "--client"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"the load client failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_wrk(spec: dict[str, Any], wrk: str) -> dict[str, Any]:
    """One phase's load with ``wrk`` (one path: the first; latency percentiles from wrk)."""
    cookie = "; ".join(f"{k}={v}" for k, v in spec["cookies"].items())
    argv = [wrk, "-t2", f"-c{spec['clients']}", f"-d{int(spec['seconds'])}s", "--latency"]
    argv += ["-H", f"Cookie: {cookie}", spec["url"] + spec["paths"][0]]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

    def latency(label: str) -> float:
        found = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        return float(found.group(1)) * units[found.group(2)] if found else float("nan")

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "wrk": True,
        "p50_s": latency("50"),
        "p99_s": latency("99"),
        "requests": requests,
        "errors": {"non-2xx": int(bad.group(1))} if bad else {},
        "seconds": spec["seconds"],
    }


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """Requests, errors, requests/s and p50/p99 (ms) of one phase."""
    if raw.get("wrk"):
        p50, p99, requests = raw["p50_s"], raw["p99_s"], raw["requests"]
    else:
        latencies = raw["latencies_s"]
        p50, p99, requests = percentile(latencies, 50), percentile(latencies, 99), len(latencies)
    return {
        "requests": requests,
        "errors": sum(raw["errors"].values()),
        "error_kinds": raw["errors"],
        "requests_per_s": requests / raw["seconds"],
        "p50_ms": p50 * 1000,
        "p99_ms": p99 * 1000,
    }


def measure(
    url: str, cookies: dict[str, str], pages: dict[str, list[str]], seconds: float
) -> tuple[dict[str, Any], str]:
    """Every page's phase, in turn; the load tool's name."""
    wrk = shutil.which("wrk")
    figures: dict[str, Any] = {}
    for name, paths in pages.items():
        spec = {"url": url, "paths": paths, "cookies": cookies, "clients": CLIENTS}
        spec["seconds"] = seconds
        alone = unloaded(url, cookies, paths)
        raw = run_wrk(spec, wrk) if wrk else run_client(spec)
        figures[name] = {"paths": paths[:3] + (["..."] if len(paths) > 3 else [])}
        figures[name] |= {"unloaded": alone} | summarise(raw)
        row = figures[name]
        print(
            f"{name:10} {row['requests']:7d} requests {row['requests_per_s']:8.1f}/s  "
            f"p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}  "
            f"(alone {alone['median_ms']:.1f} ms, {alone['bytes'] / 1024:.0f} KiB)",
            flush=True,
        )
    tool = "wrk" if wrk else "closed-loop asyncio HTTP/1.1 keep-alive client in a separate process"
    return figures, tool


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 techniques, 5 s a page")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="assay serve --workers N (default: one per core)",
    )
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        spec = json.loads(sys.stdin.read())
        raw = asyncio.run(
            _closed_loop(
                spec["url"], spec["paths"], spec["cookies"], spec["clients"], spec["seconds"]
            )
        )
        print(json.dumps(raw))
        return 0
    seconds = QUICK_SECONDS if args.quick else SECONDS
    with tempfile.TemporaryDirectory(prefix="assay-bench-web-") as temp:
        ws, shape = workspace(args.quick, Path(temp))
        techniques, runs = prepare(ws)
        with serving(ws, Path(temp) / "serve.log", args.workers) as url:
            cookies = login(url)
            pages = {
                "static": [static_path(url, cookies)],
                "radar": ["/radar"],
                "technique": [f"/techniques/{name}" for name in techniques],
                "run": [f"/runs/{run}" for run in runs],
            }
            figures, tool = measure(url, cookies, pages, seconds)
    return report(args.quick, shape, figures, tool, seconds, args.workers)


def report(
    quick: bool,
    shape: dict[str, int],
    figures: dict[str, Any],
    tool: str,
    seconds: float,
    workers: int,
) -> int:
    """Write ``results/web.json``, print the ratios, and name every missed target."""
    baseline = figures["static"]["p99_ms"]
    missed = []
    for name, row in figures.items():
        row["p99_ratio_to_static"] = row["p99_ms"] / baseline if baseline else None
        if name == "static":
            continue
        if row["errors"]:
            missed.append(f"{name}: {row['errors']} errors {row['error_kinds']} (target 0)")
        if not row["p99_ms"] <= P99_TARGET_MS:
            missed.append(f"{name}: p99 {row['p99_ms']:.1f} ms (target {P99_TARGET_MS:.0f} ms)")
        print(f"{name:10} p99 {row['p99_ratio_to_static']:6.2f}x the static file's")
    out = {
        "name": "web",
        "quick": quick,
        "workspace": shape,
        "server": f"assay serve --workers {workers} (uvicorn) as a subprocess",
        "load": tool,
        "clients": CLIENTS,
        "seconds_per_page": seconds,
        "warmup_s": WARMUP_S,
        "targets": {"errors": 0, "p99_ms": P99_TARGET_MS},
        "pages": figures,
        "met": not missed,
        "missed": missed,
        "environment": {
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
            "python": sys.version.split()[0],
            "collected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(out, indent=2) + "\n")
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
