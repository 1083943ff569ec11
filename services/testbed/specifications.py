"""Testing specifications rules (guide §6.1-6.2): the NAESB EDM specifications and the testing and
connectivity contacts that a CR, its SP or a TDSP provides, every field checked and every problem named
at once. The PGP key is read by a minimal OpenPGP parser (RFC 4880 / RFC 9580, version 4 keys); its
signatures are not verified. No I/O."""

import base64
import binascii
import hashlib
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from flightrak import boundary
from flightrak.contacts import clean_email, normalize_phone
from flightrak.market_time import central_text
from workflows.specifications import models as requests

FIELD_LABELS = requests.FIELD_LABELS
DERIVED_FIELDS = requests.DERIVED_FIELDS
ENTERED_FIELDS = requests.ENTERED_FIELDS
OPTIONAL_FIELDS = frozenset({"edm_port"})  # the URL's port, or 443, when not given
REQUIRED_FIELDS = frozenset(ENTERED_FIELDS) - OPTIONAL_FIELDS
EMAIL_FIELDS = ("testing_contact_email", "connectivity_contact_email", "testing_distribution_list_email")
PHONE_FIELDS = ("testing_contact_phone", "connectivity_contact_phone")
MULTILINE_FIELDS = requests.MULTILINE_FIELDS

