"""The Ray executor's rules that need no cluster: node facts, the mixed-hardware guard,
the options that go with ``--executor ray``, ``device=`` on methods, the report's
warning. The runs on a real local cluster are in
tests/integration/bench/test_ray_executor.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from assay.bench.analysis import analyse
from assay.bench.cluster import (
    check_hardware,
    hardware_label,
    mixed_warning,
    needs_gpu,
    node_facts,
)
from assay.bench.options import BenchOptions, Isolation
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.spec import BenchmarkSpec
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import InputError

XEON = "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"
EPYC = "AMD EPYC 7763 64-Core Processor"


def environment(cpu: str = XEON, gpus: tuple[str, ...] = (), load: float = 0.5) -> dict[str, Any]:
    """What :func:`assay.measure.environment.collect_environment` returns, in part."""
    return {
        "hostname": "node-a",
        "platform": "Linux-6.1-x86_64",
        "cpu": {"model": cpu, "count": 8, "usable": 8},
        "load_average": [load, load, load],
        "memory_total": 2**34,
        "python": {"version": "3.11.7", "implementation": "CPython"},
        "packages": {"numpy": "2.1.0"},
        "installed": {"assay": "0.1.0", "numpy": "2.1.0"},
        "gpus": [{"model": g, "driver": "550.54", "sm_clock_mhz": "1410"} for g in gpus],
    }


def test_hardware_is_the_cpu_model_and_the_gpus() -> None:
    assert hardware_label(environment()) == f"{XEON}; no GPU"
    two = environment(gpus=("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"))
    assert hardware_label(two) == f"{XEON}; NVIDIA H100 80GB HBM3 x2"
    assert hardware_label({}) == "unknown CPU; no GPU"


def test_the_fingerprint_ignores_what_changes_by_the_minute() -> None:
    quiet = node_facts("n1", environment(load=0.1))
    busy = node_facts("n1", environment(load=7.5))
    assert quiet == busy
    assert quiet["fingerprint"] != node_facts("n1", environment(cpu=EPYC))["fingerprint"]
    more_loaded = dict(environment(), packages={"numpy": "2.1.0", "pandas": "2.2.0"})
    assert node_facts("n1", more_loaded) == quiet  # what a worker imported is not the node
    upgraded = dict(environment(), installed={"assay": "0.1.0", "numpy": "2.2.0"})
    assert node_facts("n1", upgraded)["fingerprint"] != quiet["fingerprint"]
    assert quiet["host"] == "node-a"
    assert len(quiet["fingerprint"]) == 12


def test_nodes_of_one_hardware_pass() -> None:
    nodes = {f"n{i}": node_facts(f"n{i}", environment()) for i in range(3)}
    assert check_hardware(nodes, allow_mixed=False) == [f"{XEON}; no GPU"]


def test_nodes_of_different_hardware_are_refused_unless_allowed() -> None:
    nodes = {
        "n1": node_facts("n1", environment()),
        "n2": dict(node_facts("n2", environment(cpu=EPYC)), host="node-b"),
    }
    with pytest.raises(InputError) as refused:
        check_hardware(nodes, allow_mixed=False)
    message = str(refused.value)
    assert XEON in message
    assert EPYC in message
    assert "node-b" in message
    assert "--allow-mixed-hardware" in message
    assert "\n" not in message
    assert len(check_hardware(nodes, allow_mixed=True)) == 2


def test_a_gpu_makes_different_hardware() -> None:
    nodes = {
        "n1": node_facts("n1", environment(gpus=("NVIDIA A100-SXM4-40GB",))),
        "n2": node_facts("n2", environment(gpus=("NVIDIA H100 80GB HBM3",))),
    }
    with pytest.raises(InputError, match="differ in hardware"):
        check_hardware(nodes, allow_mixed=False)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"address": "10.0.0.1:6379"}, "needs --executor ray"),
        ({"allow_mixed_hardware": True}, "--allow-mixed-hardware needs --executor ray"),
        ({"executor": "dask"}, "executor='dask' (--executor) is unknown"),
        ({"executor": "ray", "address": "head"}, "must be HOST:PORT (the Ray head"),
        ({"executor": "ray", "address": "head:99999"}, "must be HOST:PORT (the Ray head"),
        ({"executor": "ray", "address": "'; rm -rf /:1"}, "must be HOST:PORT (the Ray head"),
        (
            {"executor": "ray", "isolation": Isolation.IN_PROCESS},
            "drop --isolation in-process",
        ),
    ],
)
def test_options_that_need_or_refuse_the_ray_executor(
    options: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        BenchOptions(**options)


@pytest.mark.parametrize("address", ["10.0.0.5:6379", "head-1.lab:6379", "[::1]:6379",
                                     "ray://head:10001", "auto"])  # fmt: skip
def test_ray_addresses_people_write_are_accepted(address: str) -> None:
    assert BenchOptions(executor="ray", address=address).address == address


def test_ray_options_round_trip_through_the_stored_header() -> None:
    options = BenchOptions(executor="ray", address="10.0.0.1:6379", allow_mixed_hardware=True)
    assert BenchOptions.from_dict(options.to_dict()) == options
    old = options.to_dict()
    for name in ("executor", "address", "allow_mixed_hardware"):
        del old[name]  # a run stored before the Ray executor existed
    assert BenchOptions.from_dict(old).executor == "local"


GPU_BENCH = """
    import assay.bench as assay

    @assay.workload
    def data(seed):
        return seed

    @assay.baseline(device={device!r})
    def base(x):
        return x

    @assay.candidate
    def cand(x):
        return x
