"""``assay load``: measure a service under open-loop load (see docs/load.md).

``assay load run URL`` sends requests on a seeded arrival schedule and reports
latency from each request's intended send time, the client's own health, streaming
metrics, an A/B of two endpoints (``--vs``) or a latency-vs-load curve (``--rates``);
``assay load slo URL --p99 X`` finds the highest rate that keeps P99 within X ms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli import output
from assay.cli.common import ByOption, DbOption, JsonOption, open_workspace
from assay.cli.files import ForceOption
from assay.errors import InputError
from assay.load import text
from assay.types import parse_fraction

if TYPE_CHECKING:
    from assay.load.run import LoadSpec

load_app = typer.Typer(
    help="Serving under load: open-loop latency, client health, the highest rate within an SLO.",
    no_args_is_help=True,
)

UrlArg = Annotated[
    str, typer.Argument(metavar="URL", help="The endpoint (loopback unless --allow-remote).")
]


def _opt(*names: str, help: str, metavar: str | None = None) -> Any:
    return typer.Option(*names, help=help, metavar=metavar)


ArrivalsOpt = Annotated[
    str, _opt("--arrivals", metavar="KIND", help="poisson, constant or trace (with --trace).")
]
TraceOpt = Annotated[
    Path | None, _opt("--trace", metavar="FILE", help="CSV of send offsets in seconds, one a row.")
]
SeedOpt = Annotated[int, _opt("--seed", help="Seed of the arrival schedule.")]
ProcessesOpt = Annotated[
    int, _opt("--processes", help="Client processes sharing the schedule (every N-th arrival).")
]
MethodOpt = Annotated[str, _opt("--method", help="HTTP method.")]
DataOpt = Annotated[
    str | None, _opt("--data", metavar="TEXT|@FILE", help="Request body (sets POST if GET).")
]
HeaderOpt = Annotated[
    list[str] | None, _opt("--header", metavar="'NAME: VALUE'", help="A header (repeat).")
]
TimeoutOpt = Annotated[float, _opt("--timeout", metavar="S", help="Per-request timeout.")]
ConnOpt = Annotated[int, _opt("--connections", help="Most open connections per process.")]
ClientOpt = Annotated[
    str,
    _opt("--client", metavar="wire|aiohttp", help="HTTP client for http:// (https: aiohttp)."),
]
RemoteOpt = Annotated[
    bool, _opt("--allow-remote", help="Allow a host that is not loopback (one you own).")
]
StoreOpt = Annotated[
    bool, _opt("--store", help="Store the result in the workspace as a run of kind load.")
]
NameOpt = Annotated[str | None, _opt("--name", help="With --store: the run's name.")]
PrototypeOpt = Annotated[
    str | None,
    _opt("--prototype", metavar="NAME", help="With --store: link the run to this prototype."),
]
OutOpt = Annotated[
    Path | None, _opt("--out", metavar="FILE", help="Also write the result as JSON to FILE.")
]


MAX_BODY = 64 * 2**20  # one request's body; a larger one is almost surely a wrong file


def _body(data: str | None) -> bytes | None:
    if data is None:
        return None
    if data.startswith("@"):
        path = Path(data[1:])
        try:
            if not path.is_file():
                raise InputError(f"--data: {path} is not a regular file")
            if path.stat().st_size > MAX_BODY:
                raise InputError(f"--data: {path} is larger than {MAX_BODY // 2**20} MiB")
            return path.read_bytes()
        except OSError as exc:
            raise InputError(f"--data: cannot read {path} ({exc.strerror})") from None
    return data.encode()


def _headers(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise InputError(f"--header: expected 'NAME: VALUE', got {item!r}")
        out.append((name.strip(), value.strip()))
    return tuple(out)


def _rates(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--rates: expected numbers separated by commas, got {text!r}") from None


def _spec(**kwargs: Any) -> LoadSpec:
    from assay.load.run import LoadSpec

    body = _body(kwargs.pop("data"))
    method = kwargs.pop("method")
    if body is not None and method.upper() == "GET":
        method = "POST"
    trace = kwargs.get("trace_file")
    if trace is not None and kwargs.get("arrivals") == "poisson":
        kwargs["arrivals"] = "trace"
    return LoadSpec(body=body, method=method, headers=_headers(kwargs.pop("header")), **kwargs)


def _workspace(
    store: bool, name: str | None, prototype: str | None, db: str | None, by: str | None
) -> Any:
    """With ``--store``, the workspace, checked before any load is sent (the user may
    add runs, the prototype exists); ``None`` without it."""
    if not store:
        if name is not None or prototype is not None:
            raise InputError("--name and --prototype: expected --store with them")
        return None
    ws = open_workspace(db, by)
    ws.load.check(prototype)
    return ws


def _store(ws: Any, doc: dict[str, Any], name: str | None, prototype: str | None) -> None:
    if ws is None:
        return
    with ws:
        doc["run_id"] = ws.load.record(doc, name=name, prototype=prototype)


def _check_out(out: Path | None, force: bool, db: str | None) -> None:
    """Refuse a ``--out`` target before any load is sent (see :mod:`assay.cli.files`)."""
    if out is not None:
        from assay.cli.files import check_output

        check_output(out, force=force, db=db, option="--out")


def _write(out: Path | None, doc: Any) -> None:
    if out is None:
        return
    from assay import encoding
    from assay.cli.files import write_text

    write_text(out, encoding.dumps(doc, indent=2) + "\n")


@load_app.command("run")
def run(
    url: UrlArg,
    rate: Annotated[
        float, _opt("--rate", metavar="R", help="Offered requests per second.")
    ] = 100.0,
    duration: Annotated[float, _opt("--duration", metavar="S", help="Seconds of load.")] = 10.0,
    arrivals: ArrivalsOpt = "poisson",
    trace: TraceOpt = None,
    seed: SeedOpt = 0,
    processes: ProcessesOpt = 1,
    method: MethodOpt = "GET",
    data: DataOpt = None,
    header: HeaderOpt = None,
    timeout: TimeoutOpt = 10.0,
    connections: ConnOpt = 512,
    client: ClientOpt = "wire",
    ttft: Annotated[
        float | None, _opt("--ttft", metavar="MS", help="Streaming SLO: time to first token.")
    ] = None,
    tpot: Annotated[
        float | None, _opt("--tpot", metavar="MS", help="Streaming SLO: time per output token.")
    ] = None,
    vs: Annotated[
        str | None, _opt("--vs", metavar="URL_B", help="A/B: a second endpoint, same schedule.")
    ] = None,
    margin: Annotated[
        str,
        _opt(
            "--margin",
            metavar="PCT",
            help="A/B: the smallest latency change that matters, like 3% or 0.03.",
        ),
    ] = "3%",
    rates: Annotated[
        str | None, _opt("--rates", metavar="R1,R2,...", help="Latency-vs-load curve.")
    ] = None,
    closed_loop: Annotated[
        bool,
        _opt(
            "--closed-loop", help="One connection, send after reply (shows coordinated omission)."
        ),
    ] = False,
    send_lag_limit: Annotated[
        float, _opt("--send-lag-limit", metavar="MS", help="Warn when send lag P99 exceeds it.")
    ] = 10.0,
    allow_remote: RemoteOpt = False,
    out: OutOpt = None,
    force: ForceOption = False,
    store: StoreOpt = False,
    name: NameOpt = None,
    prototype: PrototypeOpt = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Open-loop load on URL: latency from each request's intended send time."""
    from assay.load import run as load_run

    spec = _spec(
        url=url,
        rate=rate,
        duration=duration,
        arrivals=arrivals,
        trace_file=trace,
        seed=seed,
        processes=processes,
        method=method,
        data=data,
        header=header,
        timeout_s=timeout,
        connections=connections,
        ttft_ms=ttft,
        tpot_ms=tpot,
        vs=vs,
        allow_remote=allow_remote,
        send_lag_limit_ms=send_lag_limit,
        client=client,
        margin=parse_fraction(
            margin, field="--margin", what="the smallest latency change that matters", example=0.03
        ),
    )
    if sum(bool(x) for x in (vs, rates, closed_loop)) > 1:
        raise InputError("--vs, --rates and --closed-loop: expected at most one of them")
    curve_rates = _rates(rates) if rates is not None else None
    load_run.check_spec(spec)
    _check_out(out, force, db)
    ws = _workspace(store, name, prototype, db, by)
    if curve_rates is not None:
        doc = load_run.curve(spec, curve_rates)
    elif closed_loop:
        doc = load_run.closed(spec)
    else:
        doc = load_run.open_run(spec)
    _write(out, doc)
    _store(ws, doc, name, prototype)
    if json:
        output.emit_json(doc)
        return
    _print(doc)


