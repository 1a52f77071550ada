"""Properties of the criteria language, checked with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.criteria import (
    CriteriaSyntaxError,
    InMemoryEvidence,
    MetricEstimate,
    Outcome,
    canonical_text,
    content_hash,
    interval_outcome,
    parse,
)
from assay.criteria.nodes import (
    OPERATORS,
    VERDICTS,
    And,
    ArmMetric,
    Comparison,
    EffectOf,
    Equivalent,
    Not,
    NotWorse,
    Or,
    Predicate,
    Quantity,
    VerdictName,
    VerdictOf,
    render,
)

# -- strategies for well-formed trees ---------------------------------------------------

_SEGMENT = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
_TAIL = st.from_regex(r"[A-Za-z0-9_]{1,5}", fullmatch=True)
_CUSTOM = st.builds(
    lambda head, tail: ".".join([head, *tail]), _SEGMENT, st.lists(_TAIL, max_size=2)
).filter(lambda name: name.split(".")[0] not in ("candidate", "baseline"))
# (family prefix, units that fit it)
_FAMILIES = {
    "latency": ["ns", "us", "ms", "s", "min"],
    "memory": ["B", "KB", "MB", "GB", "KiB", "MiB", "GiB", "TiB"],
    "cost": ["usd"],
    "accuracy": [None, "%", "pt"],
    "throughput": [None],
}


@st.composite
def decimals(draw: st.DrawFn, *, positive: bool = False) -> Decimal:
    mantissa = draw(st.integers(1 if positive else -(10**9), 10**9))
    return Decimal(mantissa).scaleb(-draw(st.integers(0, 6)))


@st.composite
def known_metric(draw: st.DrawFn) -> tuple[str, list[str | None]]:
    family = draw(st.sampled_from(sorted(_FAMILIES)))
    suffix = draw(st.lists(_TAIL, max_size=2))
    return ".".join([family, *suffix]), _FAMILIES[family]


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    kind = draw(st.sampled_from(["known", "custom", "effect", "verdict", "arms"]))
    op = draw(st.sampled_from(OPERATORS))
    arm = draw(st.sampled_from(["candidate", "baseline"]))
    if kind == "verdict":
        sides: tuple[object, object] = (
            VerdictOf(draw(_CUSTOM)),
            VerdictName(draw(st.sampled_from(VERDICTS))),
        )
        op = draw(st.sampled_from(["==", "!="]))
    elif kind == "known":
        metric, units = draw(known_metric())
        sides = (ArmMetric(arm, metric), Quantity(draw(decimals()), draw(st.sampled_from(units))))
    elif kind == "custom":
        unit = draw(st.sampled_from([None, "ms", "MiB", "usd", "%", "pt", "us"]))
        sides = (ArmMetric(arm, draw(_CUSTOM)), Quantity(draw(decimals()), unit))
    elif kind == "effect":
        unit = draw(st.sampled_from(["%", "x"]))
        sides = (EffectOf(draw(_CUSTOM)), Quantity(draw(decimals()), unit))
    else:
        metric, _ = draw(known_metric())
        sides = (ArmMetric("candidate", metric), ArmMetric("baseline", metric))
    left, right = draw(st.permutations(sides))
    return Comparison(left, op, right)  # type: ignore[arg-type]


@st.composite
def margins(draw: st.DrawFn) -> Predicate:
    build = draw(st.sampled_from([NotWorse, Equivalent]))
    if draw(st.booleans()):
        return build(draw(_CUSTOM), Quantity(draw(decimals(positive=True)), "%"))
    metric, units = draw(known_metric())
    unit = draw(st.sampled_from(units))
    return build(metric, Quantity(draw(decimals(positive=True)), unit))


predicates = st.recursive(
    st.one_of(comparisons(), margins()),
    lambda inner: st.one_of(
        st.builds(Not, inner), st.builds(And, inner, inner), st.builds(Or, inner, inner)
    ),
    max_leaves=8,
)


@given(predicates)
@settings(max_examples=300)
def test_parse_of_render_gives_back_the_same_tree(node: Predicate) -> None:
    text = render(node)
    criterion = parse(text)
    assert criterion.node == node
    assert criterion.canonical == text


@given(predicates, st.lists(st.sampled_from([" ", "  ", "\t", "\n"]), min_size=1))
def test_extra_whitespace_between_tokens_changes_neither_tree_nor_hash(
    node: Predicate, spaces: list[str]
) -> None:
    text = render(node)
    # Widen every existing space: same tokens, different layout.
    spread = text.replace(" ", " " + "".join(spaces))
    assert parse(spread) == parse(text)
    assert content_hash([spread]) == content_hash([text])


# -- hostile input ------------------------------------------------------------------------

_PIECES = [
    "candidate.", "baseline.", "latency.p99", "effect(", "verdict(", "not_worse(", "equivalent(",
    "margin=", "(", ")", ",", "and ", "or ", "not ", "<", "<=", ">", ">=", "==", "!=", "=",
    "-", "+", "20", "1.5", "1e3", ".5", "%", "ms", "MiB", "x", "pt", "better", " ", "\n", "@", "µs",
    "e", "accuracy", "1e999999999", "1e-999999999", "0e99999999999",
]  # fmt: skip


def _survives(text: str) -> None:
    error: CriteriaSyntaxError | None = None
    try:
        parse(text)
    except CriteriaSyntaxError as caught:
        error = caught
    if error is not None:
        assert "\n" not in str(error)
        assert 0 <= error.position <= len(text)
        assert error.line >= 1
        assert error.column >= 1
        assert error.caret_message().count("\n") == 2


@given(st.text(max_size=80))
@settings(max_examples=500)
def test_random_text_parses_or_raises_a_criteria_syntax_error(text: str) -> None:
    _survives(text)


@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
@settings(max_examples=1000)
def test_random_token_soup_parses_or_raises_a_criteria_syntax_error(text: str) -> None:
    _survives(text)


# -- evaluation ----------------------------------------------------------------------------

_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(_finite, _finite, st.sampled_from(OPERATORS), st.floats(0, 1))
def test_interval_outcome_agrees_with_every_point_of_the_interval(
    a: float, b: float, op: str, t: float
) -> None:
    low, high = min(a, b), max(a, b)
    points = [low, high, low + (high - low) * t]
    holds = {p: _holds(p, op) for p in points}
    result = interval_outcome(low, high, op)
    if result is Outcome.PASS:
        assert all(holds.values())
    elif result is Outcome.FAIL:
        assert not any(holds.values())
    else:
        # Undetermined: the threshold lies inside a interval of some width, so that
        # points on both sides of the question exist.
        assert low <= 0 <= high
        assert low < high


def _holds(x: float, op: str) -> bool:
    return {"<": x < 0, "<=": x <= 0, ">": x > 0, ">=": x >= 0, "==": x == 0, "!=": x != 0}[op]


@given(_finite, _finite, _finite, _finite, st.sampled_from(OPERATORS))
def test_a_narrower_interval_never_reverses_a_decided_outcome(
    a: float, b: float, c: float, d: float, op: str
) -> None:
    wide = sorted([a, b, c, d])
    outer = interval_outcome(wide[0], wide[3], op)
    inner = interval_outcome(wide[1], wide[2], op)
    if outer is not Outcome.UNDETERMINED:
        assert inner is outer


@given(predicates, st.data())
@settings(max_examples=200)
def test_not_is_the_exact_negation_and_evaluation_never_crashes(
    node: Predicate, data: st.DataObject
) -> None:
    low = data.draw(_finite)
    high = low + data.draw(st.floats(0, 1e3))
    evidence = _EverythingEvidence(low, high, data.draw(st.sampled_from(VERDICTS)))
    result = parse(render(node)).evaluate(evidence)
    negated = parse(render(Not(node))).evaluate(evidence)
    assert negated.outcome is ~result.outcome
    assert result.explain()


class _EverythingEvidence(InMemoryEvidence):
    """Evidence for any metric: the same interval, in a unit that fits the metric."""

    def __init__(self, low: float, high: float, verdict: str) -> None:
        super().__init__()
        object.__setattr__(self, "_interval", (low, high))
        object.__setattr__(self, "_verdict", verdict)

    def _estimate(self, metric: str) -> MetricEstimate:
        unit = {"latency": "ms", "memory": "MiB", "cost": "usd"}.get(metric.split(".")[0])
        low, high = self._interval  # type: ignore[attr-defined]
        return MetricEstimate((low + high) / 2, low, high, unit, n=5)

    def statistic(self, arm: str, metric: str) -> MetricEstimate | None:
        return None if metric.split(".")[0] not in _FAMILIES else self._estimate(metric)

    def effect(self, metric: str):  # type: ignore[no-untyped-def]
        from assay.criteria import EffectEstimate

        low, high = self._interval  # type: ignore[attr-defined]
        return EffectEstimate(
            MetricEstimate((low + high) / 2, low, high, n=5), True, self._estimate(metric)
        )

    def verdict(self, metric: str):  # type: ignore[no-untyped-def]
        from assay.criteria import VerdictEstimate

        return VerdictEstimate(self._verdict, 12, n=5)  # type: ignore[attr-defined]


@given(st.lists(predicates, min_size=1, max_size=4), st.randoms())
@settings(max_examples=100)
def test_the_canonical_form_ignores_order_and_duplicates(
    nodes: list[Predicate], random: object
) -> None:
    texts = [render(n) for n in nodes]
    shuffled = list(texts) + texts[:1]
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert canonical_text(shuffled) == canonical_text(texts)
    assert content_hash(shuffled) == content_hash(texts)
