"""The demo market's flight in business testing, built through the gateway's public API exactly as its users would
build it (never rows written into tables): three CRs register (Lone Star, its DUNS+4 Lone Star East, and Bluebonnet
through the SP EDIGate) and ERCOT approves them; ERCOT publishes the example script pack; each CR (Bluebonnet's SP for
it) provides its EDM specifications, with an OpenPGP key (Sequoia) and a TLS certificate (`cryptography`) made here,
and ERCOT approves them; every TDSP provides its own (the first naming the local EDM server `run` starts, whose EDM
self-test it runs) and fills its test bed from its template, and ERCOT approves it;
ERCOT closes registration (Change Dates), opens connectivity and business testing; then script issues are set in a
spread of states (passed, waiting for a transaction, a P2P sub-flow in progress, escalated to ERCOT, a failed
transaction shown with its reasons) and transactions that match nothing are reported for ERCOT to attach.

Every stage first reads what is there and does only what is missing, so building again adds nothing and a build
interrupted midway resumes where it stopped. Transactions carry references of their own (`DEMO<flight>-...`): sent
again, they are answered as duplicates."""

import asyncio
import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from workflows.flight import models as flights
from workflows.registration import models as registrations
from workflows.scripts import models as scripts
from workflows.specifications import models as specifications

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "services" / "scripts" / "example_pack.yaml"
ERCOT_DUNS = "183529049"
STAGES = 9
# Business scripts that transactions alone walk once begun: what the background simulator moves.
TRANSACTION_SCRIPTS = ("SW01", "MVI01", "MVO01", "MVO-MVI01")
# SW01's transactions, in its steps' order, and who sends each (the pack's SW01).
SWITCH = (("814_01", "CR", "ERCOT"), ("814_03", "ERCOT", "TDSP"), ("814_04", "TDSP", "ERCOT"),
          ("814_05", "ERCOT", "CR"), ("867_04", "TDSP", "ERCOT"))  # fmt: skip


@dataclass(frozen=True)
class Company:
    slug: str
    duns: str
    name: str


@dataclass(frozen=True)
class DemoCr(Company):
    service_provider: str  # an SP's DUNS, or "self"
    edi_system: str
    provided_by: str  # the account that provides its specifications: its own, or its SP's


EDIGATE = "601234587"
CRS = (
    DemoCr("lonestar", "079348512", "Lone Star Power & Light, LLC", "self", "Sterling B2B Integrator 6.1",
           "ar@lonestar.example"),
    # A DUNS+4 on its own EDI system: a new CR with its own pairings, not under its parent's testing umbrella.
    DemoCr("lonestar-east", "0793485120001", "Lone Star Power & Light - East Texas", "self", "Cleo Harmony 5.8",
           "ar@lonestar-east.example"),
    DemoCr("bluebonnet", "116724480", "Bluebonnet Energy Services, LLC", EDIGATE, "EDIGate Hosted EDI",
           "ar@edigate.example"),
)  # fmt: skip
TDSPS = (
    Company("oncor", "103994067", "Oncor Electric Delivery Company LLC"),
    Company("centerpoint", "957877905", "CenterPoint Energy Houston Electric, LLC"),
    Company("aep-central", "007924772", "AEP Texas Central Company"),
    Company("aep-north", "007923311", "AEP Texas North Company"),
    Company("tnmp", "007929441", "Texas-New Mexico Power Company"),
)
ESI_ID_DIGITS = {"957877905": 22}  # CenterPoint's ESI IDs are 22 digits, every other TDSP's 17


def designation_for(first_flight_day1: date) -> str:
    """The demo market's flight: the MMYY of the demo's first start, which its registration flight's Day 1 (35 days
    after that start, supervisor.ensure_demo_flight) gives back on every later start."""
    return (first_flight_day1 - timedelta(days=35)).strftime("%m%y")


