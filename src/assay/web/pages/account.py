"""The account page: who I am, my role, my API tokens (without their secrets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from assay.web.deps import RequestState, viewer
from assay.web.render import respond, responses

__all__ = ["router"]

router = APIRouter(tags=["account"])


@router.get(
    "/account",
    summary="Who I am and my API tokens",
    responses=responses("The user, how they signed in, and their tokens; or the page."),
)
def account(request: Request, state: RequestState = viewer) -> Response:
    """The signed-in user, their role, how they are signed in, and their tokens
    (``assay token list --user ME``: prefixes and states, never secrets)."""
    at = dt.datetime.now(dt.UTC)
    me = state.ws.users.me()
    tokens = [token.to_dict(at) for token in state.ws.tokens.list(state.user)]
    document: dict[str, Any] = {
        "user": me.to_dict() if me is not None else {"name": state.user, "role": state.role},
        "signed_in_with": "api token" if state.token else "web session",
        "tokens": tokens,
    }
    return respond(request, state, "account.html", document, request_path="/account")
