"""The decorators a benchmark file uses, and the registry they fill.

A benchmark file is ordinary Python::

    import assay

    @assay.workload(params={"n": [256, 1024]})
    def data(seed, n):                    # one input per trial, from its seed
        ...

    @assay.baseline
    def reference(data): ...

    @assay.candidate
    def mine(data): ...

    @assay.metric(higher_is_better=True)
    def accuracy(output, data): ...       # or (output) alone

Each decorator returns the function unchanged (it stays callable as written) and
records it in the registry of the module that defines it; the loader
(:func:`assay.bench.spec.load_benchmark`) imports a file in isolation and reads
that module's registry. Shell commands are methods too:
``assay.candidate(assay.command("./serve --fast {n}"), name="fast")`` (the
placeholders are ``{seed}`` and the workload's parameters; no shell is involved).

Ablations: ``@assay.candidate(components=("tiling", "fusion"))`` declares a
method called with each component as a keyword flag, ``fn(data, tiling=True,
fusion=True)``; the run measures the full method under its own name and one
variant per component turned off (``mine-without-tiling``), or every
combination with ``ablation="factorial"``.

State that must not leak between timed calls: ``@assay.candidate(setup=fn)``
(or on the baseline) runs ``fn(data)`` before every timed call, outside the
timed interval; what it returns is the call's argument (None: the trial's input
as is), e.g. a fresh copy for a method that sorts in place, or
``lambda data: tokenize.cache_clear()`` for a cache. ``assay bench run
--cold`` does that for every method and also empties the cache of a method that
is itself ``functools.lru_cache``'d (:meth:`Method.prepare`).
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from assay.errors import InputError

__all__ = [
    "Command",
    "Method",
    "Metric",
    "Registry",
    "Role",
    "Workload",
    "baseline",
    "candidate",
    "command",
    "metric",
    "registry_for",
    "workload",
]

ParamValue = str | int | float | bool
Params = tuple[tuple[str, ParamValue], ...]
F = TypeVar("F", bound=Callable[..., Any])

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-+\[\]=,]*$")


class Role(StrEnum):
    """What a method is in the comparison."""

    BASELINE = "baseline"
    CANDIDATE = "candidate"


def _check_name(name: str, what: str) -> str:
    if what in ("metric", "workload"):
        if not isinstance(name, str) or not _NAME.match(name):
            raise InputError(
                f"{what} name {name!r} is not usable; use letters, digits and _ . - + [ ] = ,"
            )
        return name
    if not isinstance(name, str) or not name.strip() or not name.isprintable() or len(name) > 200:
        raise InputError(f"{what} name {name!r} must be printable text of 1 to 200 characters")
    return " ".join(name.split())


def _check_param_value(name: str, value: object) -> ParamValue:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise InputError(
        f"parameter {name!r} has the value {value!r}; expected a string, an integer, "
        "a finite float or a boolean"
    )


@dataclass(frozen=True)
class Workload:
    """Makes one input per trial from its seed and sweep parameters."""

    name: str
    fn: Callable[..., Any]
    grid: tuple[tuple[str, tuple[ParamValue, ...]], ...] = ()
    items: Callable[[Any], float] | None = None

    def points(self) -> list[Params]:
        """Every combination of parameter values, in declaration order."""
        names = [name for name, _ in self.grid]
        values = [vals for _, vals in self.grid]
        return [tuple(zip(names, combo, strict=True)) for combo in itertools.product(*values)]

    def make(self, seed: int, params: Params) -> Any:
        """The input for one trial: ``fn(seed, **params)``."""
        return self.fn(seed, **dict(params))


@dataclass(frozen=True)
class Command:
    """A shell command used as a method, made by :func:`command`."""

    template: str
    tokens: tuple[str, ...]
    module: str

    def placeholders(self) -> set[str]:
        """Names used in ``{...}`` placeholders."""
        return {m for token in self.tokens for m in _PLACEHOLDER.findall(token)}

    def render(self, seed: int, params: Params) -> list[str]:
        """The argument list for one trial, placeholders filled in."""
        values: dict[str, str] = {"seed": str(seed), **{k: str(v) for k, v in params}}
        return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], token) for token in self.tokens]


@dataclass(frozen=True)
class Method:
    """A baseline or candidate: a Python callable or a :class:`Command`."""

    name: str
    role: Role
    target: Callable[..., Any] | Command
    toggles: tuple[tuple[str, bool], ...] = ()
    family: str | None = None
    setup: Callable[[Any], Any] | None = None
    device: str = "cpu"
    """``"cuda"`` when the method needs a GPU: a cluster run (``--executor ray``)
    then asks Ray for one for each block (:mod:`assay.bench.cluster`)."""

    @property
    def is_command(self) -> bool:
        """True for a shell-command method."""
        return isinstance(self.target, Command)

    def bind(self) -> Callable[[Any], Any]:
        """The callable a trial times: one argument, the workload's input."""
        target = self.target
        if isinstance(target, Command):
            raise TypeError(f"method {self.name!r} is a command; it has no Python callable")
        if not self.toggles:
            return target
        flags = dict(self.toggles)

        def variant(data: Any) -> Any:
            return target(data, **flags)

        return variant

    def prepare(self, *, cold: bool = False) -> Callable[[Any], Any] | None:
        """What runs, untimed, before each timed call: None when nothing does.

        The method's ``setup`` gets the trial's input and returns the call's
        argument (None: the input as it is). In a cold run (``--cold``) a method
        whose callable has ``cache_clear`` (:func:`functools.lru_cache`,
        :func:`functools.cache`) has its cache emptied first, and every method
        gets a (possibly empty) preparation, so that all are timed one call per
        sample alike.
        """
        setup = self.setup
        clear = getattr(self.target, "cache_clear", None) if cold else None
        if setup is None and not cold:
            return None

        def prepare(data: Any) -> Any:
            if callable(clear):
                clear()
            if setup is None:
                return data
            fresh = setup(data)
            return data if fresh is None else fresh

        return prepare