def _rows(table: Any, label: str, arm: dict[str, Any]) -> None:
    table.add_row(escape(label), *(escape(cell) for cell in text.arm_cells(arm)))


def _table(title: str, first: str) -> Any:
    num = output.Kind.NUMBER
    return output.table(
        output.Column(first, output.Kind.ID),
        output.Column("Offered/s", num, justify="right"),
        output.Column("Achieved/s", num, justify="right"),
        output.Column("P50 ms", num, justify="right"),
        output.Column("P90 ms", num, justify="right"),
        output.Column("P99 ms", num, justify="right"),
        output.Column("P99.9 ms", num, justify="right"),
        output.Column("Max ms", num, justify="right"),
        output.Column("Errors", output.Kind.TEXT),
        title=title,
    )


def _client_line(doc: dict[str, Any]) -> None:
    output.prose(escape(text.client_sentence(doc["client"])))


def _streaming(arm: dict[str, Any]) -> None:
    line = text.streaming_sentence(arm)
    if line:
        output.prose(escape(line))


def _print(doc: dict[str, Any]) -> None:
    _print_result(doc)
    if "run_id" in doc:
        output.prose(f"stored as run [bold]{doc['run_id']}[/] (assay load show {doc['run_id']})")


def _print_comparison(comparison: dict[str, Any]) -> None:
    """The A/B lines: each statistic's effect, interval and verdict over the windows."""
    for line, verdict, note in text.window_sentences(comparison):
        if verdict is None:
            output.warn(line)
            continue
        output.prose(f"{escape(line)}, [bold]{verdict}[/]")
        if note:
            output.warn(note)


