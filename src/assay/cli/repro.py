"""``assay repro diff``: a reference implementation against a reimplementation, layer by layer.

Each side is named ``FILE.py:NAME`` or ``MODULE:NAME``. A ``torch.nn.Module`` is
compared with forward hooks on its named modules (``assay[torch]``); a callable
that yields ``(name, array)`` pairs (or returns a mapping) is compared with NumPy.
The input comes from ``--input``: a ``.npy`` file, a ``.npz`` file (its arrays
become keyword arguments of a model, or one mapping for a callable), or a
``FILE.py:NAME`` target (called when it is callable). For a model, floating
arrays are cast to the dtype of the reference's parameters.

Exit codes follow ``diff``: 0 when every layer agrees, 1 when a layer breaks the
tolerance or is missing on one side, 2 for bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.text import Text

from assay.cli import output
from assay.cli.common import JsonOption
from assay.errors import AssayError, InputError
from assay.repro import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    DiffReport,
    LayerDiff,
    diff_numpy,
    diff_torch,
    load_target,
)

repro_app = typer.Typer(help="Reproduce a paper's implementation: compare it with yours.")


def _is_module(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a model exists only if its file imported torch
    return torch is not None and isinstance(value, torch.nn.Module)


def _load_input(spec: str) -> Any:
    path = Path(spec)
    if path.suffix in {".npy", ".npz"}:
        try:
            loaded = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise InputError(f"--input {spec}: no such file") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"--input {spec}: not a NumPy file ({exc})") from None
        if path.suffix == ".npz":
            with loaded:
                return {name: loaded[name] for name in loaded.files}
        return loaded
    value = load_target(spec)
    return value() if callable(value) else value


def _to_torch(value: Any, dtype: Any) -> Any:
    import torch

    if isinstance(value, np.ndarray):
        tensor = torch.from_numpy(np.ascontiguousarray(value))
        return tensor.to(dtype) if tensor.is_floating_point() and dtype is not None else tensor
    if isinstance(value, tuple | list):
        return type(value)(_to_torch(v, dtype) for v in value)
    if isinstance(value, Mapping):
        return {k: _to_torch(v, dtype) for k, v in value.items()}
    return value


def _float_dtype(model: Any) -> Any:
    return next((p.dtype for p in model.parameters() if p.is_floating_point()), None)


def _name_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        cand, sep, ref = item.partition("=")
        if not sep or not cand.strip() or not ref.strip():
            raise InputError(f"--map {item!r}: expected CANDIDATE_LAYER=REFERENCE_LAYER")
        mapping[cand.strip()] = ref.strip()
    return mapping


def run_diff(
    reference: Any,
    candidate: Any,
    inputs: Any,
    *,
    atol: float,
    rtol: float,
    modules: list[str] | None,
    leaves_only: bool,
    name_map: dict[str, str],
) -> DiffReport:
    """Dispatch: two models to :func:`diff_torch`, two callables to :func:`diff_numpy`."""
    models = (_is_module(reference), _is_module(candidate))
    if any(models) and not all(models):
        raise InputError("one side is a torch model and the other is not; compare like with like")
    if not all(models) and not (callable(reference) and callable(candidate)):
        raise InputError(
            "each side must be a torch.nn.Module or a callable yielding (name, array) pairs"
        )
    if modules and not all(models):
        raise InputError("--module picks modules of torch models; these sides are callables")
    try:
        if all(models):
            tensors = _to_torch(inputs, _float_dtype(reference))
            return diff_torch(
                reference, candidate, tensors, atol=atol, rtol=rtol, modules=modules,
                leaves_only=leaves_only, name_map=name_map,
            )  # fmt: skip
        return diff_numpy(reference, candidate, inputs, atol=atol, rtol=rtol, name_map=name_map)
    except AssayError:
        raise
    except Exception as exc:  # the user's code failed on the input: say so in one line
        raise InputError(
            f"running the implementations on the input failed: {type(exc).__name__}: {exc}"
        ) from None


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def _worst(layer: LayerDiff) -> str:
    """The worst element as the tolerance check saw it: ``6.1e-05 > 1.3e-05`` (its
    ``|candidate - reference|`` against its ``atol + rtol * |reference|``)."""
    error, allowed = layer.worst_error, layer.worst_allowed
    if error is None or allowed is None:
        return "—"
    outside = not error <= allowed  # NaN: outside
    return f"{error:.3g} {'>' if outside else '≤'} {allowed:.3g}"


def _table(report: DiffReport) -> output.Sheet:
    first = report.first_break
    k = output.Kind
    table = output.table(
        output.Column("Layer", k.ID), output.Column("Reference", k.LABEL),
        output.Column("Candidate", k.LABEL), output.Column("Max abs err", k.NUMBER),
        output.Column("Worst vs allowed"), output.Column("Outside", k.NUMBER),
        output.Column(""),
        expand=True,
    )  # fmt: skip
    for layer in report.layers:
        if layer is first:
            mark = Text("← first break", style="bold red")
        elif layer.breaks:
            mark = Text("breaks", style="red")
        elif not layer.compared:
            mark = Text(layer.problem, style="yellow")
        else:
            mark = Text("ok", style="green")
        table.add_row(
            Text(layer.name),
            str(layer.reference_shape) if layer.reference_shape is not None else "—",
            str(layer.candidate_shape) if layer.candidate_shape is not None else "—",
            _cell(layer.max_abs_error),
            _worst(layer),
            f"{layer.mismatched}/{layer.size}" if layer.compared else "—",
            mark,
        )
    return table


@repro_app.command("diff")
def diff(
    reference: Annotated[str, typer.Argument(help="The reference: FILE.py:NAME or MODULE:NAME.")],
    candidate: Annotated[str, typer.Argument(help="The reimplementation, named the same way.")],
    input_spec: Annotated[
        str | None,
        typer.Option("--input", help="FILE.npy, FILE.npz, or FILE.py:NAME giving the input."),
    ] = None,
    atol: Annotated[float, typer.Option("--atol", min=0.0, help="Absolute tolerance.")] = (
        DEFAULT_ATOL
    ),
    rtol: Annotated[float, typer.Option("--rtol", min=0.0, help="Relative tolerance.")] = (
        DEFAULT_RTOL
    ),
    modules: Annotated[
        list[str] | None, typer.Option("--module", help="Hook only these modules (torch).")
    ] = None,
    leaves_only: Annotated[
        bool, typer.Option("--leaves-only", help="Hook only modules without children (torch).")
    ] = False,
    name_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="CANDIDATE_LAYER=REFERENCE_LAYER when names differ."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Run both on the same input and report, per layer, where outputs part ways."""
    if input_spec is None:
        raise InputError("repro diff needs --input FILE.npy (or FILE.npz, or FILE.py:NAME)")
    ref, cand = load_target(reference), load_target(candidate)
    report = run_diff(
        ref, cand, _load_input(input_spec), atol=atol, rtol=rtol, modules=modules,
        leaves_only=leaves_only, name_map=_name_map(name_map or []),
    )  # fmt: skip
    if json:
        output.emit_json(report.to_dict())
    else:
        output.console.print(_table(report))
        style = "green" if report.ok else "bold red"
        output.console.print(Text(report.summary(), style=style))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(repro_app, name="repro")
