"""Testing specifications rules (guide §6.1-6.2): the NAESB EDM specifications and the testing and
connectivity contacts that a CR, its SP or a TDSP provides, every field checked and every problem named
at once. The PGP key is read by Sequoia-PGP (pysequoia), which verifies its self-signatures; a key must be
version 4, current, unrevoked and able to encrypt (the EDM self-test encrypts to it). No I/O."""

import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from flightrak import boundary
from flightrak.contacts import clean_email, normalize_phone
from flightrak.market_time import central_text
from workflows.specifications import models as requests

if TYPE_CHECKING:
    from pysequoia import Cert

FIELD_LABELS = requests.FIELD_LABELS
DERIVED_FIELDS = requests.DERIVED_FIELDS
ENTERED_FIELDS = requests.ENTERED_FIELDS
OPTIONAL_FIELDS = frozenset({"edm_port"})  # the URL's port, or 443, when not given
REQUIRED_FIELDS = frozenset(ENTERED_FIELDS) - OPTIONAL_FIELDS
EMAIL_FIELDS = ("testing_contact_email", "connectivity_contact_email", "testing_distribution_list_email")
PHONE_FIELDS = ("testing_contact_phone", "connectivity_contact_phone")
MULTILINE_FIELDS = requests.MULTILINE_FIELDS

