"""Testing specifications rules (guide §6.1-6.2): every field checked, the PGP key read and matched to its
fingerprint, the certificate's expiry. No database, no Temporal.

Keys come three ways: tests/pgp/*.asc were made by GnuPG 2.2 (their fingerprints and dates below are
what gpg printed, so they check Sequoia's reading against an independent implementation), pysequoia makes
current keys, and `OpenPGPKeyMaker` assembles v4 Ed25519 keys with real signatures for the cases neither
tool makes on request."""

import base64
import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from pysequoia import Tsk

from flightrak import demo_market
from services.testbed import specifications as specs

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PGP = Path(__file__).parent / "pgp"

LONESTAR = "BBD1DD65C9BCE7C826C0858314570A80A4377356"  # ed25519 + cv25519, expires 2030-01-01 12:00 UTC
NO_EXPIRY = "7FC8102D0001BE9BB428295263E404D81787975D"
ONCOR = "907AF35156F0C9F5E1D0E8F0C779B56EE51FA60F"  # rsa3072, 1y then extended on 2024-06-01 by 3y


def fixture_key(name: str) -> str:
    return (PGP / f"{name}.asc").read_text()


# Certificates, made with cryptography


def certificate_pem(not_before: datetime, not_after: datetime, subject: str = "edm.lonestar.example") -> str:
    return demo_market.certificate_pem(not_before, not_after, subject)


CERT_EXPIRES = datetime(2027, 9, 30, 23, 59, 59, tzinfo=UTC)
VALID_CERT = certificate_pem(datetime(2026, 1, 1, tzinfo=UTC), CERT_EXPIRES)


# OpenPGP keys, assembled by hand: v4 Ed25519 (legacy EdDSA, algorithm 22) with signed self-signatures

ED25519_OID = bytes.fromhex("2B06010401DA470F01")


def _length(n: int, five_octets: bool = False) -> bytes:
    if five_octets:
        return b"\xff" + n.to_bytes(4, "big")
    if n < 192:
        return bytes([n])
    n -= 192
    return bytes([(n >> 8) + 192, n & 0xFF])


def packet(tag: int, body: bytes, five_octets: bool = False) -> bytes:
    return bytes([0xC0 | tag]) + _length(len(body), five_octets) + body


def subpacket(kind: int, data: bytes) -> bytes:
    return _length(len(data) + 1) + bytes([kind]) + data


def _mpi(value: bytes) -> bytes:
    value = value.lstrip(b"\0")
    return (int.from_bytes(value, "big").bit_length()).to_bytes(2, "big") + value


