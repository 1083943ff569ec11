"""The simulator's retries (issue 16): what it sends again (the same bytes), after what pause, when it signs in
again, and how its summary counts every receipt once. Against an HTTP transport that answers as a restarting
FlighTrak would (httpx.MockTransport), and gRPC errors as grpc.aio raises them."""

import random
from collections import Counter
from datetime import UTC, datetime

import grpc
import httpx
import pytest

from services.scripts import simulator, x12

ERCOT_DUNS = x12.ERCOT_DUNS
LONESTAR = "148085624"


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch):
    monkeypatch.setattr(simulator, "FIRST_PAUSE", 0.001)
    monkeypatch.setattr(simulator, "LONGEST_PAUSE", 0.01)


def rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="as the server said")


@pytest.mark.parametrize(
    ("error", "counted_as"),
    [
        (simulator.Refused(503, "scripts is not answering"), "503"),
        (simulator.Refused(429, "too many"), "429"),
        (simulator.Refused(502, "bad gateway"), "502"),
        (simulator.Refused(504, "gateway timeout"), "504"),
        (httpx.ConnectError("connection refused"), "connection"),
        (httpx.RemoteProtocolError("server disconnected"), "connection"),
        (httpx.ReadTimeout("timed out"), "timeout"),
        (rpc_error(grpc.StatusCode.UNAVAILABLE), "UNAVAILABLE"),
        (rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED"),
        (rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED"),
        (simulator.Refused(400, "bad body"), None),
        (simulator.Refused(422, "refused whole"), None),
        (simulator.Refused(500, "unexpected"), None),
        (simulator.Refused(401, "token expired"), None),
        (rpc_error(grpc.StatusCode.INVALID_ARGUMENT), None),
        (rpc_error(grpc.StatusCode.INTERNAL), None),
        (ValueError("a bug of ours"), None),
    ],
)
def test_only_errors_that_say_to_try_again_are_retried(error, counted_as):
    assert simulator.retried_as(error) == counted_as


def test_a_refused_token_is_cured_by_signing_in_again():
    assert simulator.signs_in_again(simulator.Refused(401, "token expired"))
    assert simulator.signs_in_again(rpc_error(grpc.StatusCode.UNAUTHENTICATED))
    assert not simulator.signs_in_again(simulator.Refused(403, "not yours"))
    assert not simulator.signs_in_again(rpc_error(grpc.StatusCode.PERMISSION_DENIED))


def test_pauses_grow_to_a_ceiling_and_keep_to_retry_after(monkeypatch):
    monkeypatch.setattr(simulator, "FIRST_PAUSE", 0.2)
    monkeypatch.setattr(simulator, "LONGEST_PAUSE", 5.0)
    rng = random.Random(1)
    pauses = [simulator.pause_before(retry, rng) for retry in range(1, 12)]
    assert 0.1 <= pauses[0] <= 0.2 and all(2.5 <= pause <= 5.0 for pause in pauses[6:]), pauses
    assert simulator.pause_before(1, rng, retry_after=3) == 3
    assert simulator.pause_before(1, rng, retry_after=600) == 5.0  # a restart is waited out, a day is not


async def test_retrying_sends_again_until_answered_and_counts_why():
    errors = [simulator.Refused(503, "restarting"), httpx.ConnectError("refused"), simulator.Refused(503, "again")]
    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        if errors:
            raise errors.pop(0)
        return "taken"

    retried: Counter[str] = Counter()
    assert await simulator.retrying(call, retry_for=30, rng=random.Random(), retried=retried) == "taken"
    assert calls == 4 and retried == {"503": 2, "connection": 1}


async def test_retrying_gives_up_at_once_on_a_refusal_and_after_retry_for_on_an_outage():
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise simulator.Refused(422, "the interchange was refused whole")

    with pytest.raises(simulator.Refused, match="422"):
        await simulator.retrying(refused, retry_for=30, rng=random.Random())
    assert calls == 1

    async def down() -> None:
        raise httpx.ConnectError("refused")

    retried: Counter[str] = Counter()
    with pytest.raises(httpx.ConnectError):
        await simulator.retrying(down, retry_for=0.05, rng=random.Random(), retried=retried)
    assert retried["connection"] >= 1


def planned(reference: str, kind: str = simulator.VALID) -> simulator.Planned:
    receipt = x12.new_receipt("814_01", LONESTAR, ERCOT_DUNS, reference=reference, esi_id="10443720000000001")
    interchange = x12.write_interchange(
        [receipt], prepared=datetime(2026, 12, 6, tzinfo=UTC), control_number=int(reference[-1]), ercot_duns=ERCOT_DUNS
    )
    return simulator.Planned(kind, receipt, interchange, item_id=7)


class RestartingFlighTrak:
    """Answers the first reports 503 and drops a connection, then forgets the system's token once (401), then
    takes each receipt once: what it kept before is answered duplicate."""

    def __init__(self, failures: list):
        self.failures = failures
        self.bodies: list[bytes] = []
        self.sign_ins = 0
        self.kept: set[bytes] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/system-session":
            self.sign_ins += 1
            return httpx.Response(200, json={"token": f"token-{self.sign_ins}"})
        self.bodies.append(request.content)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "lost after keeping":
                self.kept.add(request.content)
                raise httpx.ReadTimeout("no answer", request=request)
            if isinstance(failure, Exception):
                raise failure
            return httpx.Response(failure, json={"error": {"message": "try again"}}, headers={"retry-after": "0"})
        if request.headers["authorization"] != f"Bearer token-{self.sign_ins}":
            return httpx.Response(401, json={"error": {"message": "sign in again"}})
        duplicate = request.content in self.kept
        self.kept.add(request.content)
        outcome = {"matched_item_id": 7, "matched_step": 1, "duplicate": duplicate, "unmatched_reason": ""}
        return httpx.Response(200 if duplicate else 202, json={"transactions": [outcome]})


async def test_a_report_is_sent_again_the_same_bytes_through_a_restart_and_a_new_sign_in():
    product = RestartingFlighTrak([503, httpx.ConnectError("refused"), 502])
    async with httpx.AsyncClient(transport=httpx.MockTransport(product), base_url="http://flightrak") as http:
        system = await simulator.Account.signed_in(http, "/api/v1/system-session", {"system_id": "s", "key": "k"})
        product.sign_ins += 1  # the product forgot the token: the next report is refused 401
        async with simulator.Reporter(http, system) as reporter:
            sent = await reporter.report(planned("SIMRETRY1"))
    assert not sent.error and not sent.duplicate and sent.matched_item_id == 7 and sent.matched_step == 1
    assert sent.retried == {"503": 1, "connection": 1, "502": 1, "401": 1} and sent.attempts == 5
    assert len(set(product.bodies)) == 1 and product.sign_ins == 3


async def test_a_receipt_kept_before_its_answer_was_lost_is_counted_answered_duplicate(tmp_path):
    product = RestartingFlighTrak(["lost after keeping"])
    async with httpx.AsyncClient(transport=httpx.MockTransport(product), base_url="http://flightrak") as http:
        system = await simulator.Account.signed_in(http, "/api/v1/system-session", {"system_id": "s", "key": "k"})
        async with simulator.Reporter(http, system) as reporter:
            lost = await reporter.report(planned("SIMRETRY2"))
            fresh = await reporter.report(planned("SIMRETRY3"))
            again = await reporter.report(planned("SIMRETRY3", simulator.DUPLICATE))
    assert lost.duplicate and lost.retried == {"timeout": 1}
    refused = simulator.Sent(planned("SIMRETRY4"), started=fresh.started + 1, error="HTTP 422: refused whole")
    counted = simulator.Summary(sent=[lost, fresh, again, refused]).as_json()
    assert (counted["sent"], counted["stored"], counted["answered_duplicate"]) == (3, 1, 1)
    assert counted["sent_again"] == 1 and counted["retries"] == 1 and counted["retried_errors"] == {"timeout": 1}
    assert counted["failed"] == [{"sender_duns": LONESTAR, "reference": "SIMRETRY4", "error": refused.error}]
    outcomes = {r["reference"]: r["outcome"] for r in counted["receipts"]}
    assert outcomes == {"SIMRETRY2": "duplicate", "SIMRETRY3": "stored", "SIMRETRY4": "failed"}
