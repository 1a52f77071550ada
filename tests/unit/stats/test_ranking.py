"""Demšar (2006) worked examples: Wilcoxon, Friedman, Iman-Davenport, Nemenyi."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as sps

from assay.errors import InputError
from assay.stats import friedman, nemenyi, pairwise_wilcoxon, wilcoxon_test

NAMES = ("C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf")
# Demšar (2006), Table 6: AUC of four C4.5 variants on fourteen UCI datasets.
AUC = np.array([
    [0.763, 0.768, 0.771, 0.798],  # adult (sample)
    [0.599, 0.591, 0.590, 0.569],  # breast cancer
    [0.954, 0.971, 0.968, 0.967],  # breast cancer wisconsin
    [0.628, 0.661, 0.654, 0.657],  # cmc
    [0.882, 0.888, 0.886, 0.898],  # ionosphere
    [0.936, 0.931, 0.916, 0.931],  # iris
    [0.661, 0.668, 0.609, 0.685],  # liver disorders
    [0.583, 0.583, 0.563, 0.625],  # lung cancer
    [0.775, 0.838, 0.866, 0.875],  # lymphography
    [1.000, 1.000, 1.000, 1.000],  # mushroom
    [0.940, 0.962, 0.965, 0.962],  # primary tumor
    [0.619, 0.666, 0.614, 0.669],  # rheum
    [0.972, 0.981, 0.975, 0.975],  # voting
    [0.957, 0.978, 0.946, 0.970],  # wine
])  # fmt: skip


def _as_ranked_in_the_paper() -> np.ndarray:
    # The paper's rank table orders C4.5+cf ahead of C4.5+m+cf on "voting", where the
    # printed AUCs tie at three decimals; break the tie the same way.
    table = AUC.copy()
    table[12, 2] += 1e-4
    return table


def test_wilcoxon_example_section_3_1_3() -> None:
    # C4.5+m against C4.5: R+ = 93, R- = 12 with zero differences split, T = 12,
    # below the critical value 21 for N = 14, so the difference is significant.
    result = wilcoxon_test(AUC[:, 0], AUC[:, 1], zero_method="zsplit")
    assert result.statistic == 12.0
    assert result.p_value < 0.05
    assert result.p_value == pytest.approx(
        sps.wilcoxon(AUC[:, 1], AUC[:, 0], zero_method="zsplit").pvalue, abs=1e-12
    )


def test_friedman_example_section_3_2_2() -> None:
    result = friedman(_as_ranked_in_the_paper(), names=NAMES, tie_correction=False)
    assert result.average_ranks == pytest.approx((3.143, 2.000, 2.893, 1.964), abs=5e-4)
    assert result.statistic == pytest.approx(9.28, abs=0.005)
    assert result.f_statistic == pytest.approx(3.69, abs=0.005)
    # F(3, 39) critical value at 0.05 is 2.85: the methods differ
    assert sps.f.ppf(0.95, 3, 39) == pytest.approx(2.85, abs=0.005)
    assert result.f_p_value < 0.05


def test_friedman_equals_scipy_with_ties() -> None:
    result = friedman(AUC, names=NAMES)
    theirs = sps.friedmanchisquare(*AUC.T)
    assert result.statistic == pytest.approx(theirs.statistic, abs=1e-9)
    assert result.p_value == pytest.approx(theirs.pvalue, abs=1e-9)
    # the printed table, ties and all: 3.143, 2.000, 2.929, 1.929
    assert result.average_ranks == pytest.approx((22 / 7, 2.0, 41 / 14, 27 / 14))


def test_nemenyi_example() -> None:
    table = _as_ranked_in_the_paper()
    at_05 = nemenyi(table, names=NAMES)
    assert at_05.q_alpha == pytest.approx(2.569, abs=5e-4)
    assert at_05.critical_difference == pytest.approx(1.25, abs=0.005)
    # "the post-hoc test is not powerful enough to detect any significant differences"
    assert at_05.significant_pairs() == []
    at_10 = nemenyi(table, names=NAMES, confidence=0.90)
    assert at_10.q_alpha == pytest.approx(2.291, abs=5e-4)
    assert at_10.critical_difference == pytest.approx(1.12, abs=0.005)
    # at 0.10, C4.5 differs from C4.5+m+cf (1.179 > 1.12) and from C4.5+m (1.143)
    assert set(at_10.significant_pairs()) == {("C4.5", "C4.5+m"), ("C4.5", "C4.5+m+cf")}
    assert at_10.p_values[0, 3] < 0.10 < at_10.p_values[2, 3]
    assert np.allclose(at_10.p_values, at_10.p_values.T)


@pytest.mark.parametrize(("k", "q"), [(2, 1.960), (3, 2.343), (5, 2.728), (10, 3.164)])
def test_nemenyi_critical_values_table_5a(k: int, q: float) -> None:
    table = np.random.default_rng(k).normal(size=(6, k))
    assert nemenyi(table).q_alpha == pytest.approx(q, abs=2e-3)


def test_pairwise_wilcoxon_with_holm() -> None:
    result = pairwise_wilcoxon(AUC, names=NAMES)
    raw = sps.wilcoxon(AUC[:, 1], AUC[:, 0], zero_method="zsplit").pvalue
    assert result.p_values[0, 1] == pytest.approx(raw, abs=1e-12)
    assert np.all(result.adjusted >= result.p_values - 1e-15)
    assert result.adjusted[0, 1] == result.adjusted[1, 0]
    assert all(pair[0] == "C4.5" for pair in result.significant_pairs(0.10))


def test_lower_is_better_reverses_ranks() -> None:
    higher = friedman(AUC).average_ranks
    lower = friedman(AUC, lower_is_better=True).average_ranks
    assert np.allclose(np.array(higher) + np.array(lower), 5.0)


@pytest.mark.parametrize(
    ("scores", "kwargs", "message"),
    [
        ([[1.0, 2.0]], {}, "at least 2"),
        ([[1.0, float("nan")], [1.0, 2.0]], {}, "finite"),
        ([[1.0, 2.0], [2.0, 3.0]], {"names": ["a"]}, "names"),
        ("abc", {}, "table of numbers"),
    ],
)
def test_bad_input(scores: object, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        friedman(scores, **kwargs)  # type: ignore[arg-type]
