"""The gate inbox, a gate's review and the decision form.

``GET /gates`` lists the prototypes awaiting a decision with their stored
evaluation (:func:`assay.workspace.documents.gate_inbox`); ``GET /gates/{prototype}``
is ``assay gate review NAME --json``'s document. Approvers and admins see the
decision form; ``POST /gates/{prototype}/decision`` calls
``ws.prototypes.decide`` as ``assay gate decide`` does, so the service checks the
role (403 for anyone else) and the audit trail records
``via = "web POST /gates/{prototype}/decision"``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from assay.errors import InputError
from assay.web.auth import root_of
from assay.web.deps import RequestState, csrf_checked, server_of, viewer
from assay.web.pages.radar import technique_href
from assay.web.render import json_response, respond, responses

__all__ = ["Decision", "router"]

router = APIRouter(tags=["gates"])

_Prototype = Annotated[str, Path(max_length=300)]
_ANSWERS = ("yes", "no", "not-yet")


class Decision(BaseModel):
    """A gate decision, as the form (or a JSON body) sends it."""

    answer: str = Field(description="yes, no or not-yet", max_length=20)
    why: str = Field(description="What the decision rests on.", max_length=20_000)
    conditions: str = Field("", description="Conditions attached to the answer.", max_length=20_000)
    override: bool = Field(False, description="Decide against the recommendation.")
    revisit_when: str = Field("", description="When to look again.", max_length=2000)
    dissents: str = Field(
        "",
        description="Who disagreed and why, one per line: NAME: REASON (issue 16).",
        max_length=20_000,
    )
    csrf: str = Field("", description="The session's CSRF token (not for bearer tokens).")


_SCHEMA = Decision.model_json_schema()


@router.get(
    "/gates",
    summary="Gates awaiting a decision",
    responses=responses("The gates awaiting a decision, with their reviews; or the page."),
)
def inbox(request: Request, state: RequestState = viewer) -> Response:
    """Every prototype awaiting a decision, with its stored evaluation."""
    from assay.workspace import documents

    def build() -> Response:
        document = documents.gate_inbox(state.ws)
        root = root_of(request)
        return respond(
            request,
            state,
            "gates.html",
            document,
            href=lambda name: technique_href(root, name),
            request_path="/gates",
            decided=request.query_params.get("decided", "")[:40],
        )

    return server_of(request).cache.cached(request, state, build)


async def _decision_of(request: Request) -> Decision:
    """The decision from a form or a JSON body; 422 when it is not valid."""
    content = request.headers.get("content-type", "")
    if content.startswith("application/json"):
        try:
            raw: Any = await request.json()
        except ValueError:
            raise InputError("the body is not JSON") from None
    else:
        form = await request.form()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        raw["override"] = raw.get("override", "") in ("on", "true", "1", "yes")
    if not isinstance(raw, dict):
        raise InputError("the body must be a JSON object")
    from pydantic import ValidationError

    try:
        return Decision.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"{where}: {first.get('msg', 'not valid')}") from None


@router.post(
    "/gates/{prototype:path}/decision",
    summary="Decide a gate (approver or admin)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {"schema": _SCHEMA},
                "application/json": {"schema": _SCHEMA},
            },
            "required": True,
        }
    },
    responses={
        **responses(
            "The decision record (`assay gate decide --json`), for JSON requests.",
            statuses=(303, 401, 403, 404, 422),
            html=False,
        ),
        303: {"description": "Decided (a form): back to the review."},
    },
)
async def decide(
    request: Request, prototype: _Prototype, state: RequestState = csrf_checked
) -> Response:
    """Record the answer as ``assay gate decide`` does; people go back to the review
    (303), machines get the decision record (JSON)."""
    decision = await _decision_of(request)
    from starlette.concurrency import run_in_threadpool

    record = await run_in_threadpool(_decide, state, prototype, decision)
    if state.wants_json:
        return json_response(record)
    answered = str(record.get("answer", "")).upper().replace("-", " ")
    target = f"{root_of(request)}/gates/{_part(prototype)}?{urlencode({'decided': answered})}"
    return RedirectResponse(target, status_code=303)  # the review says what was decided


@router.get(
    "/gates/{prototype:path}",
    summary="A gate's review",
    responses=responses(
        "The review (`assay gate review NAME --json`), or its page with the decision form.",
        statuses=(303, 401, 403, 404, 422),
    ),
)
def review(request: Request, prototype: _Prototype, state: RequestState = viewer) -> Response:
    """Every criterion of the current gate with its evaluation and evidence, and the
    recommended answer; the decision form for approvers."""
    from assay.workspace import documents

    def build() -> Response:
        document = documents.gate_review(state.ws, prototype)
        root = root_of(request)
        return respond(
            request,
            state,
            "gate_review.html",
            document,
            may_decide=state.may("approver"),
            answers=_ANSWERS,
            href=lambda name: technique_href(root, name),
            request_path="/gates",
            decided=request.query_params.get("decided", "")[:40],
        )

    return server_of(request).cache.cached(request, state, build)


def _part(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _decide(state: RequestState, prototype: str, decision: Decision) -> dict[str, Any]:
    """The service call (in a worker thread: it writes to the store)."""
    from assay.pipeline.gates import Answer
    from assay.pipeline.learnings import parse_dissent

    given = decision.answer.strip().lower().replace(" ", "-").replace("_", "-")
    if given not in _ANSWERS:
        raise InputError(f"answer {decision.answer!r} is not one of {', '.join(_ANSWERS)}")
    record = state.ws.prototypes.decide(
        prototype,
        Answer(given),
        why=decision.why,
        conditions=decision.conditions,
        override=decision.override,
        advocates=[],
        revisit_when=decision.revisit_when,
        dissents=[parse_dissent(line) for line in decision.dissents.splitlines() if line.strip()],
    )
    result: dict[str, Any] = record.to_dict()
    return result
