"""The sentences a stored load document is shown in (``assay load show`` and the web's
run page share them)."""

from __future__ import annotations

from assay.load import text
from assay.stats import serial


def test_the_warning_threshold_is_the_statistics_one() -> None:
    assert text.WARN_INFLATION == serial.WARN_INFLATION


def _found(inflation: float | None) -> dict[str, object]:
    found: dict[str, object] = {
        "verdict": "worse",
        "effect": {"relative": 0.052, "ci": [0.01, None]},
    }
    if inflation is not None:
        found["serial"] = {"lag1": 0.5, "lag1_corrected": 0.55, "variance_inflation": inflation,
                           "effective_pairs": 20 / inflation}  # fmt: skip
    return found


def test_window_sentences_with_and_without_a_serial_note() -> None:
    comparison = {"windows": 20, "window_s": 0.5, "p50": _found(4.0), "p90": _found(1.2)}
    (p50, p90) = text.window_sentences(comparison, dash="—")
    assert p50[0] == "A/B P50 over 20 paired 0.5-s windows: B/A +5.2% (+1.0% to —)"
    assert p50[1] == "WORSE" and p50[2] is not None and "2.0x as wide" in p50[2]
    assert "worth 5 of 20 windows" in p50[2]
    assert p90[2] is None  # a small widening is not said
    old = text.window_sentences({"windows": 20, "window_s": 0.5, "p50": _found(None)})
    assert old[0][2] is None  # a run stored before the correction


def test_a_comparison_that_could_not_be_made_says_why() -> None:
    lines = text.window_sentences({"windows": 2, "window_s": 0.25, "error": "only 2 windows"})
    assert lines == [("A/B: only 2 windows", None, None)]


def test_the_client_sentence_leaves_out_a_lag_it_did_not_measure() -> None:
    client = {"mode": "closed", "processes": 1, "sent": 1200, "cpu_per_process": [0.25],
              "send_lag": {"count": 0}}  # fmt: skip
    assert text.client_sentence(client) == (
        "client (closed loop, 1 process(es), 1,200 sent): CPU 25% of a core"
    )
    assert text.streaming_sentence({"url": "http://127.0.0.1:1/"}) is None
