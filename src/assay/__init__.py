"""assay: carry ML research into production without fooling yourself.

The public names live here, flat. Heavy parts (NumPy, SciPy, SQLAlchemy) are
imported on first use so that ``import assay`` stays fast.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from assay.errors import (
    AssayError,
    DatabaseUnreachableError,
    DatabaseURLError,
    DuplicateError,
    InputError,
    MissingDependencyError,
    NetworkUnavailableError,
    NotFoundError,
    NoWorkspaceError,
    PermissionDeniedError,
    SchemaTooNewError,
    WorkspaceError,
)
from assay.types import Ring
from assay.version import __version__

# Public name -> module that defines it, imported lazily on first access.
_LAZY: dict[str, str] = {
    "ActionItem": "assay.pipeline.postmortem",
    "AdoptionFactors": "assay.pipeline.reading",
    "Amendment": "assay.pipeline.prototype",
    "Answer": "assay.pipeline.gates",
    "Author": "assay.pipeline.papers",
    "BenchOptions": "assay.bench",
    "BenchmarkResult": "assay.bench",
    "Claim": "assay.pipeline.claims",
    "Comparison": "assay.stats",
    "CostBenefit": "assay.pipeline.cost",
    "CostInputs": "assay.pipeline.cost",
    "CriteriaSyntaxError": "assay.criteria",
    "Criterion": "assay.criteria",
    "Decision": "assay.pipeline.gates",
    "DiffReport": "assay.repro",
    "EffectEstimate": "assay.criteria",
    "Evaluation": "assay.criteria",
    "Evidence": "assay.criteria",
    "Forecast": "assay.pipeline.predictions",
    "InMemoryEvidence": "assay.criteria",
    "Isolation": "assay.bench",
    "JsonLinesSink": "assay.bench",
    "KillCriterion": "assay.pipeline.prototype",
    "MeasuredEffects": "assay.pipeline.cost",
    "MemorySink": "assay.bench",
    "MetricEstimate": "assay.criteria",
    "Outcome": "assay.criteria",
    "Paper": "assay.pipeline.papers",
    "PostMortem": "assay.pipeline.postmortem",
    "Prediction": "assay.pipeline.predictions",
    "Prototype": "assay.pipeline.prototype",
    "Recommendation": "assay.pipeline.gates",
    "RedFlag": "assay.pipeline.reading",
    "RedFlagKind": "assay.pipeline.reading",
    "Registration": "assay.pipeline.prototype",
    "ReproStatus": "assay.pipeline.claims",
    "Reproduction": "assay.pipeline.claims",
    "RingMove": "assay.pipeline.radar",
    "Role": "assay.pipeline.gates",
    "RunHeader": "assay.bench",
    "RunSink": "assay.bench",
    "SequentialDesign": "assay.stats",
    "Stage": "assay.pipeline.prototype",
    "StageFacts": "assay.pipeline.gates",
    "Study": "assay.store.study",
    "StudyView": "assay.report",
    "Summary": "assay.stats",
    "Technique": "assay.pipeline.radar",
    "TimeBox": "assay.pipeline.prototype",
    "TrialKey": "assay.bench",
    "TrialResult": "assay.bench",
    "TrialStatus": "assay.bench",
    "Verdict": "assay.stats",
    "VerdictEstimate": "assay.criteria",
    "Viability": "assay.pipeline.reading",
    "Workspace": "assay.workspace",
    "adjust_pvalues": "assay.stats",
    "advise_adoption": "assay.pipeline.reading",
    "analyse": "assay.bench",
    "baseline": "assay.bench",
    "bootstrap_ci": "assay.stats",
    "candidate": "assay.bench",
    "command": "assay.bench",
    "endpoint": "assay.load.endpoint",
    "compare": "assay.stats",
    "compare_layers": "assay.repro",
    "cost_benefit": "assay.pipeline.cost",
    "critical_difference_diagram": "assay.stats",
    "diff_numpy": "assay.repro",
    "diff_torch": "assay.repro",
    "friedman": "assay.stats",
    "load_benchmark": "assay.bench",
    "load_module": "assay.bench",
    "metric": "assay.bench",
    "pairwise_wilcoxon": "assay.stats",
    "radar_svg": "assay.report",
    "read_pyperf": "assay.workspace.runs",
    "read_pytest_benchmark": "assay.workspace.runs",
    "render_report": "assay.report",
    "run_benchmark": "assay.bench",
    "summarize": "assay.stats",
    "trials_needed": "assay.stats",
    "workload": "assay.bench",
    "write_report": "assay.report",
}

__all__ = [
    "ActionItem",
    "AdoptionFactors",
    "Amendment",
    "Answer",
    "AssayError",
    "Author",
    "BenchOptions",
    "BenchmarkResult",
    "Claim",
    "Comparison",
    "CostBenefit",
    "CostInputs",
    "CriteriaSyntaxError",
    "Criterion",
    "DatabaseURLError",
    "DatabaseUnreachableError",
    "Decision",
    "DiffReport",
    "DuplicateError",
    "EffectEstimate",
    "Evaluation",
    "Evidence",
    "Forecast",
    "InMemoryEvidence",
    "InputError",
    "Isolation",
    "JsonLinesSink",
    "KillCriterion",
    "MeasuredEffects",
    "MemorySink",
    "MetricEstimate",
    "MissingDependencyError",
    "NetworkUnavailableError",
    "NoWorkspaceError",
    "NotFoundError",
    "Outcome",
    "Paper",
    "PermissionDeniedError",
    "PostMortem",
    "Prediction",
    "Prototype",
    "Recommendation",
    "RedFlag",
    "RedFlagKind",
    "Registration",
    "ReproStatus",
    "Reproduction",
    "Ring",
    "RingMove",
    "Role",
    "RunHeader",
    "RunSink",
    "SchemaTooNewError",
    "SequentialDesign",
    "Stage",
    "StageFacts",
    "Study",
    "StudyView",
    "Summary",
    "Technique",
    "TimeBox",
    "TrialKey",
    "TrialResult",
    "TrialStatus",
    "Verdict",
    "VerdictEstimate",
    "Viability",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "adjust_pvalues",
    "advise_adoption",
    "analyse",
    "baseline",
    "bootstrap_ci",
    "candidate",
    "command",
    "compare",
    "compare_layers",
    "cost_benefit",
    "critical_difference_diagram",
    "diff_numpy",
    "diff_torch",
    "endpoint",
    "friedman",
    "load_benchmark",
    "load_module",
    "metric",
    "pairwise_wilcoxon",
    "radar_svg",
    "read_pyperf",
    "read_pytest_benchmark",
    "render_report",
    "run_benchmark",
    "summarize",
    "trials_needed",
    "workload",
    "write_report",
]

if _TYPE_CHECKING:
    from assay.bench import (
        BenchmarkResult,
        BenchOptions,
        Isolation,
        JsonLinesSink,
        MemorySink,
        RunHeader,
        RunSink,
        TrialKey,
        TrialResult,
        TrialStatus,
        analyse,
        baseline,
        candidate,
        command,
        load_benchmark,
        load_module,
        metric,
        run_benchmark,
        workload,
    )
    from assay.criteria import (
        CriteriaSyntaxError,
        Criterion,
        EffectEstimate,
        Evaluation,
        Evidence,
        InMemoryEvidence,
        MetricEstimate,
        Outcome,
        VerdictEstimate,
    )
    from assay.load.endpoint import endpoint
    from assay.pipeline.claims import (
        Claim,
        Reproduction,
        ReproStatus,
    )
    from assay.pipeline.cost import (
        CostBenefit,
        CostInputs,
        MeasuredEffects,
        cost_benefit,
    )
    from assay.pipeline.gates import (
        Answer,
        Decision,
        Recommendation,
        Role,
        StageFacts,
    )
    from assay.pipeline.papers import (
        Author,
        Paper,
    )
    from assay.pipeline.postmortem import (
        ActionItem,
        PostMortem,
    )
    from assay.pipeline.predictions import (
        Forecast,
        Prediction,
    )
    from assay.pipeline.prototype import (
        Amendment,
        KillCriterion,
        Prototype,
        Registration,
        Stage,
        TimeBox,
    )
    from assay.pipeline.radar import (
        RingMove,
        Technique,
    )
    from assay.pipeline.reading import (
        AdoptionFactors,
        RedFlag,
        RedFlagKind,
        Viability,
        advise_adoption,
    )
    from assay.report import (
        StudyView,
        radar_svg,
        render_report,
        write_report,
    )
    from assay.repro import (
        DiffReport,
        compare_layers,
        diff_numpy,
        diff_torch,
    )
    from assay.stats import (
        Comparison,
        SequentialDesign,
        Summary,
        Verdict,
        adjust_pvalues,
        bootstrap_ci,
        compare,
        critical_difference_diagram,
        friedman,
        pairwise_wilcoxon,
        summarize,
        trials_needed,
    )
    from assay.store.study import (
        Study,
    )
    from assay.workspace import (
        Workspace,
    )
    from assay.workspace.runs import read_pyperf, read_pytest_benchmark


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assay' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
