"""Nothing internal leaves the gateway: unknown addresses, unexpected errors and services that are down answer in
the JSON error shape (API) or a page in FlighTrak's look (browsers), and every answer carries the security headers.

These run the gateway in-process on services that are not there: no stack is needed."""

import logging
import re
import socket
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_status import rpc_status

from flightrak import errors, grpc_runtime, logs
from flightrak.settings import SERVICE_PORTS, Settings
from services.gateway import api
from services.gateway.app import create_app
from services.gateway.backends import api_error

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
LEAKED = f"SELECT password_hash FROM users WHERE email = %(email)s -- {ARGON2_HASH}"
TEMPLATES = Path(__file__).resolve().parent.parent / "services" / "gateway" / "templates"
INLINE = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
INTERNAL_WORDS = ("RuntimeError", "SELECT", "argon2", "Traceback", "password_hash", "127.0.0.1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
async def gateway():
    """The gateway alone, every service address a port where nothing listens."""
    addresses = {f"{name}_address": f"127.0.0.1:{free_port()}" for name in SERVICE_PORTS}
    app = create_app(Settings(**addresses))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield client


def assert_nothing_internal(text: str) -> None:
    for word in INTERNAL_WORDS:
        assert word not in text, (word, text)


async def test_an_unknown_api_path_answers_the_json_error_shape(gateway):
    for reply in (await gateway.get("/api/v1/nowhere", headers=BROWSER), await gateway.get("/nowhere")):
        assert reply.status_code == 404
        assert reply.json() == {
            "error": {"code": "not_found", "message": "FlighTrak has nothing at this address.", "fields": {}}
        }
    wrong_method = await gateway.delete("/healthz")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "GET"


async def test_an_unknown_page_answers_a_page_in_flightraks_look(gateway):
    reply = await gateway.get("/nowhere", headers=BROWSER)
    assert reply.status_code == 404 and reply.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/static/flightrak.css">' in reply.text
    assert "<h1>Page not found</h1>" in reply.text and "FlighTrak has nothing at this address." in reply.text
    assert "detail" not in reply.text


async def test_an_unexpected_error_answers_an_incident_and_logs_it_redacted(gateway, monkeypatch, caplog):
    async def breaks(*args):
        raise RuntimeError(LEAKED)

    monkeypatch.setattr(api, "sign_in", breaks)
    with caplog.at_level(logging.ERROR):
        reply = await gateway.post("/api/v1/session", json={"email": "ar@lonestar.example", "password": "secret-1"})
    assert reply.status_code == 500
    error = reply.json()["error"]
    assert error["code"] == "internal" and re.fullmatch(r"[0-9a-f]{12}", error["incident"])
    assert error["message"].endswith(f"give ERCOT this incident ID: {error['incident']}") and error["fields"] == {}
    assert_nothing_internal(reply.text)

    lines = [logs.RedactingFormatter().format(r) for r in caplog.records if error["incident"] in r.getMessage()]
    assert len(lines) == 1 and "RuntimeError" in lines[0] and "Traceback" in lines[0]
    assert "[argon2 hash]" in lines[0] and "$argon2" not in lines[0]


async def test_a_browser_meets_an_unexpected_error_on_a_page_with_its_incident(gateway, monkeypatch):
    async def breaks(*args):
        raise RuntimeError(LEAKED)

    monkeypatch.setattr(api, "set_password", breaks)
    form = {"token": "link-token", "password": "A-new-password-1", "confirm": "A-new-password-1"}
    reply = await gateway.post("/set-password", data=form, headers=BROWSER)
    assert reply.status_code == 500 and reply.headers["content-type"].startswith("text/html")
    incident = re.search(r'<code id="incident">([0-9a-f]{12})</code>', reply.text)
    assert incident and f"give ERCOT this incident ID: {incident[1]}" in reply.text
    assert_nothing_internal(reply.text)


async def test_a_service_that_is_down_answers_503_naming_it_without_its_address(gateway):
    reply = await gateway.post("/api/v1/session", json={"email": "ar@lonestar.example", "password": "secret-1"})
    assert reply.status_code == 503 and reply.headers["retry-after"] == "5"
    assert reply.json()["error"] == {
        "code": "unavailable",
        "message": "The identity service is not answering right now; try again in a minute.",
        "fields": {},
    }
    assert not re.search(r"\d+\.\d+\.\d+\.\d+|:\d{4,5}|connect", reply.text)

    page = await gateway.post("/set-password", data={"token": "t", "password": "p", "confirm": "p"}, headers=BROWSER)
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "<h1>Not answering right now</h1>" in page.text and "The identity service is not answering" in page.text

    ready = await gateway.get("/readyz")
    assert ready.status_code == 503 and set(ready.json()["components"]) == {*SERVICE_PORTS, "temporal"}
    assert not re.search(r"\d+\.\d+\.\d+\.\d+|:\d{4,5}", ready.text)


def failed(code: grpc.StatusCode, details: str, **trailers: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailers.items()), details)


