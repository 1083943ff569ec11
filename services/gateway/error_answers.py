"""How the gateway answers when something goes wrong, and the headers every answer carries.

API clients get the JSON error shape, browsers a page in FlighTrak's look. An unexpected error answers an incident
ID; its detail (class, message, traceback) goes only to the log, under that ID, with secrets redacted.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from opentelemetry import trace
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flightrak import logs
from services.gateway import views
from services.gateway.backends import ApiError

log = logging.getLogger(__name__)

HEADINGS = {
    400: "That request could not be used",
    403: "Not allowed",
    404: "Page not found",
    405: "Not possible here",
    409: "Conflict",
    413: "Too large",
    422: "Could not be processed",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Not answering right now",
    504: "Took too long",
}
# Starlette's own refusals (an unknown address, a method the address does not take) in words a person can use.
ROUTING_WORDS = {
    404: "FlighTrak has nothing at this address.",
    405: "This address does not take that kind of request.",
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def wants_page(request: Request) -> bool:
    """A browser asking for a page; an API client (any /api/ path, or not accepting HTML) gets JSON."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def answer(request: Request, error: ApiError) -> Response:
    if not wants_page(request):
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
    if error.status == 401:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    heading = HEADINGS.get(error.status, HEADINGS[500])
    context = {"caller": None, "error": error, "heading": heading}
    return views.templates.TemplateResponse(
        request, "error.html", context, status_code=error.status, headers=error.headers
    )


async def refused(request: Request, error: ApiError) -> Response:
    return answer(request, error)


async def routing_refused(request: Request, error: HTTPException) -> Response:
    message = ROUTING_WORDS.get(error.status_code) or str(error.detail)
    return answer(request, ApiError(error.status_code, message, headers=dict(error.headers or {})))


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    # Named as the caller wrote them: `page_size`, `fields.comment`, not `query.page_size` or `body.fields.comment`.
    fields = {
        "body" if problem["type"] == "json_invalid" else ".".join(map(str, problem["loc"][1:] or problem["loc"])): (
            problem["msg"]
        )
        for problem in error.errors()
    }
    return answer(request, ApiError(400, "the request is not valid", fields))


class HttpMiddleware:
    """A pure ASGI middleware that sees HTTP requests only: the rest (the app's lifespan) passes it by."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class UnexpectedErrors(HttpMiddleware):
    """Whatever no handler took answers 500 with an incident ID, logged once with its detail; nothing goes on to the
    server, which would log the traceback again unredacted and answer its own 500."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            incident = logs.new_incident()
            log.error("incident %s in %s %s", incident, scope["method"], scope["path"], exc_info=error)
            # The trace says where it happened and under which incident; the detail stays in the redacted log.
            span = trace.get_current_span()
            span.set_attribute("flightrak.incident", incident)
            span.set_status(trace.Status(trace.StatusCode.ERROR, f"incident {incident}"))
            if started:
                return
            try:
                response = answer(Request(scope), ApiError.unexpected(incident))
            except Exception:
                log.exception("incident %s: the error page itself failed", incident)
                response = JSONResponse(ApiError.unexpected(incident).body(), status_code=500)
            await response(scope, receive, send)


class SecurityHeaders(HttpMiddleware):
    """Every response: a Content-Security-Policy without inline script or style, no framing, no sniffing, and the
    referrer kept on FlighTrak; a page that sets its own (no-referrer where it holds a secret) keeps it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)


def register(app: FastAPI) -> None:
    # FastAPI's decorator takes a handler of the exception it names (Starlette's add_exception_handler is typed for
    # handlers of any Exception)
    app.exception_handler(ApiError)(refused)
    app.exception_handler(HTTPException)(routing_refused)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.add_middleware(UnexpectedErrors)
    # Added last, so outermost: the incident's answer carries the headers too.
    app.add_middleware(SecurityHeaders)
