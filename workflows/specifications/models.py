"""States, actions and inputs of a Request for Testing Specifications; shared by its workflow and the
testbed service."""

from dataclasses import dataclass, field

from workflows import owners
from workflows.items import ActionInput, ItemStatus

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
CANCELLED = "Cancelled (Inactive)"  # the registration it served was cancelled: nothing is left to test

# Actions, as the flow's tables (rules.py) name them.
PROVIDE = "provide"  # Provide/Review Testing Specifications, then OK
APPROVE = "approve"
REJECT = "reject"
ATTACH_TEST_BED = "attach_test_bed"  # Attach and Validate: recorded by the service once the file is valid
SUBMIT_TEST_BED = "submit_test_bed"
CANCEL_REQUEST = "cancel_request"  # the system's, when the registration the request served is cancelled
RUN_EDM_SELF_TEST = "run_edm_self_test"  # FlighTrak sends a test file to the EDM server, as a trading partner would

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
DERIVED_FIELDS = ("pgp_key_expires", "certificate_expires")
ENTERED_FIELDS = tuple(name for name in FIELD_LABELS if name not in DERIVED_FIELDS)  # what Provide/Review asks for

# The last EDM self-test, as the item shows it; set by Run EDM Self-Test only, never typed.
SELF_TEST_LABELS = {
    "edm_self_test": "EDM Self-Test",
    "edm_self_test_failed": "EDM Self-Test Failure",
    "edm_self_test_at": "EDM Self-Test Run",
    "edm_self_test_url": "EDM Self-Test URL",
}

RECORD_ITEM_TRANSITION = owners.TESTBED.record_item_transition
# The system's step when an approved registration behind a request is cancelled: it cancels the request (the table's
# CANCEL_REQUEST) or notes it. Never a person's: no button, and the service forwards only the table's actions.
REGISTRATION_CANCELLED = "registration_cancelled"
# The testbed activity that the registration workflow runs then: what the registration opened is closed.
CLOSE_FOR_CANCELLED_REGISTRATION = "testbed.close_for_cancelled_registration"


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
    # Where this run starts: a request reopened after its registration was cancelled, or a closed one whose
    # cancellation a later run records, starts where its projection stands.
    state: str = PENDING_SPECIFICATIONS


SpecificationsAction = ActionInput
SpecificationsStatus = ItemStatus


@dataclass
class CancelledRegistration:
    """An approved registration, cancelled: the CR's request, its pairings and its TDSP partners' test-bed rows for
    it are closed. Safe to run twice."""

    flight: str
    registration_item_id: int
    cr_duns: str
    cr_name: str
    tdsp_duns: list[str]  # the TDSPs the registration was paired with
    cancelled_by: str  # who cancelled it, as the history rows name them


@dataclass
class RegistrationCancelledStep:
    """What a request records when a registration behind it is cancelled: `close` cancels it (the CR's own, or a
    TDSP's whose only paired CR it was); otherwise the TDSP's request notes it, with its test bed's new row count in
    `fields`. Told twice, recorded once."""

    registration_item_id: int
    close: bool
    comment: str
    fields: dict[str, str] = field(default_factory=dict)


# The EDM self-test: an activity on its own queue (network I/O, never in a workflow), whose failed test is a result.
EDM_SELF_TEST = "testbed.edm_self_test"
EDM_SELF_TEST_TASK_QUEUE = "flightrak-edm-self-test"
PASSED = "Passed"
FAILED = "Failed"


@dataclass
class EdmSelfTestInput:
    """What the test reads of the request: where to send, the certificate trusted for it, the key to encrypt to."""

    item_id: int
    flight: str
    company_duns: str
    edm_url: str
    edm_port: str
    ssl_certificate: str
    pgp_public_key: str
    edm_login: str = ""


@dataclass
class EdmSelfTestResult:
    """The test's outcome: `failed` names the stage that failed (flightrak.edm.STAGES), empty when it passed."""

    url: str
    failed: str = ""
    detail: str = ""
    http_status: int = 0
    request_status: str = ""

    @property
    def passed(self) -> bool:
        return not self.failed
