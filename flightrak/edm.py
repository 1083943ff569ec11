"""The NAESB EDM connectivity self-test, as a trading partner sends: a small X12 test file, signed with FlighTrak's own
OpenPGP key and encrypted to the participant's (Sequoia-PGP, through pysequoia), posted as multipart/form-data over
HTTPS to the participant's EDM URL, trusting only the certificate its testing specifications agreed; then the receipt
is read (the HTTP status, and the EDM response's request-status). Whatever fails is named by the stage it failed at
(STAGES): a failed test is a result, never an error."""

import asyncio
import ipaddress
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

# What a test names as failed, in the order a send meets them.
KEY, DNS, CONNECTION, TLS, CERTIFICATE, HTTP_STATUS, EDM_RESPONSE = (
    "key",
    "DNS",
    "connection",
    "TLS",
    "certificate",
    "HTTP status",
    "EDM response",
)
STAGES = (KEY, DNS, CONNECTION, TLS, CERTIFICATE, HTTP_STATUS, EDM_RESPONSE)

ERCOT_DUNS = "183529049"  # the test file comes from ERCOT's DUNS, as the market's transactions do
EDM_VERSION = "1.6"
SIGNING_KEY_FILE = "edm-signing-key.asc"
SIGNING_USER_ID = "FlighTrak EDM Self-Test <edm-self-test@flightrak.invalid>"
# A participant's server answers in seconds or not at all; the activity's own bound is a minute.
TIMEOUTS = httpx.Timeout(10.0, connect=5.0)
MAX_DETAIL = 300
MAX_RESPONSE = 64 * 1024


# FlighTrak's own signing key: made once per data directory, as run makes its token secret.


def signing_key_path(data_dir: Path) -> Path:
    return data_dir / SIGNING_KEY_FILE


def partner_key(data_dir: Path, armored: str | None = None):
    """FlighTrak's OpenPGP key (a pysequoia Tsk) as the trading partner that signs test files: the one configured
    (FLIGHTRAK_EDM_SIGNING_KEY, for processes that share no data directory), or the data directory's, made there on
    first use, readable by its owner only. Two processes making it at once keep one."""
    from pysequoia import Tsk

    if armored:
        return Tsk.from_bytes(armored.encode())
    path = signing_key_path(data_dir)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        made = str(Tsk.generate(SIGNING_USER_ID))
        handle, temporary = tempfile.mkstemp(dir=data_dir, prefix=".edm-key-")
        try:
            with os.fdopen(handle, "w") as file:  # mkstemp's file is 0o600 from the start
                file.write(made)
            os.link(temporary, path)  # fails if another process linked its key first: theirs is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return Tsk.from_bytes(path.read_bytes())


def partner_public_key(data_dir: Path, armored: str | None = None) -> str:
    """The public half, armored: what a participant imports to verify the test file's signature."""
    return str(partner_key(data_dir, armored).extract_certificate())


# The test file and the EDM form.


def test_file(sender: str, receiver: str, now: datetime, control: int) -> bytes:
    """A one-message X12 864 (Text Message) interchange saying it is a connectivity test: small, and readable by
    any EDI translator that opens it."""
    stamp = now.astimezone(UTC)
    number = f"{control % 1_000_000_000:09d}"
    segments = [
        f"ISA*00*          *00*          *01*{sender:<15}*01*{receiver:<15}*{stamp:%y%m%d}*{stamp:%H%M}*U*00401"
        f"*{number}*0*T*>",
        f"GS*TX*{sender}*{receiver}*{stamp:%Y%m%d}*{stamp:%H%M}*{control % 1_000_000}*X*004010",
        "ST*864*0001",
        f"BMG*00*FlighTrak NAESB EDM connectivity self-test {stamp:%Y-%m-%dT%H:%M:%SZ}",
        "MIT*TEST*Connectivity test",
        "MSG*This file tests the EDM connection only; it carries no market transaction.",
        "SE*5*0001",
        f"GE*1*{control % 1_000_000}",
        f"IEA*1*{number}",
    ]
    return ("~\n".join(segments) + "~\n").encode()


def edm_form(sender: str, receiver: str, control: int) -> dict[str, str]:
    """The NAESB EDM request's data elements besides input-data, in the standard's order."""
    return {
        "from": sender,
        "to": receiver,
        "version": EDM_VERSION,
        "receipt-disposition-to": sender,
        "receipt-report-type": "gisb-acknowledgement-receipt",
        "input-format": "X12",
        "transaction-set": "TS864",
        "refnum": str(control),
        "refnum-orig": str(control),
    }


def read_response(text: str) -> dict[str, str]:
    """An EDM response's lines (name=value, one a line, any case) as a dict with lowercase names."""
    answer: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            answer.setdefault(name.strip().lower(), value.strip().rstrip("*").strip())
    return answer


def target_url(edm_url: str, edm_port: str) -> str:
    """The specifications' URL, on the port they agreed (the URL's own, or the Port field's)."""
    parts = urlsplit(edm_url)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    port = int(edm_port) if edm_port.isdigit() else parts.port or 443
    return urlunsplit((parts.scheme, f"{shown}:{port}", parts.path or "/", parts.query, ""))


