"""States, actions and inputs of a Request for Testing Specifications; shared by its workflow and the
testbed service."""

from dataclasses import dataclass, field

from workflows.items import Actor

ITEM_TYPE = "Request for Testing Specifications"

CR = "CR"  # a CR's request, worked by the CR or the Service Provider it selected
TDSP = "TDSP"  # a TDSP's request, which goes on to the test bed

# States, in the guide's words.
PENDING_SPECIFICATIONS = "Pending Testing Specifications"
ERCOT_REVIEW = "ERCOT Review"
TEST_BED_LOADING = "Test Bed Loading"
TEST_BED_REVIEW = "Test Bed Review (ERCOT)"
APPROVED = "Approved"
COMPLETED = "Completed"
CLOSED_STATES = frozenset({APPROVED, COMPLETED})

PROVIDE = "provide"  # Provide/Review Testing Specifications, then OK
APPROVE = "approve"
REJECT = "reject"
ATTACH_TEST_BED = "attach_test_bed"  # Attach and Validate: recorded by the service once the file is valid
SUBMIT_TEST_BED = "submit_test_bed"
LABELS = {
    PROVIDE: "Provide/Review Testing Specifications",
    APPROVE: "Approve",
    REJECT: "Reject",
    ATTACH_TEST_BED: "Attach and Validate",
    SUBMIT_TEST_BED: "Submit",
}

# The form's fields in the order it shows them, with their labels, for the pages and for errors that
# name a field. The last two are derived from the key and the certificate, never typed.
FIELD_LABELS = {
    "edm_url": "EDM Test URL",
    "edm_port": "Port",
    "edm_login": "Login",
    "pgp_public_key": "PGP Public Key",
    "pgp_fingerprint": "PGP Fingerprint",
    "ssl_certificate": "SSL/TLS Certificate",
    "file_naming_convention": "File Naming Convention",
    "testing_contact_name": "Testing Contact Name",
    "testing_contact_email": "Testing Contact Email",
    "testing_contact_phone": "Testing Contact Phone",
    "connectivity_contact_name": "Connectivity Contact Name",
    "connectivity_contact_email": "Connectivity Contact Email",
    "connectivity_contact_phone": "Connectivity Contact Phone",
    "testing_distribution_list_email": "Testing Distribution List Email",
    "pgp_key_expires": "PGP Key Expires",
    "certificate_expires": "Certificate Expires",
}
MULTILINE_FIELDS = frozenset({"pgp_public_key", "ssl_certificate", "file_naming_convention"})

RECORD_ITEM_TRANSITION = "testbed.record_item_transition"


@dataclass
class SpecificationsInput:
    item_id: int
    flight: str
    kind: str  # CR or TDSP
    company_duns: str
    company_name: str
    service_provider_duns: str = ""  # a CR's chosen SP, who may work the request too
    fields: dict[str, str] = field(default_factory=dict)
    opened_seq: int = 1  # the step the opener already recorded


@dataclass
class SpecificationsAction:
    actor: Actor
    fields: dict[str, str] = field(default_factory=dict)
    comment: str = ""


@dataclass
class SpecificationsStatus:
    item_id: int
    state: str
    fields: dict[str, str]
