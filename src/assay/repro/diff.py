"""Layer-by-layer comparison of a reference implementation and a reimplementation.

Both sides run on the same input and produce named intermediate arrays, in the
order they were computed. Layers are matched by name (a ``name_map`` renames the
candidate's layers to the reference's), and each pair is compared element-wise
with the rule of :func:`numpy.isclose`, the reference as the expected value::

    |candidate - reference| <= atol + rtol * |reference|

NaNs in the same places count as equal; a NaN on one side only breaks the
tolerance. The report lists, per layer, both shapes, the largest absolute error,
the largest relative error (over elements where the reference is not zero), how
many elements break the tolerance, and the *worst element* as the check saw it:
the element whose error is the largest multiple of what it is allowed, with its
``|candidate - reference|`` and its ``atol + rtol * |reference|``. A layer has
elements outside the tolerance exactly when its worst error exceeds its allowance
(the relative error alone can look small while the check fails: with the
defaults, ``rtol`` is 1.3e-6 and ``atol`` only matters near zero; and elements
where the reference is zero have no relative error at all).
:attr:`DiffReport.first_break` names the
first layer, in the reference's order, whose outputs differ beyond tolerance or in
shape. Errors compound downstream, so the first break is where to look.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import importlib.util
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import InputError

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "DiffReport",
    "LayerDiff",
    "NamedArrays",
    "compare_layers",
    "diff_numpy",
    "load_target",
]

#: Tolerances of torch.testing for float32, the usual precision of both sides.
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1.3e-6

NamedArrays = Iterable[tuple[str, npt.ArrayLike]] | Mapping[str, npt.ArrayLike]


@dataclasses.dataclass(frozen=True)
class LayerDiff:
    """One layer compared. Errors are None when the layer could not be compared."""

    name: str
    reference_shape: tuple[int, ...] | None
    candidate_shape: tuple[int, ...] | None
    max_abs_error: float | None
    max_rel_error: float | None
    mismatched: int
    size: int
    problem: str = ""
    worst_error: float | None = None
    """``|candidate - reference|`` at the worst element (NaN for a NaN on one side)."""
    worst_allowed: float | None = None
    """``atol + rtol * |reference|`` at the worst element."""

    @property
    def worst_ratio(self) -> float | None:
        """The worst element's error as a multiple of its allowance (above 1: it breaks)."""
        if self.worst_error is None or self.worst_allowed is None:
            return None
        if self.worst_error == float("inf"):
            return float("inf")
        if self.worst_allowed > 0:
            return self.worst_error / self.worst_allowed
        return 0.0 if self.worst_error == 0 else float("inf")

    @property
    def compared(self) -> bool:
        return self.reference_shape is not None and self.candidate_shape is not None

    @property
    def breaks(self) -> bool:
        """True when both sides exist and differ in shape or beyond tolerance."""
        return self.compared and (self.mismatched > 0 or self.problem == "shape mismatch")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reference_shape": list(self.reference_shape) if self.reference_shape else None,
            "candidate_shape": list(self.candidate_shape) if self.candidate_shape else None,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "mismatched": self.mismatched,
            "size": self.size,
            "worst_error": self.worst_error,
            "worst_allowed": self.worst_allowed,
            "worst_ratio": self.worst_ratio,
            "breaks": self.breaks,
            "problem": self.problem,
        }


@dataclasses.dataclass(frozen=True)
class DiffReport:
    """Every layer compared, in the reference's order, then the candidate's extras."""

    layers: tuple[LayerDiff, ...]
    atol: float
    rtol: float

    @property
    def first_break(self) -> LayerDiff | None:
        return next((layer for layer in self.layers if layer.breaks), None)

    @property
    def unmatched(self) -> tuple[str, ...]:
        return tuple(layer.name for layer in self.layers if not layer.compared)

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.unmatched

    def summary(self) -> str:
        first = self.first_break
        tolerance = f"atol {self.atol:g}, rtol {self.rtol:g}"
        if first is None:
            compared = sum(layer.compared for layer in self.layers)
            text = f"all {compared} compared layers agree within {tolerance}"
        elif first.problem:
            text = f"first break: {first.name} ({first.problem})"
        else:
            text = (
                f"first break: {first.name}, max abs error {first.max_abs_error:.3g}, "
                f"{first.mismatched} of {first.size} elements outside {tolerance}; "
                f"worst element off by {first.worst_error:.3g} where {first.worst_allowed:.3g} "
                f"is allowed ({_times(first.worst_ratio)})"
            )
        if self.unmatched:
            text += f"; not compared (missing on one side): {', '.join(self.unmatched)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        first = self.first_break
        return {
            "atol": self.atol,
            "rtol": self.rtol,
            "first_break": first.name if first else None,
            "unmatched": list(self.unmatched),
            "summary": self.summary(),
            "layers": [layer.to_dict() for layer in self.layers],
        }


def _times(ratio: float | None) -> str:
    """``4.7x the tolerance``, or what stands for a ratio that is no number."""
    if ratio is None or math.isnan(ratio):
        return "NaN on one side"
    if ratio == float("inf"):
        return "no error is allowed"
    return f"{ratio:.3g}x the tolerance"


def _worst(diff: npt.NDArray[Any], allowed: npt.NDArray[Any]) -> tuple[float, float] | None:
    """The error and allowance of the element whose error is the largest multiple of
    its allowance (a NaN error, or an error where nothing is allowed, ranks first)."""
    if diff.size == 0:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(allowed > 0, diff / np.where(allowed > 0, allowed, 1.0), np.inf)
    ratio = np.where(diff == 0, 0.0, ratio)
    ratio = np.where(np.isfinite(diff), ratio, np.inf)
    index = int(np.argmax(ratio))
    return float(diff.flat[index]), float(allowed.flat[index])