def test_a_services_unexpected_error_passes_on_its_incident_never_its_details(caplog):
    error = api_error(failed(grpc.StatusCode.INTERNAL, "FlighTrak hit an unexpected error (incident 0a1b2c3d4e5f)",
                             **{grpc_runtime.INCIDENT_METADATA: "0a1b2c3d4e5f"}))
    assert (error.status, error.incident) == (500, "0a1b2c3d4e5f")
    assert error.body()["error"]["incident"] == "0a1b2c3d4e5f"

    with caplog.at_level(logging.ERROR):
        error = api_error(failed(grpc.StatusCode.UNKNOWN, f"Unexpected <class 'RuntimeError'>: {LEAKED}"))
    assert error.status == 500 and error.incident and error.body()["error"]["code"] == "internal"
    assert_nothing_internal(str(error.body()))
    logged = [logs.RedactingFormatter().format(r) for r in caplog.records if error.incident in r.getMessage()]
    assert len(logged) == 1 and "UNKNOWN" in logged[0] and "$argon2" not in logged[0]


def test_grpc_statuses_become_http_answers_in_plain_words():
    words = "the database is not answering right now; try again in a minute"
    said = rpc_status.to_status(errors.rich_status(errors.Unavailable(words), words, {}))
    trailers = grpc.aio.Metadata(*said.trailing_metadata, (grpc_runtime.RETRY_AFTER_METADATA, "30"))
    down = api_error(grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), trailers, words))
    assert (down.status, down.headers) == (503, {"retry-after": "30"})
    assert down.message == "The database is not answering right now; try again in a minute."

    # Words without a FlighTrak service's status details are a channel's (they name addresses): not passed on.
    relayed = api_error(failed(grpc.StatusCode.UNAVAILABLE, "identity did not answer: failed to connect to all "
                               "addresses; ipv4:127.0.0.1:50051", **{grpc_runtime.RETRY_AFTER_METADATA: "5"}))
    assert relayed.status == 503 and "127.0.0.1" not in relayed.message and "not answering" in relayed.message

    slow = api_error(failed(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"))
    assert slow.status == 504 and slow.body()["error"]["code"] == "timeout" and "Deadline" not in slow.message
    large = api_error(failed(grpc.StatusCode.RESOURCE_EXHAUSTED, "Received message larger than max (9 vs. 4)"))
    assert large.status == 413 and "max" not in large.message
    refused = api_error(failed(grpc.StatusCode.ALREADY_EXISTS, "already registered for flight 0625"))
    assert (refused.status, refused.message) == (409, "already registered for flight 0625")


async def test_every_answer_carries_the_security_headers_and_no_server_header(gateway):
    answers = {
        "page": await gateway.get("/signin", headers=BROWSER),
        "json": await gateway.get("/healthz"),
        "static file": await gateway.get("/static/flightrak.css"),
        "error page": await gateway.get("/nowhere", headers=BROWSER),
        "api docs": await gateway.get("/docs", headers=BROWSER),
    }
    for what, reply in answers.items():
        assert reply.status_code in (200, 404), what
        policy = reply.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert reply.headers["x-content-type-options"] == "nosniff", what
        assert reply.headers["x-frame-options"] == "DENY", what
        assert reply.headers["referrer-policy"] == "same-origin", what
        assert "server" not in reply.headers, what
    # A page holding a set-password token keeps its own stricter policy.
    secret_page = await gateway.get("/set-password?token=link-token", headers=BROWSER)
    assert secret_page.headers["referrer-policy"] == "no-referrer"


def test_no_template_holds_inline_script_or_style():
    """The policy allows neither: a script or style belongs in static/, a bar's width in an SVG attribute."""
    for template in TEMPLATES.glob("*.html"):
        assert not INLINE.search(template.read_text()), template.name


async def test_pages_hold_no_inline_script_or_style(gateway):
    for path in ("/signin", "/docs", "/nowhere", "/set-password?token=t"):
        assert not INLINE.search((await gateway.get(path, headers=BROWSER)).text), path


async def test_the_api_docs_are_served_from_flightrak_itself(gateway):
    page = await gateway.get("/docs", headers=BROWSER)
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    # Every script is FlighTrak's own (the page's shared ones, htmx's vendored copy among them): none from a CDN.
    assert scripts[:2] == ["/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"]
    assert all(script.startswith("/") and not script.startswith("//") for script in scripts), scripts
    for script in scripts:
        assert (await gateway.get(script)).status_code == 200, script
    assert (await gateway.get("/openapi.json")).json()["info"]["title"] == "FlighTrak"