"""


def test_a_method_declares_its_device(load_bench: Callable[..., BenchmarkSpec]) -> None:
    spec = load_bench(GPU_BENCH.format(device="cuda"))
    assert [m.device for m in spec.methods] == ["cuda", "cpu"]
    assert needs_gpu(spec)
    assert spec.describe()["devices"] == {"base": "cuda"}
    cpu_only = load_bench(GPU_BENCH.format(device="cpu"), "bench_cpu.py")
    assert not needs_gpu(cpu_only)
    assert "devices" not in cpu_only.describe()


def test_an_unknown_device_is_refused(load_bench: Callable[..., BenchmarkSpec]) -> None:
    with pytest.raises(InputError, match="device='gpu' must be one of 'cpu', 'cuda'"):
        load_bench(GPU_BENCH.format(device="gpu"))


def header(**options: object) -> RunHeader:
    spec = {"name": "b", "baseline": "base", "candidates": ["cand"], "metrics": [],
            "workload": {"name": "data", "params": {}}, "variants": {}}  # fmt: skip
    opts = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01, "max_trials": 50}
    return RunHeader(spec, {**opts, **options}, {}, [], None)


def arms(effect: float, n: int = 12) -> list[TrialResult]:
    """``n`` blocks of a baseline and a candidate ``effect`` slower, the baseline first."""
    out = []
    for seed in range(n):
        for position, (method, time) in enumerate((("base", 1e-3), ("cand", 1e-3 * (1 + effect)))):
            time *= 1 + 0.001 * seed
            out.append(
                TrialResult(TrialKey(method, (), seed), TrialStatus.OK, block=seed,
                            position=position, values={"time": time},
                            samples={"time": np.full(5, time)})
            )  # fmt: skip
    return out


def _on(trials: list[Any], hardware: str) -> list[Any]:
    node = {"id": hardware[:4], "host": "h", "hardware": hardware, "fingerprint": "0" * 12}
    return [dataclasses.replace(t, details={"node": node}) for t in trials]


def test_a_report_says_when_its_trials_mix_hardware() -> None:
    trials = arms(0.1)
    mixed = _on(trials[:12], f"{XEON}; no GPU") + _on(trials[12:], f"{EPYC}; no GPU")
    allowed = header(executor="ray", allow_mixed_hardware=True)
    allowed = dataclasses.replace(allowed, warnings=[mixed_warning([XEON, EPYC])])
    warnings = analyse(allowed, mixed).warnings
    assert any(w.startswith("--allow-mixed-hardware") for w in warnings)
    said = [w for w in warnings if w.startswith("trials ran on 2 kinds of hardware")]
    assert len(said) == 1
    assert "(allowed with --allow-mixed-hardware)" in said[0]
    assert "12 trials" in said[0]
    one_kind = analyse(header(), _on(trials, f"{XEON}; no GPU")).warnings
    assert not any("hardware" in w for w in one_kind)


def test_a_node_refuses_a_benchmark_file_that_differs_from_the_drivers(
    write_bench: Callable[..., Any], load_bench: Callable[..., BenchmarkSpec]
) -> None:
    from assay.bench.cluster import _NodeState

    driver = load_bench(GPU_BENCH.format(device="cpu"))
    same, edited = _NodeState(), _NodeState()  # two Ray workers, before and after an edit
    try:
        assert same.spec(driver.source, driver.fingerprint).fingerprint == driver.fingerprint
        write_bench(GPU_BENCH.format(device="cpu") + "    # edited on this node\n")
        with pytest.raises(InputError, match="differs from the driver's copy"):
            edited.spec(driver.source, driver.fingerprint)
    finally:
        same.close()
        edited.close()


class _Nodes:
    """The part of the ``ray`` module the driver's node check reads: ``nodes()``."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.listed = nodes

    def nodes(self) -> list[dict[str, Any]]:
        return self.listed