def armor(data: bytes, checksum: bool = True, block: str = "PGP PUBLIC KEY BLOCK") -> str:
    encoded = base64.b64encode(data).decode()
    lines = [f"-----BEGIN {block}-----", "Comment: made by test_specifications_rules", ""]
    lines += [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    if checksum:
        lines.append("=" + base64.b64encode(zlib.crc32(data).to_bytes(4, "big")[:3]).decode())  # not checked
    return "\n".join([*lines, f"-----END {block}-----", ""])


class OpenPGPKeyMaker:
    """A primary key and its packets, signed for real so that gpg would import them too."""

    def __init__(self, created: datetime, version: int = 4) -> None:
        self.private = Ed25519PrivateKey.generate()
        public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.body = (
            bytes([version])
            + int(created.timestamp()).to_bytes(4, "big")
            + bytes([22, len(ED25519_OID)])
            + ED25519_OID
            + _mpi(b"\x40" + public)
        )
        self.fingerprint = hashlib.sha1(b"\x99" + len(self.body).to_bytes(2, "big") + self.body).digest()
        self.packets = [packet(6, self.body)]

    def signature(
        self,
        kind: int,
        created: datetime,
        signed: bytes = b"",
        expires_after: int | None = None,
        issuer=None,
        issuer_fingerprint: bool = True,
        unhashed_extra: bytes = b"",
    ) -> bytes:
        """A v4 signature by `issuer` (this key by default) over this key and `signed`. Older tools name
        the issuer by key ID alone (issuer_fingerprint=False)."""
        issuer = issuer or self
        hashed = subpacket(2, int(created.timestamp()).to_bytes(4, "big"))
        if issuer_fingerprint:
            hashed = subpacket(33, b"\x04" + issuer.fingerprint) + hashed
        if expires_after is not None:
            hashed += subpacket(9, expires_after.to_bytes(4, "big"))
        head = bytes([4, kind, 22, 8]) + len(hashed).to_bytes(2, "big") + hashed
        trailer = b"\x04\xff" + len(head).to_bytes(4, "big")
        key = b"\x99" + len(self.body).to_bytes(2, "big") + self.body
        digest = hashlib.sha256(key + signed + head + trailer).digest()
        raw = issuer.private.sign(digest)
        unhashed = subpacket(16, issuer.fingerprint[-8:]) + unhashed_extra
        return packet(
            2, head + len(unhashed).to_bytes(2, "big") + unhashed + digest[:2] + _mpi(raw[:32]) + _mpi(raw[32:])
        )

    def user_id(self, text: str, *certifications: tuple[datetime, int | None], by=None) -> "OpenPGPKeyMaker":
        uid = text.encode()
        self.packets.append(packet(13, uid))
        for created, expires_after in certifications:
            signed = b"\xb4" + len(uid).to_bytes(4, "big") + uid
            self.packets.append(self.signature(0x13, created, signed, expires_after, issuer=by))
        return self

    def revoke(self, created: datetime) -> "OpenPGPKeyMaker":
        self.packets.insert(1, self.signature(0x20, created))
        return self

    def subkey(self, created: datetime, expires_after: int) -> "OpenPGPKeyMaker":
        sub = OpenPGPKeyMaker(created)
        sub_packet = packet(14, sub.body)
        signed = b"\x99" + len(sub.body).to_bytes(2, "big") + sub.body
        self.packets += [sub_packet, self.signature(0x18, created, signed, expires_after)]
        return self

    def armored(self, checksum: bool = True) -> str:
        return armor(b"".join(self.packets), checksum)

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex().upper()


CREATED = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 365 * 24 * 3600


def good_raw(**overrides: str) -> dict[str, str]:
    raw = {
        "edm_url": "https://edm.lonestar.example:8443/naesb/test",
        "edm_port": "",
        "edm_login": "ercot_flight_0626",
        "pgp_public_key": fixture_key("lonestar_ed25519"),
        "pgp_fingerprint": "bbd1 dd65 c9bc e7c8 26c0  8583 1457 0a80 a437 7356",
        "ssl_certificate": VALID_CERT,
        "file_naming_convention": "LONESTAR_<transaction>_<YYYYMMDDHHMMSS>.edi",
        "testing_contact_name": "Pat Doe",
        "testing_contact_email": "Pat.Doe@LoneStar.example",
        "testing_contact_phone": "(512) 555 0100",
        "connectivity_contact_name": "Sam Roe",
        "connectivity_contact_email": "sam.roe@lonestar.example",
        "connectivity_contact_phone": "+1 214.555.0199",
        "testing_distribution_list_email": "flight-testing@lonestar.example",
    }
    return raw | overrides


def problems_of(now: datetime = NOW, **overrides: str) -> dict[str, str]:
    return specs.clean_specifications(good_raw(**overrides), now)[1]


# The whole form


def test_good_specifications_are_kept_with_their_derived_expiry_dates():
    cleaned, problems = specs.clean_specifications(good_raw(), NOW)
    assert problems == {}
    assert list(cleaned) == list(specs.FIELD_LABELS)
    assert cleaned["edm_port"] == "8443"  # from the URL
    assert cleaned["pgp_fingerprint"] == "BBD1 DD65 C9BC E7C8 26C0 8583 1457 0A80 A437 7356"
    assert cleaned["pgp_key_expires"] == "2030-01-01T12:00:00+00:00"
    assert cleaned["certificate_expires"] == CERT_EXPIRES.isoformat()
    assert cleaned["ssl_certificate"] == VALID_CERT.strip()
    assert cleaned["testing_contact_email"] == "pat.doe@lonestar.example"
    assert cleaned["testing_contact_phone"] == "512-555-0100"
    assert cleaned["connectivity_contact_phone"] == "214-555-0199"


def test_every_missing_field_is_named_at_once():
    cleaned, problems = specs.clean_specifications({}, NOW)
    assert set(problems) == specs.REQUIRED_FIELDS
    assert set(problems.values()) == {"is required"}
    assert "edm_port" not in problems and "file_naming_convention" in problems
    assert "testing_distribution_list_email" in problems
    assert set(cleaned) == set(specs.FIELD_LABELS)


def test_many_problems_are_reported_together():
    problems = problems_of(
        edm_url="http://edm.lonestar.example/test",
        pgp_fingerprint=NO_EXPIRY,
        testing_contact_email="pat at lonestar",
        connectivity_contact_phone="555-0100",
        testing_distribution_list_email="",
    )
    assert set(problems) == {
        "edm_url",
        "pgp_fingerprint",
        "testing_contact_email",
        "connectivity_contact_phone",
        "testing_distribution_list_email",
    }


def test_derived_and_unknown_fields_are_not_taken_from_the_form():
    cleaned, problems = specs.clean_specifications(
        good_raw(pgp_key_expires="2099-01-01", certificate_expires="2099-01-01", password="hunter2"), NOW
    )
    assert problems == {}
    assert cleaned["pgp_key_expires"] == "2030-01-01T12:00:00+00:00"
    assert cleaned["certificate_expires"] == CERT_EXPIRES.isoformat()
    assert "password" not in cleaned


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError):
        specs.clean_specifications(good_raw(), datetime(2026, 11, 23))


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("edm_login", "ercot\nadmin", "must be one line: it holds a tab or line break at character 6"),
        ("edm_url", "https://edm.example/\x07", "holds a control character (U+0007) at character 21; remove it"),
        ("testing_contact_name", "x" * 81, "must be at most 80 characters"),
        ("pgp_public_key", "x" * 64_001, "must be at most 64,000 characters"),
        ("edm_url", "https://edm.example/" + "x" * 2_048, "must be at most 2,048 characters"),
        ("connectivity_contact_email", "sam@", "is not a valid email address"),
        ("testing_contact_phone", "512-555-01OO", "must be a 10-digit North American number"),
        ("testing_distribution_list_email", "list@@lonestar.example", "is not a valid email address"),
    ],
)
def test_plain_fields_name_their_problem(name, value, problem):
    assert problems_of(**{name: value})[name].startswith(problem)