def certificate_pem(not_before: datetime, not_after: datetime, host: str) -> str:
    """A self-signed TLS certificate for `host` (its key thrown away), as an EDM server's would read."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM).decode()


@dataclass(frozen=True)
class LocalEdm:
    """The EDM server `run` starts for the demo (flightrak edm-endpoint): one TDSP's specifications name it, so that
    its EDM self-test passes; every other company's name hosts that do not resolve, and fail as DNS."""

    url: str
    certificate_pem: str  # the server's certificate and its CA's
    public_key: str  # the key the endpoint decrypts with


def edm_specifications(company: Company, now: datetime, local: LocalEdm | None = None) -> dict[str, str]:
    """The Provide/Review Testing Specifications form as the company fills it: an OpenPGP key and a TLS certificate
    made now, as its EDI team would make them (no private key is kept), or those of the local EDM server."""
    from pysequoia import Cert, Tsk

    host = f"edm.{company.slug}.example"
    if local is None:
        pgp = Tsk.generate(f"{company.name} EDM <edm-test@{company.slug}.example>", validity_seconds=3 * 365 * 86400)
        public = pgp.extract_certificate()
        url, certificate = (
            f"https://{host}:8443/naesb/test",
            certificate_pem(now - timedelta(days=1), now + timedelta(days=730), host),
        )
    else:
        public = Cert.from_bytes(local.public_key.encode())
        url, certificate = local.url, local.certificate_pem
    return {
        "edm_url": url,
        "edm_port": "",
        "edm_login": f"ercot_{company.slug.replace('-', '_')}",
        "pgp_public_key": str(public),
        "pgp_fingerprint": public.fingerprint,
        "ssl_certificate": certificate,
        "file_naming_convention": f"{company.slug.upper()}_<transaction>_<YYYYMMDDHHMMSS>.edi",
        "testing_contact_name": "Pat Doe",
        "testing_contact_email": f"edi-testing@{company.slug}.example",
        "testing_contact_phone": "512-555-0100",
        "connectivity_contact_name": "Sam Roe",
        "connectivity_contact_email": f"edi-connectivity@{company.slug}.example",
        "connectivity_contact_phone": "214-555-0199",
        "testing_distribution_list_email": f"certification@{company.slug}.example",
    }


def filled_test_bed(template: str, first_esi_id: int, digits: int) -> bytes:
    """The TDSP's template with a premise on each row, saved as CSV UTF-8."""
    rows = list(csv.DictReader(io.StringIO(template)))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, list(rows[0]) if rows else [], lineterminator="\r\n")
    writer.writeheader()
    for n, row in enumerate(rows, start=first_esi_id):
        premise = {
            "ESI ID": "10" + f"{n:0{digits - 2}d}",
            "Zip Code": "75201",
            "Meter #": f"M{n}",
            "Rate Class/Meter Type": "Residential",
            "Customer Name 1": f"Demo Premise {n}",
            "Serv Loc": f"{n % 900 + 100} Main St",
            "Cycle": f"{n % 21 + 1:02d}",
        }
        writer.writerow(row | premise)
    return out.getvalue().encode("utf-8-sig")


def expects_other_than(kind: str) -> Callable[[dict], bool]:
    return lambda item: item["fields"].get("expects_type") != kind


class DemoMarketError(Exception):
    pass