def _as_array(value: npt.ArrayLike, side: str, name: str) -> npt.NDArray[Any]:
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    if array.dtype.kind == "c":
        return array.astype(np.complex128)
    raise InputError(
        f"{side} layer {name!r} yielded {array.dtype} values; expected numbers (an array)"
    )


def _collect(side: str, named: NamedArrays) -> dict[str, npt.NDArray[Any]]:
    items = named.items() if isinstance(named, Mapping) else named
    arrays: dict[str, npt.NDArray[Any]] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[0], str):
            raise InputError(
                f"the {side} yielded {type(item).__name__}; expected (name, array) pairs"
            )
        name, value = item
        key, n = name, 1
        while key in arrays:  # a layer applied twice: name, name#2, ...
            n += 1
            key = f"{name}#{n}"
        arrays[key] = _as_array(value, side, name)
    return arrays


def _compare(
    name: str, ref: npt.NDArray[Any], cand: npt.NDArray[Any], atol: float, rtol: float
) -> LayerDiff:
    if ref.shape != cand.shape:
        return LayerDiff(name, ref.shape, cand.shape, None, None, 0, ref.size, "shape mismatch")
    both_nan = np.isnan(ref) & np.isnan(cand)
    diff = np.abs(cand - ref)
    diff = np.where(both_nan, 0.0, diff)
    same_inf = np.isinf(ref) & (cand == ref)
    diff = np.where(same_inf, 0.0, diff)
    allowed = atol + rtol * np.abs(ref)
    allowed = np.where(np.isnan(allowed), 0.0, allowed)
    # NaN differences count as bad, and so does an infinity on one side only
    bad = ~(diff <= allowed) | ~np.isfinite(diff)
    bad &= ~both_nan
    finite = diff[np.isfinite(diff)]
    max_abs = float(np.max(diff)) if diff.size else 0.0
    if np.isnan(diff).any():
        max_abs = float("nan")
    nonzero = np.abs(ref) > 0
    with np.errstate(invalid="ignore"):  # inf / inf for an infinity on one side: NaN
        rel = diff[nonzero] / np.abs(ref[nonzero]) if nonzero.any() else None
    max_rel = None if rel is None or rel.size == 0 else float(np.max(rel))
    problem = "" if finite.size == diff.size else "NaN or infinity on one side only"
    worst = _worst(diff, allowed)
    return LayerDiff(
        name, ref.shape, cand.shape, max_abs, max_rel, int(np.count_nonzero(bad)), ref.size,
        problem, *(worst or (None, None)),
    )  # fmt: skip


def _missing(
    name: str, ref: tuple[int, ...] | None, cand: tuple[int, ...] | None, size: int, side: str
) -> LayerDiff:
    return LayerDiff(name, ref, cand, None, None, 0, size, f"missing in {side}")


def compare_layers(
    reference: NamedArrays,
    candidate: NamedArrays,
    *,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    name_map: Mapping[str, str] | None = None,
) -> DiffReport:
    """Compare two sequences of named arrays layer by layer.

    ``name_map`` renames candidate layers (candidate name → reference name).
    """
    if atol < 0 or rtol < 0:
        raise InputError(f"tolerances must not be negative; got atol={atol}, rtol={rtol}")
    ref = _collect("reference", reference)
    renamed = name_map or {}
    cand = {renamed.get(k, k): v for k, v in _collect("candidate", candidate).items()}
    layers = []
    for name, array in ref.items():
        if name in cand:
            layers.append(_compare(name, array, cand[name], atol, rtol))
        else:
            layers.append(
                LayerDiff(
                    name, array.shape, None, None, None, 0, array.size, "missing in candidate"
                )
            )
    for name, array in cand.items():
        if name not in ref:
            layers.append(
                LayerDiff(
                    name, None, array.shape, None, None, 0, array.size, "missing in reference"
                )
            )
    return DiffReport(tuple(layers), atol, rtol)


def diff_numpy(
    reference: Callable[[Any], NamedArrays],
    candidate: Callable[[Any], NamedArrays],
    inputs: Any,
    *,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    name_map: Mapping[str, str] | None = None,
) -> DiffReport:
    """Run both sides on (a deep copy of) the same input and compare what they yield.

    Each side is a callable taking the input and yielding ``(name, array)`` pairs
    in the order it computes them (a generator is the natural way), or returning
    a mapping from name to array.
    """
    ref = _collect("reference", reference(copy.deepcopy(inputs)))
    cand = _collect("candidate", candidate(copy.deepcopy(inputs)))
    return compare_layers(ref, cand, atol=atol, rtol=rtol, name_map=name_map)


def load_target(spec: str) -> Any:
    """The object named by ``path/to/file.py:name`` or ``package.module:name``.

    Used to find the two sides of ``assay repro diff``; the module is imported,
    which runs its top-level code.
    """
    module_part, sep, attr = spec.rpartition(":")
    if not sep or not module_part or not attr:
        raise InputError(f"{spec!r} does not name an object; expected FILE.py:NAME or MODULE:NAME")
    if module_part.endswith(".py"):
        path = Path(module_part)
        if not path.is_file():
            raise InputError(f"{spec!r}: no such file {path}")
        name = f"_assay_repro_{abs(hash(path.resolve()))}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise InputError(f"{spec!r}: {path} cannot be imported as Python")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise InputError(f"{spec!r}: no module {exc.name!r}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise InputError(f"{spec!r}: {module_part} has no {attr!r}") from None