def test_the_file_naming_convention_is_free_text_over_several_lines():
    convention = "Inbound: LONESTAR_<txn>_<date>.edi\nOutbound:\tERCOT_<txn>.edi"
    cleaned, problems = specs.clean_specifications(good_raw(file_naming_convention=convention), NOW)
    assert problems == {}
    assert cleaned["file_naming_convention"] == convention


# EDM test URL and port


@pytest.mark.parametrize(
    "url",
    [
        "https://edm.lonestar.example/naesb",
        "HTTPS://EDM.LoneStar.example:8443",
        "https://203.0.113.10:4443/edm",
        "https://[2001:db8::10]:8443/edm",
        "https://edm.lonestar.example.",
    ],
)
def test_https_urls_are_accepted(url):
    assert "edm_url" not in problems_of(edm_url=url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://edm.lonestar.example/naesb", "must start with https://"),
        ("ftp://edm.lonestar.example", "must start with https://"),
        ("edm.lonestar.example/naesb", "must start with https://"),
        ("https://", "must name a host"),
        ("https:///naesb", "must name a host"),
        ("https://edm/naesb", "must name a host"),
        ("https://edm_server.example", "must name a host"),
        ("https://-edm.example", "must name a host"),
        ("https://10.0.0", "must name a host"),
        ("https://ercot:secret@edm.lonestar.example", "must not contain a login or password"),
        ("https://edm.lonestar.example/naesb test", "must not contain spaces"),
        ("https://edm.lonestar.example:0/", "has a port that is not a number from 1 to 65535"),
        ("https://edm.lonestar.example:70000/", "has a port that is not a number from 1 to 65535"),
        ("https://edm.lonestar.example:https/", "has a port that is not a number from 1 to 65535"),
        ("https://[2001:db8::10/edm", "is not a valid URL"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url, problem):
    assert problems_of(edm_url=url)["edm_url"].startswith(problem)


@pytest.mark.parametrize(
    ("url", "port", "kept"),
    [
        ("https://edm.lonestar.example/naesb", "", "443"),
        ("https://edm.lonestar.example/naesb", "8443", "8443"),
        ("https://edm.lonestar.example:8443/naesb", "", "8443"),
        ("https://edm.lonestar.example:8443/naesb", "08443", "8443"),
        ("https://edm.lonestar.example:8443/naesb", " 8443 ", "8443"),
    ],
)
def test_the_port_comes_from_the_field_or_the_url_or_https(url, port, kept):
    cleaned, problems = specs.clean_specifications(good_raw(edm_url=url, edm_port=port), NOW)
    assert problems == {}
    assert cleaned["edm_port"] == kept


def test_a_port_that_disagrees_with_the_url_is_refused():
    problems = problems_of(edm_url="https://edm.lonestar.example:8443/naesb", edm_port="443")
    assert problems == {"edm_port": "is 443 but the EDM Test URL says port 8443; make them agree"}


@pytest.mark.parametrize("port", ["0", "65536", "eighty", "-1", "８４４３", "84 43"])
def test_ports_outside_1_to_65535_are_refused(port):
    assert problems_of(edm_port=port)["edm_port"] == "must be a number from 1 to 65535"


# PGP keys made by gpg


@pytest.mark.parametrize(
    ("name", "fingerprint", "created", "expires"),
    [
        ("lonestar_ed25519", LONESTAR, datetime(2025, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 12, tzinfo=UTC)),
        ("no_expiry_ed25519", NO_EXPIRY, datetime(2025, 3, 1, tzinfo=UTC), None),
        ("oncor_rsa3072", ONCOR, datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)),
        ("oncor_rsa3072_before_extension", ONCOR, datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)),
    ],
)
def test_gpg_keys_read_as_gpg_reads_them(name, fingerprint, created, expires):
    key = specs.read_openpgp_public_key(fixture_key(name))
    assert (key.fingerprint, key.created, key.expires, key.revoked) == (fingerprint, created, expires, False)
    assert len(key.encryption_keys) == 1 and len(key.user_ids) == 1


