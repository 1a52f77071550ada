"""``assay ci``'s statistics: the noise floor, confirm-then-alert, and fingerprints.

A CI job compares each benchmark (a method of the benchmark file, at each sweep
point, on each compared metric) between two commits: ``base`` is the baseline
arm and ``head`` the candidate, run interleaved in one job. Three rules keep a
noisy runner from flooding a pull request with alerts:

- **The noise floor** (:func:`noise_floor`). Every first pass also runs base
  against base (an A/A pair, same trial count, interleaved with the rest). The
  half-width ``h`` of the A/A interval is ``t(1-α/2) · SE`` of a paired
  comparison on this machine at this trial count; the smallest effect the job
  detects with 80% power is ``(t(1-α/2) + t(0.80)) · SE = h · (1 + t(0.80) /
  t(1-α/2))`` (the usual minimum detectable effect, e.g. Cohen 1988, ch. 2; about
  1.43 h). The half-width alone would be the effect found only half the time.
  The row's own interval, printed beside it, carries the row's own noise. The
  floor is printed per row ("can detect ≥ 2.1%") and a regression smaller than
  the margin or the floor of the pass that decides is never an alert.
- **Margins.** A row is WORSE only when its whole interval lies beyond the
  margin (assay's four-valued verdict); 3% by default for time, a user metric's
  declared margin otherwise.
- **Screen, then confirm** (:func:`ci_status`). A first-pass row whose
  interval at :data:`SCREEN` confidence (80%, 10% on the worse side) lies beyond
  the margin is a *candidate*. Screening loosely costs only time: a candidate
  is run again, interleaved, with fresh trials (new workload seeds) and twice
  the blocks by default, and alerts only if the confirmation alone is WORSE
  beyond the margin at the job's confidence and at least the noise floor at the
  confirmation's block count (:func:`noise_floor` with ``blocks``: the A/A
  standard error scaled by ``√(n/m)``). The confirmation stands alone rather
  than pooling both passes: the first pass was selected for looking bad, so
  pooling would carry its selection bias (the winner's curse) into the
  estimate. With independent passes, a benchmark with no change alerts with
  probability about ``0.10 × 0.025 = 0.25%`` (the screen's one-sided 10%
  times the confirmation's 2.5%), less with a margin, and the reported effect
  is the unselected confirmation's. With ``--no-confirm`` the first pass alone
  decides, at the job's confidence and the first pass's floor.

:func:`compare_fingerprints` compares the two sides' environments: hardware
and Python must match (else the job is refused unless allowed); differing
package versions are flagged.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

from assay.bench.result import ComparisonRow
from assay.stats.verdict import Verdict

__all__ = [
    "FORMAT",
    "POWER",
    "SCREEN",
    "CiRow",
    "CiStatus",
    "FingerprintCheck",
    "alerts",
    "ci_status",
    "compare_fingerprints",
    "is_candidate",
    "noise_floor",
    "regression_size",
]

FORMAT = "assay-ci/1"
"""The version of the JSON document ``assay ci --json`` writes."""

POWER = 0.80
"""The power at which the noise floor is the smallest detectable effect."""

SCREEN = 0.80
"""The confidence of the first pass's screen for candidates (module docstring)."""


class CiStatus(enum.StrEnum):
    """A row's outcome; the values are what the comment shows."""

    CONFIRMED = "regression (confirmed)"
    REGRESSION = "regression"
    """Beyond margin and floor with ``--no-confirm``: alerts without a second pass."""
    UNCONFIRMED = "unconfirmed"
    IMPROVEMENT = "improvement"
    SAME = "~"
    FAILED = "failed"

    @property
    def alerts(self) -> bool:
        """Whether this status fails the job (exit 1)."""
        return self in (CiStatus.CONFIRMED, CiStatus.REGRESSION, CiStatus.FAILED)


def regression_size(row: ComparisonRow) -> float | None:
    """How much worse head is than base, as a fraction (negative: better)."""
    if row.effect is None:
        return None
    return row.effect if row.lower_is_better else -row.effect


