"""assay.stats loads its names lazily: every name resolves, and the light ones cost no SciPy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import assay.stats


def test_every_public_name_resolves_from_its_module() -> None:
    assert assay.stats.__all__ == sorted(assay.stats.__all__)
    assert set(assay.stats.__all__) == set(assay.stats._MODULES)
    for name in assay.stats.__all__:
        value = getattr(assay.stats, name)
        assert value.__module__ == f"assay.stats.{assay.stats._MODULES[name]}", name
    assert set(assay.stats.__all__) <= set(dir(assay.stats))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'welch'"):
        _ = assay.stats.welch  # type: ignore[attr-defined]


def test_the_ablation_function_is_not_shadowed_by_a_module() -> None:
    code = (
        "import assay.stats.attribution, assay.stats as s; "
        "from assay.stats import ablation; print(callable(ablation), type(s.ablation).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "function"]


@pytest.mark.parametrize(
    ("statement", "scipy_loaded"),
    [
        ("from assay.stats import Verdict, mean_interval, wilson_interval", False),
        ("from assay.stats import compare", True),  # the check can see SciPy when it loads
    ],
)
def test_light_names_do_not_load_scipy(statement: str, scipy_loaded: bool) -> None:
    code = f"import sys; {statement}; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(scipy_loaded)