def test_a_generated_key_reads_its_user_id_and_encryption_subkey():
    tsk = Tsk.generate("Lone Star EDM <edm@lonestar.example>", validity_seconds=YEAR)
    key = specs.read_openpgp_public_key(str(tsk.extract_certificate()))
    assert key.user_ids == ("Lone Star EDM <edm@lonestar.example>",)
    assert key.encryption_problem(key.created) is None
    assert key.encryption_problem(key.created + timedelta(seconds=YEAR)) is not None


def test_a_key_that_never_expires_is_accepted_with_no_expiry_date():
    cleaned, problems = specs.clean_specifications(
        good_raw(pgp_public_key=fixture_key("no_expiry_ed25519"), pgp_fingerprint=NO_EXPIRY.lower()), NOW
    )
    assert problems == {}
    assert cleaned["pgp_key_expires"] == ""


def test_a_fingerprint_that_does_not_match_the_key_is_refused_and_the_keys_own_is_shown():
    problems = problems_of(pgp_fingerprint=ONCOR)
    assert problems == {
        "pgp_fingerprint": "does not match the PGP Public Key, whose fingerprint is "
        "BBD1 DD65 C9BC E7C8 26C0 8583 1457 0A80 A437 7356"
    }


@pytest.mark.parametrize(
    "fingerprint",
    ["BBD1 DD65 C9BC E7C8 26C0 8583 1457 0A80 A437", "0x" + LONESTAR, LONESTAR[:-1] + "G", "BBD1:DD65:" + LONESTAR[8:]],
)
def test_a_fingerprint_that_is_not_40_hex_digits_is_refused(fingerprint):
    assert problems_of(pgp_fingerprint=fingerprint) == {
        "pgp_fingerprint": "must be 40 hexadecimal digits (spaces allowed), as gpg --fingerprint shows"
    }