def _t(q: float, df: int) -> float:
    from scipy import stats  # SciPy loads on first use (start-up speed)

    return float(stats.t.ppf(q, df))


def _half_width(row: ComparisonRow | None) -> float | None:
    if row is None or row.ci is None or min(row.n_baseline, row.n_candidate) < 2:
        return None
    half = (float(row.ci[1]) - float(row.ci[0])) / 2.0
    return half if math.isfinite(half) else None


def noise_floor(
    aa: ComparisonRow,
    *,
    confidence: float = 0.95,
    power: float = POWER,
    blocks: int | None = None,
) -> float | None:
    """The smallest relative effect the job detects with ``power`` (module docstring).

    ``h · (1 + t(power) / t(1 - α/2))`` with ``n - 1`` degrees of freedom (``n``
    pairs), where ``h`` is the half-width of the A/A row's interval. With
    ``blocks`` (``m``), the floor of a pass of ``m`` blocks on the same machine:
    the A/A standard error ``h / t(1 - α/2; n - 1)`` scaled by ``√(n / m)``, times
    ``t(1 - α/2; m - 1) + t(power; m - 1)``. None when the A/A pair compared nothing.
    """
    half = _half_width(aa)
    if half is None:
        return None
    n = min(aa.n_baseline, aa.n_candidate)
    alpha = 1.0 - confidence
    error = half / _t(1.0 - alpha / 2.0, n - 1)
    m = n if blocks is None else blocks
    if m < 2:
        return None
    error *= math.sqrt(n / m)
    return error * (_t(1.0 - alpha / 2.0, m - 1) + _t(power, m - 1))


def _beyond(row: ComparisonRow | None, floor: float | None) -> bool:
    """WORSE beyond its margin (the verdict) and at least the noise floor (point estimate)."""
    if row is None or row.verdict is not Verdict.WORSE:
        return False
    size = regression_size(row)
    return size is not None and size >= (floor or 0.0)


def ci_status(
    first: ComparisonRow,
    confirmation: ComparisonRow | None,
    *,
    floor: float | None,
    confirm: bool = True,
    screen: ComparisonRow | None = None,
    confirm_floor: float | None = None,
) -> CiStatus:
    """A row's status from its first pass, its screen and (for a candidate) its
    confirmation.

    - nothing compared (an arm failed every trial): FAILED;
    - first pass BETTER: IMPROVEMENT;
    - without ``confirm``: REGRESSION when the first pass is WORSE beyond its
      margin and ``floor``, else SAME;
    - with ``confirm``: SAME unless ``screen`` (the first pass at :data:`SCREEN`
      confidence; ``first`` when not given) makes it a candidate; a candidate is
      CONFIRMED when the confirmation alone is WORSE beyond the margin and
      ``confirm_floor`` (``floor`` when not given), else UNCONFIRMED.
    """
    if first.verdict is None:
        return CiStatus.FAILED
    if first.verdict is Verdict.BETTER:
        return CiStatus.IMPROVEMENT
    if not confirm:
        return CiStatus.REGRESSION if _beyond(first, floor) else CiStatus.SAME
    if not is_candidate(screen if screen is not None else first):
        return CiStatus.SAME
    bar = confirm_floor if confirm_floor is not None else floor
    return CiStatus.CONFIRMED if _beyond(confirmation, bar) else CiStatus.UNCONFIRMED


def is_candidate(screen: ComparisonRow) -> bool:
    """Whether a first-pass row, compared at :data:`SCREEN` confidence, needs a
    confirmation pass: WORSE beyond its margin."""
    return screen.verdict is Verdict.WORSE


