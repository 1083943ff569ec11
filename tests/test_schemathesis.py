"""Schemathesis against the running stack (issue 13, item 9): generated requests to every operation of the OpenAPI
document, as ERCOT and as a participant, with NUL bytes in the text it generates and lone surrogates put into JSON
bodies. No answer may be a 5xx, and every answer must match what the document declares for its status: status code,
content type and body schema (the models of services/gateway/schemas.py)."""

import asyncio
import time
import traceback

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import sign_in

CALLERS = {"ercot": "admin@ercot.example", "participant": "admin@lonestar.example"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Generated requests per operation and caller: about 45 operations x 2 callers x this, about 2 minutes on 2 cores.
EXAMPLES = 80
LONE_SURROGATE = "\ud800"
# Operations that would spoil the shared demo data for the rest of the suite if a generated request happened to be
# sound: signing out ends the caller's session, deactivating a company locks out its users, and deactivating or
# re-keying a system locks out the demo's own.
SPOILERS = {
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/companies/{duns}/deactivate"),
    ("POST", "/api/v1/transaction-systems/{system_id}/deactivate"),
    ("POST", "/api/v1/transaction-systems/{system_id}/rotate-key"),
    ("PUT", "/api/v1/users/{user_id}/roles"),
}
# A stream that never ends by itself (a request reading it whole would wait forever): tests/test_live_events.py.
ENDLESS = {("GET", "/api/v1/events")}


def with_lone_surrogate(body, where: int):
    """The body with a lone surrogate appended to one of its text values or, past the last, in a key of its own
    (the where-th, wrapping), as a client that builds JSON by hand could send it; json.dumps writes it as the
    escape \\ud800."""
    if not isinstance(body, dict):
        return body
    texts = [key for key, value in body.items() if isinstance(value, str)]
    if where % (len(texts) + 1) == len(texts):
        return {**body, f"x{LONE_SURROGATE}": "swept"}
    key = texts[where % (len(texts) + 1)]
    return {**body, key: body[key] + LONE_SURROGATE}


def described(request: dict, response, failure: BaseException) -> str:
    """What was sent and answered, then schemathesis's finding (its own report cannot print a lone surrogate)."""
    body = request.get("json", request.get("data"))
    sent = f"{request['method']} {request['url']} query={ascii(request.get('params'))} body={ascii(body)}"
    answer = f"{response.status_code} {response.text}"
    return f"{sent[:400]}\n-> {answer[:400]}\n{ascii(str(failure)) if isinstance(failure, UnicodeError) else failure}"[
        :2000
    ]


def check_operation(operation, base_url: str, headers: dict[str, str]) -> str | None:
    """Generated requests to one operation; the first failure found, or None."""
    found: list[str] = []
    client = requests.Session()
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, surrogate_at=st.one_of(st.none(), st.integers(0, 20)))
    def requests_to(case, surrogate_at):
        # The surrogate goes into the request, not the case: schemathesis revalidates a changed case in Rust,
        # which cannot read a lone surrogate.
        request = case.as_transport_kwargs(base_url=base_url, headers=headers)
        if surrogate_at is not None and "json" in request:
            request["json"] = with_lone_surrogate(request["json"], surrogate_at)
        response = client.request(**request, timeout=60)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:
            found.append(described(request, response, failure))
            raise

    try:
        requests_to()
    except (Exception, BaseExceptionGroup) as error:
        return found[0] if found else "".join(traceback.format_exception(error))[-2000:]
    return None


def operations(document: dict) -> list:
    schema = schemathesis.openapi.from_dict(document)
    schema.config.generation.update(allow_x00=True, codec="utf-8")
    every = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    return [operation for operation in every if (operation.method.upper(), operation.path) not in SPOILERS | ENDLESS]


@pytest.mark.parametrize("caller", CALLERS)
async def test_every_operation_answers_as_declared(http, caller):
    headers = await sign_in(http, CALLERS[caller])
    document = (await http.get("/openapi.json")).json()
    base_url = str(http.base_url).rstrip("/")
    started = time.monotonic()

    def check_all() -> list[str]:
        failures = []
        for operation in operations(document):
            if failure := check_operation(operation, base_url, headers):
                failures.append(f"{operation.method.upper()} {operation.path}:\n{failure}")
        return failures

    # The stack serves on this event loop: the blocking client runs in a thread meanwhile.
    failures = await asyncio.to_thread(check_all)
    took = time.monotonic() - started
    assert not failures, f"{len(failures)} operations failed as {caller} ({took:.0f} s):\n\n" + "\n\n".join(failures)