def test_an_expired_key_is_refused_and_so_is_an_extension_that_left_its_encryption_subkey_expired():
    problems = problems_of(pgp_public_key=fixture_key("oncor_rsa3072_before_extension"), pgp_fingerprint=ONCOR)
    assert problems == {"pgp_public_key": "expired on 2024-12-30 18:00 CST; extend it or provide a current key"}
    # gpg --quick-set-expire without '*' extended the primary key only: no file can be encrypted to it after 2024.
    extended = problems_of(pgp_public_key=fixture_key("oncor_rsa3072"), pgp_fingerprint=ONCOR)
    assert extended["pgp_public_key"].startswith("has its encryption subkey expired on 2024-12-30 18:01 CST")
    before = datetime(2024, 12, 30, tzinfo=UTC)
    assert "pgp_public_key" not in problems_of(
        before, pgp_public_key=fixture_key("oncor_rsa3072"), pgp_fingerprint=ONCOR
    )


def test_a_key_pasted_with_windows_line_ends_and_indentation_is_read():
    pasted = "\r\n".join("   " + line for line in fixture_key("oncor_rsa3072").splitlines())
    assert specs.read_openpgp_public_key(pasted).fingerprint == ONCOR


# Armor and packets


def _checksum_line_index(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("="))


def test_the_armor_checksum_is_not_what_protects_the_key():
    """RFC 9580 (and Sequoia) do not check the CRC24: the self-signatures are checked instead."""
    lines = fixture_key("lonestar_ed25519").splitlines()
    index = _checksum_line_index(lines)
    lines[index] = "=AAAA" if lines[index] != "=AAAA" else "=BBBB"
    assert problems_of(pgp_public_key="\n".join(lines)) == {}


def test_a_key_changed_in_transit_fails_its_self_signature():
    lines = fixture_key("lonestar_ed25519").splitlines()
    body = lines[3]
    lines[3] = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    problems = problems_of(pgp_public_key="\n".join(lines))
    assert problems["pgp_public_key"].startswith("has no valid self-signature: it was changed or damaged")


def test_the_checksum_is_optional_as_rfc_9580_allows():
    lines = fixture_key("lonestar_ed25519").splitlines()
    del lines[_checksum_line_index(lines)]
    assert specs.read_openpgp_public_key("\n".join(lines)).fingerprint == LONESTAR


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not a key at all", "must be an ASCII-armored key starting -----BEGIN PGP PUBLIC KEY BLOCK-----"),
        ("pub   rsa3072 2024-01-01 [SC]\n      907AF35156F0C9F5E1D0E8F0C779B56EE51FA60F", "must be an ASCII-armored"),
        ("-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----", "must be an ASCII-armored"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ3SFgBYJKwYBBAHaRw8B", "must end with -----END PGP PUBLIC KEY"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot*base64!\n-----END PGP PUBLIC KEY BLOCK-----", "is not valid"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----", "holds no key"),
        (armor(b"\x00\x01\x02"), "is not an OpenPGP key (a packet header is invalid)"),
        (armor(packet(13, b"Lone Star")), "does not start with a public key packet"),
        (armor(bytes([0xC6, 50]) + b"\x04" * 10), "is damaged or incomplete"),
        (armor(bytes([0xC6, 0xE1]) + b"\x04" * 10), "is damaged or incomplete"),  # a partial length
    ],
)
def test_text_that_is_not_a_public_key_is_refused(text, problem):
    assert problems_of(pgp_public_key=text)["pgp_public_key"].startswith(problem)


def test_a_truncated_key_is_refused():
    data = base64.b64decode("".join(fixture_key("oncor_rsa3072").splitlines()[2:-2]))
    assert problems_of(pgp_public_key=armor(data[:-40]))["pgp_public_key"].startswith("is damaged or incomplete")


def test_a_private_key_is_refused_and_never_kept():
    pasted = armor(b"\x95\x01\x02", block="PGP PRIVATE KEY BLOCK")
    cleaned, problems = specs.clean_specifications(good_raw(pgp_public_key=pasted), NOW)
    assert problems["pgp_public_key"].startswith("holds a private key: never share it")
    assert cleaned["pgp_public_key"] == ""
    # A secret key in a block labelled public: Sequoia finds the secret key material.
    relabelled = str(Tsk.generate("Lone Star")).replace("PRIVATE KEY BLOCK", "PUBLIC KEY BLOCK")
    cleaned, problems = specs.clean_specifications(good_raw(pgp_public_key=relabelled), NOW)
    assert problems["pgp_public_key"].startswith("holds a private key")
    assert cleaned["pgp_public_key"] == ""