@dataclass(frozen=True)
class CiRow:
    """One benchmark × sweep point × metric of a CI job."""

    method: str
    params: dict[str, Any]
    metric: str
    margin: float | None
    base_value: float | None
    head_value: float | None
    first: ComparisonRow
    aa: ComparisonRow | None
    floor: float | None
    confirmation: ComparisonRow | None
    status: CiStatus
    notes: tuple[str, ...] = ()
    screen: ComparisonRow | None = None
    """The first pass compared at :data:`SCREEN` confidence (what makes a candidate)."""
    confirm_floor: float | None = None
    """The noise floor at the confirmation's block count (what a confirmation must clear)."""

    @property
    def reported(self) -> ComparisonRow:
        """The comparison the comment shows: the confirmation when there is one."""
        return self.confirmation if self.confirmation is not None else self.first

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "benchmark": self.method,
            "params": dict(self.params),
            "metric": self.metric,
            "status": self.status.value,
            "alert": self.status.alerts,
            "margin": self.margin,
            "noise_floor": self.floor,
            "confirmation_noise_floor": self.confirm_floor,
            "base": self.base_value,
            "head": self.head_value,
            "effect": self.reported.effect,
            "ci": list(self.reported.ci) if self.reported.ci else None,
            "first_pass": self.first.to_dict(),
            "screen": self.screen.to_dict() if self.screen is not None else None,
            "aa": self.aa.to_dict() if self.aa is not None else None,
            "confirmation": (
                self.confirmation.to_dict() if self.confirmation is not None else None
            ),
            "notes": list(self.notes),
        }


def alerts(rows: list[CiRow]) -> list[CiRow]:
    """The rows that fail the job."""
    return [row for row in rows if row.status.alerts]


@dataclass(frozen=True)
class FingerprintCheck:
    """How the two sides' environments differ: ``refused`` (hardware, Python) and
    ``flagged`` (package versions, dependency files)."""

    refused: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"refused": self.refused, "flagged": self.flagged, "summary": self.summary}


_HARDWARE = (
    ("CPU model", ("cpu", "model")),
    ("CPU count", ("cpu", "usable")),
    ("CPU governor", ("cpu", "governor")),
    ("Python", ("python", "version")),
    ("Python implementation", ("python", "implementation")),
    ("Python executable", ("python", "real_executable")),
)


def _get(env: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = env
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _gpus(env: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(g.get("model"), g.get("driver")) for g in env.get("gpus") or [] if isinstance(g, dict)]


def _package_changes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    b = dict(base.get("packages") or {})
    h = dict(head.get("packages") or {})
    out = []
    for name in sorted(b.keys() | h.keys()):
        if b.get(name) != h.get(name):
            out.append(f"{name} {b.get(name) or 'absent'} → {h.get(name) or 'absent'}")
    return out


def compare_fingerprints(
    base: dict[str, Any], head: dict[str, Any], *, dependency_files: list[str] | None = None
) -> FingerprintCheck:
    """Compare two environments as :func:`assay.measure.environment.collect_environment`
    records them: CPU model, usable cores, governor, Python and GPU model and driver
    must match (``refused`` lists what differs); package versions and changed
    dependency files are ``flagged``."""
    refused = []
    for label, path in _HARDWARE:
        b, h = _get(base, path), _get(head, path)
        if b != h:
            refused.append(f"{label}: base {b} ≠ head {h}")
    if _gpus(base) != _gpus(head):
        refused.append(f"GPU/driver: base {_gpus(base) or 'none'} ≠ head {_gpus(head) or 'none'}")
    flagged = [f"package {change}" for change in _package_changes(base, head)]
    if dependency_files:
        flagged.append(
            f"head changes {', '.join(dependency_files)}; both sides ran with this job's "
            "installed packages, so a dependency change itself is not measured"
        )
    cpu = _get(head, ("cpu", "model")) or "unknown CPU"
    governor = _get(head, ("cpu", "governor"))
    python = _get(head, ("python", "version")) or "?"
    gpus = ", ".join(f"{m} (driver {d})" for m, d in _gpus(head))
    summary = f"{cpu}" + (f", governor {governor}" if governor else "") + f", Python {python}"
    summary += f", {gpus}" if gpus else ""
    return FingerprintCheck(refused, flagged, summary)
