"""A local NAESB EDM server for the self-test, as a participant would run one: HTTPS with a server certificate issued
by its own certificate authority, the participant's OpenPGP key to decrypt what arrives, FlighTrak's public key to
verify its signature, and an EDM response (request-status=ok, or an error and why). The tests start it on a free
port; `run` starts one for the demo market (`flightrak edm-endpoint`), whose material is kept in the data directory.
"""

import argparse
import asyncio
import ipaddress
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

ENDPOINT_DIR = "edm-endpoint"
PATH = "/naesb/test"
REQUIRED = ("from", "to", "version", "input-format", "input-data")
MAX_UPLOAD = 1_000_000
HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Material:
    """What the endpoint holds: its CA's and its server's certificates (PEM), the server's private key, and the
    participant's OpenPGP key with its secret half (armored)."""

    ca_pem: str
    server_pem: str
    server_key_pem: str
    participant_key: str

    @property
    def chain_pem(self) -> str:
        """What the participant pastes as its SSL/TLS Certificate: the server's, then its CA's."""
        return self.server_pem + self.ca_pem

    @property
    def participant_public_key(self) -> str:
        from pysequoia import Tsk

        return str(Tsk.from_bytes(self.participant_key.encode()).extract_certificate())


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_material(owner: str = "Demo EDM", hosts: tuple[str, ...] = HOSTS, now: datetime | None = None) -> Material:
    """A new CA, a server certificate it issues for `hosts`, and a participant's OpenPGP key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from pysequoia import Tsk

    now = now or datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{owner} Test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    participant = Tsk.generate(f"{owner} <edm-test@{owner.lower().replace(' ', '-')}.example>")
    return Material(
        ca.public_bytes(Encoding.PEM).decode(),
        server.public_bytes(Encoding.PEM).decode(),
        server_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode(),
        str(participant),
    )


_FILES = {"ca_pem": "ca.pem", "server_pem": "server.pem", "server_key_pem": "server-key.pem"}
_KEY_FILE = "participant-key.asc"


def material_in(directory: Path, owner: str = "Demo EDM") -> Material:
    """The endpoint's material kept in `directory` (owner-only), made there on first use."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path = directory / _KEY_FILE
    if not key_path.exists():
        made = make_material(owner)
        for field, name in _FILES.items():
            (directory / name).write_text(getattr(made, field))
        (directory / "server-key.pem").chmod(0o600)
        key_path.touch(mode=0o600)
        key_path.write_text(made.participant_key)  # written last: its presence says the rest is there
    values = {field: (directory / name).read_text() for field, name in _FILES.items()}
    return Material(participant_key=key_path.read_text(), **values)


# The server.


def _answer(status: str, message: str = "", http_status: int = 200, trans_id: str = "") -> PlainTextResponse:
    lines = [f"request-status={status}", f"time-c={datetime.now(UTC):%Y%m%d%H%M%S}", "server-id=flightrak-edm-test"]
    if trans_id:
        lines.append(f"trans-id={trans_id}")
    if message:
        lines.append(f"error-message={message}")
    return PlainTextResponse("\r\n".join(lines) + "\r\n", status_code=http_status)


def app(material: Material, partner_public_key: str) -> Starlette:
    """Answers POST PATH as an EDM server: decrypts input-data with the participant's key and checks that FlighTrak
    signed it."""
    from pysequoia import Cert, Tsk, decrypt

    decryptor = Tsk.from_bytes(material.participant_key.encode()).decryptor()
    partner = Cert.from_bytes(partner_public_key.encode())
    received = {"count": 0}

    async def receive(request: Request) -> PlainTextResponse:
        async with request.form(max_files=1, max_fields=20) as form:
            missing = [name for name in REQUIRED if not form.get(name)]
            if missing:
                return _answer("error", f"missing {', '.join(missing)}")
            upload = form["input-data"]
            data = await upload.read(MAX_UPLOAD + 1) if hasattr(upload, "read") else str(upload).encode()
        if len(data) > MAX_UPLOAD:
            return _answer("error", "input-data is too large")
        try:
            decrypt(data, decryptor=decryptor)
        except Exception as error:  # noqa: BLE001 - whatever Sequoia says, the sender hears it was not decrypted
            return _answer("error", f"decryption failed: {str(error).splitlines()[0][:120]}")
        try:  # decrypted again, now checking the signature (Sequoia refuses a message none of `store` signed)
            signed = decrypt(data, decryptor=decryptor, store=lambda key_ids: [partner]).valid_sigs
        except Exception:  # noqa: BLE001
            signed = []
        if not signed:
            return _answer("error", "signature verification failed: not signed by the trading partner's key")
        received["count"] += 1
        return _answer("ok", trans_id=str(received["count"]))

    return Starlette(routes=[Route(PATH, receive, methods=["POST"])])


def _config(material: Material, partner_public_key: str, host: str, port: int, directory: Path) -> uvicorn.Config:
    (directory / "server.pem").write_text(material.server_pem + material.ca_pem)
    key = directory / "server-key.pem"
    key.touch(mode=0o600)
    key.write_text(material.server_key_pem)
    return uvicorn.Config(
        app(material, partner_public_key),
        host=host,
        port=port,
        ssl_certfile=str(directory / "server.pem"),
        ssl_keyfile=str(key),
        log_level="warning",
        server_header=False,
    )


@asynccontextmanager
async def serving(
    material: Material, partner_public_key: str, port: int, host: str = "127.0.0.1"
) -> AsyncIterator[str]:
    """The endpoint on this event loop while the block runs; yields its EDM URL."""
    with tempfile.TemporaryDirectory(prefix="flightrak-edm-") as directory:
        server = uvicorn.Server(_config(material, partner_public_key, host, port, Path(directory)))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()  # raises why it did not start
            await asyncio.sleep(0.02)
        try:
            yield f"https://{host}:{port}{PATH}"
        finally:
            server.should_exit = True
            await task


def main(argv: list[str] | None = None) -> None:
    """`flightrak edm-endpoint`: the demo market's EDM server, with the material in the data directory."""
    from flightrak import edm
    from flightrak.settings import get_settings

    parser = argparse.ArgumentParser(prog="flightrak edm-endpoint")
    parser.add_argument("--port", type=int, default=0, help="default: FLIGHTRAK_EDM_ENDPOINT_PORT")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    settings = get_settings()
    material = material_in(settings.data_dir / ENDPOINT_DIR)
    partner = edm.partner_public_key(settings.data_dir, settings.edm_signing_key)
    with tempfile.TemporaryDirectory(prefix="flightrak-edm-") as directory:
        config = _config(material, partner, args.host, args.port or settings.edm_endpoint_port, Path(directory))
        uvicorn.Server(config).run()
