"""Layer-by-layer diff, NumPy path: two implementations that differ in one epsilon."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from assay.errors import InputError, MissingDependencyError
from assay.repro import compare_layers, diff_numpy, diff_torch, load_target

Array = npt.NDArray[np.float64]
RNG = np.random.default_rng(20260301)
W1 = RNG.normal(size=(16, 32)) / 4
W2 = RNG.normal(size=(32, 16)) / 100  # small activations: the eps of ln2 matters
W3 = RNG.normal(size=(16, 4))
X = RNG.normal(size=(8, 16))


def _layer_norm(x: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    normalised: Array = (x - mean) / np.sqrt(var + eps)
    return normalised


def _model(ln2_eps: float):  # type: ignore[no-untyped-def]
    def forward(x: Array) -> Iterator[tuple[str, Array]]:
        h = x @ W1
        yield "fc1", h
        h = np.maximum(h, 0)
        yield "relu", h
        h = _layer_norm(h, 1e-5)
        yield "ln1", h
        h = h @ W2
        yield "fc2", h
        h = _layer_norm(h, ln2_eps)
        yield "ln2", h
        yield "head", h @ W3

    return forward


def test_the_layer_whose_epsilon_differs_is_reported_first() -> None:
    report = diff_numpy(_model(1e-5), _model(1e-6), X)
    assert [layer.name for layer in report.layers] == ["fc1", "relu", "ln1", "fc2", "ln2", "head"]
    assert [layer.breaks for layer in report.layers] == [False, False, False, False, True, True]
    first = report.first_break
    assert first is not None
    assert first.name == "ln2"
    assert first.reference_shape == first.candidate_shape == (8, 16)
    assert first.max_abs_error is not None
    assert first.max_abs_error > 1e-4
    assert first.max_rel_error is not None
    assert first.max_rel_error > 1e-4
    assert report.layers[0].max_abs_error == 0.0
    assert report.summary().startswith("first break: ln2, max abs error ")
    data = report.to_dict()
    assert data["first_break"] == "ln2"
    assert data["layers"][4]["reference_shape"] == [8, 16]


def test_identical_models_agree() -> None:
    report = diff_numpy(_model(1e-5), _model(1e-5), X)
    assert report.ok
    assert report.first_break is None
    assert report.summary() == "all 6 compared layers agree within atol 1e-05, rtol 1.3e-06"


def test_loose_tolerances_hide_the_difference() -> None:
    assert diff_numpy(_model(1e-5), _model(1e-6), X, atol=1.0, rtol=0.1).first_break is None


def test_errors_are_measured_against_the_reference() -> None:
    ref = [("a", np.array([1.0, 2.0, 0.0, -4.0]))]
    cand = [("a", np.array([1.0, 2.1, 0.5, -4.0]))]
    (layer,) = compare_layers(ref, cand, atol=0.01, rtol=0.01).layers
    assert layer.max_abs_error == pytest.approx(0.5)
    assert layer.max_rel_error == pytest.approx(0.05)  # 0.1 / 2; the zero is left out
    assert layer.mismatched == 2
    assert layer.size == 4


def test_shape_mismatch_and_missing_layers() -> None:
    ref = {"embed": np.zeros((2, 3)), "proj": np.zeros((2, 3)), "gone": np.zeros(1)}
    cand = {"embed": np.zeros((2, 3)), "proj": np.zeros((3, 2)), "extra": np.ones(2)}
    report = compare_layers(ref, cand)
    assert [(layer.name, layer.problem) for layer in report.layers] == [
        ("embed", ""),
        ("proj", "shape mismatch"),
        ("gone", "missing in candidate"),
        ("extra", "missing in reference"),
    ]
    first = report.first_break
    assert first is not None
    assert (first.name, first.reference_shape, first.candidate_shape) == ("proj", (2, 3), (3, 2))
    assert report.unmatched == ("gone", "extra")
    assert "not compared (missing on one side): gone, extra" in report.summary()


def test_name_map_and_repeated_layers() -> None:
    ref = [("block", np.ones(2)), ("block", np.ones(2) * 2)]
    cand = [("layer", np.ones(2)), ("layer", np.ones(2) * 3)]
    report = compare_layers(ref, cand, name_map={"layer": "block", "layer#2": "block#2"})
    assert [layer.name for layer in report.layers] == ["block", "block#2"]
    first = report.first_break
    assert first is not None
    assert first.name == "block#2"


def test_nans_in_the_same_place_are_equal() -> None:
    nan = float("nan")
    same = compare_layers([("x", [1.0, nan])], [("x", [1.0, nan])])
    assert same.first_break is None
    one_sided = compare_layers([("x", [1.0, 2.0])], [("x", [1.0, nan])])
    first = one_sided.first_break
    assert first is not None
    assert first.mismatched == 1
    assert first.problem == "NaN or infinity on one side only"


def test_each_side_gets_its_own_copy_of_the_input() -> None:
    def mutating(x: Array) -> Iterator[tuple[str, Array]]:
        x *= 2
        yield "out", x

    def clean(x: Array) -> Iterator[tuple[str, Array]]:
        yield "out", x * 2

    data = np.ones(3)
    assert diff_numpy(mutating, clean, data).ok
    assert data.tolist() == [1.0, 1.0, 1.0]


def test_bad_input() -> None:
    with pytest.raises(InputError, match="must not be negative"):
        compare_layers([], [], atol=-1)
    with pytest.raises(InputError, match=r"expected \(name, array\) pairs"):
        compare_layers([np.ones(2)], [])  # type: ignore[list-item]
    with pytest.raises(InputError, match="yielded <U1 values"):
        compare_layers([("a", np.array(["x"]))], [])


def test_load_target_from_a_file_and_a_module(tmp_path: Path) -> None:
    source = tmp_path / "ref_impl.py"
    source.write_text(textwrap.dedent("def forward(x):\n    yield 'out', x\n"))
    forward = load_target(f"{source}:forward")
    assert list(forward(1)) == [("out", 1)]
    assert load_target("assay.repro:compare_layers") is compare_layers
    with pytest.raises(InputError, match=r"expected FILE\.py:NAME"):
        load_target("no-colon")
    with pytest.raises(InputError, match="no such file"):
        load_target(f"{tmp_path / 'missing.py'}:x")
    with pytest.raises(InputError, match="has no 'nope'"):
        load_target("assay.repro:nope")
    with pytest.raises(InputError, match="no module 'no_such_module_xyz'"):
        load_target("no_such_module_xyz:x")


def test_the_torch_path_without_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(MissingDependencyError) as info:
        diff_torch(object(), object(), None)
    assert info.value.package == "torch"
    assert "pip install 'assay[torch]'" in str(info.value)