def _print_result(doc: dict[str, Any]) -> None:
    if doc["kind"] == "curve":
        table = _table("Latency against load (from intended send times)", "Rate")
        for point in doc["points"]:
            _rows(table, f"{point['settings']['rate']:,g}/s", point["arms"][0])
        output.console.print(table)
        for point in doc["points"]:
            for warning in point["warnings"]:
                output.warn(f"at {point['settings']['rate']:,g}/s: {warning}")
        return
    title = (
        "Closed loop: one connection, latency from the actual send"
        if doc["kind"] == "closed"
        else "Open loop: latency from each request's intended send time"
    )
    table = _table(title, "Endpoint")
    for label, arm in zip(("A", "B"), doc["arms"], strict=False):
        name = arm["url"] if len(doc["arms"]) == 1 else f"{label} {arm['url']}"
        _rows(table, name, arm)
    output.console.print(table)
    _client_line(doc)
    for arm in doc["arms"]:
        _streaming(arm)
    comparison = doc.get("comparison")
    if comparison:
        _print_comparison(comparison)
    for warning in doc["warnings"]:
        output.warn(warning)


@load_app.command("slo")
def slo(
    url: UrlArg,
    p99: Annotated[float, _opt("--p99", metavar="MS", help="The SLO: P99 latency at most MS.")],
    start_rate: Annotated[
        float, _opt("--start-rate", metavar="R", help="First rate probed.")
    ] = 100.0,
    max_rate: Annotated[
        float, _opt("--max-rate", metavar="R", help="Stop doubling here.")
    ] = 100_000.0,
    probe: Annotated[float, _opt("--probe", metavar="S", help="Seconds per probe.")] = 5.0,
    confirm: Annotated[
        float, _opt("--confirm", metavar="S", help="Seconds of the confirmation run.")
    ] = 20.0,
    precision: Annotated[
        float, _opt("--precision", help="Bisect until the bracket is this fraction wide.")
    ] = 0.05,
    alpha: Annotated[float, _opt("--alpha", help="One-sided level of each probe's bound.")] = 0.05,
    seed: SeedOpt = 0,
    processes: ProcessesOpt = 1,
    method: MethodOpt = "GET",
    data: DataOpt = None,
    header: HeaderOpt = None,
    timeout: TimeoutOpt = 10.0,
    connections: ConnOpt = 512,
    client: ClientOpt = "wire",
    allow_remote: RemoteOpt = False,
    out: OutOpt = None,
    force: ForceOption = False,
    store: StoreOpt = False,
    name: NameOpt = None,
    prototype: PrototypeOpt = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """The highest rate with P99 <= MS: bracket, bisect, a binomial bound per probe,
    a confirmation run. Exit 1 when no rate meets it."""
    from assay.load import run as load_run

    if not 0 < alpha < 0.5:
        raise InputError(f"--alpha: expected a level between 0 and 0.5, got {alpha:g}")
    spec = _spec(
        url=url,
        seed=seed,
        processes=processes,
        method=method,
        data=data,
        header=header,
        timeout_s=timeout,
        connections=connections,
        allow_remote=allow_remote,
        client=client,
    )
    load_run.check_spec(spec)
    _check_out(out, force, db)
    ws = _workspace(store, name, prototype, db, by)
    doc = load_run.slo(
        spec,
        p99_ms=p99,
        start_rate=start_rate,
        max_rate=max_rate,
        probe_s=probe,
        confirm_s=confirm,
        precision=precision,
        alpha=alpha,
    )
    _write(out, doc)
    _store(ws, doc, name, prototype)
    if json:
        output.emit_json(doc)
    else:
        table = output.table(
            output.Column("Phase", output.Kind.LABEL),
            output.Column("Rate/s", output.Kind.NUMBER, justify="right"),
            output.Column("Seconds", output.Kind.NUMBER, justify="right"),
            output.Column("Slower", output.Kind.NUMBER, justify="right"),
            output.Column("Requests", output.Kind.NUMBER, justify="right"),
            output.Column("Upper bound", output.Kind.NUMBER, justify="right"),
            output.Column("Verdict", output.Kind.LABEL),
            title=f"Probes: 'Slower' took over {p99:g} ms (or failed); a probe passes when "
            f"the {1 - alpha:.0%} upper bound on their share is below 1%",
        )
        for p in doc["probes"]:
            table.add_row(
                p["phase"],
                f"{p['rate']:,.0f}",
                f"{p['duration_s']:g}",
                f"{p['above']:,}",
                f"{p['total']:,}",
                f"{p['upper']:.2%}",
                p["verdict"].upper(),
            )
        output.console.print(table)
        if doc["rate"] is None:
            output.prose(f"no rate tried kept P99 <= {p99:g} ms")
        else:
            more = " (at --max-rate: the limit may be higher)" if doc["capped"] else ""
            output.prose(
                f"highest rate with P99 <= {p99:g} ms: [bold]{doc['rate']:,.0f}/s[/], "
                f"confirmed by a {confirm:g}-s run{more}"
            )
        if "run_id" in doc:
            output.prose(f"stored as run [bold]{doc['run_id']}[/]")
    if doc["rate"] is None:
        raise typer.Exit(1)


@load_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="The load run's id.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """A stored load run, as it was measured."""
    with open_workspace(db) as ws:
        doc = ws.load.show(run_id)
    if json:
        output.emit_json(doc)
    else:
        print_stored(doc)


def print_stored(doc: dict[str, Any]) -> None:
    """A stored load run as text (``load show``, and ``bench show`` of a load run)."""
    if doc["kind"] == "slo":
        found = doc["rate"]
        output.prose(
            f"run {escape(doc['run_id'])}: highest rate with P99 <= {doc['p99_ms']:g} ms: "
            + ("none" if found is None else f"{found:,.0f}/s")
            + f" ({len(doc['probes'])} probes)"
        )
        return
    output.prose(f"Load run [bold]{escape(doc['run_id'])}[/] ({escape(str(doc.get('name', '')))})")
    _print_result(doc)


def register(app: typer.Typer) -> None:
    """Add the ``load`` group to ``app``."""
    app.add_typer(load_app, name="load")