class DemoMarket:
    """Builds (or finishes building) the demo market's flight `designation` through the gateway `http` talks to."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        password: str,
        designation: str,
        progress: Callable[[str], None] = print,
        system_key: str = "",
        local_edm: LocalEdm | None = None,
    ):
        self.http = http
        self.password = password
        self.designation = designation
        self.progress = progress
        self.system_key = system_key
        self.local_edm = local_edm
        self._tokens: dict[str, dict[str, str]] = {}
        self._stage = 0
        self._issues: dict[tuple[str, str, str], dict[str, str]] = {}  # (CR, TDSP, script) -> its report row

    # Reading and acting, as any client of the API

    async def auth(self, email: str) -> dict[str, str]:
        if email not in self._tokens:
            reply = await self.http.post("/api/v1/session", json={"email": email, "password": self.password})
            self._ok(reply, f"sign in as {email}")
            self._tokens[email] = {"authorization": f"Bearer {reply.json()['token']}"}
        return self._tokens[email]

    async def system(self) -> dict[str, str]:
        if "system" not in self._tokens:
            from services.identity.domain import DEMO_TRANSACTION_SYSTEM, demo_system_key

            key = self.system_key or demo_system_key(self.password)
            body = {"system_id": DEMO_TRANSACTION_SYSTEM, "key": key}
            reply = await self.http.post("/api/v1/system-session", json=body)
            self._ok(reply, "sign in as the demo transaction system")
            self._tokens["system"] = {"authorization": f"Bearer {reply.json()['token']}"}
        return self._tokens["system"]

    @staticmethod
    def _ok(reply: httpx.Response, what: str) -> None:
        if not reply.is_success:
            raise DemoMarketError(f"{what}: HTTP {reply.status_code} {reply.text[:500]}")

    async def get(self, email: str, path: str, **params: Any) -> Any:
        reply = await self.http.get(path, params=params, headers=await self.auth(email))
        self._ok(reply, f"GET {path}")
        return reply.json()

    async def report(self, email: str, name: str) -> list[dict[str, str]]:
        return (await self.get(email, f"/api/v1/reports/{name}", flight=self.designation, page_size=5000))["rows"]

    async def item(self, email: str, item_id: int | str) -> dict:
        return await self.get(email, f"/api/v1/items/{item_id}")

    async def act(self, email: str, item_id: int | str, action: str, comment: str = "", **fields: str) -> dict:
        body = {"action": action, "comment": comment, "fields": fields}
        reply = await self.http.post(f"/api/v1/items/{item_id}/actions", json=body, headers=await self.auth(email))
        self._ok(reply, f"{action} on item {item_id}")
        return reply.json()

    async def item_when(self, email: str, item_id: int | str, ready: Callable[[dict], bool], what: str) -> dict:
        give_up = time.monotonic() + 120
        while not ready(item := await self.item(email, item_id)):
            if time.monotonic() > give_up:
                raise DemoMarketError(f"item {item_id} did not reach {what}: {item['state']}")
            await asyncio.sleep(0.3)
        return item

    def step(self, words: str) -> None:
        self._stage += 1
        self.progress(f"demo market: {self._stage}/{STAGES} {words}")

    # The stages

    async def built_before(self) -> bool:
        """The last stage's transaction is listed: an earlier start built the whole market."""
        reply = await self.http.get(
            "/api/v1/reports/unmatched-transactions",
            params={"page_size": 5000},
            headers=await self.auth("admin@ercot.example"),
        )
        self._ok(reply, "read the Unmatched Transactions report")
        return any(row["Reference"] == self.reference("nothing-expects") for row in reply.json()["rows"])

    async def build(self) -> None:
        started = time.monotonic()
        if await self.built_before():
            self.progress(f"demo market: flight {self.designation} was built by an earlier start; kept as it is")
            return
        await self.flight()
        self.step(f"flight {self.designation} open for registration")
        await self.registrations()
        self.step("3 CRs registered and approved (Lone Star, Lone Star East, Bluebonnet through EDIGate)")
        await self.script_pack()
        self.step("example script pack published")
        await self.cr_specifications()
        self.step("the CRs' EDM specifications approved")
        await self.test_beds()
        self.step("every TDSP's specifications and test bed approved")
        await self.registration_closed()
        self.step("registration closed (Change Dates)")
        await self.testing_opened()
        self.step("connectivity and business testing open")
        await self.script_issues()
        self.step("script issues passed, waiting, in a P2P sub-flow, escalated, with a failed transaction")
        await self.unmatched()
        self.step(f"unmatched transactions reported: ready in {time.monotonic() - started:.0f} s")

    async def flight(self) -> dict:
        reply = await self.http.get(
            f"/api/v1/flights/{self.designation}", headers=await self.auth("admin@ercot.example")
        )
        if reply.status_code == 200:
            return reply.json()
        today = date.today()
        body = {
            "designation": self.designation,
            "signup_deadline": (today + timedelta(days=7)).isoformat(),
            "signup_deadline_time": "",
            "day1_of_testing": (today + timedelta(days=10)).isoformat(),
            "end_date": (today + timedelta(days=120)).isoformat(),
        }
        created = await self.http.post("/api/v1/flights", json=body, headers=await self.auth("admin@ercot.example"))
        self._ok(created, f"create flight {self.designation}")
        return created.json()

    async def registrations(self) -> None:
        for cr in CRS:
            ar = f"ar@{cr.slug}.example"
            rows = await self.report(ar, "flight-registration-records")
            if not rows:
                users = await self.get(ar, f"/api/v1/companies/{cr.duns}/users")
                contacts = [u["user_id"] for u in users["users"] if u["active"]]
                fields = {
                    "primary_contact": contacts[0],
                    "secondary_contact": contacts[1],
                    "testing_contact": contacts[2],
                    "business_contact_list": f"certification@{cr.slug}.example",
                    "customer_classes": "residential,small_commercial",
                    "tdsps": ",".join(t.duns for t in TDSPS),
                    "edi_system": cr.edi_system,
                    "bank_name": "Frost Bank",
                    "service_provider": cr.service_provider,
                    "changing_banks": "No",  # asked only of a CR approved in an earlier flight
                    "system_change": "No",
                }
                path = f"/api/v1/flights/{self.designation}/registrations"
                made = await self.http.post(path, json={"fields": fields}, headers=await self.auth(ar))
                self._ok(made, f"{cr.slug} registers")
                rows = [{"Item ID": str(made.json()["item_id"]), "State": made.json()["state"]}]
            item_id, state = rows[0]["Item ID"], rows[0]["State"]
            if state == registrations.PENDING_SUBMITTAL:
                state = (await self.act(ar, item_id, registrations.SUBMIT))["state"]
            if state == registrations.REGISTRATION_REVIEW:
                await self.act("reviewer@ercot.example", item_id, registrations.APPROVE)

    async def script_pack(self) -> None:
        path = f"/api/v1/flights/{self.designation}/script-pack"
        ercot = await self.auth("admin@ercot.example")
        if (await self.http.get(path, headers=ercot)).status_code == 200:
            return
        published = await self.http.put(
            path, content=EXAMPLE_PACK.read_bytes(), headers=ercot | {"content-type": "application/yaml"}
        )
        self._ok(published, "publish the example script pack")

    async def cr_specifications(self) -> None:
        now = datetime.now(UTC)
        for cr in CRS:
            [registration] = await self.report(f"ar@{cr.slug}.example", "flight-registration-records")
            shown = await self.item_when(
                f"ar@{cr.slug}.example",
                registration["Item ID"],
                lambda i: "testing_specifications_item_id" in i["fields"],
                "its Request for Testing Specifications",
            )
            request = shown["fields"]["testing_specifications_item_id"]
            state = (await self.item(cr.provided_by, request))["state"]
            if state == specifications.PENDING_SPECIFICATIONS:
                provided = await self.act(
                    cr.provided_by, request, specifications.PROVIDE, **edm_specifications(cr, now)
                )
                state = provided["state"]
            if state == specifications.ERCOT_REVIEW:
                await self.act("reviewer@ercot.example", request, specifications.APPROVE)

    async def test_beds(self) -> None:
        now = datetime.now(UTC)
        for number, tdsp in enumerate(TDSPS):
            ar = f"ar@{tdsp.slug}.example"
            [row] = await self.report(ar, "tdsp-test-specs")
            request = row["Item ID"]
            state = (await self.item(ar, request))["state"]
            if state == specifications.PENDING_SPECIFICATIONS:
                local = self.local_edm if number == 0 else None  # the first TDSP's EDM server is the local one
                provided = await self.act(ar, request, specifications.PROVIDE, **edm_specifications(tdsp, now, local))
                state = provided["state"]
                if local is not None:
                    tested = await self.act(ar, request, specifications.RUN_EDM_SELF_TEST)
                    result = tested["fields"]["edm_self_test"]
                    failed = tested["fields"]["edm_self_test_failed"]
                    self.progress(
                        f"demo market: {tdsp.slug}'s EDM self-test: {result}" + (f" ({failed})" if failed else "")
                    )
            if state == specifications.TEST_BED_LOADING:
                template = await self.http.get(
                    f"/api/v1/items/{request}/test-bed", params={"format": "csv"}, headers=await self.auth(ar)
                )
                self._ok(template, f"{tdsp.slug}'s test bed template")
                # Premises of the flight's own: no other flight's test bed names them.
                first = 7_000_000_000 + int(self.designation) * 10_000 + number * 1_000
                content = filled_test_bed(template.content.decode("utf-8-sig"), first, ESI_ID_DIGITS.get(tdsp.duns, 17))
                attached = await self.http.post(
                    f"/api/v1/items/{request}/attachments",
                    files={"file": (f"{tdsp.slug}-test-bed.csv", content, "text/csv")},
                    headers=await self.auth(ar),
                )
                self._ok(attached, f"{tdsp.slug} attaches its test bed")
                state = (await self.act(ar, request, specifications.SUBMIT_TEST_BED))["state"]
            if state == specifications.TEST_BED_REVIEW:
                await self.act("reviewer@ercot.example", request, specifications.APPROVE)

    async def registration_closed(self) -> None:
        """ERCOT moves the signup deadline to a few seconds from now (Change Dates); the flight's timer closes it."""
        from flightrak.market_time import CENTRAL

        flight = await self.flight()
        if flight["state"] != flights.OPEN:
            return
        for seconds in (3, 10, 30):
            moment = datetime.now(CENTRAL) + timedelta(seconds=seconds)
            dates = {"signup_deadline": moment.date().isoformat(), "signup_deadline_time": moment.strftime("%H:%M:%S")}
            body = {
                "action": flights.CHANGE_DATES,
                "comment": "The demo market's registration closes now.",
                "fields": dates,
            }
            moved = await self.http.post(
                f"/api/v1/items/{flight['item_id']}/actions", json=body, headers=await self.auth("admin@ercot.example")
            )
            if moved.status_code == 200:
                break
        give_up = time.monotonic() + 90
        while (await self.flight())["state"] == flights.OPEN:
            if time.monotonic() > give_up:
                raise DemoMarketError(f"flight {self.designation}'s registration did not close")
            await asyncio.sleep(0.5)

    async def testing_opened(self) -> None:
        flight = await self.flight()
        if flight["state"] == flights.CLOSED:
            flight["state"] = (
                await self.act("admin@ercot.example", flight["item_id"], flights.OPEN_CONNECTIVITY_TESTING)
            )["state"]
        if flight["state"] == flights.CONNECTIVITY_TESTING:
            await self.act("admin@ercot.example", flight["item_id"], flights.OPEN_BUSINESS_TESTING)
        # The flight notes in its history when every connectivity and business script issue has opened.
        give_up = time.monotonic() + 300
        while not {"Connectivity Scripts Opened", "Business Scripts Opened"} <= {
            row["action"] for row in (await self.item("admin@ercot.example", flight["item_id"]))["history"]
        }:
            if time.monotonic() > give_up:
                raise DemoMarketError(f"flight {self.designation}'s script issues did not all open")
            await asyncio.sleep(1)

    async def issues(self) -> dict[tuple[str, str, str], dict[str, str]]:
        """Every script issue of the flight as ERCOT sees it, open or closed, by (CR, TDSP, script)."""
        found: dict[tuple[str, str, str], dict[str, str]] = {}
        for row in await self.report("reviewer@ercot.example", "flight-progress-completed-script-issues"):
            found[(row["CR Involved"], row["Testing Partner for CR"], row["Script ID"])] = row
        for row in await self.report("reviewer@ercot.example", "flight-progress-active-script-issues"):
            found[(row["CR Involved"], row["TDSP Involved"], row["Script ID"])] = row
        return found

    async def issue(self, cr: DemoCr, tdsp: Company, script: str) -> dict:
        """The pairing's script issue as ERCOT sees it (a closed one too)."""
        if not self._issues:
            self._issues = await self.issues()
        row = self._issues.get((cr.name, tdsp.name, script))
        if row is None:
            raise DemoMarketError(f"no {script} script issue for {cr.slug} and {tdsp.slug}")
        return await self.item("reviewer@ercot.example", row["Item ID"])

    async def script_issues(self) -> None:
        lonestar, east, bluebonnet = CRS
        oncor, centerpoint, _aep_central, aep_north, tnmp = TDSPS
        await self.passed_by_transactions(lonestar, oncor)
        await self.p2p_in_progress(lonestar, oncor)
        await self.escalated(bluebonnet, centerpoint)
        await self.failed_transaction(east, tnmp)
        # The rest of every pairing's transaction scripts begun: each waits for its first transaction.
        for cr in CRS:
            user = f"user@{cr.slug}.example"
            for tdsp in TDSPS:
                for script in TRANSACTION_SCRIPTS:
                    if (cr, tdsp, script) == (lonestar, aep_north, "MVO01"):
                        continue  # left Ready to Begin for the demo's visitor
                    item = await self.issue(cr, tdsp, script)
                    if item["state"] == scripts.READY_TO_BEGIN:
                        await self.act(user, item["item_id"], scripts.BEGIN_WORKING)
        await self.qualification_letters()

    async def qualification_letters(self) -> None:
        """ERCOT drafts the flight's qualification letters now, one per CR, each listing what has passed so far: they
        await ERCOT's review (ERCOT Review dashboard)."""
        ercot = await self.auth("admin@ercot.example")
        reply = await self.http.post(f"/api/v1/flights/{self.designation}/letters", headers=ercot)
        self._ok(reply, "draft the flight's qualification letters")
        give_up = time.monotonic() + 120
        while len(await self.report("admin@ercot.example", "qualification-letters")) < len(CRS):
            if time.monotonic() > give_up:
                raise DemoMarketError("the flight's qualification letters were not drafted")
            await asyncio.sleep(0.3)

    async def begun(self, email: str, cr: DemoCr, tdsp: Company, script: str) -> dict:
        item = await self.issue(cr, tdsp, script)
        if item["state"] == scripts.READY_TO_BEGIN:
            item = await self.act(email, item["item_id"], scripts.BEGIN_WORKING)
        return item

    def reference(self, name: str) -> str:
        return f"DEMO{self.designation}-{name}"

    def premise(self, cr: DemoCr, tdsp: Company, script: str) -> str:
        """The ESI ID the pairing's script runs on, from TDSP's approved test bed (its first, for two premises)."""
        return self._issues[(cr.name, tdsp.name, script)].get("ESIID", "").split(", ")[0]

    def receipt(self, name: str, kind: str, sender: str, receiver: str, esi_id: str, **more: Any) -> dict:
        return {
            "type": kind,
            "sender_duns": sender,
            "receiver_duns": receiver,
            "esi_id": esi_id,
            "reference": self.reference(name),
            "valid": True,
            "reasons": [],
        } | more

    async def send(self, receipts: list[dict]) -> list[dict]:
        reply = await self.http.post("/api/v1/transactions", json=receipts, headers=await self.system())
        self._ok(reply, "report transactions")
        return reply.json()["transactions"]

    async def passed_by_transactions(self, cr: DemoCr, tdsp: Company) -> None:
        """Lone Star's switch with Oncor, walked to Script Passed by ERCOT's systems' receipts alone."""
        item = await self.begun(f"user@{cr.slug}.example", cr, tdsp, "SW01")
        duns = {"CR": cr.duns, "TDSP": tdsp.duns, "ERCOT": ERCOT_DUNS}
        esi_id = item["fields"].get("esi_id") or self.premise(cr, tdsp, "SW01")
        for n, (kind, sender, receiver) in enumerate(SWITCH):
            item = await self.item("reviewer@ercot.example", item["item_id"])
            if item["closed"]:
                return
            if item["fields"].get("expects_type") != kind:
                continue  # this step passed already (a build interrupted after it)
            await self.send([self.receipt(f"SW01-{n}", kind, duns[sender], duns[receiver], esi_id)])
            await self.item_when("reviewer@ercot.example", item["item_id"], expects_other_than(kind), "its next step")

    async def p2p_in_progress(self, cr: DemoCr, tdsp: Company) -> None:
        """CON03 as the guide walks it, stopped with the bank transfer's sub-flow in the TDSP's review."""
        cr_user, tdsp_user = f"user@{cr.slug}.example", f"user@{tdsp.slug}.example"
        item = await self.begun(cr_user, cr, tdsp, "CON03")
        if item["state"] == "Pending Bank Info Provided by CR":
            item = await self.act(cr_user, item["item_id"], scripts.STEP_ACTION)
        if item["state"] == "Pending TDSP Banking Info sent to CR":
            item = await self.act(tdsp_user, item["item_id"], scripts.STEP_ACTION)
        with_p2p = await self.item_when(
            cr_user, item["item_id"], lambda i: "p2p_item_id" in i["fields"], "its P2P sub-flow"
        )
        p2p = with_p2p["fields"]["p2p_item_id"]
        sub_flow = await self.item_when(cr_user, p2p, lambda i: bool(i.get("state")), "its first state")
        if sub_flow["state"] == scripts.SUBMITTER_WORKING:
            await self.act(cr_user, p2p, scripts.TASK_COMPLETE)

    async def escalated(self, cr: DemoCr, tdsp: Company) -> None:
        item = await self.issue(cr, tdsp, "CON03")
        if item["state"] == scripts.READY_TO_BEGIN:
            comment = "Our SP cannot reach CenterPoint's EDM test URL; please confirm the address with them."
            await self.act(f"user@{cr.slug}.example", item["item_id"], scripts.ESCALATE_TO_ERCOT, comment)

    async def failed_transaction(self, cr: DemoCr, tdsp: Company) -> None:
        """A move-in whose first 814_16 ERCOT's systems rejected: the step shows why and waits for a good one."""
        item = await self.begun(f"user@{cr.slug}.example", cr, tdsp, "MVI01")
        if "last_failed_transaction" in item["fields"] or item["fields"].get("expects_type") != "814_16":
            return
        esi_id = item["fields"].get("esi_id") or self.premise(cr, tdsp, "MVI01")
        reasons = [
            "A13: Other (ESI ID not found in the Service Address's zip code)",
            "API: Required information missing",
        ]
        failed = self.receipt("MVI01-rejected", "814_16", cr.duns, ERCOT_DUNS, esi_id, valid=False, reasons=reasons)
        await self.send([failed])
        await self.item_when(
            "reviewer@ercot.example", item["item_id"], lambda i: "last_failed_transaction" in i["fields"], "its failure"
        )

    async def unmatched(self) -> None:
        """Three receipts no script takes, as ERCOT's Unmatched Transactions report lists them with why: a premise
        in no test bed, a sender that is nobody's testing partner here, and a type no step expects now."""
        lonestar, oncor = CRS[0], TDSPS[0]
        premise = (await self.issue(lonestar, oncor, "MVO01"))["fields"].get("esi_id") or self.premise(
            lonestar, oncor, "MVO01"
        )
        brazos_qse = "148203657"
        await self.send(
            [
                self.receipt("unknown-premise", "814_24", lonestar.duns, ERCOT_DUNS, "10" + "9" * 15),
                self.receipt("stranger", "814_01", brazos_qse, ERCOT_DUNS, premise),
                self.receipt("nothing-expects", "824", lonestar.duns, ERCOT_DUNS, premise),
            ]
        )


async def build(
    base_url: str,
    password: str,
    designation: str,
    progress: Callable[[str], None] = print,
    local_edm: LocalEdm | None = None,
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        await DemoMarket(http, password, designation, progress, local_edm=local_edm).build()
