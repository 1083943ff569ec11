"""Rendering a page for a signed-in caller and reading a CSRF-checked form: what every page module shares."""

import time
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from flightrak import authz, roles
from flightrak.identity.v1 import identity_pb2 as pb
from flightrak.market_time import central_text
from services.gateway import rate_limits
from services.gateway.auth import SESSION_COOKIE, Caller, MaybeCaller, csrf_token, csrf_valid
from services.gateway.backends import ApiError, call

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["role_labels"] = roles.ROLE_LABELS
templates.env.globals["authz"] = authz
templates.env.filters["central"] = central_text


REFRESH_WHEN_SECONDS_LEFT = 300


class SignInRequired(Exception):
    """Raised by a page for an anonymous visitor; the app answers with a redirect to sign-in."""


def signed_in(caller: Caller | None) -> Caller:
    if caller is None:
        raise SignInRequired()
    return caller


def fragment_caller(caller: Caller | None) -> Caller:
    """A region's fragment, asked for by the page's script: a signed-out caller gets 401, not the sign-in page."""
    if caller is None:
        raise ApiError(401, "sign in again to see this change")
    return caller


async def page_caller(caller: MaybeCaller) -> Caller:
    """A page's form, posted: only by a signed-in caller; anyone else is sent to sign in."""
    return signed_in(caller)


PageCaller = Annotated[Caller, Depends(page_caller)]


def set_session(app, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=not app.state.settings.development,
        max_age=app.state.settings.token_ttl_seconds,
        path="/",
    )


async def render(
    app, request: Request, caller: Caller | None, name: str, status: int = 200, block: str = "", **context
) -> Response:
    """The page `name`; with `block`, only that block of it (a region that moves by itself: static/live.js)."""
    caller = signed_in(caller)
    context = {"caller": caller.principal, "csrf": csrf_token(app.state.settings.token_secret, caller.token), **context}
    response = (
        _block_response(request, name, block, context, status)
        if block
        else templates.TemplateResponse(request, name, context, status_code=status)
    )
    if caller.by_cookie and caller.principal.expires_at - time.time() < REFRESH_WHEN_SECONDS_LEFT:
        refreshed = await call(app.state.backends.identity.RefreshToken, pb.RefreshTokenRequest(), caller.token)
        set_session(app, response, refreshed.token)
    return response


def _block_response(request: Request, name: str, block: str, context: dict, status: int) -> Response:
    template = templates.get_template(name)
    rendered = template.blocks[block](template.new_context({"request": request, **context}))
    return HTMLResponse("".join(rendered), status_code=status)


async def read_form(app, request: Request, caller: Caller | None) -> dict[str, str]:
    """The posted form, one value per name except where a name repeats (checkboxes): joined by commas."""
    caller = signed_in(caller)
    await rate_limits.write(request, caller.token, caller.principal)
    posted = await request.form()
    form = {key: ",".join(str(v) for v in posted.getlist(key)) for key in posted}
    if not csrf_valid(app.state.settings.token_secret, caller.token, form.pop("csrf_token", None)):
        raise ApiError(403, "the form expired or did not come from FlighTrak; reload the page and try again")
    return form
