"""Routes for machines: ``POST /api/runs`` records a benchmark result from CI.

The body is what ``assay bench run --json`` prints; the request carries an API token
(``Authorization: Bearer``; contributor or higher, as ``assay bench import``). The
run is stored as a finished run with that stored analysis (nothing is re-analysed),
through the same service and audit trail as the command line.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from assay.errors import InputError
from assay.web.auth import root_of
from assay.web.deps import RequestState, csrf_checked
from assay.web.render import json_response

__all__ = ["router"]

router = APIRouter(tags=["api"])

_MAX_BODY = 20 * 2**20  # a result document larger than this is refused


@router.post(
    "/api/runs",
    summary="Upload a `bench run --json` result (API token)",
    status_code=201,
    responses={
        201: {
            "description": "The run was recorded.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"run": {"type": "string"}, "url": {"type": "string"}},
                        "required": ["run", "url"],
                    }
                }
            },
        },
        401: {"description": "No token, or one that proves no one."},
        403: {"description": "The token's user is not a contributor."},
        422: {"description": "The body is not a `bench run --json` document."},
    },
)
async def upload_run(
    request: Request,
    document: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to declare a body
        description="What `assay bench run --json` prints."
    ),
    state: RequestState = csrf_checked,
) -> Response:
    """Record the result as a finished run; answers ``{"run": ID, "url": ...}``."""
    if int(request.headers.get("content-length") or 0) > _MAX_BODY:
        raise InputError(f"the result is over {_MAX_BODY // 2**20} MiB; upload a smaller one")
    info = await run_in_threadpool(state.ws.runs.import_result, document, source="web upload")
    url = f"{root_of(request)}/runs/{info.run_id}"
    response = json_response({"run": info.run_id, "url": url}, status=201)
    response.headers["location"] = url
    return response
