"""The NAESB EDM self-test's send, against the local EDM endpoint with its own CA (no database, no Temporal): a pass,
and each failure named by its stage: certificate, key, DNS, connection, TLS, EDM response."""

import asyncio
import socket
import ssl
import stat
from pathlib import Path

import httpx
import pytest
from pysequoia import Tsk

from flightrak import edm, edm_endpoint
from tests.conftest import free_port

RECEIVER = "123456789"


@pytest.fixture(scope="module")
def material() -> edm_endpoint.Material:
    return edm_endpoint.make_material("Lone Star EDM")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("edm-data")


@pytest.fixture(scope="module")
async def endpoint(material, data_dir):
    async with edm_endpoint.serving(material, edm.partner_public_key(data_dir), free_port()) as url:
        yield url


async def send(data_dir, url, material, **overrides) -> edm.Outcome:
    given = {"certificate_pem": material.chain_pem, "participant_key": material.participant_public_key} | overrides
    return await edm.send_test(data_dir, url, "", receiver=RECEIVER, **given)


def test_the_signing_key_is_made_once_per_data_directory_for_its_owner_only(tmp_path):
    first = edm.partner_public_key(tmp_path)
    assert edm.partner_public_key(tmp_path) == first
    assert "BEGIN PGP PUBLIC KEY BLOCK" in first and "PRIVATE" not in first
    assert stat.S_IMODE(edm.signing_key_path(tmp_path).stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [edm.SIGNING_KEY_FILE]


def test_the_test_file_is_one_x12_text_message():
    from datetime import UTC, datetime

    content = edm.test_file(edm.ERCOT_DUNS, RECEIVER, datetime(2026, 12, 6, 9, tzinfo=UTC), 42).decode()
    segments = [s.strip() for s in content.split("~") if s.strip()]
    assert segments[0].startswith("ISA*00*") and len(segments[0]) == 105
    assert [s.split("*")[0] for s in segments] == ["ISA", "GS", "ST", "BMG", "MIT", "MSG", "SE", "GE", "IEA"]
    assert segments[6] == "SE*5*0001"


def test_an_edm_response_reads_its_lines():
    answer = edm.read_response("Request-Status=ok*\r\ntime-c=20261206090000*\r\ntrans-id=7\r\n")
    assert answer == {"request-status": "ok", "time-c": "20261206090000", "trans-id": "7"}


def test_the_url_takes_the_agreed_port():
    assert edm.target_url("https://edm.example.com/naesb", "8443") == "https://edm.example.com:8443/naesb"
    assert edm.target_url("https://edm.example.com:9443/x", "9443") == "https://edm.example.com:9443/x"
    assert edm.target_url("https://10.0.0.1/x", "") == "https://10.0.0.1:443/x"


@pytest.mark.parametrize(
    ("error", "stage"),
    [
        (httpx.ConnectError("x"), edm.CONNECTION),
        (httpx.ReadTimeout("x"), edm.CONNECTION),
        (socket.gaierror(-2, "Name or service not known"), edm.DNS),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), edm.CERTIFICATE),
        (ssl.SSLError(1, "wrong version number"), edm.TLS),
    ],
)
def test_failures_are_named_by_their_cause(error, stage):
    wrapped = httpx.ConnectError("failed")
    wrapped.__cause__ = error
    assert edm.classify(wrapped if not isinstance(error, httpx.HTTPError) else error)[0] == stage


async def test_a_test_file_signed_and_encrypted_to_the_participant_passes(endpoint, material, data_dir):
    outcome = await send(data_dir, endpoint, material)
    assert (outcome.failed, outcome.http_status, outcome.request_status) == ("", 200, "ok"), outcome.detail
    assert outcome.detail.startswith("the EDM server received the test file: request-status=ok, trans-id=")


async def test_a_server_certificate_other_than_the_one_agreed_fails_as_certificate(endpoint, material, data_dir):
    other = edm_endpoint.make_material("Someone Else")
    outcome = await send(data_dir, endpoint, material, certificate_pem=other.chain_pem)
    assert outcome.failed == edm.CERTIFICATE, outcome.detail
    assert "not the one agreed" in outcome.detail


async def test_the_ca_alone_is_trusted_as_agreed_and_the_server_alone_as_pinned(endpoint, material, data_dir):
    assert (await send(data_dir, endpoint, material, certificate_pem=material.ca_pem)).failed == ""
    assert (await send(data_dir, endpoint, material, certificate_pem=material.server_pem)).failed == ""


