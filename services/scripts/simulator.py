"""`flightrak simulate-transactions`: a transaction-processing system played against a running FlighTrak, only
over its public API. It reads the flight's script issues whose current step waits for a transaction, writes the
X12 004010 the market would send for each (the step's type, its parties' DUNS, the issue's premise), mixes in
failed validations, duplicates and transactions that match nothing, sends them at a chosen rate and prints what
came back.

It signs in twice, as two parties of the real market do: as a person who may read the flight's issues (ERCOT by
default, or a participant, who then plays only its own pairings), since a system's token may only report; and as
the transaction system ERCOT registered, to report.

It keeps going while the product restarts: a report refused with an error that says to try again (HTTP 429, 502,
503, 504, a lost connection or a timeout; gRPC UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED) is sent again,
the same bytes, after a growing pause, and a refused token (401, UNAUTHENTICATED) is replaced by signing in again.
A receipt the product kept before its answer was lost is then answered duplicate: every receipt sent is either
stored, answered duplicate or failed for good (`Summary.as_json`, `--summary-json`)."""

import asyncio
import json
import random
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import httpx

from services.scripts import x12
from services.scripts.x12.transaction_sets import LAYOUTS
from workflows.scripts import models as m

if TYPE_CHECKING:  # the gRPC client is imported only when a run reports over gRPC
    import grpc

    from flightrak.scripts.v1.scripts_pb2_grpc import ScriptsServiceStub

VALID, FAILED, DUPLICATE, UNMATCHED = "valid", "failed", "duplicate", "unmatched"
# REF~7G codes ERCOT's systems give a transaction they reject (Texas SET reject reasons)
REJECT_REASONS = ("API", "A13", "A76")
# what a 997 says of the set it rejects (its AK3, AK4 and AK5 after the AK2): an element with an invalid code,
# an invalid date, a wrong segment count
REJECTED_SETS = (
    ("AK3*REF*6**8", "AK4*2*128*7", "AK5*R*5"),
    ("AK3*DTM*4**8", "AK4*2*373*8", "AK5*R*5"),
    ("AK5*R*4",),
)
ACKNOWLEDGED_SET = "0001"  # the set of the acknowledged group a simulated 997 answers
NOT_WAITING = frozenset({m.READY_TO_BEGIN, m.ESCALATED_TO_ERCOT, m.ESCALATED_TO_PARTNER, *m.CLOSED_STATES})
READ_AT_ONCE = 8  # item reads in flight together while looking for waiting steps
X12 = {"content-type": "application/edi-x12"}
RETRIED_STATUSES = frozenset({429, 502, 503, 504})
RETRIED_CODES = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"})
Answer = TypeVar("Answer")
FIRST_PAUSE, LONGEST_PAUSE = 0.2, 5.0  # seconds before the first retry, and the most between two
FIRST_SIGN_IN_WAIT = 30.0  # seconds the first sign-in waits for a product still starting


@dataclass(frozen=True)
class WaitingStep:
    """A script issue's current step that ends when a transaction arrives."""

    item_id: int
    script_id: str
    state: str
    type: str
    sender_duns: str
    receiver_duns: str
    esi_id: str  # the premise ("" when its script runs on no test-bed premise)


@dataclass(frozen=True)
class Planned:
    kind: str  # valid, failed, duplicate, unmatched
    receipt: x12.TexasSetReceipt
    interchange: str
    item_id: int = 0  # the issue it is meant for (0: none)