# Keys assembled by hand


def test_a_hand_made_key_with_new_format_and_long_lengths_reads():
    maker = OpenPGPKeyMaker(CREATED).user_id("L" * 300, (CREATED, 2 * YEAR))
    maker.packets.append(packet(13, b"Lone Star <edm@lonestar.example>", five_octets=True))
    key = specs.read_openpgp_public_key(maker.armored())
    assert key.fingerprint == maker.fingerprint_hex
    assert key.expires == CREATED + timedelta(seconds=2 * YEAR)


def test_the_newest_self_signature_states_the_expiry_whatever_its_place():
    extended, original = (CREATED + timedelta(days=100), 3 * YEAR), (CREATED, YEAR)
    for order in ((original, extended), (extended, original)):
        maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", *order)
        assert specs.read_openpgp_public_key(maker.armored()).expires == CREATED + timedelta(seconds=3 * YEAR)
    maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", original, (CREATED + timedelta(days=100), None))
    assert specs.read_openpgp_public_key(maker.armored()).expires is None  # expiry removed


def test_subkey_and_third_party_signatures_do_not_set_the_primary_keys_expiry():
    other = OpenPGPKeyMaker(CREATED)
    maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", (CREATED, 5 * YEAR))
    maker.user_id("Lone Star Ops", (CREATED + timedelta(days=9), YEAR), by=other)
    maker.subkey(CREATED + timedelta(days=10), YEAR)
    key = specs.read_openpgp_public_key(maker.armored())
    assert key.expires == CREATED + timedelta(seconds=5 * YEAR)


def test_a_self_signature_naming_its_issuer_by_key_id_alone_counts():
    maker = OpenPGPKeyMaker(CREATED)
    uid = b"Lone Star"
    maker.packets += [
        packet(13, uid),
        maker.signature(0x13, CREATED, b"\xb4" + len(uid).to_bytes(4, "big") + uid, YEAR, issuer_fingerprint=False),
    ]
    assert specs.read_openpgp_public_key(maker.armored()).expires == CREATED + timedelta(seconds=YEAR)


def test_an_expiry_outside_the_signed_part_of_a_signature_is_ignored():
    maker = OpenPGPKeyMaker(CREATED)
    uid = b"Lone Star"
    unsigned_expiry = subpacket(9, YEAR.to_bytes(4, "big"))
    signed = b"\xb4" + len(uid).to_bytes(4, "big") + uid
    maker.packets += [packet(13, uid), maker.signature(0x13, CREATED, signed, unhashed_extra=unsigned_expiry)]
    assert specs.read_openpgp_public_key(maker.armored()).expires is None


def test_a_revoked_subkey_does_not_revoke_the_key():
    maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", (CREATED, None)).subkey(CREATED, YEAR)
    maker.packets.append(maker.signature(0x28, CREATED + timedelta(days=1)))
    assert not specs.read_openpgp_public_key(maker.armored()).revoked


def test_a_revoked_key_is_refused():
    maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", (CREATED, None)).revoke(CREATED + timedelta(days=30))
    problems = problems_of(pgp_public_key=maker.armored(), pgp_fingerprint=maker.fingerprint_hex)
    assert problems == {"pgp_public_key": "has been revoked by its owner; provide a current key"}


def test_a_revocation_by_someone_else_does_not_revoke():
    other = OpenPGPKeyMaker(CREATED)
    maker = OpenPGPKeyMaker(CREATED).user_id("Lone Star", (CREATED, None))
    maker.packets.insert(1, maker.signature(0x20, CREATED, issuer=other))
    assert not specs.read_openpgp_public_key(maker.armored()).revoked


def test_a_key_without_a_self_signature_is_refused():
    maker = OpenPGPKeyMaker(CREATED)
    maker.packets.append(packet(13, b"Lone Star"))
    with pytest.raises(specs.OpenPGPError, match="has no valid self-signature"):
        specs.read_openpgp_public_key(maker.armored())


