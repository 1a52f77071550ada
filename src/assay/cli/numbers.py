"""Number options that hold a number assay can use: every float option of every command
refuses ``inf``, ``-inf`` and ``nan`` while the command line is parsed.

Click reads ``inf`` and ``nan`` as floats, so without this a ``--declared-scale inf``
would be stored, and a gate check would compare against it. :func:`finite_floats` is
applied by :func:`assay.cli.app.load` to each command it builds, so a float option
added later is covered without anyone remembering to. Integers are bounded where they
are used (trial counts, ids; see :func:`assay.types.check_id`).
"""

from __future__ import annotations

import math
from typing import Any

import typer

__all__ = ["finite_floats"]

_FLOAT_TYPES = ("FloatParamType", "FloatRange")


def _finite(callback: Any) -> Any:
    def check(ctx: Any, param: Any, value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, float) and not math.isfinite(item):
                raise typer.BadParameter(f"{item} is not a finite number", ctx=ctx, param=param)
        return value if callback is None else callback(ctx, param, value)

    check.assay_finite = True  # type: ignore[attr-defined]
    return check


def finite_floats(command: Any) -> Any:
    """``command`` (a click command or group, walked down), its float options made to
    refuse non-finite values; applying it twice changes nothing."""
    for sub in getattr(command, "commands", {}).values():
        finite_floats(sub)
    for param in getattr(command, "params", []):
        if type(param.type).__name__ in _FLOAT_TYPES and not getattr(
            param.callback, "assay_finite", False
        ):
            param.callback = _finite(param.callback)
    return command