async def test_a_key_the_server_cannot_decrypt_with_fails_as_key(endpoint, material, data_dir):
    stranger = str(Tsk.generate("Not the server's key").extract_certificate())
    outcome = await send(data_dir, endpoint, material, participant_key=stranger)
    assert (outcome.failed, outcome.http_status) == (edm.KEY, 200), outcome.detail
    assert "decryption failed" in outcome.detail


async def test_a_file_signed_by_another_partner_fails_as_edm_response(material, data_dir, tmp_path):
    async with edm_endpoint.serving(material, edm.partner_public_key(tmp_path), free_port()) as url:
        outcome = await send(data_dir, url, material)
    assert outcome.failed == edm.EDM_RESPONSE
    assert "signature verification failed" in outcome.detail


async def test_a_host_that_does_not_resolve_fails_as_dns(material, data_dir):
    outcome = await send(data_dir, "https://edm.no-such-host.invalid/naesb", material)
    assert outcome.failed == edm.DNS, outcome.detail


async def test_a_port_nobody_listens_on_fails_as_connection(material, data_dir):
    outcome = await send(data_dir, f"https://127.0.0.1:{free_port()}/naesb", material)
    assert outcome.failed == edm.CONNECTION, outcome.detail


async def test_a_server_that_does_not_speak_tls_fails_as_tls(material, data_dir):
    async def plain_http(reader, writer):
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        outcome = await send(data_dir, f"https://127.0.0.1:{port}/naesb", material)
    assert outcome.failed == edm.TLS, outcome.detail


async def test_a_key_that_cannot_encrypt_fails_before_sending(material, data_dir):
    outcome = await send(data_dir, "https://127.0.0.1:1/x", material, participant_key="not a key")
    assert outcome.failed == edm.KEY and outcome.http_status == 0


def test_the_demo_names_the_local_edm_server_made_once_in_the_data_directory(tmp_path):
    from datetime import UTC, datetime

    from flightrak import demo_market, supervisor
    from flightrak.settings import Settings
    from services.testbed import specifications

    settings = Settings(data_dir=tmp_path, edm_endpoint_port=18443)
    local = supervisor.local_edm(settings)
    assert supervisor.local_edm(settings) == local  # kept, not made again
    assert local.url == "https://127.0.0.1:18443/naesb/test"
    now = datetime.now(UTC)
    fields, problems = specifications.clean_specifications(
        demo_market.edm_specifications(demo_market.TDSPS[0], now, local), now
    )
    assert problems == {} and fields["edm_url"] == local.url


async def test_outside_development_a_private_address_is_not_sent_to(endpoint, material, data_dir):
    outcome = await send(data_dir, endpoint, material, private_addresses=False)
    assert (outcome.failed, outcome.http_status) == (edm.CONNECTION, 0)
    assert "resolves to 127.0.0.1, not a public address" in outcome.detail
    unknown = await send(data_dir, "https://edm.no-such-host.invalid/naesb", material, private_addresses=False)
    assert unknown.failed == edm.DNS


def test_private_addresses_are_reached_in_development_only_unless_set():
    from flightrak.settings import Settings

    assert Settings().edm_self_test_reaches_private_addresses
    production = Settings(environment="production", token_secret="a-random-secret-for-the-test-0123456789abcdef")
    assert not production.edm_self_test_reaches_private_addresses
    assert Settings(
        environment="production", token_secret=production.token_secret, edm_self_test_private_addresses=True
    ).edm_self_test_reaches_private_addresses


def test_a_configured_signing_key_is_used_instead_of_the_data_directorys(tmp_path):
    configured = str(Tsk.generate("FlighTrak EDM (configured)"))
    public = edm.partner_public_key(tmp_path, configured)
    assert public == str(Tsk.from_bytes(configured.encode()).extract_certificate())
    assert list(tmp_path.iterdir()) == []  # nothing made


async def test_a_path_the_server_does_not_answer_fails_as_http_status(endpoint, material, data_dir):
    outcome = await send(data_dir, endpoint.replace("/naesb/test", "/elsewhere"), material)
    assert (outcome.failed, outcome.http_status) == (edm.HTTP_STATUS, 404)
    assert outcome.detail == "the server answered HTTP 404"
