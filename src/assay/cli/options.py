"""Option types shared by several commands: choices the engine takes as text, old
spellings kept for one release, and fractions that may be written as percentages.

Choice options are typed with an :class:`enum.Enum` so that Typer lists the choices
in ``--help`` and refuses any other value with one line and exit code 2. The engine's
own enums are used where it has them (``assay.bench.Isolation``,
``assay.pipeline.gates.Role``, ``assay.pipeline.prototype.Stage``...); the ones here
name choices that the engine keeps as plain text.

A renamed option keeps its old spelling for one release as a hidden option
(:func:`renamed`): it still works, and prints a one-line warning naming the new
spelling. :func:`either` merges the two values in the command.
"""

from __future__ import annotations

import enum
import re
from typing import Any, TypeVar

import typer

from assay.cli import output
from assay.types import parse_fraction

__all__ = [
    "LENIENT_CHOICES",
    "ArtifactKind",
    "Audience",
    "BenchFormat",
    "GpuCache",
    "Interleave",
    "Portfolio",
    "RadarFormat",
    "Reading",
    "ReportFormat",
    "StatTest",
    "TimeMetric",
    "either",
    "fraction",
    "renamed",
]

_T = TypeVar("_T")


class Executor(enum.StrEnum):
    """``bench run --executor``: this machine, or a Ray cluster (one task per block)."""

    LOCAL = "local"
    RAY = "ray"


class Interleave(enum.StrEnum):
    """``bench run --interleave``: chosen for the workload, one process per trial, or a
    block's samples in turn."""

    AUTO = "auto"
    TRIALS = "trials"
    SAMPLES = "samples"


class GpuCache(enum.StrEnum):
    """``bench run --gpu-cache``: leave the GPU's L2 cache warm, or flush it untimed."""

    WARM = "warm"
    COLD = "cold"


class BenchFormat(enum.StrEnum):
    """``bench import --format``: the tool that wrote the file."""

    PYPERF = "pyperf"
    PYTEST_BENCHMARK = "pytest-benchmark"
    ASV = "asv"
    GOOGLE_BENCHMARK = "google-benchmark"
    HYPERFINE = "hyperfine"


class TimeMetric(enum.StrEnum):
    """``bench import --metric``: Google Benchmark's wall-clock or CPU time."""

    REAL = "real"
    CPU = "cpu"


class StatTest(enum.StrEnum):
    """``compare --test``: the test ``assay.stats.compare`` runs."""

    AUTO = "auto"
    WELCH = "welch"
    PAIRED_T = "paired-t"
    MANN_WHITNEY = "mann-whitney"
    WILCOXON = "wilcoxon"
    PERMUTATION = "permutation"


class Portfolio(enum.StrEnum):
    """``prototype --portfolio``: the share of effort a prototype belongs to."""

    CORE = "core"
    ADJACENT = "adjacent"
    EXPLORATORY = "exploratory"


class RadarFormat(enum.StrEnum):
    """``radar export/import --format``: the radar file another tool draws."""

    BYOR_CSV = "byor-csv"
    BACKSTAGE_JSON = "backstage-json"
    BYOR_JSON = "byor-json"


class ArtifactKind(enum.StrEnum):
    """``technique attach --kind``: the documents ADOPT needs."""

    IMPLEMENTATION = "implementation"
    DECISION_RECORD = "decision-record"
    RUNBOOK = "runbook"


class Reading(enum.StrEnum):
    """``claim link --as``: how a run's values are read as the claimed number."""

    VALUE = "value"
    RATIO = "ratio"
    TIMES_SMALLER = "times-smaller"
    REDUCTION = "reduction"
    INCREASE = "increase"


class Audience(enum.StrEnum):
    """``report --audience``: who reads the report."""

    EXEC = "exec"
    PM = "pm"
    ENG = "eng"


class ReportFormat(enum.StrEnum):
    """``report --format``: Markdown, or one self-contained HTML file."""

    MD = "md"
    HTML = "html"


def _hyphenate(token: str) -> str:
    """``from scratch``, ``from_scratch`` and ``from-scratch`` alike."""
    return re.sub(r"[\s_]+", "-", token.strip())


LENIENT_CHOICES: dict[str, Any] = {"token_normalize_func": _hyphenate}
"""Context settings of a command group whose choices may be written with spaces or
underscores for hyphens (``weak_baselines``, ``"from scratch"``), as the engine's own
parsers accept them. Case is ignored by ``case_sensitive=False`` on each choice."""


def _given(value: object) -> bool:
    """Whether an option was given: not its empty default (None, False, "", [])."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | tuple) and len(value) == 0)


def renamed(old: str, new: str, **option: Any) -> Any:
    """A hidden option spelled ``old``: it still works, with a warning to use ``new``.

    Keep it for one release after the rename, beside the option spelled ``new``, and
    merge the two in the command with :func:`either`.
    """

    def warn(value: _T) -> _T:
        if _given(value):
            output.warn(f"{old} is deprecated and will be removed in the next release; use {new}")
        return value

    help_ = f"Deprecated spelling of {new}."
    return typer.Option(old, hidden=True, callback=warn, help=help_, **option)


def either(new_value: _T, old_value: _T) -> _T:
    """The value given under the old spelling when there is one, else the new one's.

    The old spelling wins: the new one may hold only its default or an environment
    variable's value (``--by`` from ``ASSAY_USER``), while the old one was typed.
    """
    return old_value if _given(old_value) else new_value


def fraction(
    text: str | None, *, field: str, what: str, inclusive: bool = False, example: float = 0.7
) -> float | None:
    """An optional fraction option, ``0.7`` or ``70%`` (see :func:`assay.types.parse_fraction`)."""
    if text is None:
        return None
    return parse_fraction(text, field=field, what=what, inclusive=inclusive, example=example)