@dataclass
class Sent:
    planned: Planned
    started: float  # time.perf_counter() when sent
    seconds: float = 0.0
    matched_item_id: int = 0
    duplicate: bool = False
    unmatched_reason: str = ""
    matched_step: int = 0
    error: str = ""
    attempts: int = 0
    retried: Counter[str] = field(default_factory=Counter)  # the errors tried again after, by retried_as's names

    @property
    def surprising(self) -> bool:
        """FlighTrak answered other than the market would expect for what was sent."""
        kind = self.planned.kind
        if self.error:
            return True
        if kind == DUPLICATE:
            return not self.duplicate
        if kind == UNMATCHED:
            return bool(self.matched_item_id)
        return self.duplicate or self.matched_item_id != self.planned.item_id

    def words(self) -> str:
        receipt = self.planned.receipt
        what = f"{receipt.texas_set_name} {receipt.sender_duns}->{receipt.receiver_duns}"
        if receipt.esi_id:
            what += f" ESI ID {receipt.esi_id}"
        what += f" ref {receipt.reference}"
        if not receipt.passed:
            what += f" ({'; '.join(receipt.reasons)})"
        if self.error:
            said = f"error: {self.error}"
        elif self.duplicate:
            said = f"duplicate (item {self.matched_item_id})" if self.matched_item_id else "duplicate"
        elif self.matched_item_id:
            said = f"matched item {self.matched_item_id}"
        else:
            said = f"unmatched: {self.unmatched_reason}"
        return f"{self.planned.kind:<9} {what}: {said}{'  [unexpected]' if self.surprising else ''}"


@dataclass(frozen=True)
class Options:
    base_url: str = "http://127.0.0.1:8000"
    system_id: str = "demo-transaction-gateway"
    system_key: str = ""
    reader_email: str = "reviewer@ercot.example"
    reader_password: str = ""
    flight: str = ""  # "": every flight the reader sees
    rate: float = 10.0  # receipts a second (0: as fast as `concurrency` allows)
    count: int = 100  # at most this many receipts in all
    duration: float = 60.0  # and for at most this many seconds
    duplicates: float = 0.05  # shares of the valid receipts sent again, of steps given a failed one first,
    failures: float = 0.1  # and of extra receipts that match nothing, each of the steps found waiting
    unmatched: float = 0.05
    rounds: int = 10  # read what waits, send, again: a script's next step waits after its last one passed
    steps_per_round: int = 0  # at most this many waiting steps answered a round, chosen at random (0: every one)
    concurrency: int = 8
    grpc_address: str = ""  # the scripts service's gRPC address: report over gRPC instead of HTTP
    retry_for: float = 300.0  # seconds a receipt (or a sign-in, or a read) is tried again before it counts failed
    summary_json: str = ""  # a path: the counts and each receipt's outcome written there as JSON
    ercot_duns: str = x12.ERCOT_DUNS
    seed: int | None = None


@dataclass
class Summary:
    sent: list[Sent] = field(default_factory=list)
    rounds: int = 0
    seconds: float = 0.0

    def counts(self) -> Counter[str]:
        counted: Counter[str] = Counter()
        for sent in self.sent:
            counted[sent.planned.kind] += 1
            counted["matched"] += bool(sent.matched_item_id) and not sent.duplicate
            counted["answered duplicate"] += sent.duplicate
            counted["answered unmatched"] += bool(sent.unmatched_reason) and not sent.duplicate
            counted["errors"] += bool(sent.error)
            counted["unexpected"] += sent.surprising
        return counted

    def as_json(self) -> dict:
        """Each distinct receipt (sender and reference) once: "stored" when FlighTrak first answered it not a
        duplicate, "duplicate" when it answered duplicate (a retry of one whose answer was lost, or a step's
        second receipt), "failed" when every send of it failed. `sent` = stored + answered_duplicate + failed;
        the receipts the plan sends twice on purpose are counted once, under their first answer, and in
        `sent_again`."""
        receipts: dict[tuple[str, str], Sent] = {}
        for sent in sorted(self.sent, key=lambda s: s.started):
            key = (sent.planned.receipt.sender_duns, sent.planned.receipt.reference)
            if key not in receipts or (receipts[key].error and not sent.error):
                receipts[key] = sent
        outcomes = {key: _outcome(sent) for key, sent in receipts.items()}
        retried: Counter[str] = Counter()
        for sent in self.sent:
            retried.update(sent.retried)
        return {
            "sent": len(receipts),
            "stored": sum(outcome == "stored" for outcome in outcomes.values()),
            "answered_duplicate": sum(outcome == "duplicate" for outcome in outcomes.values()),
            "sent_again": len(self.sent) - len(receipts),
            "retries": sum(retried.values()),
            "retried_errors": dict(retried),
            "failed": [
                {"sender_duns": sender, "reference": reference, "error": receipts[sender, reference].error}
                for (sender, reference), outcome in outcomes.items()
                if outcome == "failed"
            ],
            "receipts": [
                {
                    "sender_duns": sender,
                    "reference": reference,
                    "outcome": outcomes[sender, reference],
                    "matched_item_id": sent.matched_item_id,
                    "matched_step": sent.matched_step,
                }
                for (sender, reference), sent in receipts.items()
            ],
            "rounds": self.rounds,
            "seconds": round(self.seconds, 3),
        }

    def words(self) -> str:
        counted = self.counts()
        kinds = ", ".join(f"{counted[kind]} {kind}" for kind in (VALID, FAILED, DUPLICATE, UNMATCHED))
        answers = ", ".join(
            f"{counted[name]} {name}" for name in ("matched", "answered duplicate", "answered unmatched", "errors")
        )
        return (
            f"sent {len(self.sent)} receipts in {self.rounds} round(s), {self.seconds:.1f} s ({kinds}); "
            f"FlighTrak: {answers}; {counted['unexpected']} not as expected"
        )


