"""Statistics for honest comparisons: pure functions on arrays, no I/O.

Start with :func:`compare`, which turns baseline and candidate trials into a
:class:`Verdict` with an effect size, an interval and warnings. The pieces it
is built from are public too:

- summaries: :func:`summarize` (percentiles with order-statistic intervals);
- tests: :func:`welch_test`, :func:`paired_t_test`, :func:`mann_whitney_test`,
  :func:`wilcoxon_test`, :func:`permutation_test`, :func:`tost`;
- intervals: :func:`mean_interval` (Student t), :func:`wilson_interval` (a
  proportion), :func:`t_interval` (any t statistic), :func:`bootstrap_ci`,
  :func:`bootstrap_change_ci`, :func:`cluster_bootstrap_ci`;
- effect sizes: :func:`relative_change`, :func:`hedges_g`,
  :func:`cliffs_delta`, :func:`prob_superiority`;
- many questions: :func:`adjust_pvalues` (Holm, Benjamini-Hochberg);
- two whole benchmark suites: :func:`compare_suites` (a verdict per benchmark,
  Holm across the suite);
- planning: :func:`trials_needed`, :class:`SequentialDesign`;
- many methods on many datasets: :func:`friedman`, :func:`nemenyi`,
  :func:`pairwise_wilcoxon`, :func:`critical_difference_diagram`;
- ablations: :func:`ablation` (leave-one-out and Shapley attribution);
- production A/B tests: :func:`srm_check`, :func:`proportion_effect`,
  :func:`mean_effect` (with CUPED), :func:`ratio_metric_effect`, :func:`not_worse`,
  :func:`guardrails`, ``assay.stats.ab_verdict.ab_verdict`` (not re-exported: the
  module has its name), and :class:`SequentialAB` (always valid under daily looks);
- a metric's history: :func:`change_points` (Otava's E-divisive method, giving
  :class:`ChangePoint`).

Every function names its method and a reference in its docstring. Only
``assay.errors`` and ``assay.types`` are imported from assay, and matplotlib only
when a diagram is drawn.

The names are imported lazily (:pep:`562`): ``from assay.stats import Verdict``
loads only :mod:`assay.stats.verdict`, so the light parts (the verdict, the
intervals) do not pay for SciPy at start-up; the first use of a heavy name loads
its module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.stats.ab import (
        ABEffect,
        CupedResult,
        SRMResult,
        cuped,
        mean_effect,
        proportion_effect,
        ratio_metric_effect,
        srm_check,
    )
    from assay.stats.ab_sequential import (
        ABLook,
        SequentialAB,
    )
    from assay.stats.ab_verdict import (
        ABResult,
        ABVerdict,
        Guardrail,
        GuardrailReport,
        guardrails,
        not_worse,
    )
    from assay.stats.attribution import Ablation, Contribution, ablation
    from assay.stats.bootstrap import bootstrap_change_ci, bootstrap_ci, cluster_bootstrap_ci
    from assay.stats.cd_diagram import critical_difference_diagram
    from assay.stats.changepoint import ChangePoint, change_points
    from assay.stats.comparison import compare
    from assay.stats.effect import (
        Estimate,
        cliffs_delta,
        hedges_g,
        prob_superiority,
        relative_change,
    )
    from assay.stats.intervals import Interval, mean_interval, t_interval, wilson_interval
    from assay.stats.multiplicity import adjust_pvalues
    from assay.stats.power import achieved_power, trials_needed
    from assay.stats.ranking import (
        FriedmanResult,
        NemenyiResult,
        friedman,
        nemenyi,
        pairwise_wilcoxon,
    )
    from assay.stats.sequential import Decision, SequentialDesign
    from assay.stats.significance import (
        SignificanceResult,
        mann_whitney_test,
        paired_t_test,
        permutation_test,
        tost,
        welch_test,
        wilcoxon_test,
    )
    from assay.stats.suite_compare import SuiteComparison, compare_suites
    from assay.stats.summary import QuantileEstimate, Summary, summarize
    from assay.stats.verdict import Comparison, Verdict

_MODULES = {
    "ABEffect": "ab",
    "CupedResult": "ab",
    "SRMResult": "ab",
    "cuped": "ab",
    "mean_effect": "ab",
    "proportion_effect": "ab",
    "ratio_metric_effect": "ab",
    "srm_check": "ab",
    "ABResult": "ab_verdict",
    "ABVerdict": "ab_verdict",
    "Guardrail": "ab_verdict",
    "GuardrailReport": "ab_verdict",
    "guardrails": "ab_verdict",
    "not_worse": "ab_verdict",
    "ABLook": "ab_sequential",
    "SequentialAB": "ab_sequential",
    "Ablation": "attribution",
    "Contribution": "attribution",
    "ablation": "attribution",
    "bootstrap_change_ci": "bootstrap",
    "bootstrap_ci": "bootstrap",
    "cluster_bootstrap_ci": "bootstrap",
    "critical_difference_diagram": "cd_diagram",
    "ChangePoint": "changepoint",
    "change_points": "changepoint",
    "compare": "comparison",
    "Estimate": "effect",
    "cliffs_delta": "effect",
    "hedges_g": "effect",
    "prob_superiority": "effect",
    "relative_change": "effect",
    "Interval": "intervals",
    "mean_interval": "intervals",
    "t_interval": "intervals",
    "wilson_interval": "intervals",
    "adjust_pvalues": "multiplicity",
    "achieved_power": "power",
    "trials_needed": "power",
    "FriedmanResult": "ranking",
    "NemenyiResult": "ranking",
    "friedman": "ranking",
    "nemenyi": "ranking",
    "pairwise_wilcoxon": "ranking",
    "Decision": "sequential",
    "SequentialDesign": "sequential",
    "SignificanceResult": "significance",
    "mann_whitney_test": "significance",
    "paired_t_test": "significance",
    "permutation_test": "significance",
    "tost": "significance",
    "welch_test": "significance",
    "wilcoxon_test": "significance",
    "SuiteComparison": "suite_compare",
    "compare_suites": "suite_compare",
    "QuantileEstimate": "summary",
    "Summary": "summary",
    "summarize": "summary",
    "Comparison": "verdict",
    "Verdict": "verdict",
}
"""Each public name and the submodule of :mod:`assay.stats` that defines it."""

__all__ = [
    "ABEffect",
    "ABLook",
    "ABResult",
    "ABVerdict",
    "Ablation",
    "ChangePoint",
    "Comparison",
    "Contribution",
    "CupedResult",
    "Decision",
    "Estimate",
    "FriedmanResult",
    "Guardrail",
    "GuardrailReport",
    "Interval",
    "NemenyiResult",
    "QuantileEstimate",
    "SRMResult",
    "SequentialAB",
    "SequentialDesign",
    "SignificanceResult",
    "SuiteComparison",
    "Summary",
    "Verdict",
    "ablation",
    "achieved_power",
    "adjust_pvalues",
    "bootstrap_change_ci",
    "bootstrap_ci",
    "change_points",
    "cliffs_delta",
    "cluster_bootstrap_ci",
    "compare",
    "compare_suites",
    "critical_difference_diagram",
    "cuped",
    "friedman",
    "guardrails",
    "hedges_g",
    "mann_whitney_test",
    "mean_effect",
    "mean_interval",
    "nemenyi",
    "not_worse",
    "paired_t_test",
    "pairwise_wilcoxon",
    "permutation_test",
    "prob_superiority",
    "proportion_effect",
    "ratio_metric_effect",
    "relative_change",
    "srm_check",
    "summarize",
    "t_interval",
    "tost",
    "trials_needed",
    "welch_test",
    "wilcoxon_test",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (the module docstring says why)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'assay.stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"assay.stats.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
