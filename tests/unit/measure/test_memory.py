"""Memory probes and size parsing."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import InputError
from assay.measure.memory import (
    cuda_in_use,
    format_size,
    measure_peaks,
    parse_size,
    read_rss,
    reset_peak_rss,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4GiB", 4 * 1024**3),
        ("512MiB", 512 * 1024**2),
        ("1.5GB", 1_500_000_000),
        ("1000", 1000),
        ("64 kib", 64 * 1024),
        ("2g", 2_000_000_000),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "4 parsecs", "-1GiB", "0", "1e9", "9" * 400, "1048577TiB"]
)
def test_parse_size_rejects_nonsense(text: str) -> None:
    with pytest.raises(InputError, match=r"memory-limit|size"):
        parse_size(text, field="memory-limit")


def test_the_largest_size_is_one_exbibyte() -> None:
    assert parse_size("1048576TiB") == 2**60
    with pytest.raises(InputError, match=r"too large; expected at most 1048576TiB") as refused:
        parse_size("9" * 400, field="--memory-limit")
    assert len(str(refused.value)) < 120  # the number is shortened, not echoed whole
    with pytest.raises(InputError, match="too large"):  # exactly: no float rounding it down
        parse_size(f"{2**60 + 1}B")
    with pytest.raises(InputError, match="too large"):
        parse_size("9" * 300 + ".5")


def test_format_size() -> None:
    assert format_size(512) == "512 B"
    assert format_size(1536) == "1.5 KiB"
    assert format_size(4 * 1024**3) == "4 GiB"


def test_heap_peak_sees_a_numpy_temporary() -> None:
    def method(n: int) -> float:
        return float(np.ones(n).sum())  # an 8 MB temporary, freed before returning

    peaks = measure_peaks(method, 1_000_000)
    assert peaks.peak_heap >= 8_000_000
    assert peaks.peak_cuda is None
    assert "peak_cuda" not in peaks.values()


def test_rss_peak_is_measured_after_a_reset() -> None:
    def method(n: int) -> None:
        a = np.ones(n)
        del a

    peaks = measure_peaks(method, 20_000_000)  # 160 MB touched
    assert peaks.peak_rss is not None
    if peaks.rss_source.startswith("VmHWM"):
        assert peaks.peak_rss >= 160_000_000
    assert peaks.values()["peak_rss"] == peaks.peak_rss


def test_rss_readers() -> None:
    rss = read_rss()
    assert rss is not None
    assert rss > 0
    assert read_rss(2**30) is None
    assert isinstance(reset_peak_rss(), bool)


def test_no_cuda_without_torch_initialised() -> None:
    assert cuda_in_use() is False