HTTPS_PORT = 443
_MAX_LENGTH = {
    "edm_url": 2000,
    "edm_login": 128,
    "pgp_public_key": 100_000,
    "ssl_certificate": 50_000,
    "file_naming_convention": 1000,
    "testing_contact_email": 254,
    "connectivity_contact_email": 254,
    "testing_distribution_list_email": 254,
    "testing_contact_name": 80,
    "connectivity_contact_name": 80,
}
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_PRIVATE_KEY = re.compile(r"PRIVATE KEY( BLOCK)?-----")
_PASTE_INSTEAD = {
    "pgp_public_key": "paste the public key (gpg --armor --export)",
    "ssl_certificate": "paste only the certificate(s)",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tabs and line ends allowed


def clean_specifications(raw: dict[str, str], now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """Returns (the fields to keep, including the derived expiry dates, problems by field). Unknown and
    derived fields in `raw` are ignored; a pasted private key is never kept."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    entered = {name: _text(raw.get(name) or "") for name in ENTERED_FIELDS}
    cleaned: dict[str, str] = dict.fromkeys(FIELD_LABELS, "")
    problems: dict[str, str] = {}
    for name, value in entered.items():
        cleaned[name] = value
        if not value:
            if name in REQUIRED_FIELDS:
                problems[name] = "is required"
        elif len(value) > _MAX_LENGTH.get(name, 200):
            problems[name] = f"must be at most {_MAX_LENGTH.get(name, 200)} characters"
        elif (_CONTROL_IN_TEXT if name in MULTILINE_FIELDS else _CONTROL).search(value):
            problems[name] = "must be plain text" if name in MULTILINE_FIELDS else "must be one line of plain text"

    for name in EMAIL_FIELDS:
        if entered[name] and name not in problems:
            cleaned[name], problem = clean_email(entered[name])
            _note(problems, name, problem)
    for name in PHONE_FIELDS:
        if entered[name] and name not in problems:
            phone = normalize_phone(entered[name])
            cleaned[name] = phone or entered[name]
            _note(problems, name, None if phone else "must be a 10-digit North American number, such as 512-555-0100")

    for name, advice in _PASTE_INSTEAD.items():
        if _PRIVATE_KEY.search(entered[name]):
            problems[name] = f"holds a private key: never share it; {advice}"
            cleaned[name] = ""  # never kept, never shown again

    _clean_endpoint(entered, cleaned, problems)
    _clean_pgp(entered, cleaned, problems, now)
    _clean_certificate(entered, cleaned, problems, now)
    return cleaned, problems


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _note(problems: dict[str, str], name: str, problem: str | None) -> None:
    if problem and name not in problems:
        problems[name] = problem


# EDM test URL and port


def _clean_endpoint(entered: dict[str, str], cleaned: dict[str, str], problems: dict[str, str]) -> None:
    url_port = None
    if entered["edm_url"] and "edm_url" not in problems:
        url_port, problem = _url_port(entered["edm_url"])
        _note(problems, "edm_url", problem)
    port = entered["edm_port"]
    if port and "edm_port" not in problems:
        if not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
            problems["edm_port"] = "must be a number from 1 to 65535"
            return
        if url_port is not None and int(port) != url_port:
            problems["edm_port"] = f"is {int(port)} but the EDM Test URL says port {url_port}; make them agree"
            return
    if "edm_port" not in problems and "edm_url" not in problems:
        cleaned["edm_port"] = str(int(port) if port else url_port or HTTPS_PORT)


def _url_port(url: str) -> tuple[int | None, str | None]:
    """The port the URL names (None when it names none), or the reason it is not an https URL."""
    if any(character.isspace() for character in url):
        return None, "must not contain spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None, "is not a valid URL; it should look like https://edm.example.com:8443/test"
    if parts.scheme.lower() != "https":
        said = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return None, f"must start with https:// (EDM traffic is encrypted); it has {said}"
    if parts.username is not None or parts.password is not None:
        return None, "must not contain a login or password; enter the login in its own field"
    if not host or not _valid_host(host):
        return None, "must name a host, such as https://edm.example.com/test"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return None, "has a port that is not a number from 1 to 65535"
    return port, None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        labels = host.rstrip(".").split(".")
        named = all(_HOST_LABEL.match(label) for label in labels)
        return len(labels) > 1 and named and not boundary.is_number(labels[-1])


# PGP public key and fingerprint


class OpenPGPError(ValueError):
    """Why a text is not a usable OpenPGP public key; reads after the field's label."""


class PrivateKeyPasted(OpenPGPError):
    """Someone pasted a private key where the public one belongs: refused, and never kept."""

    def __init__(self) -> None:
        super().__init__(NEVER_SHARE_PRIVATE_KEY)


@dataclass(frozen=True)
class OpenPGPKey:
    fingerprint: str  # 40 uppercase hex digits (v4)
    created: datetime
    expires: datetime | None  # None: the key does not expire
    revoked: bool


PUBLIC_KEY_BLOCK = "PGP PUBLIC KEY BLOCK"
_PUBLIC_KEY, _SIGNATURE = 6, 2
_SECRET_KEY_TAGS = frozenset({5, 7})
# Signature types on the primary key itself; subkey bindings (0x18) and revocations (0x28) carry the
# subkey's own expiry and are not among them.
_CERTIFICATIONS = frozenset({0x10, 0x11, 0x12, 0x13, 0x1F})  # user ID certifications and direct-key
_KEY_REVOCATION = 0x20
_SIG_CREATED, _KEY_EXPIRES_AFTER, _ISSUER_KEY_ID, _ISSUER_FINGERPRINT = 2, 9, 16, 33
NEVER_SHARE_PRIVATE_KEY = f"holds a private key: never share it; {_PASTE_INSTEAD['pgp_public_key']}"
_DAMAGED = "is damaged or incomplete; paste the whole output of gpg --armor --export again"


def _crc24_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc = (crc << 1) ^ (0x1864CFB if crc & 0x800000 else 0)
        table.append(crc & 0xFFFFFF)
    return tuple(table)


_CRC24 = _crc24_table()


def crc24(data: bytes) -> int:
    """The OpenPGP armor checksum (RFC 4880 §6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC24[(crc >> 16) ^ byte]
    return crc


def dearmor(text: str, block: str = PUBLIC_KEY_BLOCK) -> bytes:
    """The bytes inside an ASCII-armored block, its CRC24 checked when present (RFC 9580 makes it optional)."""
    lines = [line.strip() for line in _text(text).split("\n")]
    begin = lines[0] if lines else ""
    if begin == "-----BEGIN PGP PRIVATE KEY BLOCK-----":
        raise PrivateKeyPasted
    if begin != f"-----BEGIN {block}-----":
        said = f" (it starts {begin[:40]!r})" if begin.startswith("-----BEGIN") else ""
        raise OpenPGPError(f"must be an ASCII-armored key starting -----BEGIN {block}-----{said}")
    if lines[-1] != f"-----END {block}-----":
        raise OpenPGPError(f"must end with -----END {block}-----; paste the whole key")
    body = lines[1:-1]
    while body and ":" in body[0]:  # armor headers such as Version: and Comment:
        body.pop(0)
    body = [line for line in body if line]
    checksum = body.pop()[1:] if body and body[-1].startswith("=") else None
    try:
        data = base64.b64decode("".join(body), validate=True)
        expected = base64.b64decode(checksum, validate=True) if checksum is not None else None
    except (binascii.Error, ValueError) as error:
        raise OpenPGPError("is not valid ASCII armor (bad base64); paste the key exactly as exported") from error
    if not data:
        raise OpenPGPError("holds no key")
    if expected is not None and expected != crc24(data).to_bytes(3, "big"):
        raise OpenPGPError("fails its checksum (CRC24): it was changed or damaged when copied; paste it again")
    return data


def _take(data: bytes, position: int, count: int) -> bytes:
    if count < 0 or position + count > len(data):
        raise OpenPGPError(_DAMAGED)
    return data[position : position + count]


def _packets(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(tag, body) of each packet, old- or new-format headers (RFC 9580 §4.2)."""
    position = 0
    while position < len(data):
        header = data[position]
        position += 1
        if not header & 0x80:
            raise OpenPGPError("is not an OpenPGP key (a packet header is invalid)")
        if header & 0x40:
            tag, first = header & 0x3F, _take(data, position, 1)[0]
            if first < 192:
                length, position = first, position + 1
            elif first < 224:
                length = ((first - 192) << 8) + _take(data, position + 1, 1)[0] + 192
                position += 2
            elif first == 255:
                length, position = int.from_bytes(_take(data, position + 1, 4), "big"), position + 5
            else:
                raise OpenPGPError("is not an OpenPGP key (it uses partial lengths, which keys never do)")
        else:
            tag, length_type = (header >> 2) & 0x0F, header & 0x03
            if length_type == 3:
                length = len(data) - position
            else:
                size = 1 << length_type
                length, position = int.from_bytes(_take(data, position, size), "big"), position + size
        yield tag, _take(data, position, length)
        position += length


def _subpackets(area: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each signature subpacket, the critical bit dropped (RFC 9580 §5.2.3.7)."""
    position = 0
    while position < len(area):
        first = area[position]
        if first < 192:
            length, position = first, position + 1
        elif first < 255:
            length = ((first - 192) << 8) + _take(area, position + 1, 1)[0] + 192
            position += 2
        else:
            length, position = int.from_bytes(_take(area, position + 1, 4), "big"), position + 5
        if length == 0:
            raise OpenPGPError(_DAMAGED)
        packet = _take(area, position, length)
        yield packet[0] & 0x7F, packet[1:]
        position += length


@dataclass(frozen=True)
class _Signature:
    kind: int
    created: int
    key_expires_after: int | None  # seconds after the key's creation; 0 or None: never
    issuer_fingerprint: bytes | None
    issuer_key_id: bytes | None

    def issued_by(self, fingerprint: bytes) -> bool:
        if self.issuer_fingerprint is not None:
            return self.issuer_fingerprint == fingerprint
        return self.issuer_key_id == fingerprint[-8:]


def _signature(body: bytes) -> _Signature | None:
    """The facts of a v4 signature packet that this module needs; None for other versions."""
    if _take(body, 0, 1)[0] != 4:
        return None
    kind = _take(body, 1, 1)[0]
    hashed_length = int.from_bytes(_take(body, 4, 2), "big")
    hashed = _take(body, 6, hashed_length)
    unhashed_length = int.from_bytes(_take(body, 6 + hashed_length, 2), "big")
    unhashed = _take(body, 8 + hashed_length, unhashed_length)
    created, expires_after, fingerprint, key_id = 0, None, None, None
    for area_is_hashed, area in ((True, hashed), (False, unhashed)):
        for kind_of_subpacket, data in _subpackets(area):
            # Only hashed subpackets are bound to the signature; issuer hints may sit in either area.
            if area_is_hashed and kind_of_subpacket == _SIG_CREATED and len(data) == 4:
                created = int.from_bytes(data, "big")
            elif area_is_hashed and kind_of_subpacket == _KEY_EXPIRES_AFTER and len(data) == 4:
                expires_after = int.from_bytes(data, "big")
            elif kind_of_subpacket == _ISSUER_FINGERPRINT and len(data) == 21 and data[0] == 4:
                fingerprint = fingerprint or data[1:]
            elif kind_of_subpacket == _ISSUER_KEY_ID and len(data) == 8:
                key_id = key_id or data
    return _Signature(kind, created, expires_after, fingerprint, key_id)


def read_openpgp_public_key(armored: str) -> OpenPGPKey:
    """The primary key of an armored v4 public key block: its fingerprint, creation time, and the expiry
    and revocation its newest self-signature states. Raises OpenPGPError saying what is wrong."""
    packets = iter(_packets(dearmor(armored)))
    tag, key = next(packets, (None, b""))
    if tag in _SECRET_KEY_TAGS:
        raise PrivateKeyPasted
    if tag != _PUBLIC_KEY:
        raise OpenPGPError("does not start with a public key packet")
    version = _take(key, 0, 1)[0]
    if version != 4:
        raise OpenPGPError(f"is a version {version} key; only version 4 keys (40-digit fingerprints) are accepted")
    created = int.from_bytes(_take(key, 1, 4), "big")
    if len(key) > 0xFFFF:
        raise OpenPGPError(_DAMAGED)
    fingerprint = hashlib.sha1(b"\x99" + len(key).to_bytes(2, "big") + key).digest()
    self_signatures: list[_Signature] = []
    revoked = False
    for tag, body in packets:
        if tag in _SECRET_KEY_TAGS:
            raise PrivateKeyPasted
        if tag == _PUBLIC_KEY:
            raise OpenPGPError("holds more than one key; paste only the key for this EDM server")
        if tag == _SIGNATURE:
            signature = _signature(body)
            if signature is None or not signature.issued_by(fingerprint):
                continue
            if signature.kind == _KEY_REVOCATION:
                revoked = True
            elif signature.kind in _CERTIFICATIONS:
                self_signatures.append(signature)
    if not self_signatures:
        raise OpenPGPError("has no self-signature (no user ID); export it with gpg --armor --export")
    newest = max(self_signatures, key=lambda signature: signature.created)  # the first of equals wins
    created_at = datetime.fromtimestamp(created, UTC)
    expires = created_at + timedelta(seconds=newest.key_expires_after) if newest.key_expires_after else None
    return OpenPGPKey(fingerprint.hex().upper(), created_at, expires, revoked)


def format_fingerprint(fingerprint: str) -> str:
    """40 hex digits in the groups of four gpg --fingerprint shows: 'BBD1 DD65 ... 7356'."""
    return " ".join(fingerprint[index : index + 4] for index in range(0, len(fingerprint), 4))


def _clean_pgp(entered: dict[str, str], cleaned: dict[str, str], problems: dict[str, str], now: datetime) -> None:
    typed = re.sub(r"\s", "", entered["pgp_fingerprint"]).upper()
    if typed and "pgp_fingerprint" not in problems:
        if not re.fullmatch(r"[0-9A-F]{40}", typed):
            problems["pgp_fingerprint"] = "must be 40 hexadecimal digits (spaces allowed), as gpg --fingerprint shows"
        else:
            cleaned["pgp_fingerprint"] = format_fingerprint(typed)
    if not entered["pgp_public_key"] or "pgp_public_key" in problems:
        return
    try:
        key = read_openpgp_public_key(entered["pgp_public_key"])
    except PrivateKeyPasted as error:
        problems["pgp_public_key"] = str(error)
        cleaned["pgp_public_key"] = ""  # never kept, never shown again
        return
    except OpenPGPError as error:
        problems["pgp_public_key"] = str(error)
        return
    if key.revoked:
        problems["pgp_public_key"] = "has been revoked by its owner; provide a current key"
    elif key.expires is not None and key.expires <= now:
        problems["pgp_public_key"] = f"expired on {_day(key.expires)}; extend it or provide a current key"
    cleaned["pgp_key_expires"] = key.expires.isoformat() if key.expires else ""
    if re.fullmatch(r"[0-9A-F]{40}", typed) and typed != key.fingerprint:
        problems["pgp_fingerprint"] = (
            f"does not match the PGP Public Key, whose fingerprint is {format_fingerprint(key.fingerprint)}"
        )


def _day(instant: datetime) -> str:
    return central_text(instant)


# SSL/TLS certificate


def _clean_certificate(
    entered: dict[str, str], cleaned: dict[str, str], problems: dict[str, str], now: datetime
) -> None:
    """One or more PEM certificates, the server's first; the first's not-after date is reported."""
    text = entered["ssl_certificate"]
    if not text or "ssl_certificate" in problems:
        return
    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        problems["ssl_certificate"] = "must be a PEM certificate starting -----BEGIN CERTIFICATE-----"
        return
    cleaned["ssl_certificate"] = "".join(c.public_bytes(Encoding.PEM).decode() for c in certificates).strip()
    cleaned["certificate_expires"] = certificates[0].not_valid_after_utc.isoformat()
    for certificate in certificates:
        subject = certificate.subject.rfc4514_string() or "(no subject)"
        if certificate.not_valid_after_utc <= now:
            problems["ssl_certificate"] = f"for {subject} expired on {_day(certificate.not_valid_after_utc)}"
            return
        if certificate.not_valid_before_utc > now:
            problems["ssl_certificate"] = f"for {subject} is not valid until {_day(certificate.not_valid_before_utc)}"
            return