@dataclass(frozen=True)
class Metric:
    """A quality metric computed from a method's output (and optionally its input)."""

    name: str
    fn: Callable[..., Any]
    higher_is_better: bool
    margin: float | None = None
    primary: bool = False
    takes_input: bool = True

    def evaluate(self, output: Any, data: Any) -> float | npt.NDArray[np.float64]:
        """The metric's value, or per-example values when it returns a sequence."""
        raw = self.fn(output, data) if self.takes_input else self.fn(output)
        values = np.asarray(raw, dtype=np.float64)
        if values.ndim == 0:
            return float(values)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"metric {self.name!r} returned an array of shape {values.shape}; "
                "expected a number or a non-empty sequence of per-example numbers"
            )
        return values


@dataclass
class Registry:
    """What one module's decorators declared, in definition order."""

    workloads: list[Workload] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)


_REGISTRIES: dict[str, Registry] = {}


def registry_for(module: str) -> Registry:
    """The registry of the module named ``module`` (empty when it declared nothing)."""
    return _REGISTRIES.setdefault(module, Registry())


def forget(module: str) -> None:
    """Drop a module's registry (the loader does this before re-importing a file)."""
    _REGISTRIES.pop(module, None)


def _module_of(target: Callable[..., Any] | Command) -> str:
    if isinstance(target, Command):
        return target.module
    return str(getattr(target, "__module__", None) or "__main__")


def _default_name(target: Callable[..., Any] | Command) -> str:
    if isinstance(target, Command):
        return target.template
    return str(getattr(target, "__name__", None) or repr(target))


def _check_target(target: object, what: str) -> Callable[..., Any] | Command:
    if isinstance(target, Command) or callable(target):
        return target
    raise InputError(f"@assay.{what} needs a function or assay.command(...); got {target!r}")


# --------------------------------------------------------------------------- workload


def _grid(
    params: Mapping[str, Sequence[Any]] | None,
) -> tuple[tuple[str, tuple[ParamValue, ...]], ...]:
    if params is None:
        return ()
    if not isinstance(params, Mapping):
        raise InputError(f"params must be a dict of name -> list of values; got {params!r}")
    grid = []
    for name, values in params.items():
        if not isinstance(name, str) or not name.isidentifier() or name == "seed":
            raise InputError(f"parameter name {name!r} must be an identifier other than 'seed'")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise InputError(f"parameter {name!r} needs a non-empty list of values; got {values!r}")
        checked = tuple(_check_param_value(name, v) for v in values)
        if len(set(checked)) != len(checked):
            raise InputError(f"parameter {name!r} repeats a value: {list(checked)!r}")
        grid.append((name, checked))
    return tuple(grid)


def _check_workload_signature(fn: Callable[..., Any], names: list[str]) -> None:
    try:
        signature = inspect.signature(fn)
        signature.bind(0, **dict.fromkeys(names, 0))
    except TypeError:
        wanted = ", ".join(["seed", *names])
        raise InputError(
            f"workload {_default_name(fn)!r} must accept ({wanted}); its signature is "
            f"{_signature_text(fn)}"
        ) from None
    except ValueError:  # builtins without a signature: trust them
        return


def _signature_text(fn: Callable[..., Any]) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "unknown"