def _outcome(sent: Sent) -> str:
    if sent.error:
        return "failed"
    return "duplicate" if sent.duplicate else "stored"


def retried_as(error: BaseException) -> str | None:
    """The name a failed call is counted under when it is tried again ("503", "UNAVAILABLE", "connection",
    "timeout"); None when trying again would only be refused again (a 400, a 422, INVALID_ARGUMENT...)."""
    if isinstance(error, Refused):
        return str(error.status) if error.status in RETRIED_STATUSES else None
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.TransportError):
        return "connection"
    code = _grpc_code(error)
    return code if code in RETRIED_CODES else None


def signs_in_again(error: BaseException) -> bool:
    """Whether the token was refused (it expired, or the product forgot it): signing in again cures that."""
    return (isinstance(error, Refused) and error.status == 401) or _grpc_code(error) == "UNAUTHENTICATED"


def pause_before(retry: int, rng: random.Random, retry_after: float = 0.0) -> float:
    """Seconds before retry number `retry` (1 first): doubling from FIRST_PAUSE up to LONGEST_PAUSE, each
    between half and all of that (callers that failed together do not come back together), and never less
    than a Retry-After the product gave (itself at most LONGEST_PAUSE)."""
    longest = min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** (retry - 1))
    return max(longest * rng.uniform(0.5, 1.0), min(retry_after, LONGEST_PAUSE))


def _grpc_code(error: BaseException) -> str:
    code = getattr(error, "code", None)  # grpc.aio.AioRpcError's; imported only when a run reports over gRPC
    if not callable(code):
        return ""
    try:
        return code().name
    except (TypeError, AttributeError):
        return ""


class SimulatorError(Exception):
    pass


class Refused(SimulatorError):
    """FlighTrak answered an HTTP request with an error status."""

    def __init__(self, status: int, text: str, retry_after: float = 0.0):
        super().__init__(f"HTTP {status}: {text[:300]}")
        self.status = status
        self.retry_after = retry_after

    @classmethod
    def of(cls, reply: httpx.Response) -> "Refused":
        after = reply.headers.get("retry-after", "")
        return cls(reply.status_code, reply.text, float(after) if after.isdigit() else 0.0)


