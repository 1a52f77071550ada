"""The decorators of a benchmark file."""

from __future__ import annotations

import numpy as np
import pytest

from assay.bench import registry
from assay.bench.registry import Command, Role, baseline, candidate, command, metric, workload
from assay.errors import InputError


@pytest.fixture(autouse=True)
def clean_registry():
    registry.forget(__name__)
    yield
    registry.forget(__name__)


def here() -> registry.Registry:
    return registry.registry_for(__name__)


def test_decorators_return_the_function_and_register_it() -> None:
    @workload
    def data(seed):
        return [seed]

    @baseline
    def base(data):
        return data

    @candidate(name="fancy")
    def cand(data):
        return data

    assert data(3) == [3]
    assert base([1]) == [1]
    (w,) = here().workloads
    assert w.name == "data"
    assert w.points() == [()]
    assert [(m.name, m.role) for m in here().methods] == [
        ("base", Role.BASELINE),
        ("fancy", Role.CANDIDATE),
    ]


def test_workload_grid_points_and_make() -> None:
    @workload(params={"n": [1, 2], "mode": ["a", "b"]}, items=len)
    def data(seed, n, mode):
        return [mode] * n

    (w,) = here().workloads
    assert w.points() == [
        (("n", 1), ("mode", "a")),
        (("n", 1), ("mode", "b")),
        (("n", 2), ("mode", "a")),
        (("n", 2), ("mode", "b")),
    ]
    assert w.make(0, (("n", 2), ("mode", "b"))) == ["b", "b"]
    assert w.items is len


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n": []}, "non-empty list"),
        ({"n": "abc"}, "non-empty list"),
        ({"n": [1, 1]}, "repeats"),
        ({"seed": [1]}, "other than 'seed'"),
        ({"n": [[1]]}, "string, an integer"),
        ({"n": [float("nan")]}, "finite float"),
        ([1, 2], "dict of name"),
    ],
)
def test_bad_grids_are_refused(params: object, message: str) -> None:
    with pytest.raises(InputError, match=message):

        @workload(params=params)  # type: ignore[arg-type]
        def data(seed, n):
            return n


def test_workload_signature_must_take_seed_and_params() -> None:
    with pytest.raises(InputError, match=r"must accept \(seed, n\)"):

        @workload(params={"n": [1]})
        def data(seed):
            return seed


def test_metric_needs_a_direction() -> None:
    with pytest.raises(InputError, match="higher_is_better=True"):

        @metric  # type: ignore[arg-type]
        def accuracy(output):
            return 1.0

    with pytest.raises(InputError, match="higher_is_better"):
        metric()


def test_metric_arity_and_evaluation() -> None:
    @metric(higher_is_better=True)
    def one(output):
        return output

    @metric(higher_is_better=False, name="two", margin=0.01, primary=True)
    def with_input(output, data):
        return [output, data]

    first, second = here().metrics
    assert not first.takes_input
    assert first.evaluate(2, 3) == 2.0
    assert second.takes_input
    assert second.name == "two"
    assert second.primary
    assert np.array_equal(second.evaluate(2, 3), [2.0, 3.0])


def test_metric_with_a_bad_signature() -> None:
    with pytest.raises(InputError, match=r"\(output\) or \(output, data\)"):

        @metric(higher_is_better=True)
        def nothing():
            return 1.0


def test_metric_values_must_be_numbers_or_a_flat_sequence() -> None:
    @metric(higher_is_better=True)
    def matrix(output):
        return [[1, 2], [3, 4]]

    with pytest.raises(ValueError, match="per-example"):
        here().metrics[0].evaluate(None, None)


def test_metric_margin_is_a_fraction() -> None:
    with pytest.raises(InputError, match="fraction"):
        metric(higher_is_better=True, margin=2.0)


def test_commands_render_placeholders_without_a_shell() -> None:
    cmd = command("./serve --fast {n} --seed={seed} 'a b'")
    assert isinstance(cmd, Command)
    assert cmd.placeholders() == {"n", "seed"}
    assert cmd.render(7, (("n", 256),)) == ["./serve", "--fast", "256", "--seed=7", "a b"]
    assert cmd.module == __name__
    assert baseline(cmd, name="serve") is cmd
    (method,) = here().methods
    assert method.is_command
    assert method.name == "serve"
    with pytest.raises(TypeError):
        method.bind()


def test_command_default_name_is_its_template() -> None:
    candidate(command("sleep 0"))
    assert here().methods[0].name == "sleep 0"


@pytest.mark.parametrize("text", ["", "   ", "echo 'unclosed"])
def test_bad_commands(text: str) -> None:
    with pytest.raises(InputError):
        command(text)


def test_components_expand_to_leave_one_out_variants() -> None:
    @candidate(components=("tiling", "fusion"))
    def fast(data, *, tiling, fusion):
        return (tiling, fusion)

    methods = {m.name: m for m in here().methods}
    assert set(methods) == {"fast", "fast-without-tiling", "fast-without-fusion"}
    assert methods["fast"].bind()(None) == (True, True)
    assert methods["fast-without-tiling"].bind()(None) == (False, True)
    assert all(m.family == "fast" for m in methods.values())


def test_factorial_ablation_has_every_combination() -> None:
    @candidate(components=("a", "b"), ablation="factorial")
    def fast(data, *, a, b):
        return (a, b)

    names = sorted(m.name for m in here().methods)
    assert names == ["fast", "fast-without-a", "fast-without-a-and-b", "fast-without-b"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"components": "tiling"}, "list of identifiers"),
        ({"components": ("a", "a")}, "repeat"),
        ({"components": ("a",), "ablation": "random"}, "ablation="),
    ],
)
def test_bad_components(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        candidate(**kwargs)  # type: ignore[call-overload]


def test_components_need_a_function() -> None:
    with pytest.raises(InputError, match="Python function"):
        candidate(components=("a",))(command("true"))  # type: ignore[arg-type]


def test_non_callables_are_refused() -> None:
    with pytest.raises(InputError, match="needs a function"):
        baseline(42)  # type: ignore[call-overload]


def test_bad_names_are_refused() -> None:
    with pytest.raises(InputError, match="printable"):

        @baseline(name="line\nbreak")
        def base(data):
            return data

    with pytest.raises(InputError, match="not usable"):

        @metric(higher_is_better=True, name="has space")
        def m(output):
            return 1.0