@overload
def workload(fn: F, /) -> F: ...
@overload
def workload(
    *,
    params: Mapping[str, Sequence[Any]] | None = None,
    items: Callable[[Any], float] | None = None,
    name: str | None = None,
) -> Callable[[F], F]: ...
def workload(
    fn: Any = None,
    /,
    *,
    params: Mapping[str, Sequence[Any]] | None = None,
    items: Callable[[Any], float] | None = None,
    name: str | None = None,
) -> Any:
    """Declare the function that makes each trial's input: ``fn(seed, **params)``.

    ``params`` is a grid for sweeps (``{"n": [256, 1024]}``: one sweep point per
    combination). ``items``, given the input, says how many items one call
    processes, so throughput is reported in items per second.
    """
    grid = _grid(params)
    if items is not None and not callable(items):
        raise InputError(f"items must be a function of the input; got {items!r}")

    def register(func: F) -> F:
        _check_target(func, "workload")
        _check_workload_signature(func, [n for n, _ in grid])
        label = _check_name(name or _default_name(func), "workload")
        registry_for(_module_of(func)).workloads.append(Workload(label, func, grid, items))
        return func

    if fn is not None:
        return register(fn)
    return register


# --------------------------------------------------------------------------- methods


def _check_setup(setup: object) -> Callable[[Any], Any] | None:
    """``setup=``: None, or a function of the trial's input."""
    if setup is None:
        return None
    if not callable(setup):
        raise InputError(
            f"setup={setup!r} must be a function of the trial's input, e.g. "
            "setup=lambda data: list(data) for a fresh copy before each call"
        )
    try:
        inspect.signature(setup).bind(None)
    except TypeError:
        raise InputError(
            f"setup {_default_name(setup)!r} must accept one argument (the trial's input); "
            f"its signature is {_signature_text(setup)}"
        ) from None
    except ValueError:  # builtins without a signature: trust them
        pass
    return setup


DEVICES = ("cpu", "cuda")
"""The values of ``device=`` on :func:`baseline` and :func:`candidate`."""


def _check_device(device: object) -> str:
    if device not in DEVICES:
        raise InputError(
            f"device={device!r} must be one of {', '.join(map(repr, DEVICES))}: 'cuda' for a "
            "method that needs a GPU"
        )
    return str(device)


def _register_method(
    target: Callable[..., Any] | Command,
    role: Role,
    name: str | None,
    *,
    setup: Callable[[Any], Any] | None = None,
    **extra: Any,
) -> None:
    label = _check_name(name or _default_name(target), role.value)
    if setup is not None and isinstance(target, Command):
        raise InputError(
            f"setup= needs a Python function method; {label!r} is a command, which runs in "
            "a process of its own for every call"
        )
    method = Method(label, role, target, setup=setup, **extra)
    registry_for(_module_of(target)).methods.append(method)


@overload
def baseline(target: F, /) -> F: ...
@overload
def baseline(target: Command, /, *, name: str | None = None, device: str = "cpu") -> Command: ...
@overload
def baseline(
    *, name: str | None = None, setup: Callable[[Any], Any] | None = None, device: str = "cpu"
) -> Callable[[F], F]: ...
def baseline(
    target: Any = None,
    /,
    *,
    name: str | None = None,
    setup: Callable[[Any], Any] | None = None,
    device: str = "cpu",
) -> Any:
    """Declare the baseline: the method every candidate is compared against.

    Use as ``@assay.baseline``, ``@assay.baseline(name="numpy")`` or
    ``assay.baseline(assay.command("./serve {n}"), name="serve")``. A benchmark
    has exactly one. ``setup`` runs before every timed call, untimed: it gets
    the trial's input and returns the call's argument (None: the input as is).
    ``device="cuda"`` declares that the method needs a GPU (a Ray cluster run asks
    for one per block).
    """
    checked_setup = _check_setup(setup)
    checked_device = _check_device(device)

    def register(func: Any) -> Any:
        target = _check_target(func, "baseline")
        _register_method(target, Role.BASELINE, name, setup=checked_setup, device=checked_device)
        return func

    if target is not None:
        return register(target)
    return register


_ABLATIONS = ("leave-one-out", "factorial")


def _variants(
    name: str, components: tuple[str, ...], ablation: str
) -> list[tuple[str, tuple[tuple[str, bool], ...]]]:
    if ablation == "factorial":
        combos = list(itertools.product((True, False), repeat=len(components)))
    else:
        combos = [tuple(True for _ in components)]
        combos += [tuple(c != off for c in components) for off in components]
    out = []
    for combo in combos:
        off = [c for c, on in zip(components, combo, strict=True) if not on]
        label = name if not off else f"{name}-without-{'-and-'.join(off)}"
        out.append((label, tuple(zip(components, combo, strict=True))))
    return out