HTTPS_PORT = 443
# The specifications' own limits; every other field has the one it has wherever it is typed (flightrak.boundary).
_MAX_LENGTH = {
    "edm_login": 128,
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
        elif len(value) > (limit := _MAX_LENGTH.get(name) or boundary.max_length(name)):
            problems[name] = f"must be at most {limit:,} characters"
        elif problem := boundary.plain_text_problem(value, multiline=name in MULTILINE_FIELDS):
            problems[name] = problem

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


# PGP public key and fingerprint, read by Sequoia-PGP (pysequoia): it parses the packets and verifies the
# self-signatures; what is checked here is what an EDM partner needs of the key.


class OpenPGPError(ValueError):
    """Why a text is not a usable OpenPGP public key; reads after the field's label."""


class PrivateKeyPasted(OpenPGPError):
    """Someone pasted a private key where the public one belongs: refused, and never kept."""

    def __init__(self) -> None:
        super().__init__(NEVER_SHARE_PRIVATE_KEY)


@dataclass(frozen=True)
class EncryptionKey:
    """A key of the certificate that may encrypt (the primary or a subkey), as its newest binding states."""

    fingerprint: str
    expires: datetime | None
    revoked: bool = False

    def usable(self, now: datetime) -> bool:
        return not self.revoked and (self.expires is None or self.expires > now)


@dataclass(frozen=True)
class OpenPGPKey:
    fingerprint: str  # 40 uppercase hex digits (v4)
    created: datetime
    expires: datetime | None  # None: the key does not expire
    revoked: bool
    user_ids: tuple[str, ...] = ()
    encryption_keys: tuple[EncryptionKey, ...] = ()

    def encryption_problem(self, now: datetime) -> str | None:
        """Why no file could be encrypted to this key at `now`, or None when one of its keys may encrypt."""
        if any(key.usable(now) for key in self.encryption_keys):
            return None
        if not self.encryption_keys:
            return "has no encryption subkey, so no file can be encrypted to it; export the key with its subkeys"
        newest = max(self.encryption_keys, key=lambda key: key.expires or now)
        if newest.revoked:
            return "has its encryption subkey revoked; provide a key with a current encryption subkey"
        assert newest.expires is not None
        return (
            f"has its encryption subkey expired on {_day(newest.expires)}; extend the subkey too "
            "(gpg --quick-set-expire <fingerprint> <expiry> '*') or provide a current key"
        )


PUBLIC_KEY_BLOCK = "PGP PUBLIC KEY BLOCK"
NEVER_SHARE_PRIVATE_KEY = f"holds a private key: never share it; {_PASTE_INSTEAD['pgp_public_key']}"
_DAMAGED = "is damaged or incomplete; paste the whole output of gpg --armor --export again"
# What Sequoia says, as the form words it: the first of these found in its error wins.
_SEQUOIA_ERRORS = (
    (
        "No binding signature",
        "has no valid self-signature: it was changed or damaged when copied, or has no user "
        "ID; paste the whole output of gpg --armor --export again",
    ),
    ("unknown version", "is not a version 4 key; only version 4 keys (40-digit fingerprints) are accepted"),
    ("Additional packets", _DAMAGED),
    ("Truncated", _DAMAGED),
    ("unexpected EOF", _DAMAGED),
    ("Expected one of PUBLIC_KEY", "does not start with a public key packet"),
    ("Malformed CTB", "is not an OpenPGP key (a packet header is invalid)"),
)


def _armor_envelope(text: str) -> str:
    """The pasted block, its lines trimmed, once its first and last lines say it is a public key block: Sequoia
    reads the rest (the armor checksum, optional under RFC 9580, is not needed: the signatures are checked)."""
    lines = [line.strip() for line in _text(text).split("\n")]
    begin = lines[0] if lines else ""
    if begin == "-----BEGIN PGP PRIVATE KEY BLOCK-----":
        raise PrivateKeyPasted
    if begin != f"-----BEGIN {PUBLIC_KEY_BLOCK}-----":
        said = f" (it starts {begin[:40]!r})" if begin.startswith("-----BEGIN") else ""
        raise OpenPGPError(f"must be an ASCII-armored key starting -----BEGIN {PUBLIC_KEY_BLOCK}-----{said}")
    if lines[-1] != f"-----END {PUBLIC_KEY_BLOCK}-----":
        raise OpenPGPError(f"must end with -----END {PUBLIC_KEY_BLOCK}-----; paste the whole key")
    body = [line for line in lines[1:-1] if line and ":" not in line and not line.startswith("=")]
    if not body:
        raise OpenPGPError("holds no key")
    if not re.fullmatch(r"[A-Za-z0-9+/=]*", "".join(body)):
        raise OpenPGPError("is not valid ASCII armor (bad base64); paste the key exactly as exported")
    return "\n".join(lines) + "\n"


def _sequoia_error(error: Exception) -> OpenPGPError:
    said = str(error)
    for words, problem in _SEQUOIA_ERRORS:
        if words in said:
            return OpenPGPError(problem)
    first = said.split("\n", 1)[0].strip()[:120]
    return OpenPGPError(f"is not a usable OpenPGP key ({first})")


def parse_certificate(armored: str) -> "Cert":
    """The one public key (Sequoia's Cert) an armored block holds. Raises OpenPGPError saying what is wrong."""
    from pysequoia import Cert

    data = _armor_envelope(armored).encode()
    try:
        found = Cert.split_bytes(data)
    except (RuntimeError, ValueError) as error:
        raise _sequoia_error(error) from None
    if len(found) > 1:
        raise OpenPGPError("holds more than one key; paste only the key for this EDM server")
    try:
        cert = Cert.from_bytes(data)
    except (RuntimeError, ValueError) as error:
        raise _sequoia_error(error) from None
    if cert.has_secret_keys:
        raise PrivateKeyPasted
    return cert


def read_openpgp_public_key(armored: str) -> OpenPGPKey:
    """The key an armored v4 public key block holds, read by Sequoia (its self-signatures verified): fingerprint,
    creation, expiry, revocation, user IDs and the keys that may encrypt. Raises OpenPGPError saying what is
    wrong."""
    cert = parse_certificate(armored)
    if len(cert.fingerprint) != 40:
        raise OpenPGPError("is a version 6 key; only version 4 keys (40-digit fingerprints) are accepted")
    created, encryption_keys, self_revoked = _key_facts(cert)
    try:  # Sequoia validates the key under its policy as it answers these
        user_ids = tuple(str(user_id) for user_id in cert.user_ids)
        # pysequoia counts a revocation by anyone; only the key's own (or its designated revoker's) revokes it.
        expires, revoked = cert.expiration, cert.is_revoked and self_revoked
    except (RuntimeError, ValueError) as error:
        raise _sequoia_error(error) from None
    return OpenPGPKey(cert.fingerprint.upper(), created, expires, revoked, user_ids, encryption_keys)


def _key_facts(cert: "Cert") -> tuple[datetime, tuple[EncryptionKey, ...], bool]:
    """The primary key's creation, each key whose newest binding lets it encrypt, and whether the key revoked
    itself, read from the packets of Sequoia's canonical certificate (signatures that do not verify are not in
    it)."""
    from pysequoia.packet import PacketPile, SignatureType, Tag

    created: datetime | None = None
    key_fingerprint, key_created = "", None
    newest: dict[str, tuple[datetime, EncryptionKey | None]] = {}
    revoked: set[str] = set()
    for packet in PacketPile.from_bytes(bytes(cert)):
        if packet.tag in (Tag.PublicKey, Tag.PublicSubkey):
            key_fingerprint, key_created = packet.fingerprint or "", packet.key_created
            created = created or key_created
        elif packet.tag == Tag.Signature and key_created is not None:
            kind = packet.signature_type
            if kind in (SignatureType.SubkeyRevocation, SignatureType.KeyRevocation):
                issuer = (packet.issuer_fingerprint or "").lower()
                key_id = (packet.issuer_key_id or "").lower()
                primary = (cert.fingerprint or "").lower()
                if issuer == primary or (not issuer and key_id and primary.endswith(key_id)):
                    revoked.add(key_fingerprint)
                continue
            flags, signed = packet.key_flags, packet.signature_created
            if flags is None or signed is None or key_fingerprint in newest and newest[key_fingerprint][0] > signed:
                continue
            period = packet.key_validity_period
            expires = key_created + period if period else None
            encrypts = flags.transport_encryption or flags.storage_encryption
            newest[key_fingerprint] = (signed, EncryptionKey(key_fingerprint.upper(), expires) if encrypts else None)
    if created is None:
        raise OpenPGPError("does not start with a public key packet")
    keys = [key for _, key in newest.values() if key is not None]
    encrypting = tuple(replace(key, revoked=key.fingerprint.lower() in revoked) for key in keys)
    return created, encrypting, cert.fingerprint.lower() in revoked


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
    elif (unusable := key.encryption_problem(now)) is not None:
        problems["pgp_public_key"] = unusable
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
