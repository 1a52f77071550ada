"""The predictions pages: every prediction, and how well each person forecast.

``GET /predictions`` lists the predictions with their forecasts and resolutions
(``assay predict list --json``). ``GET /predictions/calibration?person=NAME`` scores
the forecasts (``assay predict score --json``): Brier and log scores and the
calibration table, overall and per person, each drawn as a chart
(``/predictions/calibration.svg?person=NAME``) beside its table. A chart is an image
of its own, since matplotlib's ``style`` attributes are not allowed inside a page by
its Content-Security-Policy. Charts are kept per process by what they show (the
buckets and the title): the same scores are never drawn twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assay.errors import InputError, NotFoundError
from assay.web.deps import RequestState, query_text, server_of, viewer
from assay.web.render import respond, responses

__all__ = ["calibration_chart", "router"]

router = APIRouter(tags=["predictions"])

_PREDICTIONS = {"type": "object", "required": ["predictions"]}
_SCORES = {"type": "object", "required": ["as_of", "overall", "by_person", "by_tag", "overdue"]}

_DRAWING = threading.Lock()  # matplotlib's style settings are global: one chart at a time

Buckets = tuple[tuple[float, float, int, float | None, float | None], ...]


def _person(person: str | None) -> str | None:
    """``?person=`` stripped (:func:`query_text`; empty: everyone), at most 200 long."""
    who = query_text(person)
    if who is not None and person is not None and len(person) > 200:
        raise InputError(f"person={person[:20]!r}... is {len(person)} characters; at most 200")
    return who


@router.get(
    "/predictions",
    summary="Predictions with their forecasts and resolutions",
    responses=responses(
        "The predictions (`assay predict list --json`), or their page.", schema=_PREDICTIONS
    ),
)
def predictions_page(request: Request, state: RequestState = viewer) -> Response:
    """Every prediction (``assay predict list --json``)."""
    from assay.workspace import documents

    def build() -> Response:
        document = documents.predictions(state.ws)
        today = dt.date.today().isoformat()
        return respond(request, state, "predictions.html", document, today=today)

    return server_of(request).cache.cached(request, state, build)


def _title(who: str | None, score: dict[str, Any]) -> str:
    name = who or "Everyone"
    if not score.get("count"):
        return f"{name}: no scored forecasts yet"
    return f"{name}: {score['count']} forecasts, Brier {score['brier']:.3f}"


def _buckets(score: dict[str, Any]) -> Buckets:
    return tuple(
        (b["low"], b["high"], b["count"], b["mean_forecast"], b["observed"])
        for b in score.get("calibration", [])
    )


@functools.lru_cache(maxsize=128)
def calibration_chart(buckets: Buckets, title: str) -> str | None:
    """The calibration chart of ``buckets`` ((low, high, count, mean forecast,
    observed) each) as SVG, drawn once per process for the same figures."""
    from assay.pipeline.predictions import Bucket
    from assay.report import plots

    with _DRAWING:
        return plots.calibration([Bucket(*b) for b in buckets], title=title)


def _scores(document: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """(person or None for everyone, score) in the order the page shows them."""
    people = [(who, s) for who, s in document.get("by_person", {}).items()]
    overall = document.get("overall")
    return ([(None, overall)] if overall and len(people) != 1 else []) + people


@router.get(
    "/predictions/calibration",
    summary="Brier and log scores and calibration, per person",
    responses=responses(
        "The scores (`assay predict score [--person NAME] --json`, less `plot`), or the page.",
        schema=_SCORES,
        statuses=(303, 401, 403, 404, 422),
    ),
)
def calibration_page(
    request: Request, person: str | None = None, state: RequestState = viewer
) -> Response:
    """Scores and calibration overall and per person, or of ``person`` alone
    (``assay predict score [--person NAME] --json``)."""
    from assay.workspace import documents

    who = _person(person)

    def build() -> Response:
        document = documents.calibration(state.ws, who)
        if who is not None and who not in document.get("by_person", {}):
            raise NotFoundError(f"{who!r} made no forecast; see who did at /predictions")
        return respond(request, state, "calibration.html", document, scores=_scores(document))

    return server_of(request).cache.cached(request, state, build)


@router.get(
    "/predictions/calibration.svg",
    response_class=Response,
    summary="A person's calibration chart (SVG)",
    responses={
        **responses("", statuses=(303, 401, 403, 404, 422), html=False),
        200: {"description": "The chart (SVG).", "content": {"image/svg+xml": {}}},
    },
)
def calibration_svg(person: str | None = None, state: RequestState = viewer) -> Response:
    """The chart of ``person`` (everyone without one): forecast against outcome."""
    from assay.workspace import documents

    who = _person(person)
    document = documents.calibration(state.ws, who)
    score = document["overall"] if who is None else document.get("by_person", {}).get(who)
    if score is None:
        raise NotFoundError(f"{who!r} made no forecast; see who did at /predictions")
    svg = calibration_chart(_buckets(score), _title(who, score))
    if svg is None:
        raise NotFoundError(f"{_title(who, score)}: there is no chart to draw")
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-cache"})