async def retrying(
    call: Callable[[], Awaitable[Answer]],
    *,
    retry_for: float,
    rng: random.Random,
    retried: Counter[str] | None = None,
    sign_in_again: Callable[[], Awaitable[None]] | None = None,
) -> Answer:
    """The call's result, calling it again (it sends the same bytes) after an error that says to try again, for
    up to `retry_for` seconds; a refused token is renewed once per refusal by `sign_in_again`. What is still
    failing then, or fails for good, is raised."""
    deadline = time.monotonic() + retry_for
    retry = 0
    while True:
        try:
            return await call()
        except Exception as error:
            if sign_in_again is not None and signs_in_again(error):
                name: str | None = "401"
                await sign_in_again()
            else:
                name = retried_as(error)
            if name is None or time.monotonic() >= deadline:
                raise
            retry += 1
            if retried is not None:
                retried[name] += 1
            pause = pause_before(retry, rng, getattr(error, "retry_after", 0.0))
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))


class Account:
    """One party signed in (a person, or the transaction system): its headers, signed in again when FlighTrak
    refuses its token. Sign-ins and reads are retried as reports are, so a restart of the product is waited out."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        path: str = "",
        body: dict | None = None,
        *,
        headers: dict[str, str] | None = None,
        retry_for: float = 300.0,
        rng: random.Random | None = None,
    ):
        self._http = http
        self._path = path
        self._body = body or {}
        self.headers = headers or {}
        self.retry_for = retry_for
        self.rng = rng or random.Random()
        self._signing_in = asyncio.Lock()

    @classmethod
    async def signed_in(cls, http: httpx.AsyncClient, path: str, body: dict, **kwargs) -> "Account":
        account = cls(http, path, body, **kwargs)
        await account.sign_in_again()
        return account

    async def sign_in_again(self) -> None:
        """A new token; one sign-in for every report refused at once with the old one."""
        refused = self.headers.get("authorization")
        async with self._signing_in:
            if self.headers.get("authorization") != refused or not self._path:
                return
            self.headers = await retrying(
                lambda: _signed_in(self._http, self._path, self._body), retry_for=self.retry_for, rng=self.rng
            )

    async def get(self, path: str, **kwargs) -> httpx.Response:
        """A read that answered 200 (or 404: a thing gone since); what else it answered is raised as Refused."""

        async def once() -> httpx.Response:
            reply = await self._http.get(path, headers=self.headers, **kwargs)
            if reply.status_code not in (200, 404):
                raise Refused.of(reply)
            return reply

        return await retrying(once, retry_for=self.retry_for, rng=self.rng, sign_in_again=self.sign_in_again)


def duns_of(party: str, fields: dict, ercot_duns: str) -> str:
    if party in (m.CR, m.SP):
        return fields.get("cr_duns", "")
    return fields.get("tdsp_duns", "") if party == m.TDSP else ercot_duns


async def signed_in(http: httpx.AsyncClient, path: str, body: dict) -> dict[str, str]:
    """The headers of one sign-in."""
    try:
        return await _signed_in(http, path, body)
    except httpx.TransportError as error:
        raise SimulatorError(
            f"cannot reach FlighTrak at {http.base_url} ({error}): is `flightrak run` running?"
        ) from None


async def _signed_in(http: httpx.AsyncClient, path: str, body: dict) -> dict[str, str]:
    """signed_in, with a lost connection raised as it is and an answer that says to try again as Refused, for
    retrying to tell apart."""
    reply = await http.post(path, json=body)
    if reply.status_code in RETRIED_STATUSES:
        raise Refused.of(reply)
    if reply.status_code != 200:
        raise SimulatorError(f"{path} refused {body.get('system_id') or body.get('email')}: {reply.text}")
    return {"authorization": f"Bearer {reply.json()['token']}"}


async def waiting_steps(
    http: httpx.AsyncClient, reader: "Account | dict[str, str]", flight: str, ercot_duns: str = x12.ERCOT_DUNS
) -> list[WaitingStep]:
    """Every open script issue the reader sees (of `flight`) whose current step waits for a transaction: the
    Flight Progress report lists them with their premises, and each item says what its step expects."""
    if not isinstance(reader, Account):
        reader = Account(http, headers=reader, retry_for=0)
    rows, token = [], ""
    while True:
        params: dict[str, str | int] = {
            "page_size": 5000,
            **({"flight": flight} if flight else {}),
            **({"page_token": token} if token else {}),
        }
        reply = await reader.get("/api/v1/reports/flight-progress-active-script-issues", params=params)
        if reply.status_code != 200:
            raise SimulatorError(f"cannot read the flight's script issues: {reply.text}")
        page = reply.json()
        rows += [row for row in page["rows"] if row["State"] not in NOT_WAITING]
        token = page.get("next_page_token", "")
        if not token:
            break
    reading = asyncio.Semaphore(READ_AT_ONCE)

    async def step_of(row: dict) -> WaitingStep | None:
        async with reading:
            reply = await reader.get(f"/api/v1/items/{row['Item ID']}")
        if reply.status_code != 200:
            return None  # closed or moved out of sight since the report was read
        fields = reply.json()["fields"]
        if not fields.get("expects_type"):
            return None
        premises = [esi_id for esi_id in row["ESIID"].split(", ") if esi_id]
        return WaitingStep(
            item_id=int(row["Item ID"]),
            script_id=row["Script ID"],
            state=reply.json()["state"],
            type=fields["expects_type"],
            sender_duns=duns_of(fields.get("expects_sender", ""), fields, ercot_duns),
            receiver_duns=duns_of(fields.get("expects_receiver", ""), fields, ercot_duns),
            esi_id=fields.get("esi_id") or (premises[0] if premises else ""),
        )

    found = await asyncio.gather(*(step_of(row) for row in rows))
    return [step for step in found if step is not None]


class Planner:
    """Builds the X12 for waiting steps: each interchange one transaction set with its own control numbers and
    a reference nobody used before (BGN02; a 997's control numbers); a step's later transaction answers its earlier
    one's reference."""

    def __init__(self, rng: random.Random, ercot_duns: str = x12.ERCOT_DUNS):
        self._rng = rng
        self._ercot_duns = ercot_duns
        self._run = uuid.uuid4().hex[:6].upper()
        self._made = 0
        # not from the seed, like the run's tag: two runs with one seed must not reuse a 997's reference
        self._control = secrets.randbelow(900_000_000)
        self._last_reference: dict[int, str] = {}
        self._failed_before: set[int] = set()  # issues given a failed receipt: the next one they get is valid

    def plan(self, steps: list[WaitingStep], failures: float, duplicates: float, unmatched: float) -> list[Planned]:
        """A receipt per step, of which a share failed validation (the step shows why and waits on); a share of
        the valid ones sent again later (a retried delivery); and extra receipts that match nothing."""
        rng = self._rng
        first_time = [n for n, step in enumerate(steps) if step.item_id not in self._failed_before]
        failing = set(rng.sample(first_time, _share(failures, len(first_time))))
        self._failed_before |= {steps[n].item_id for n in failing}
        planned = [self._failed(step) if n in failing else self._valid(step) for n, step in enumerate(steps)]
        valid = [p for p in planned if p.kind == VALID]
        for original in rng.sample(valid, _share(duplicates, len(valid))):
            later = rng.randint(planned.index(original) + 1, len(planned))
            planned.insert(later, replace(original, kind=DUPLICATE))
        for n in range(_share(unmatched, len(steps))):
            planned.insert(rng.randint(0, len(planned)), self._unmatched(rng.choice(steps), n))
        return planned

    def _valid(self, step: WaitingStep) -> Planned:
        receipt = self._receipt(step.type, step.sender_duns, step.receiver_duns, step.esi_id, step.item_id)
        planned = self._planned(VALID, receipt, step.item_id)
        self._last_reference[step.item_id] = planned.receipt.reference
        return planned

    def _failed(self, step: WaitingStep) -> Planned:
        receipt = self._receipt(step.type, step.sender_duns, step.receiver_duns, step.esi_id, step.item_id)
        if receipt.set_id == "997":
            notes = (f"AK2*814*{ACKNOWLEDGED_SET}", *self._rng.choice(REJECTED_SETS))
            failed = replace(receipt, action_code="R", reject_reasons=notes)
        else:
            failed = replace(receipt, reject_reasons=(self._rng.choice(REJECT_REASONS),))
        return self._planned(FAILED, failed, step.item_id)

    def _unmatched(self, step: WaitingStep, n: int) -> Planned:
        """In turn: a premise in no test bed, a sender that is nobody's testing partner, a type nothing expects."""
        kind = n % 3
        if kind == 0 and step.esi_id:
            unknown = "10" + "".join(self._rng.choice("0123456789") for _ in range(15))
            receipt = self._receipt(step.type, step.sender_duns, step.receiver_duns, unknown)
        elif kind in (0, 1):  # ERCOT stays ERCOT: the Texas SET name says who sends it
            stranger = "9" + "".join(self._rng.choice("0123456789") for _ in range(8))
            if step.sender_duns == self._ercot_duns:
                receipt = self._receipt(step.type, step.sender_duns, stranger, step.esi_id)
            else:
                receipt = self._receipt(step.type, stranger, step.receiver_duns, step.esi_id)
        else:
            receipt = self._receipt("824", step.sender_duns, step.receiver_duns, step.esi_id)
        return self._planned(UNMATCHED, receipt)

    def _receipt(self, kind: str, sender: str, receiver: str, esi_id: str, item_id: int = 0) -> x12.TexasSetReceipt:
        """The fields the transaction set has a place for. A 997 accepts an 814 group of the other party's; its
        reference is its control numbers, given when it is written."""
        self._made += 1
        receipt = x12.new_receipt(kind, sender, receiver)
        layout = LAYOUTS[receipt.set_id]
        answers = self._last_reference.get(item_id, "") if layout.answers and layout.answers.segment == "BGN" else ""
        if receipt.set_id == "997":
            group = str(self._rng.randrange(1, 1_000_000))
            return replace(receipt, service_code="GE", action_code="A", answers_reference=f"{group}-{ACKNOWLEDGED_SET}")
        return replace(
            receipt,
            esi_id=esi_id if layout.carries_esi_id else "",
            reference=f"SIM{self._run}{self._made:06d}",
            date=datetime.now(UTC).strftime("%Y%m%d") if layout.date else "",
            answers_reference=answers,
        )

    def _planned(self, kind: str, receipt: x12.TexasSetReceipt, item_id: int = 0) -> Planned:
        self._control = self._control % 999_999_999 + 1
        if receipt.set_id == "997":  # alone in its interchange: group 1, set 0001
            receipt = replace(receipt, reference=x12.acknowledgement_reference(f"{self._control:09d}", "1", "0001"))
        text = x12.write_interchange(
            [receipt], prepared=datetime.now(UTC), control_number=self._control, ercot_duns=self._ercot_duns
        )
        return Planned(kind, receipt, text, item_id)


def _share(share: float, of: int) -> int:
    """The share of `of`, half rounded up (a half of one receipt is one)."""
    return min(of, int(share * of + 0.5)) if share > 0 else 0


class Reporter:
    """Sends interchanges as ERCOT's system reports them, over HTTP (the gateway) or gRPC (the scripts service),
    each tried again as `retrying` says, the same bytes each time."""

    def __init__(self, http: httpx.AsyncClient, system: "Account | dict[str, str]", grpc_address: str = ""):
        self._http = http
        self._system = system if isinstance(system, Account) else Account(http, headers=system, retry_for=0)
        self._grpc_address = grpc_address
        self._channel: grpc.aio.Channel | None = None
        self._stub: ScriptsServiceStub | None = None

    async def __aenter__(self) -> "Reporter":
        if self._grpc_address:
            from flightrak import grpc_runtime
            from flightrak.scripts.v1 import scripts_pb2_grpc

            self._channel = grpc_runtime.channel(self._grpc_address)
            self._stub = scripts_pb2_grpc.ScriptsServiceStub(self._channel)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def report(self, planned: Planned) -> Sent:
        sent = Sent(planned, time.perf_counter())
        stub = self._stub

        async def once() -> dict:
            sent.attempts += 1
            return await (self._over_grpc(stub, planned) if stub else self._over_http(planned))

        system = self._system
        try:
            outcome = await retrying(
                once,
                retry_for=system.retry_for,
                rng=system.rng,
                retried=sent.retried,
                sign_in_again=system.sign_in_again,
            )
        except Exception as error:  # a refused or lost report is printed; the run goes on
            sent.error = str(error)[:300] or type(error).__name__
        else:
            sent.matched_item_id = outcome.get("matched_item_id") or 0
            sent.matched_step = outcome.get("matched_step") or 0
            sent.duplicate = bool(outcome.get("duplicate"))
            sent.unmatched_reason = outcome.get("unmatched_reason") or ""
        sent.seconds = time.perf_counter() - sent.started
        return sent

    async def _over_http(self, planned: Planned) -> dict:
        reply = await self._http.post(
            "/api/v1/transactions", content=planned.interchange.encode(), headers=self._system.headers | X12
        )
        if reply.status_code not in (200, 202):
            raise Refused.of(reply)
        [outcome] = reply.json()["transactions"]
        return outcome

    async def _over_grpc(self, stub: "ScriptsServiceStub", planned: Planned) -> dict:
        from flightrak.scripts.v1 import scripts_pb2 as pb

        metadata = (("authorization", self._system.headers["authorization"]),)
        read = await stub.ReportInterchange(
            pb.Interchange(content=planned.interchange.encode()), metadata=metadata, timeout=60
        )
        [outcome] = read.transactions
        return {
            "matched_item_id": outcome.matched_item_id,
            "matched_step": outcome.matched_step,
            "duplicate": outcome.duplicate,
            "unmatched_reason": outcome.unmatched_reason,
        }


async def send_all(
    reporter: Reporter,
    planned: list[Planned],
    *,
    rate: float,
    concurrency: int,
    until: float,
    shown: Callable[[Sent], None] = lambda sent: None,
    stop: asyncio.Event | None = None,
) -> list[Sent]:
    """Each receipt sent at its turn (`rate` a second; 0: as fast as the `concurrency` in flight allow) until
    time.perf_counter() reaches `until` or `stop` is set; what is not yet sent by then is not sent, what is in flight
    is answered. A duplicate is a retried delivery: it goes once its original was answered."""
    in_flight = asyncio.Semaphore(max(1, concurrency))
    began = time.perf_counter()
    results: list[Sent] = []
    answered = {p.receipt.reference: asyncio.Event() for p in planned if p.kind != DUPLICATE}

    async def one(n: int, item: Planned) -> None:
        if rate > 0:
            await _pause(began + n / rate - time.perf_counter(), stop)
        if item.kind == DUPLICATE and item.receipt.reference in answered:
            await answered[item.receipt.reference].wait()
        try:
            async with in_flight:
                if time.perf_counter() >= until or (stop is not None and stop.is_set()):
                    return
                sent = await reporter.report(item)
        finally:
            if item.kind != DUPLICATE:
                answered[item.receipt.reference].set()
        results.append(sent)
        shown(sent)

    await asyncio.gather(*(one(n, item) for n, item in enumerate(planned)))
    return results


async def _pause(seconds: float, stop: asyncio.Event | None) -> None:
    """Sleeps, or less when `stop` is set meanwhile."""
    if stop is None:
        await asyncio.sleep(max(0.0, seconds))
        return
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(0.0, seconds))