def _runner(load_bench: Callable[..., BenchmarkSpec], trials: list[Any], **options: Any) -> Any:
    from assay.bench.cluster import RayRunner
    from assay.bench.sink import MemorySink

    spec = load_bench(GPU_BENCH.format(device="cpu"))
    return RayRunner(spec, BenchOptions(executor="ray", **options), MemorySink(trials))


def test_a_resume_on_other_hardware_is_refused_before_anything_is_written(
    load_bench: Callable[..., BenchmarkSpec],
) -> None:
    stored = _on(arms(0.1, n=2), f"{XEON}; no GPU")
    runner = _runner(load_bench, stored)
    runner.nodes = {"n9": node_facts("n9", environment(cpu=EPYC))}
    with pytest.raises(InputError, match="stored trials ran on") as refused:
        runner._check_stored_hardware()
    assert XEON in str(refused.value) and EPYC in str(refused.value)
    assert "or resume with --allow-mixed-hardware" in str(refused.value)
    assert runner.sink.header is None and len(runner.sink.trials) == 4  # nothing written
    runner.nodes = {"n9": node_facts("n9", environment())}  # the same hardware: resumes
    runner._check_stored_hardware()
    allowed = _runner(load_bench, stored, allow_mixed_hardware=True)
    allowed.nodes = {"n9": node_facts("n9", environment(cpu=EPYC))}
    allowed._check_stored_hardware()
    fresh = _runner(load_bench, [])  # a new run has nothing to compare with
    fresh.nodes = {"n9": node_facts("n9", environment(cpu=EPYC))}
    fresh._check_stored_hardware()


def test_the_driver_stops_when_no_node_can_take_a_block(
    load_bench: Callable[..., BenchmarkSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.errors import NetworkUnavailableError

    monkeypatch.setenv("ASSAY_RAY_NODE_WAIT", "0.05")
    runner = _runner(load_bench, [])
    dead = {"Alive": False, "Resources": {"CPU": 4.0}}
    head = {"Alive": True, "Resources": {"CPU": 0.0}}  # a head without CPUs takes no block
    runner.ray = _Nodes([dead, head])
    runner._check_nodes()  # the first look starts the clock
    import time

    time.sleep(0.1)
    said = re.escape("could take a block (1 CPU) for 0.05 s")
    with pytest.raises(NetworkUnavailableError, match=said):
        runner._check_nodes()
    runner.ray = _Nodes([head, {"Alive": True, "Resources": {"CPU": 1.0}}])
    runner._check_nodes()  # a node came back: the clock stops
    assert runner._unable_since is None
    runner.gpu = True  # a block that needs a GPU finds none on a CPU node
    assert not runner._can_take_a_block()


@pytest.mark.parametrize("text", ["0", "-3", "soon"])
def test_a_bad_node_wait_is_one_clear_error(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from assay.bench.cluster import NODE_WAIT, node_wait

    monkeypatch.setenv("ASSAY_RAY_NODE_WAIT", text)
    with pytest.raises(InputError, match="ASSAY_RAY_NODE_WAIT"):
        node_wait()
    monkeypatch.delenv("ASSAY_RAY_NODE_WAIT")
    assert node_wait() == NODE_WAIT
