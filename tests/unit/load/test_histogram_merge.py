"""Merging per-process histograms gives exactly the histogram of one process."""

from __future__ import annotations

import numpy as np
import pytest

from assay.load.histogram import Histogram


@pytest.mark.parametrize("processes", [2, 3, 8])
def test_merge_of_encoded_parts_equals_one_histogram(processes: int) -> None:
    rng = np.random.default_rng(5)
    values = rng.lognormal(np.log(0.002), 1.0, 20_000)  # seconds, 2 ms median, long tail
    whole = Histogram()
    parts = [Histogram() for _ in range(processes)]
    for index, value in enumerate(values):
        whole.record(float(value))
        parts[index % processes].record(float(value))
    merged = Histogram()
    for part in parts:
        merged.add(Histogram(part.encode()))  # the trip between processes
    assert merged.summary() == whole.summary()
    for pct in (1, 25, 50, 75, 90, 99, 99.9, 99.99, 100):
        assert merged.percentile(pct) == whole.percentile(pct)


def test_percentiles_are_within_the_resolution() -> None:
    values = np.linspace(0.001, 1.0, 10_001)
    hist = Histogram()
    for value in values:
        hist.record(float(value))
    for pct in (50, 90, 99, 99.9):
        assert hist.percentile(pct) == pytest.approx(np.percentile(values, pct), rel=2e-3)
    assert hist.count_above(0.5) == pytest.approx(5000, abs=10)


def test_an_empty_histogram_summarises_to_its_count() -> None:
    assert Histogram().summary() == {"count": 0}
    assert Histogram(Histogram().encode()).count == 0


def test_bulk_recording_puts_every_value_in_its_own_bucket() -> None:
    # The deferred, bulk insert must give exactly the histogram of recording each
    # value into HdrHistogram one by one.
    from hdrh.histogram import HdrHistogram

    from assay.load.histogram import DIGITS, HIGHEST_US, LOWEST_US

    rng = np.random.default_rng(11)
    values = np.concatenate(
        [rng.lognormal(np.log(0.003), 2.0, 50_000), [0.0, 1e-7, 4095e-6, 4096e-6, 7200.0]]
    )
    direct = HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
    bulk = Histogram()
    for value in values:
        direct.record_value(min(max(int(value * 1e6), LOWEST_US), HIGHEST_US))
        bulk.record(float(value))
    assert bulk.count == direct.get_total_count()
    for pct in (0, 1, 10, 50, 90, 99, 99.9, 99.99, 100):
        assert bulk.percentile(pct) * 1e6 == direct.get_value_at_percentile(pct)
    assert bulk.encode() == bytes(direct.encode())
