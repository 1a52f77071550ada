"""The pages: one router per module, included by :func:`assay.web.create_app` in
the order of :data:`ROUTERS`."""

from __future__ import annotations

from fastapi import APIRouter

from assay.web.pages import (
    account,
    api,
    auth_pages,
    credibility,
    gates,
    inbox,
    postmortems,
    predictions,
    radar,
    reports,
    review,
    runs,
    search,
    self_assessment,
    techniques,
)

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    auth_pages.router,
    radar.router,
    techniques.router,
    gates.router,
    account.router,
    api.router,
    runs.router,
    predictions.router,
    postmortems.router,
    inbox.router,
    credibility.router,
    self_assessment.router,
    review.router,
    reports.router,
    search.router,
]