def test_only_version_4_keys_are_accepted():
    maker = OpenPGPKeyMaker(CREATED, version=5).user_id("Lone Star", (CREATED, None))
    with pytest.raises(specs.OpenPGPError, match="is not a version 4 key"):
        specs.read_openpgp_public_key(maker.armored())


def test_a_block_of_two_keys_is_refused():
    first = OpenPGPKeyMaker(CREATED).user_id("Lone Star", (CREATED, None))
    second = OpenPGPKeyMaker(CREATED).user_id("Someone Else", (CREATED, None))
    with pytest.raises(specs.OpenPGPError, match="holds more than one key"):
        specs.read_openpgp_public_key(armor(b"".join(first.packets + second.packets)))


def test_an_expired_key_is_refused_at_the_second_it_expires():
    public = Tsk.generate("Lone Star", validity_seconds=YEAR).extract_certificate()
    expiry = specs.read_openpgp_public_key(str(public)).expires
    assert expiry is not None
    raw = {"pgp_public_key": str(public), "pgp_fingerprint": public.fingerprint}
    assert "pgp_public_key" not in problems_of(expiry - timedelta(seconds=1), **raw)
    assert "pgp_public_key" in problems_of(expiry, **raw)


# SSL/TLS certificates


def test_a_valid_certificate_is_accepted_and_its_expiry_reported():
    cleaned, problems = specs.clean_specifications(good_raw(), NOW)
    assert "ssl_certificate" not in problems
    assert cleaned["certificate_expires"] == "2027-09-30T23:59:59+00:00"


def test_an_expired_certificate_is_refused():
    expired = certificate_pem(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    cleaned, problems = specs.clean_specifications(good_raw(ssl_certificate=expired), NOW)
    assert problems == {"ssl_certificate": "for CN=edm.lonestar.example expired on 2024-12-31 18:00 CST"}
    assert cleaned["certificate_expires"] == "2025-01-01T00:00:00+00:00"


def test_a_certificate_not_yet_valid_is_refused():
    future = certificate_pem(datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert problems_of(ssl_certificate=future) == {
        "ssl_certificate": "for CN=edm.lonestar.example is not valid until 2026-12-31 18:00 CST"
    }


def test_a_chain_reports_the_servers_expiry_and_refuses_an_expired_issuer():
    issuer = certificate_pem(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), "Lone Star CA")
    cleaned, problems = specs.clean_specifications(good_raw(ssl_certificate=VALID_CERT + issuer), NOW)
    assert cleaned["certificate_expires"] == CERT_EXPIRES.isoformat()
    assert problems == {"ssl_certificate": "for CN=Lone Star CA expired on 2025-12-31 18:00 CST"}


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----",
        fixture_key("lonestar_ed25519"),
    ],
)
def test_text_that_is_not_a_pem_certificate_is_refused(text):
    assert problems_of(ssl_certificate=text) == {
        "ssl_certificate": "must be a PEM certificate starting -----BEGIN CERTIFICATE-----"
    }


def test_a_certificate_pasted_with_its_private_key_is_refused_and_never_kept():
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    cleaned, problems = specs.clean_specifications(good_raw(ssl_certificate=VALID_CERT + pem), NOW)
    assert problems == {"ssl_certificate": "holds a private key: never share it; paste only the certificate(s)"}
    assert cleaned["ssl_certificate"] == "" and cleaned["certificate_expires"] == ""


def test_every_field_has_a_label():
    assert set(specs.FIELD_LABELS) == set(specs.ENTERED_FIELDS) | set(specs.DERIVED_FIELDS)
    assert all(specs.FIELD_LABELS.values())


def test_a_private_key_is_never_kept_even_when_the_field_has_other_problems():
    pasted = armor(b"\x95\x01\x02" * 40_000, block="PGP PRIVATE KEY BLOCK")
    cleaned, problems = specs.clean_specifications(good_raw(pgp_public_key=pasted), NOW)
    assert problems["pgp_public_key"].startswith("holds a private key")
    assert cleaned["pgp_public_key"] == ""
