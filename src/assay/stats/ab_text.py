"""A stored A/B analysis in words and table cells: what ``assay ab show`` prints and the
web's run page shows, written once (plain text; each surface adds its emphasis and
escaping). Only formatting of the stored document (:mod:`assay.stats.ab_analysis`'s
``to_dict``): nothing is recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "guardrail_cells",
    "guardrails_caption",
    "metric_cells",
    "metrics_caption",
    "notes",
    "p_text",
    "pct",
    "source_sentence",
    "srm_sentence",
]

DASH = "—"


def pct(value: float | None, *, signed: bool = True) -> str:
    """A relative change in percent (two decimals below 1%); ``unbounded`` for none."""
    if value is None or not math.isfinite(value):
        return "unbounded"
    size = abs(value) * 100
    digits = 1 if size >= 1 else 2
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}{size:.{digits}f}%"


def p_text(value: float | None) -> str:
    """A p-value to three significant digits."""
    if value is None:
        return DASH
    return "<1e-16" if value < 1e-16 else f"{value:.3g}"


def _value(kind: str, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{100 * value:.2f}%" if kind == "proportion" else f"{value:.4g}"


def _signed(kind: str, value: float | None) -> str:
    if value is None:
        return "unbounded"
    return f"{100 * value:+.2f} pt" if kind == "proportion" else f"{value:+.4g}"


def source_sentence(source: Mapping[str, Any]) -> str:
    """The file analysed: its name, rows, shape and the start of its SHA-256."""
    name = str(source["file"]).rstrip("/").rsplit("/", 1)[-1]  # no I/O module in stats
    return (
        f"{name}, {source['rows']:,} rows ({source['shape']}), sha256 {str(source['sha256'])[:12]}"
    )


def srm_sentence(doc: Mapping[str, Any]) -> str:
    """The sample-ratio check: units per arm against the planned split, and its p."""
    srm, arms = doc["srm"], doc["arms"]
    units = arms["units"]
    planned = "/".join(f"{100 * s:g}" for s in srm["expected"])
    return (
        f"Sample ratio: {arms['control']} {units[0]:,} / {arms['treatment']} "
        f"{units[1]:,} units (planned {planned}), chi-square p = {srm['p_value']:.3g}"
    )


def metrics_caption(doc: Mapping[str, Any]) -> str:
    """The metrics table's title."""
    return f"Treatment against control, with {1 - float(doc['options']['alpha']):.0%} intervals"


def metric_cells(found: Mapping[str, Any]) -> list[str]:
    """One metric's row: its name, control, treatment, the difference and the lift with
    their intervals (the always-valid ones when sequential), p and the verdict."""
    name = str(found["metric"]) + (" (lower is better)" if found.get("lower_is_better") else "")
    effect, kind, look = found.get("effect"), str(found.get("kind")), found.get("sequential")
    verdict = str(look["verdict"] if look else found["verdict"]).upper()
    if not effect:
        return [name, DASH, DASH, DASH, DASH, DASH, verdict]
    rel = effect["relative"]
    low, high = (look["relative_ci"] if look else rel["ci"]) or (None, None)
    diff_low, diff_high = (look["ci"] if look else effect["difference"]["ci"]) or (None, None)
    estimate = effect["difference"]["estimate"]
    return [
        name,
        _value(kind, effect["baseline"]),
        _value(kind, effect["candidate"]),
        f"{_signed(kind, estimate)} ({_signed(kind, diff_low)} to {_signed(kind, diff_high)})",
        f"{pct(rel['estimate'])} ({pct(low)} to {pct(high)})",
        p_text(look["p_value"] if look else effect["p_value"]),
        verdict,
    ]


def notes(doc: Mapping[str, Any]) -> list[str]:
    """CUPED's variance reduction, what the data rule out, the always-valid look and
    each metric's warnings."""
    lines = []
    for found in doc.get("metrics", ()):
        effect, name = found.get("effect") or {}, found["metric"]
        reduction = effect.get("variance_reduction")
        if reduction is not None:
            lines.append(
                f"{name}: CUPED with {found['covariate']} reduced the variance of the "
                f"difference by {reduction:.0%}"
            )
        if found.get("rules_out"):
            lines.append(f"{name}: {found['rules_out']}")
        look = found.get("sequential")
        if look:
            looks = len(found.get("looks", ())) or 1
            lines.append(
                f"{name}: always-valid over {looks} look(s) ({look['method']}); rules out "
                f"{look['rules_out']}"
            )
        lines += [f"{name}: {w}" for w in effect.get("warnings", ())]
    return lines


def guardrails_caption(rails: Mapping[str, Any]) -> str:
    """The guardrails table's title."""
    return (
        "Guardrails: one-sided tests of harm beyond the margin, Benjamini-Hochberg "
        f"at {rails['fdr']:g}"
    )


def guardrail_cells(rail: Mapping[str, Any]) -> list[str]:
    """One guardrail's row before its result: metric, margin, lift, p and adjusted p."""
    return [
        str(rail["metric"]),
        pct(rail["margin"], signed=False),
        pct(rail["relative"]),
        p_text(rail["p_value"]),
        p_text(rail["adjusted_p_value"]),
    ]
