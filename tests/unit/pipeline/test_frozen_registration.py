"""A frozen registration read back from its canonical text (issue 10): the criteria a
gate's recommendation is judged on, whatever was amended later."""

from __future__ import annotations

import datetime as dt

import pytest

from assay.errors import InputError
from assay.pipeline.prototype import Registration

REGISTRATION = Registration.build(
    hypothesis="argpartition is   at least 30% faster than argsort for top-k",
    success=["effect(time) <= -30%", "not_worse(accuracy, margin=1pt)"],
    kill=["not_worse(peak_rss, margin=10%)"],
    soft_kill=["candidate.failure_rate < 1%"],
    requirements=["works on float32"],
    timebox_end=dt.date(2026, 12, 20),
)


def test_the_canonical_text_reads_back_to_the_same_registration() -> None:
    text = REGISTRATION.canonical_text()
    back = Registration.from_canonical_text(text)
    assert back.canonical_text() == text
    assert back.content_hash() == REGISTRATION.content_hash()
    assert back.timebox_end == dt.date(2026, 12, 20)
    assert [k.severity.value for k in back.kill] == ["hard", "soft"]


def test_a_registration_without_criteria_or_time_box_reads_back() -> None:
    bare = Registration.build(hypothesis="h")
    assert Registration.from_canonical_text(bare.canonical_text()) == bare


@pytest.mark.parametrize("line", ["success effect(time) <= -30%", "budget: 3 days"])
def test_a_line_that_is_not_canonical_is_refused(line: str) -> None:
    with pytest.raises(InputError, match="not a line of a frozen registration"):
        Registration.from_canonical_text(f"hypothesis: h\n{line}\n")
