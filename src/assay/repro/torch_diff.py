"""The PyTorch side of ``assay repro diff``: forward hooks on named modules.

torch is imported only when a torch diff runs; without it the call raises
:class:`~assay.errors.MissingDependencyError` naming ``pip install 'assay[torch]'``.

Each model runs once on the same input, under ``torch.no_grad()`` and in eval mode
(dropout off; each module's training flag is restored afterwards). A forward hook
on every named module (or on the ones asked for) records its output in the order
the hooks fire, so a container's output comes after its children's and the first
break is the innermost module where the two models part. Outputs that are tuples,
lists or dicts are recorded per element (``name.0``, ``name.key``); non-tensor
outputs are skipped. Tensors are compared in float64 on the CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import InputError, MissingDependencyError
from assay.repro.diff import DEFAULT_ATOL, DEFAULT_RTOL, DiffReport, compare_layers

__all__ = ["capture_torch", "diff_torch"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "torch") from None
    return torch


def _to_numpy(torch: Any, tensor: Any) -> npt.NDArray[Any]:
    t = tensor.detach().to("cpu")
    if t.is_complex():
        return np.asarray(t.to(torch.complex128).numpy())
    return np.asarray(t.to(torch.float64).numpy())


def _flatten(torch: Any, name: str, value: Any, out: list[tuple[str, npt.NDArray[Any]]]) -> None:
    if isinstance(value, torch.Tensor):
        out.append((name, _to_numpy(torch, value)))
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            _flatten(torch, f"{name}.{i}", item, out)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(torch, f"{name}.{key}", item, out)


def _move(torch: Any, value: Any, device: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().clone().to(device)
    if isinstance(value, tuple | list):
        return type(value)(_move(torch, v, device) for v in value)
    if isinstance(value, Mapping):
        return {k: _move(torch, v, device) for k, v in value.items()}
    return value


def _device(model: Any) -> Any:
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return None


def _targets(model: Any, modules: Sequence[str] | None, leaves_only: bool) -> list[tuple[str, Any]]:
    named = [(n, m) for n, m in model.named_modules() if n]
    if leaves_only:
        named = [(n, m) for n, m in named if not any(True for _ in m.children())]
    if modules is None:
        return named
    by_name = dict(named)
    unknown = [m for m in modules if m not in by_name]
    if unknown:
        raise InputError(
            f"no module named {', '.join(map(repr, unknown))} in {type(model).__name__}; "
            f"its modules are {', '.join(list(by_name)[:20])}"
        )
    return [(m, by_name[m]) for m in modules]


def capture_torch(
    model: Any,
    inputs: Any,
    *,
    modules: Sequence[str] | None = None,
    leaves_only: bool = False,
) -> list[tuple[str, npt.NDArray[Any]]]:
    """Run ``model`` on ``inputs`` and return each hooked module's output, in firing order.

    A tuple or list input is unpacked into positional arguments; a dict into
    keywords. Tensors are moved to the model's device.
    """
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"expected a torch.nn.Module, got {type(model).__name__}")
    captured: list[tuple[str, npt.NDArray[Any]]] = []
    handles = []
    for name, module in _targets(model, modules, leaves_only):

        def hook(_module: Any, _args: Any, output: Any, name: str = name) -> None:
            _flatten(torch, name, output, captured)

        handles.append(module.register_forward_hook(hook))
    modes = {m: m.training for m in model.modules()}
    args = _move(torch, inputs, _device(model))
    try:
        model.eval()
        with torch.no_grad():
            if isinstance(args, tuple | list):
                model(*args)
            elif isinstance(args, Mapping):
                model(**args)
            else:
                model(args)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    return captured


def diff_torch(
    reference: Any,
    candidate: Any,
    inputs: Any,
    *,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    modules: Sequence[str] | None = None,
    leaves_only: bool = False,
    name_map: Mapping[str, str] | None = None,
) -> DiffReport:
    """Compare two ``torch.nn.Module`` models layer by layer on the same input.

    ``modules`` restricts the hooks to those names (in the reference; the candidate
    is hooked on the same names, renamed through ``name_map`` if given).
    """
    ref = capture_torch(reference, inputs, modules=modules, leaves_only=leaves_only)
    cand_modules = None
    if modules is not None:
        inverse = {v: k for k, v in (name_map or {}).items()}
        cand_modules = [inverse.get(m, m) for m in modules]
    cand = capture_torch(candidate, inputs, modules=cand_modules, leaves_only=leaves_only)
    return compare_layers(ref, cand, atol=atol, rtol=rtol, name_map=name_map)