async def simulate(options: Options, out: Callable[[str], None] = print, stop: asyncio.Event | None = None) -> Summary:
    """Rounds of: read what waits, send for it. A step is sent one valid receipt only (its workflow may still be
    recording it when the next round reads); a step given a failed one gets a valid one in a later round. Setting
    `stop` ends the run as its duration would: nothing more is sent, what is in flight is answered and counted."""
    if options.rate < 0 or options.count < 0 or options.duration <= 0:
        raise SimulatorError("the rate and count are 0 or more and the duration more than 0 seconds")
    if urlsplit(options.base_url).scheme not in ("http", "https"):
        raise SimulatorError(f"{options.base_url} is not an http(s) URL")
    rng = random.Random(options.seed)
    summary = Summary()
    started = time.perf_counter()
    try:
        await _simulate(options, rng, summary, out, stop)
    finally:
        summary.seconds = time.perf_counter() - started
        if options.summary_json:
            Path(options.summary_json).write_text(json.dumps(summary.as_json(), indent=2) + "\n")
    out(summary.words())
    return summary


async def _simulate(
    options: Options, rng: random.Random, summary: Summary, out: Callable[[str], None], stop: asyncio.Event | None
) -> None:
    planner = Planner(rng, options.ercot_duns)
    until = time.perf_counter() + options.duration

    def over() -> bool:
        return time.perf_counter() >= until or (stop is not None and stop.is_set())

    answered: set[tuple[int, str, str]] = set()  # (item, state, type) given a valid receipt
    # The first sign-in waits a little for a product starting; later ones wait out a restart, as reports do.
    waited, retries = min(options.retry_for, FIRST_SIGN_IN_WAIT), random.Random(options.seed)
    async with httpx.AsyncClient(base_url=options.base_url, timeout=60) as http:
        try:
            person = {"email": options.reader_email, "password": options.reader_password}
            reader = await Account.signed_in(http, "/api/v1/session", person, retry_for=waited, rng=retries)
            key = {"system_id": options.system_id, "key": options.system_key}
            system = await Account.signed_in(http, "/api/v1/system-session", key, retry_for=waited, rng=retries)
        except httpx.TransportError as error:
            raise SimulatorError(
                f"cannot reach FlighTrak at {options.base_url} ({error}): is `flightrak run` running?"
            ) from None
        reader.retry_for = system.retry_for = options.retry_for
        async with Reporter(http, system, options.grpc_address) as reporter:
            while summary.rounds < options.rounds and len(summary.sent) < options.count:
                steps, recording = await unanswered(http, reader, options, answered)
                while not steps and recording and not over():
                    await _pause(0.5, stop)  # a step it answered is still being recorded: its next may wait
                    steps, recording = await unanswered(http, reader, options, answered)
                if stop is not None and stop.is_set():
                    out("stopped: nothing more is sent")
                    break
                if not steps or over():
                    out("no step waits for a transaction" + (" any more" if summary.rounds else ""))
                    break
                if 0 < options.steps_per_round < len(steps):
                    steps = rng.sample(steps, options.steps_per_round)
                summary.rounds += 1
                planned = planner.plan(steps, options.failures, options.duplicates, options.unmatched)
                planned = planned[: options.count - len(summary.sent)]
                out(f"round {summary.rounds}: {len(steps)} step(s) waiting, sending {len(planned)} receipt(s)")

                def shown(one: Sent) -> None:  # kept as it is answered: a run stopped midway still counts it
                    summary.sent.append(one)
                    out(one.words())

                sent = await send_all(
                    reporter,
                    planned,
                    rate=options.rate,
                    concurrency=options.concurrency,
                    until=until,
                    shown=shown,
                    stop=stop,
                )
                given = {s.planned.item_id for s in sent if s.planned.kind == VALID and not s.error}
                answered |= {(step.item_id, step.state, step.type) for step in steps if step.item_id in given}


async def unanswered(
    http: httpx.AsyncClient, reader: Account, options: Options, answered: set[tuple[int, str, str]]
) -> tuple[list[WaitingStep], bool]:
    """The waiting steps not yet given a valid receipt, and whether any that were still shows as waiting."""
    steps = await waiting_steps(http, reader, options.flight, options.ercot_duns)
    keys = {step: (step.item_id, step.state, step.type) for step in steps}
    return [step for step in steps if keys[step] not in answered], any(key in answered for key in keys.values())