def _check_components(components: Sequence[str], ablation: str) -> tuple[str, ...]:
    if ablation not in _ABLATIONS:
        raise InputError(f"ablation={ablation!r} is unknown; expected one of {_ABLATIONS}")
    comps = tuple(components)
    if isinstance(components, str) or not all(
        isinstance(c, str) and c.isidentifier() for c in comps
    ):
        raise InputError(f"components must be a list of identifiers; got {components!r}")
    if len(set(comps)) != len(comps):
        raise InputError(f"components repeat a name: {list(comps)!r}")
    return comps


@overload
def candidate(target: F, /) -> F: ...
@overload
def candidate(target: Command, /, *, name: str | None = None, device: str = "cpu") -> Command: ...
@overload
def candidate(
    *,
    name: str | None = None,
    components: Sequence[str] = (),
    ablation: str = "leave-one-out",
    setup: Callable[[Any], Any] | None = None,
    device: str = "cpu",
) -> Callable[[F], F]: ...
def candidate(
    target: Any = None,
    /,
    *,
    name: str | None = None,
    components: Sequence[str] = (),
    ablation: str = "leave-one-out",
    setup: Callable[[Any], Any] | None = None,
    device: str = "cpu",
) -> Any:
    """Declare a candidate, compared against the baseline; a benchmark may have several.

    With ``components``, the function takes each as a keyword flag and the run
    measures its ablation variants (module docstring). ``setup`` is as for
    :func:`baseline`: run before every timed call, untimed; so is ``device``.
    """
    comps = _check_components(components, ablation)
    checked_setup = _check_setup(setup)
    device = _check_device(device)

    def register(func: Any) -> Any:
        checked = _check_target(func, "candidate")
        if not comps:
            _register_method(checked, Role.CANDIDATE, name, setup=checked_setup, device=device)
            return func
        if isinstance(checked, Command):
            raise InputError("components need a Python function, not assay.command(...)")
        family = _check_name(name or _default_name(checked), "candidate")
        for label, toggles in _variants(family, comps, ablation):
            _register_method(
                checked,
                Role.CANDIDATE,
                label,
                setup=checked_setup,
                toggles=toggles,
                family=family,
                device=device,
            )
        return func

    if target is not None:
        return register(target)
    return register


def command(template: str) -> Command:
    """A shell command as a method: ``assay.command("./serve --fast {n}")``.

    The template is split like a shell would (:func:`shlex.split`) but never run
    through one; ``{seed}`` and the workload's parameters are filled in. A
    relative program path (``./serve``) is found beside the benchmark file. Pass the
    result to :func:`baseline` or :func:`candidate`. When the workload returns
    ``str`` or ``bytes``, they are the command's standard input.
    """
    if not isinstance(template, str) or not template.strip():
        raise InputError(f"assay.command needs a command line; got {template!r}")
    try:
        tokens = tuple(shlex.split(template))
    except ValueError as exc:
        raise InputError(f"command {template!r} cannot be split into arguments: {exc}") from None
    caller = sys._getframe(1).f_globals.get("__name__", "__main__")
    return Command(template, tokens, str(caller))


# --------------------------------------------------------------------------- metrics


def _takes_input(fn: Callable[..., Any]) -> bool:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(None, None)
    except TypeError:
        try:
            signature.bind(None)
        except TypeError:
            raise InputError(
                f"metric {_default_name(fn)!r} must accept (output) or (output, data); "
                f"its signature is {signature}"
            ) from None
        return False
    return True


def metric(
    fn: Any = None,
    /,
    *,
    higher_is_better: bool | None = None,
    name: str | None = None,
    margin: float | None = None,
    primary: bool = False,
) -> Callable[[F], F]:
    """Declare a quality metric: ``@assay.metric(higher_is_better=True)``.

    The function receives the method's output (and the trial's input when it
    takes two arguments) and returns a number, or one number per example, which
    are then compared paired by example. ``margin`` is the smallest relative
    change that matters (0.01 for 1%); ``primary=True`` makes
    ``until_decided`` wait for this metric's verdicts too.
    """
    if fn is not None or higher_is_better is None:
        raise InputError(
            "a metric needs its direction: @assay.metric(higher_is_better=True) "
            "or @assay.metric(higher_is_better=False)"
        )
    if margin is not None and not (isinstance(margin, int | float) and 0 < margin < 1):
        raise InputError(f"margin={margin!r} must be a fraction in (0, 1), e.g. 0.01 for 1%")
    direction = bool(higher_is_better)

    def register(func: F) -> F:
        _check_target(func, "metric")
        label = _check_name(name or _default_name(func), "metric")
        entry = Metric(label, func, direction, margin, primary, _takes_input(func))
        registry_for(_module_of(func)).metrics.append(entry)
        return func

    return register