def trusting(certificates_pem: str) -> ssl.SSLContext:
    """TLS that trusts only the agreed certificate(s): the server's own (pinned) or its issuer's, as pasted."""
    context = ssl.create_default_context(cadata=certificates_pem)
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # a pasted server certificate is a trust anchor itself
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@dataclass(frozen=True)
class Outcome:
    url: str
    failed: str = ""  # one of STAGES; empty: passed
    detail: str = ""
    http_status: int = 0
    request_status: str = ""


def _words(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_DETAIL else flat[: MAX_DETAIL - 3] + "..."


def classify(error: BaseException) -> tuple[str, str]:
    """The stage a failed send failed at, and why in a participant's words, from the exception and its causes."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for cause in chain:
        if isinstance(cause, socket.gaierror):
            return DNS, f"the host name does not resolve ({cause.strerror or cause})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = getattr(cause, "verify_message", "") or str(cause)
            return CERTIFICATE, f"the server's certificate is not the one agreed in the specifications ({why})"
        if isinstance(cause, ssl.SSLError):
            return TLS, f"the TLS handshake failed ({getattr(cause, 'reason', '') or cause})"
    if isinstance(error, httpx.TimeoutException):
        return CONNECTION, f"no answer within {TIMEOUTS.read:g} s ({type(error).__name__})"
    if isinstance(error, ConnectionRefusedError) or any(isinstance(c, ConnectionRefusedError) for c in chain):
        return CONNECTION, "the connection was refused: nothing listens on that port"
    if isinstance(error, httpx.RemoteProtocolError):
        return TLS if "SSL" in str(error) else CONNECTION, f"the server closed the connection ({error})"
    return CONNECTION, f"the connection failed ({type(error).__name__}: {error})"


def _encrypted(content: bytes, participant_key: str, signer) -> bytes:
    from pysequoia import Cert, encrypt

    return encrypt(content, [Cert.from_bytes(participant_key.encode())], signer=signer.signer())


async def _private_address(url: str) -> str | None:
    """The first loopback, private, link-local or otherwise non-public address the URL's host resolves to, if any.
    Raises socket.gaierror when it does not resolve."""
    parts = urlsplit(url)
    found = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port, type=socket.SOCK_STREAM)
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return str(ip)
    return None


async def send_test(
    data_dir: Path,
    edm_url: str,
    edm_port: str,
    certificate_pem: str,
    participant_key: str,
    receiver: str,
    now: datetime | None = None,
    sender: str = ERCOT_DUNS,
    private_addresses: bool = True,
    signing_key: str | None = None,
) -> Outcome:
    """Sends one test file and reads its receipt. Never raises for what the participant's side does. Without
    `private_addresses`, a host that resolves to a non-public address is not sent to (FlighTrak's own network is not
    a participant's to probe)."""
    now = now or datetime.now(UTC)
    url = target_url(edm_url, edm_port)
    if not private_addresses:
        try:
            private = await _private_address(url)
        except (OSError, UnicodeError) as error:
            failed, why = classify(error)
            return Outcome(url, failed, _words(why))
        if private is not None:
            why = f"the host resolves to {private}, not a public address: FlighTrak sends only to public addresses"
            return Outcome(url, CONNECTION, _words(why))
    control = int(now.timestamp() * 1000)
    try:
        sealed = _encrypted(
            test_file(sender, receiver, now, control), participant_key, partner_key(data_dir, signing_key)
        )
    except (RuntimeError, ValueError) as error:
        first = str(error).split("\n", 1)[0]
        return Outcome(url, KEY, _words(f"the file could not be encrypted to the PGP Public Key ({first})"))
    try:
        context = trusting(certificate_pem)
    except (ssl.SSLError, ValueError) as error:
        return Outcome(url, CERTIFICATE, _words(f"the SSL/TLS Certificate cannot be trusted ({error})"))
    files = {"input-data": (f"flightrak-self-test-{control}.x12.pgp", sealed, "application/octet-stream")}
    try:
        async with (
            httpx.AsyncClient(verify=context, timeout=TIMEOUTS, follow_redirects=False) as client,
            client.stream("POST", url, data=edm_form(sender, receiver, control), files=files) as reply,
        ):
            body = b""
            async for chunk in reply.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE:  # an EDM response is a few lines: the rest is not read
                    break
    except (httpx.HTTPError, OSError) as error:
        failed, why = classify(error)
        return Outcome(url, failed, _words(why))
    answer = read_response(body[:MAX_RESPONSE].decode("utf-8", "replace"))
    status = answer.get("request-status", "")
    if not 200 <= reply.status_code < 300:
        said = f" (request-status={status})" if status else ""
        return Outcome(
            url, HTTP_STATUS, _words(f"the server answered HTTP {reply.status_code}{said}"), reply.status_code, status
        )
    if status.lower() != "ok":
        message = answer.get("error-message", "")
        failed = KEY if "decrypt" in (message + status).lower() else EDM_RESPONSE
        said = f"request-status={status}" if status else "no request-status"
        why = f"the EDM response says {said}" + (f": {message}" if message else "")
        return Outcome(url, failed, _words(why), reply.status_code, status)
    trans = answer.get("trans-id", "")
    detail = "the EDM server received the test file: request-status=ok" + (f", trans-id={trans}" if trans else "")
    return Outcome(url, "", _words(detail), reply.status_code, status)
