"""Trials on a Ray cluster (``assay bench run FILE --executor ray``).

Why a block is the unit of work: a block holds one trial of every method on one
sweep point and seed (:mod:`assay.bench.plan`), and the verdicts pair trials
within it. Sent whole to one node as one Ray task, a block keeps its methods on
the same machine, interleaved as on a laptop; nodes only ever differ *between*
blocks, which the analysis already treats as independent replicates.

On the node the task runs the block with the ordinary executors (a fork server
or a fresh interpreter per trial, :mod:`assay.bench.executor`), kept warm in the
Ray worker from one block to the next. It returns the block's trials, each
carrying the node it ran on (``details["node"]``: Ray node id, host, hardware and
an environment fingerprint).

The driver (:class:`RayRunner`) keeps the runner's contract:

- finished blocks come back with ``ray.wait`` in whatever order they finish and
  each trial is committed to the sink at once, so a killed driver loses only the
  blocks in flight; ``assay bench resume`` regenerates the plan from its seed
  and sends only the missing trials, exactly as for a local run;
- a block whose node is lost (the worker or node died, the object was lost) is
  sent again by the driver, up to :data:`RESUBMITS` times (Ray's own task
  retries are off, so that the driver knows and records it: such a block's
  trials carry ``details["resent"]``, the times it was sent again); a block's
  trials come back together or not at all, so none is recorded twice (and the
  store's unique key refuses a duplicate anyway); a block lost every time is
  recorded as crashed trials;
- before anything is written the driver asks every node that can take a block
  for its environment: nodes of different hardware (CPU model, GPU models) are
  refused unless ``allow_mixed_hardware``; a node of new hardware that joins
  during the run stops it the same way (its block is not recorded), and so does
  a resume on a cluster whose hardware differs from the nodes the run's stored
  trials ran on. With the option, every report of the run says that its trials
  mix hardware;
- when no live node can take a block (every worker died or left) for
  :data:`NODE_WAIT` seconds (``ASSAY_RAY_NODE_WAIT``), the driver stops with one
  line instead of waiting forever; the finished trials are kept, and
  ``assay bench resume RUN [--address HOST:PORT]`` finishes the run once nodes
  are back (on the same cluster or another of the same hardware).

Ray is an optional dependency (``pip install 'assay[ray]'``), imported only here
and only when a run asks for it.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import os
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assay.bench.executor import Executor, make_executor
from assay.bench.options import BenchOptions, keeps_interleaving
from assay.bench.plan import Block, TrialKey
from assay.bench.runner import ProgressCallback, Runner
from assay.bench.sink import MemorySink, RunHeader, RunSink
from assay.bench.spec import BenchmarkSpec, SpecSource, load_source
from assay.bench.stopping import StoppingRule
from assay.bench.trial import TrialResult, TrialStatus
from assay.bench.worker import TrialRequest
from assay.errors import InputError, NetworkUnavailableError, NotFoundError
from assay.measure.environment import collect_environment

if TYPE_CHECKING:
    from assay.bench.result import BenchmarkResult

__all__ = [
    "NODE_WAIT",
    "RESUBMITS",
    "RayRunner",
    "check_hardware",
    "hardware_label",
    "mixed_warning",
    "needs_gpu",
    "node_facts",
]

RESUBMITS = 3
"""Times the driver sends a lost block again (Ray's own task retries are off)."""

NODE_WAIT = 120.0
"""Seconds the driver waits for a live node that can take a block before it stops
(``ASSAY_RAY_NODE_WAIT`` overrides it)."""

POLL_S = 2.0
"""How often the driver, waiting for blocks, checks that some node can still take one."""


def node_wait() -> float:
    """:data:`NODE_WAIT`, or the seconds in ``ASSAY_RAY_NODE_WAIT``."""
    text = os.environ.get("ASSAY_RAY_NODE_WAIT", "").strip()
    if not text:
        return NODE_WAIT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(f"ASSAY_RAY_NODE_WAIT={text!r}: expected a positive number of seconds")
    return value


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(
            "--executor ray needs Ray on this machine and on the cluster's nodes: "
            "pip install 'assay[ray]'"
        ) from None
    return ray


# --------------------------------------------------------------------------- node facts


def hardware_label(environment: dict[str, Any]) -> str:
    """``CPU model; GPU model x2`` (or ``; no GPU``): what makes two nodes' times comparable."""
    cpu = (environment.get("cpu") or {}).get("model") or "unknown CPU"
    gpus = [str(g.get("model")) for g in environment.get("gpus") or []]
    if not gpus:
        return f"{cpu}; no GPU"
    counts = {model: gpus.count(model) for model in dict.fromkeys(gpus)}
    return f"{cpu}; " + ", ".join(f"{m} x{n}" if n > 1 else m for m, n in counts.items())


FINGERPRINT_PACKAGES = ("assay", "numpy", "scipy", "torch", "ray")
"""Distributions whose installed versions enter a node's fingerprint (when installed)."""


def installed_versions() -> dict[str, str]:
    """The installed versions of :data:`FINGERPRINT_PACKAGES`, whatever this process has
    imported: the environment's list of *loaded* packages differs between two workers
    of one node, and would give them different fingerprints."""
    versions = {}
    for name in FINGERPRINT_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _fingerprint(environment: dict[str, Any]) -> str:
    """A short hash of what moves a measurement and stays put between trials: the
    platform, CPU model and counts, memory, Python, the installed versions of the
    main packages and the GPUs (not the load average or clocks, which change by the
    minute)."""
    cpu = environment.get("cpu") or {}
    python = environment.get("python") or {}
    stable = {
        "platform": environment.get("platform"),
        "cpu": [cpu.get("model"), cpu.get("count"), cpu.get("usable")],
        "memory_total": environment.get("memory_total"),
        "python": [python.get("version"), python.get("implementation")],
        "packages": environment.get("installed") or {},
        "gpus": [[g.get("model"), g.get("driver")] for g in environment.get("gpus") or []],
    }
    text = json.dumps(stable, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def node_facts(node_id: str, environment: dict[str, Any]) -> dict[str, Any]:
    """What each trial records of its node: Ray node id, host, hardware, fingerprint."""
    return {
        "id": node_id,
        "host": environment.get("hostname") or socket.gethostname(),
        "hardware": hardware_label(environment),
        "fingerprint": _fingerprint(environment),
    }


def check_hardware(nodes: dict[str, dict[str, Any]], *, allow_mixed: bool) -> list[str]:
    """The hardware labels of ``nodes`` (node id -> :func:`node_facts`), in first-seen
    order; an :class:`InputError` naming them when they differ and ``allow_mixed`` is
    False: times from different CPUs or GPUs would be compared as if alike."""
    kinds: dict[str, list[str]] = {}
    for facts in nodes.values():
        kinds.setdefault(str(facts["hardware"]), []).append(str(facts.get("host")))
    if len(kinds) > 1 and not allow_mixed:
        listed = "; ".join(
            f"[{label}] on {', '.join(sorted(set(hosts)))}" for label, hosts in kinds.items()
        )
        raise InputError(
            f"the cluster's nodes differ in hardware: {listed}. Their times are not comparable; "
            "run on nodes of one kind, or pass --allow-mixed-hardware (every report says so)"
        )
    return list(kinds)


def mixed_warning(kinds: list[str]) -> str:
    """What every report of a run with ``allow_mixed_hardware`` says."""
    return (
        "--allow-mixed-hardware: this run's trials may come from nodes of different CPU or "
        f"GPU models and are compared together (hardware at the start: {' | '.join(kinds)})"
    )


def needs_gpu(spec: BenchmarkSpec) -> bool:
    """Whether a block asks Ray for a GPU: a method declared ``device="cuda"``."""
    return any(m.device == "cuda" for m in spec.methods)


# --------------------------------------------------------------------------- on the node


class _NodeState:
    """What a Ray worker process keeps between blocks: loaded specs, warm executors,
    its node's facts. Ray reuses worker processes, so the fork server imports the
    benchmark once per worker, not once per block."""

    def __init__(self) -> None:
        self.specs: dict[tuple[str, str], BenchmarkSpec] = {}
        self.executors: dict[tuple[Any, ...], Executor] = {}
        self.facts: dict[str, Any] | None = None
        atexit.register(self.close)

    def spec(self, source: SpecSource, fingerprint: str) -> BenchmarkSpec:
        key = (source.kind, source.ref)
        spec = self.specs.get(key)
        if spec is None or spec.fingerprint != fingerprint:
            spec = self.specs[key] = load_source(source)
        if spec.fingerprint != fingerprint:
            raise InputError(
                f"{source.ref} on node {socket.gethostname()} differs from the driver's copy; "
                "every node needs the same benchmark file at the same path"
            )
        return spec

    def executor(self, spec: BenchmarkSpec, options: BenchOptions) -> Executor:
        key: tuple[Any, ...] = (spec.source.kind, spec.source.ref, spec.fingerprint)
        key += (options.isolation, options.python, options.threads)
        executor = self.executors.get(key)
        if executor is None:
            executor = self.executors[key] = make_executor(spec, options)
        return executor

    def node(self, ray: Any) -> dict[str, Any]:
        if self.facts is None:
            node_id = ray.get_runtime_context().get_node_id()
            self.facts = node_facts(node_id, _node_environment())
        return self.facts

    def close(self) -> None:
        for executor in self.executors.values():
            executor.close()
        self.executors.clear()


_NODE: _NodeState | None = None


def _node_state() -> _NodeState:
    global _NODE
    if _NODE is None:
        _NODE = _NodeState()
    return _NODE


def run_block_on_node(
    source: tuple[str, str],
    fingerprint: str,
    options: dict[str, Any],
    block: Block,
    positions: list[int],
    interleave: bool,
) -> dict[str, Any]:
    """The body of a block's Ray task: run the block's missing trials (``positions``)
    on this node with its warm executor; return them with the node's facts."""
    ray = _ray()
    state = _node_state()
    spec = state.spec(SpecSource(*source), fingerprint)
    resolved = BenchOptions.from_dict(options)
    runner = Runner(spec, resolved, MemorySink(), executor=state.executor(spec, resolved))
    keys = block.trial_keys()
    trials = list(
        runner.block_trials(block, [(p, keys[p]) for p in positions], interleave=interleave)
    )
    facts = state.node(ray)
    marked = [dataclasses.replace(t, details={**t.details, "node": facts}) for t in trials]
    return {"node": facts, "trials": marked}


def probe_node() -> dict[str, Any]:
    """A node's facts with its full environment (the run header keeps it)."""
    ray = _ray()
    environment = _node_environment()
    node_id = ray.get_runtime_context().get_node_id()
    return {**node_facts(node_id, environment), "environment": environment}


def _node_environment() -> dict[str, Any]:
    """This node's environment, with the installed versions the fingerprint uses."""
    return {**collect_environment(), "installed": installed_versions()}


# --------------------------------------------------------------------------- the driver


def _reachable(address: str) -> None:
    """Refuse a ``HOST:PORT`` that nothing answers on, at once: Ray itself retries an
    unreachable head for minutes before it gives up."""
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return  # "auto": Ray looks for a cluster started on this machine
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise InputError(
            f"nothing answers at the Ray address {address} ({exc.strerror or exc}); "
            "start the head there with `ray start --head --port PORT`, or fix --address"
        ) from None


class _OnCluster:
    """The runner's executor slot when blocks run on a cluster: nothing runs here."""

    def start(self) -> None:
        """The driver connects in :meth:`RayRunner.header`."""

    def close(self) -> None:
        """The driver disconnects when its run ends."""

    def run(
        self, request: TrialRequest, *, timeout: float | None, memory_limit: int | None
    ) -> dict[str, Any]:
        raise AssertionError("a cluster run sends blocks to its nodes, never a trial here")

    def run_block(
        self, requests: list[TrialRequest], *, timeout: float | None, memory_limit: int | None
    ) -> list[dict[str, Any]]:
        raise AssertionError("a cluster run sends blocks to its nodes, never a block here")


@dataclasses.dataclass
class _Sent:
    block: Block
    positions: list[int]
    interleave: bool
    attempt: int = 0


class RayRunner(Runner):
    """A :class:`Runner` whose blocks run as Ray tasks; see the module docstring."""

    def __init__(
        self,
        spec: BenchmarkSpec,
        options: BenchOptions,
        sink: RunSink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> None:
        super().__init__(spec, options, sink, progress=progress, executor=_OnCluster())
        if spec.source.kind not in ("file", "module"):
            raise InputError(
                f"{spec.name} was built in memory, so a cluster node cannot load it; "
                "load it from a file (assay.bench.load_benchmark)"
            )
        self.ray: Any = None
        self.nodes: dict[str, dict[str, Any]] = {}
        self.gpu = needs_gpu(spec)
        self._pending: dict[Any, _Sent] = {}
        self._task: Any = None
        self._node_wait = node_wait()
        self._unable_since: float | None = None

    # -- connecting

    def header(self) -> RunHeader:
        """Connect, ask every node for its environment (refusing mixed hardware unless
        allowed), and record them beside the driver's in the header."""
        if self.environment is None:
            self._connect()
            self._check_stored_hardware()
            env = collect_environment(self.spec.directory())
            env["nodes"] = {node_id: facts for node_id, facts in self.nodes.items()}
            self.environment = env
        header = super().header()
        if not self.options.allow_mixed_hardware:
            return header
        kinds = sorted({str(facts["hardware"]) for facts in self.nodes.values()})
        return dataclasses.replace(header, warnings=[*header.warnings, mixed_warning(kinds)])

    def _connect(self) -> None:
        import logging

        ray = self.ray = _ray()
        address = self.options.address or os.environ.get("RAY_ADDRESS") or "auto"
        _reachable(address)
        try:
            ray.init(
                address=address,
                log_to_driver=False,
                logging_level=logging.WARNING,
                configure_logging=False,
                ignore_reinit_error=True,
            )
        except (ConnectionError, ValueError, RuntimeError) as exc:
            where = "here (no --address, no RAY_ADDRESS)" if address == "auto" else address
            raise InputError(
                f"cannot reach a Ray cluster {where}: {str(exc).splitlines()[0]} "
                "Start one with `ray start --head`, or give --address HOST:PORT"
            ) from None
        probes = {}
        cpus = self.options.threads or 1
        for node in ray.nodes():
            if not self._fits(node):
                continue
            strategy = ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy(
                node["NodeID"], soft=False
            )
            remote = ray.remote(probe_node).options(num_cpus=0, scheduling_strategy=strategy)
            probes[node["NodeID"]] = remote.remote()
        for node_id, ref in probes.items():
            try:
                self.nodes[node_id] = ray.get(ref)
            except ray.exceptions.RayError:
                continue  # the node left while being asked: it takes no block
        if not self.nodes:
            what = f"{cpus} CPU{'s' * (cpus > 1)} (--threads)"
            if self.gpu:
                what += " and a GPU (a method declares device='cuda')"
            raise InputError(f"the Ray cluster at {address} has no live node with {what}")
        check_hardware(self.nodes, allow_mixed=self.options.allow_mixed_hardware)
        self._task = ray.remote(run_block_on_node).options(
            num_cpus=cpus,
            num_gpus=1 if self.gpu else 0,
            max_retries=0,
            retry_exceptions=False,
        )

    def _check_stored_hardware(self) -> None:
        """On a resume, refuse (unless allowed) a cluster whose hardware differs from
        the nodes the run's stored trials ran on; before anything is written."""
        try:
            stored = self.sink.completed()
        except NotFoundError:  # a new run: nothing stored yet
            return
        before = {
            str(node["id"]): node
            for trial in stored
            if isinstance(node := trial.details.get("node"), dict) and "hardware" in node
        }
        if not before:
            return
        kinds = set(check_hardware(before, allow_mixed=True))
        now = set(check_hardware(self.nodes, allow_mixed=True))
        if kinds != now and not self.options.allow_mixed_hardware:
            raise InputError(
                f"the run's stored trials ran on [{' | '.join(sorted(kinds))}] and the cluster "
                f"now offers [{' | '.join(sorted(now))}]; their times are not comparable. "
                "Resume on nodes of the first kind, or resume with "
                "--allow-mixed-hardware (every report of the run then says so)"
            )

    def _fits(self, node: dict[str, Any]) -> bool:
        """Whether a node of ``ray.nodes()`` is alive and offers what a block asks for:
        ``--threads`` CPUs, and a GPU when a method declares CUDA."""
        resources = node.get("Resources", {})
        if not node.get("Alive") or resources.get("CPU", 0) < (self.options.threads or 1):
            return False
        return not self.gpu or resources.get("GPU", 0) >= 1

    def _can_take_a_block(self) -> bool:
        """Whether some node of the cluster could take a block now."""
        return any(self._fits(node) for node in self.ray.nodes())

    def _check_nodes(self) -> None:
        """Stop, keeping the finished trials, when no node could take a block for the
        last :func:`node_wait` seconds (module docstring)."""
        now = time.monotonic()
        if self._can_take_a_block():
            self._unable_since = None
            return
        if self._unable_since is None:
            self._unable_since = now
        if now - self._unable_since < self._node_wait:
            return
        cpus = self.options.threads or 1
        what = f"{cpus} CPU{'s' * (cpus > 1)}" + (" and a GPU" if self.gpu else "")
        run_id = getattr(self.sink, "run_id", None)
        resume = f"assay bench resume {run_id}" if run_id else "assay bench resume RUN"
        raise NetworkUnavailableError(
            f"no live node of the Ray cluster could take a block ({what}) for "
            f"{self._node_wait:g} s; the {len(self._done)} finished trials are kept. Once "
            f"nodes are back, finish the run with: {resume} [--address HOST:PORT]"
        )

    def run(self) -> BenchmarkResult:
        """Run (or resume) on the cluster; always disconnect, cancelling blocks in flight."""
        try:
            return super().run()
        finally:
            self._disconnect()

    def _disconnect(self) -> None:
        ray = self.ray
        if ray is None:
            return
        for ref in list(self._pending):
            with contextlib.suppress(Exception):  # best effort: the driver is leaving
                ray.cancel(ref, force=True)
        self._pending.clear()
        ray.shutdown()
        self.ray = None

    # -- the loop

    def _loop(self, header: RunHeader) -> str:
        options = self.options
        if not options.adaptive:
            self._run_blocks(iter(self.plan.blocks(options.trials)), look=False)
            return f"ran the {options.trials} planned trials per method"
        rule = self._rule = StoppingRule(header)
        for number, blocks in enumerate(self.plan.rounds()):
            if number >= options.max_trials:
                return f"reached max_trials={options.max_trials} before the stopping rule was met"
            reason = self._run_blocks(iter(blocks), look=number + 1 >= options.trials)
            if reason:
                return reason
            if number + 1 >= options.trials:
                reason = self._should_stop(rule)
                if reason:
                    return reason
        raise AssertionError("unreachable: the plan's rounds never end")

    def _window(self) -> int:
        """Blocks in flight at once: two per CPU (or GPU) the cluster offers, so that a
        node never waits for the driver and the object store holds little."""
        resources = self.ray.cluster_resources()
        slots = resources.get("GPU", 0) if self.gpu else resources.get("CPU", 0)
        return max(2, int(2 * slots))

    def _run_blocks(self, blocks: Iterator[Block], *, look: bool) -> str | None:
        """Send ``blocks`` (a window at a time) and record them as they finish; with
        ``look``, ask the stopping rule after each block, as a local run does."""
        ray = self.ray
        window = self._window()
        exhausted = False
        while True:
            while not exhausted and len(self._pending) < window:
                block = next(blocks, None)
                if block is None:
                    exhausted = True
                    break
                self._send(block)
            if not self._pending:
                return None
            ready, _ = ray.wait(list(self._pending), num_returns=1, timeout=POLL_S)
            if not ready:
                self._check_nodes()
                continue
            self._unable_since = None
            ref = ready[0]
            sent = self._pending.pop(ref)
            self._receive(ref, sent)
            if look and self._rule is not None:
                reason = self._should_stop(self._rule)
                if reason:
                    return reason
            budget = self.options.budget
            if budget is not None and self._spent() >= budget:
                return f"spent the budget of {budget:g} s"

    def _send(self, block: Block, attempt: int = 0) -> None:
        missing = self.missing(block)
        if not missing:
            return
        interleave = len(missing) > 1 and keeps_interleaving(self.options, self._done.values())
        positions = [p for p, _ in missing]
        source = (self.spec.source.kind, self.spec.source.ref)
        ref = self._task.remote(
            source, self.spec.fingerprint, self.options.to_dict(), block, positions, interleave
        )
        self._pending[ref] = _Sent(block, positions, interleave, attempt)

    def _receive(self, ref: Any, sent: _Sent) -> None:
        ray = self.ray
        try:
            payload = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, InputError):
                raise InputError(str(cause)) from None
            raise RuntimeError(f"block {sent.block.index} failed on its node: {exc}") from None
        except ray.exceptions.RayError as exc:  # the worker, node or object was lost
            if sent.attempt < RESUBMITS:
                self._send(sent.block, sent.attempt + 1)
            else:
                self._lost(sent, exc)
            return
        node = payload["node"]
        if node["id"] not in self.nodes:  # a node that joined during the run
            self.nodes[node["id"]] = node
            check_hardware(self.nodes, allow_mixed=self.options.allow_mixed_hardware)
        for trial in payload["trials"]:
            if trial.key in self._done:  # never twice, whatever came back
                continue
            if sent.attempt:
                trial = dataclasses.replace(
                    trial, details={**trial.details, "resent": sent.attempt}
                )
            self._record(trial)

    def _lost(self, sent: _Sent, error: Exception) -> None:
        """Record the block's trials as crashed: its node was lost every time."""
        keys = sent.block.trial_keys()
        reason = (
            f"the block's Ray task was lost {sent.attempt + 1} times "
            f"({type(error).__name__}); its node died or left the cluster"
        )
        for position in sent.positions:
            key: TrialKey = keys[position]
            if key in self._done:
                continue
            self._record(
                TrialResult(
                    key=key,
                    status=TrialStatus.CRASH,
                    block=sent.block.index,
                    position=position,
                    reason=reason,
                    started_at=time.time(),
                )
            )
